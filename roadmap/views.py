"""Browser pages of the sales ↔ product flow. Thin: ``roadmap.selectors`` read, services
change state. For now the request page (title, status, revenue figures, demands, history,
promises); the roadmap, queue and impact pages build on the same selectors."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from collab_hub.tenancy import TenantRequest, tenant_view
from roadmap import selectors


@tenant_view
def feature_request_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """One feature request: its revenue at stake, demands, status history and promises."""
    feature_request = selectors.feature_request_detail(request.membership, pk)
    if feature_request is None:
        raise Http404
    context = {
        "feature_request": feature_request,
        "demands": selectors.demands_of(feature_request),
        "history": selectors.status_history(feature_request),
        "promises": selectors.promises_of_request(feature_request),
    }
    return render(request, "roadmap/feature_request_detail.html", context)
