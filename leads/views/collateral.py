"""Browser pages for the collateral library and content requests.

* ``/collateral/``: the library with usage count and win rate per asset, filters by tier,
  stage and text, the library's coverage per tier × stage, and (marketing) the upload form.
* ``/collateral/<id>/``: one asset's figures per tier and stage, the deals it was used on,
  its discussion; marketing edits (re-tags) and archives it.
* ``/collateral/<id>/download/``: its file, for members who may see it (``leads.files``).
* ``/content-requests/``: marketing starts, completes or declines requests in place (htmx);
  sales sees its own requests and asks for new material.

Thin: forms check the shape, ``leads.services.collateral`` changes state, selectors read.
Objects are looked up through ``tenant_object_or_404`` first (404 for another organization's),
then the policy is asked (403 for a member who may see but not act).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.policy import can
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import TenantRequest, scoped, tenant_object_or_404, tenant_view
from leads import files
from leads.forms import (
    CollateralForm,
    CompleteForm,
    ContentRequestForm,
    DeclineForm,
    LibraryFilterForm,
)
from leads.models import Collateral, ContentRequest, ContentRequestStatus, DealStage
from leads.selectors import collateral as selectors
from leads.services import collateral as services

PAGE_SIZE = 50
# Library assets offered when marketing completes a request (newest first).
PICKER_LIMIT = 200


# --- Helpers -------------------------------------------------------------------------------


def _require(request: TenantRequest, action: str, obj: Any = None) -> None:
    if not can(request.membership, action, obj):
        raise PermissionDenied


# --- The library ---------------------------------------------------------------------------


@tenant_view
def collateral_library(request: TenantRequest) -> HttpResponse:
    """The library with usage figures, filters and coverage; marketing's upload form. A
    fixed number of queries whatever the number of assets (50 per page)."""
    membership = request.membership
    form = LibraryFilterForm(request.GET or None, membership=membership)
    filters = form.cleaned_data if form.is_valid() else {}
    items = selectors.collateral_library(
        membership=membership,
        tier=filters["tier"].pk if filters.get("tier") else None,
        stage=filters.get("stage", ""),
        search=filters.get("q", ""),
        archived=bool(filters.get("archived")),
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    can_manage = can(membership, "collateral.manage")
    context = {
        "filter_form": form,
        "page": page,
        "items": page.object_list,
        "query": query.urlencode(),
        "filtered": any(filters.values()),
        "can_manage": can_manage,
        "upload_form": CollateralForm(membership=membership) if can_manage else None,
        "coverage": selectors.library_coverage(organization=request.organization),
    }
    template = "leads/collateral/library.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


@tenant_view
def collateral_create(request: TenantRequest) -> HttpResponse:
    """Marketing adds an asset: a file (multipart upload) or a link, tagged by tier and
    stage."""
    _require(request, "collateral.manage")
    form = CollateralForm(
        request.POST or None, request.FILES or None, membership=request.membership
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            collateral = services.add_collateral(
                by=request.membership,
                title=data["title"],
                description=data["description"],
                file=data.get("file"),
                url=data["url"],
                tiers=data["tiers"],
                stages=data["stages"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(title)s is in the library. Sales managers were told.")
                % {"title": collateral.title},
            )
            return redirect("leads:collateral_library")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "leads/collateral/form.html", {"form": form, "collateral": None}, status=status
    )


def _visible_collateral(request: TenantRequest, pk: int) -> Collateral:
    return tenant_object_or_404(request, Collateral.objects.select_related("owner__user"), pk)


@tenant_view
def collateral_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """One asset: its figures overall, per tier and per stage, the deals it was used on
    (those the member may see), the requests it answered, and its discussion."""
    collateral = _visible_collateral(request, pk)
    context = {
        "collateral": collateral,
        "tiers": list(collateral.tiers.all()),
        "stage_labels": [DealStage(stage).label for stage in collateral.stages],
        "stats": selectors.collateral_stats(collateral=collateral),
        "uses": selectors.collateral_uses(membership=request.membership, collateral=collateral),
        "can_manage": can(request.membership, "collateral.manage", collateral),
    }
    return render(request, "leads/collateral/detail.html", context)


@tenant_view
def collateral_download(request: TenantRequest, pk: int) -> HttpResponse:
    """The asset's file, to a member who may see the asset (archived ones too, like its
    page); 404 for anyone else and for a link-only asset. Served with the headers of
    ``leads.files.file_response``: inline only for images and PDF, never sniffed."""
    collateral = _visible_collateral(request, pk)
    if request.method not in ("GET", "HEAD"):
        # After the lookup: to anyone who may not see the asset, any method is a 404.
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not collateral.file:
        raise Http404
    response = files.file_response(
        name=str(collateral.file.name), download_name=collateral.file_name
    )
    # ``tenant_view`` is typed for plain responses; a streamed file (FileResponse) is not one.
    return cast(HttpResponse, response)


@tenant_view
def collateral_edit(request: TenantRequest, pk: int) -> HttpResponse:
    """Marketing changes an asset: title, description, file or link, tiers and stages."""
    collateral = _visible_collateral(request, pk)
    _require(request, "collateral.manage", collateral)
    initial = {
        "title": collateral.title,
        "description": collateral.description,
        "url": collateral.url,
        "tiers": list(collateral.tiers.all()),
        "stages": collateral.stages,
    }
    form = CollateralForm(
        request.POST or None,
        request.FILES or None,
        membership=request.membership,
        initial=initial,
        has_file=bool(collateral.file),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_collateral(
                by=request.membership, collateral=collateral, data=form.cleaned_data
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("leads:collateral_detail", pk=collateral.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "collateral": collateral}
    return render(request, "leads/collateral/form.html", context, status=status)


@tenant_view
@require_POST
def collateral_archive(request: TenantRequest, pk: int) -> HttpResponse:
    collateral = _visible_collateral(request, pk)
    _require(request, "collateral.manage", collateral)
    try:
        services.archive_collateral(by=request.membership, collateral=collateral)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(title)s was archived; its figures stay.") % {"title": collateral.title}
        )
    return redirect("leads:collateral_library")


# --- Content requests ----------------------------------------------------------------------

SCOPES = {
    "open": gettext_lazy("Open"),
    "mine": gettext_lazy("Mine"),
    "all": gettext_lazy("All"),
}


def _request_rows() -> QuerySet[ContentRequest]:
    """Content requests with what their row shows joined in. Unscoped: read them through
    ``scoped`` / ``tenant_object_or_404``."""
    return ContentRequest.objects.select_related(
        "deal", "tier", "requested_by__user", "assignee__user", "collateral"
    )


def _scope(request: TenantRequest) -> str:
    scope = request.GET.get("scope", "")
    if scope in SCOPES:
        return scope
    # Marketing works the open requests; sales follows its own.
    if can(request.membership, "content_requests.handle"):
        return "open"
    if can(request.membership, "content_requests.create"):
        return "mine"
    return "all"


def _row_context(request: TenantRequest) -> dict[str, Any]:
    membership = request.membership
    can_handle = can(membership, "content_requests.handle")
    picker = []
    if can_handle:
        picker = list(
            scoped(request, Collateral)
            .filter(archived_at__isnull=True)
            .order_by("-created_at")
            .values_list("pk", "title")[:PICKER_LIMIT]
        )
    return {"can_handle": can_handle, "picker": picker}


@tenant_view
def content_requests(request: TenantRequest) -> HttpResponse:
    """Content requests: marketing sees the open ones with start / complete / decline;
    sales sees the ones it asked for. A fixed number of queries (50 per page)."""
    membership = request.membership
    scope = _scope(request)
    qs = scoped(request, _request_rows())
    if scope == "open":
        qs = qs.filter(
            status__in=(ContentRequestStatus.OPEN, ContentRequestStatus.IN_PROGRESS)
        ).order_by("due_date", "created_at")
    elif scope == "mine":
        qs = qs.filter(requested_by=membership).order_by("-created_at")
    else:
        qs = qs.order_by("-created_at")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "requests": page.object_list,
        "scope": scope,
        "scopes": SCOPES,
        "can_request": can(membership, "content_requests.create"),
        **_row_context(request),
    }
    return render(request, "leads/collateral/requests.html", context)


@tenant_view
def content_request_create(request: TenantRequest) -> HttpResponse:
    """Sales asks marketing for material (optionally for a deal: ``?deal=<id>``)."""
    _require(request, "content_requests.create")
    membership = request.membership
    form = ContentRequestForm(
        request.POST or None, membership=membership, initial={"deal": request.GET.get("deal")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.request_content(
                by=membership,
                title=data["title"],
                need=data["need"],
                deal=data.get("deal"),
                due_date=data.get("due_date"),
                tier=data.get("tier"),
                stage=data.get("stage") or None,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Marketing has your request."))
            return redirect("leads:content_requests")
    status = 400 if request.method == "POST" else 200
    return render(request, "leads/collateral/request_form.html", {"form": form}, status=status)


def _request_action(request: TenantRequest, pk: int, form_class, perform) -> HttpResponse:
    """Look the request up (404), ask the policy (403), validate, run the service; htmx gets
    the row back (with the message on a 400/409), plain posts a message and the list."""
    item = tenant_object_or_404(request, ContentRequest, pk)
    _require(request, "content_requests.handle", item)
    error, status = "", 200
    form = form_class(request.POST, membership=request.membership) if form_class else None
    if form is not None and not form.is_valid():
        error, status = next(iter(form.errors.values()))[0], 400
    else:
        try:
            item = perform(item, form.cleaned_data if form is not None else {})
        except DomainError as exc:
            error, status = exc.message, exc.status_code
    if request.htmx:
        item = scoped(request, _request_rows()).get(pk=item.pk)
        context = {"item": item, "error": error, **_row_context(request)}
        return render(request, "leads/collateral/requests.html#row", context, status=status)
    if error:
        messages.error(request, error)
    return redirect("leads:content_requests")


@tenant_view
@require_POST
def content_request_start(request: TenantRequest, pk: int) -> HttpResponse:
    return _request_action(
        request,
        pk,
        None,
        lambda item, data: services.start_content_request(by=request.membership, request=item),
    )


@tenant_view
@require_POST
def content_request_complete(request: TenantRequest, pk: int) -> HttpResponse:
    return _request_action(
        request,
        pk,
        CompleteForm,
        lambda item, data: services.complete_content_request(
            by=request.membership,
            request=item,
            collateral=data.get("collateral"),
            note=data.get("note", ""),
        ),
    )


@tenant_view
@require_POST
def content_request_decline(request: TenantRequest, pk: int) -> HttpResponse:
    return _request_action(
        request,
        pk,
        DeclineForm,
        lambda item, data: services.decline_content_request(
            by=request.membership, request=item, reason=data["reason"]
        ),
    )


urlpatterns = [
    path("collateral/", collateral_library, name="collateral_library"),
    path("collateral/new/", collateral_create, name="collateral_create"),
    path("collateral/<int:pk>/", collateral_detail, name="collateral_detail"),
    path("collateral/<int:pk>/download/", collateral_download, name="collateral_download"),
    path("collateral/<int:pk>/edit/", collateral_edit, name="collateral_edit"),
    path("collateral/<int:pk>/archive/", collateral_archive, name="collateral_archive"),
    path("content-requests/", content_requests, name="content_requests"),
    path("content-requests/new/", content_request_create, name="content_request_create"),
    path("content-requests/<int:pk>/start/", content_request_start, name="content_request_start"),
    path(
        "content-requests/<int:pk>/complete/",
        content_request_complete,
        name="content_request_complete",
    ),
    path(
        "content-requests/<int:pk>/decline/",
        content_request_decline,
        name="content_request_decline",
    ),
]
