"""The roadmap's panels on the leads flow's pages (``collab_hub.panels``), registered by
``RoadmapConfig``: a deal's promises with their live status and the "record a promise"
form, "Raise a demand" on deals and companies, the win page's warning about a promise
product has not decided, the lose form's feature-request picker, and a company's demands.

Each ``context`` costs one or two queries, whatever the number of rows it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Case, F, When

from accounts.policy import can
from collab_hub.panels import Panel
from roadmap import selectors
from roadmap.forms import PromiseForm
from roadmap.models import Demand, DemandKind, PromiseStatus

if TYPE_CHECKING:
    from django.http import HttpRequest

# The lose form's picker: requests listed before any search.


class DealPromises(Panel):
    """The deal page: what sales promised on it, each with its request's live status, and
    for sales on an open deal the form to record another."""

    name = "roadmap.deal_promises"
    slot = "deal.detail"
    permission = "roadmap.view"
    order = 10
    template = "roadmap/panels/deal_promises.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        membership = getattr(request, "membership", None)
        if membership is None:
            return None
        promises = list(selectors.promises_of_deal(obj))
        may_promise = obj.is_open and can(membership, "roadmap.promise", obj)
        if not promises and not may_promise:
            return None
        form = PromiseForm(membership=membership, auto_id="promise-%s") if may_promise else None
        return {"promises": promises, "promise_form": form}


class DealRaiseDemand(Panel):
    """The deal page's actions: "Raise a demand" (blocking, on this open deal)."""

    name = "roadmap.deal_raise_demand"
    slot = "deal.actions"
    permission = "roadmap.demand"
    order = 10
    template = "roadmap/panels/deal_raise_demand.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        return {"deal": obj} if obj.is_open else None


class DealWinWarning(Panel):
    """The win page: a warning for each promise product has not decided yet."""

    name = "roadmap.deal_win_pending"
    slot = "deal.win"
    permission = "roadmap.view"
    template = "roadmap/panels/deal_win_warning.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        pending = [
            promise
            for promise in selectors.promises_of_deal(obj)
            if promise.status in (PromiseStatus.PENDING, PromiseStatus.AT_RISK)
        ]
        return {"pending": pending} if pending else None


class LoseFeaturePicker(Panel):
    """Inside the lose form: pick the missing features among the roadmap's requests (posted
    as repeated ``feature_request_ids``); the search narrows the list with htmx."""

    name = "roadmap.lose_feature_picker"
    slot = "deal.lose"
    permission = "roadmap.view"
    template = "roadmap/panels/lose_picker.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        chosen_ids = [int(i) for i in request.POST.getlist("feature_request_ids") if i.isdigit()]
        # The ticked ones (a failed post shows them again), then the newest others.
        chosen, matches = selectors.feature_picker(obj.organization_id, chosen_ids=chosen_ids)
        return {"chosen": chosen, "matches": matches, "term": ""}


class CompanyDemands(Panel):
    """The company page: what it asks of the roadmap (active demands), with values."""

    name = "roadmap.company_demands"
    slot = "company.detail"
    permission = "roadmap.view"
    template = "roadmap/panels/company_demands.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        demands = list(
            Demand.objects.filter(company=obj, ended_at__isnull=True)
            .select_related("feature_request", "deal")
            .annotate(
                current_value=Case(
                    When(kind=DemandKind.BLOCKING, then=F("deal__value")), default=F("value")
                )
            )
            .order_by("-created_at", "-pk")[:50]
        )
        membership = getattr(request, "membership", None)
        if not demands and not can(membership, "roadmap.demand", obj):
            return None
        return {"demands": demands, "company": obj}


class CompanyRaiseDemand(Panel):
    """The company page's header: "Raise a demand"."""

    name = "roadmap.company_raise_demand"
    slot = "company.actions"
    permission = "roadmap.demand"
    template = "roadmap/panels/company_raise_demand.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        return {"company": obj}


PANELS: list[Panel] = [
    DealPromises(),
    DealRaiseDemand(),
    DealWinWarning(),
    LoseFeaturePicker(),
    CompanyDemands(),
    CompanyRaiseDemand(),
]
