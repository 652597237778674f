"""Browser pages of the sales ↔ product flow: the ranked roadmap (sort, filters, revenue bars),
a request's page (demands, promises, history, status buttons, merge, re-engage, discussion),
new and edit forms, the shared board (planned / in progress / shipped), product's queue of
pending promises, the "Lost & winnable revenue" page, and the posts behind the panels on the
leads flow's deal and company pages (promise, raise a demand) and the lose form's picker.

Thin: forms check the shape, ``roadmap.services`` change state (and say no with a
``DomainError``, shown on the form or as a message), ``roadmap.selectors`` read. Records are
looked up through ``tenant_object_or_404`` (or a scoped selector) before any permission
check, so another organization's record is a 404; a member who may see but not act, a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.policy import can
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import TenantRequest, tenant_object_or_404, tenant_view
from leads.models import Company, Deal
from roadmap import selectors, services
from roadmap.forms import (
    RAISED_KINDS,
    DeclinePromiseForm,
    DemandForm,
    FeatureRequestForm,
    ImpactFilterForm,
    MergeForm,
    PromiseForm,
    RoadmapFilterForm,
    StatusForm,
)
from roadmap.models import FeatureRequest, FeatureStatus, Promise, PromiseStatus

PAGE_SIZE = 50
# The roadmap sorted by status: the closest to shipping first.
STATUS_ORDER = ("in_progress", "planned", "under_review", "new", "shipped", "declined")
STATUS_RANK = Case(
    *[When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)],
    default=Value(len(STATUS_ORDER)),
)
# The lose form's picker: matches shown per search.


def _require(request: TenantRequest, action: str, obj: Any = None) -> None:
    if not can(request.membership, action, obj):
        raise PermissionDenied


def _next_url(request: TenantRequest, default: str) -> str:
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _first_error(form: Any) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Check the form.")


def _page_number(request: TenantRequest) -> int:
    raw = request.GET.get("page", "1")
    return max(int(raw), 1) if raw.isdigit() else 1


# --- The ranked roadmap -------------------------------------------------------------------


@tenant_view
def roadmap_list(request: TenantRequest) -> HttpResponse:
    """Every request (not merged), highest priority score first or sorted by revenue at
    stake, customers or age; filters by status, product owner and customer tier; 50 per
    page. One query for the rows and one for their tier mix, whatever the number of rows."""
    membership = request.membership
    form = RoadmapFilterForm(request.GET or None, membership=membership)
    filters = form.filters() if request.GET else {}
    ordering = filters.get("ordering") or "priority_score"
    number = _page_number(request)
    ranked = selectors.ranked(
        request.organization,
        status=filters.get("status"),
        owner=filters.get("owner"),
        tier=filters["tier"].pk if filters.get("tier") else None,
        search=filters.get("search", ""),
        ordering=ordering,
    )
    if ordering == "status":
        # Along the pipeline (in progress first, declined last), by priority within a status.
        ranked = ranked.order_by(STATUS_RANK, "-priority_score", "-pk")
    rows = list(ranked[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    mix = selectors.tier_mix([row.pk for row in rows])
    top = max((row.revenue_at_stake for row in rows), default=0) or 1
    for row in rows:
        row.tiers = mix.get(row.pk, [])
        row.bar = round(row.revenue_at_stake * 100 / top)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": rows,
        "ordering": ordering,
        "page_number": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if has_next else None,
        "query": query.urlencode(),
        "filtered": bool({k for k in filters if k != "ordering"}),
        "can_create": can(membership, "roadmap.create"),
    }
    template = "roadmap/list.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


@tenant_view
def roadmap_board(request: TenantRequest) -> HttpResponse:
    """The read-only roadmap every department sees: planned, in progress, shipped."""
    columns = selectors.shared_roadmap(request.organization)
    context = {
        "columns": [
            (status, FeatureStatus(status).label, requests) for status, requests in columns.items()
        ]
    }
    return render(request, "roadmap/board.html", context)


# --- New and edit -------------------------------------------------------------------------


def _feature_data(form: FeatureRequestForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.fields}


@tenant_view
def feature_request_create(request: TenantRequest) -> HttpResponse:
    """Propose a request (sales, CS, product); product also sets owner, release, effort."""
    _require(request, "roadmap.create")
    membership = request.membership
    product = can(membership, "roadmap.manage")
    form = FeatureRequestForm(request.POST or None, membership=membership, product=product)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_feature_request(by=membership, **_feature_data(form))
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(title)s was added.") % {"title": created.title})
            return redirect(created.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "roadmap/form.html", {"form": form}, status=status)


@tenant_view
def feature_request_edit(request: TenantRequest, pk: int) -> HttpResponse:
    """Product corrects title, description, owner, target release or effort."""
    feature_request = tenant_object_or_404(request, FeatureRequest, pk)
    _require(request, "roadmap.manage", feature_request)
    initial = {name: getattr(feature_request, name) for name in services.FEATURE_FIELDS}
    form = FeatureRequestForm(
        request.POST or None, initial=initial, membership=request.membership, product=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_feature_request(
                by=request.membership, feature_request=feature_request, data=_feature_data(form)
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request, _("%(title)s was saved.") % {"title": form.cleaned_data["title"]}
            )
            return redirect(feature_request.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "feature_request": feature_request}
    return render(request, "roadmap/form.html", context, status=status)


# --- A request's page ---------------------------------------------------------------------


def _visible_request(request: TenantRequest, pk: int) -> Any:
    feature_request = selectors.feature_request_detail(request.membership, pk)
    if feature_request is None:
        raise Http404
    return feature_request


def _render_detail(
    request: TenantRequest, feature_request: Any, *, status: int = 200, **extra: Any
) -> HttpResponse:
    membership = request.membership
    can_manage = can(membership, "roadmap.manage", feature_request)
    merged = feature_request.merged_into_id is not None
    can_demand = can(membership, "roadmap.demand", feature_request) and not merged
    context = {
        "feature_request": feature_request,
        "demands": selectors.demands_of(feature_request),
        "history": selectors.status_history(feature_request),
        "promises": selectors.promises_of_request(feature_request),
        "can_manage": can_manage and not merged,
        "can_demand": can_demand,
        "transitions": [
            (value, FeatureStatus(value).label)
            for value in services.TRANSITIONS[feature_request.status]
        ]
        if not merged
        else [],
        "reengage": services.reengage_list(feature_request)
        if feature_request.status == FeatureStatus.SHIPPED
        else [],
        "can_reengage": can(membership, "deals.reopen"),
        **extra,
    }
    if can_manage and not merged and "merge_form" not in extra:
        context["merge_form"] = MergeForm(membership=membership, source=feature_request)
    if can_demand and "demand_form" not in extra:
        context["demand_form"] = DemandForm(
            membership=membership, feature_request=feature_request, auto_id="demand-%s"
        )
    return render(request, "roadmap/detail.html", context, status=status)


@tenant_view
def feature_request_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """One request: revenue at stake with the formula, demands, promises, status history,
    product's status buttons and merge form, sales' and CS's "raise a demand", the deals to
    re-engage once shipped, and the discussion."""
    return _render_detail(request, _visible_request(request, pk))


@tenant_view
@require_POST
def feature_request_status(request: TenantRequest, pk: int) -> HttpResponse:
    """Product moves the request to the posted ``status`` (one of the allowed buttons)."""
    feature_request = tenant_object_or_404(request, FeatureRequest, pk)
    _require(request, "roadmap.manage", feature_request)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            moved = services.change_status(
                by=request.membership,
                feature_request=feature_request,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(title)s is now %(status)s; everyone who asked for it was told.")
                % {"title": moved.title, "status": moved.get_status_display().lower()},
            )
    return redirect(feature_request.get_absolute_url())


@tenant_view
@require_POST
def feature_request_merge(request: TenantRequest, pk: int) -> HttpResponse:
    """Product merges this request into the chosen one (a duplicate)."""
    source = tenant_object_or_404(request, FeatureRequest, pk)
    _require(request, "roadmap.manage", source)
    form = MergeForm(request.POST, membership=request.membership, source=source)
    if form.is_valid():
        try:
            into = services.merge_feature_request(
                by=request.membership, source=source, into=form.cleaned_data["into"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(source)s was merged into %(into)s.")
                % {"source": source.title, "into": into.title},
            )
            return redirect(into.get_absolute_url())
    return _render_detail(request, _visible_request(request, pk), status=400, merge_form=form)


@tenant_view
@require_POST
def feature_request_demand(request: TenantRequest, pk: int) -> HttpResponse:
    """Sales or CS raise a demand on this request for a company (and deal)."""
    feature_request = tenant_object_or_404(request, FeatureRequest, pk)
    _require(request, "roadmap.demand", feature_request)
    form = DemandForm(
        request.POST,
        membership=request.membership,
        feature_request=feature_request,
        auto_id="demand-%s",
    )
    if form.is_valid() and _raise(request, form):
        return redirect(feature_request.get_absolute_url())
    return _render_detail(request, _visible_request(request, pk), status=400, demand_form=form)


def _raise(request: TenantRequest, form: DemandForm) -> bool:
    """Raise the form's demand through the service; its refusal lands on the form."""
    data = form.cleaned_data
    try:
        services.raise_demand(
            by=request.membership,
            feature_request=data["feature_request"],
            company=data["company"],
            deal=data.get("deal"),
            kind=data["kind"],
            value=data.get("value"),
            note=data.get("note", ""),
        )
    except DomainError as error:
        form.add_domain_error(error)
        return False
    messages.success(
        request,
        _("Recorded: %(company)s needs %(title)s.")
        % {"company": data["company"].name, "title": data["feature_request"].title},
    )
    return True


@tenant_view
@require_POST
def feature_request_reengage(request: TenantRequest, pk: int, deal_pk: int) -> HttpResponse:
    """A sales manager reopens a deal lost for lack of this (shipped) request."""
    feature_request = tenant_object_or_404(request, FeatureRequest, pk)
    deal = tenant_object_or_404(request, Deal, deal_pk)
    _require(request, "deals.reopen", deal)
    try:
        services.reengage_deal(by=request.membership, deal=deal, feature_request=feature_request)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(feature_request.get_absolute_url())
    messages.success(request, _("%(deal)s is open again.") % {"deal": deal.name})
    return redirect("leads:deal_detail", pk=deal.pk)


# --- Raise a demand from a company or deal (the panels' page) --------------------------------


@tenant_view
def company_demand(request: TenantRequest, pk: int) -> HttpResponse:
    """ "Raise a demand" for a company, optionally on one of its open deals (``?deal=``):
    the form page the deal and company panels open or post to. ``?kind=`` chooses the
    initial kind (the customer-health panel opens it with ``retention`` for an at-risk
    customer)."""
    company = tenant_object_or_404(request, Company, pk)
    _require(request, "roadmap.demand", company)
    initial: dict[str, Any] = {"kind": "blocking" if request.GET.get("deal") else "expansion"}
    if request.GET.get("kind") in {kind for kind, _label in RAISED_KINDS}:
        initial["kind"] = request.GET["kind"]
    if request.GET.get("deal", "").isdigit():
        initial["deal"] = int(request.GET["deal"])
    form = DemandForm(
        request.POST or None, initial=initial, membership=request.membership, company=company
    )
    if request.method == "POST" and form.is_valid() and _raise(request, form):
        deal = form.cleaned_data.get("deal")
        default = deal.get_absolute_url() if deal else reverse("leads:company_detail", args=[pk])
        return redirect(_next_url(request, default))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "roadmap/demand_form.html", {"form": form, "company": company}, status=status
    )


# --- Promises -----------------------------------------------------------------------------


@tenant_view
@require_POST
def deal_promise(request: TenantRequest, pk: int) -> HttpResponse:
    """Sales records a promise on the deal (the deal page's "Promises" panel): confirmed at
    once when the feature is planned or further, else pending for product."""
    deal = tenant_object_or_404(request, Deal, pk)
    _require(request, "roadmap.promise", deal)
    form = PromiseForm(request.POST, membership=request.membership)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            promise = services.record_promise(
                by=request.membership,
                deal=deal,
                feature_request=form.cleaned_data["feature_request"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if promise.status == PromiseStatus.CONFIRMED:
                messages.success(
                    request, _("Promise recorded and confirmed: it is on the roadmap.")
                )
            else:
                messages.success(
                    request, _("Promise recorded; product was asked to approve or decline it.")
                )
    return redirect("leads:deal_detail", pk=deal.pk)


@tenant_view
def promise_queue(request: TenantRequest) -> HttpResponse:
    """Product's queue: pending promises, the longest waiting first, to approve or decline."""
    _require(request, "roadmap.manage")
    promises = list(selectors.pending_promises(request.organization))
    return render(request, "roadmap/promises.html", {"promises": promises})


def _visible_promise(request: TenantRequest, pk: int) -> Promise:
    return tenant_object_or_404(request, Promise.objects.select_related("feature_request"), pk)


@tenant_view
@require_POST
def promise_approve(request: TenantRequest, pk: int) -> HttpResponse:
    promise = _visible_promise(request, pk)
    _require(request, "roadmap.manage", promise)
    try:
        services.approve_promise(
            by=request.membership, promise=promise, note=request.POST.get("note", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Promise of %(title)s confirmed; the deal's owner was told.")
            % {"title": promise.feature_request.title},
        )
    return redirect(_next_url(request, reverse("roadmap:promise_queue")))


@tenant_view
@require_POST
def promise_decline(request: TenantRequest, pk: int) -> HttpResponse:
    promise = _visible_promise(request, pk)
    _require(request, "roadmap.manage", promise)
    form = DeclinePromiseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the promise is declined."))
    else:
        try:
            services.decline_promise(
                by=request.membership, promise=promise, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Promise of %(title)s declined; the deal's owner was told why.")
                % {"title": promise.feature_request.title},
            )
    return redirect(_next_url(request, reverse("roadmap:promise_queue")))


# --- Lost & winnable revenue --------------------------------------------------------------


@tenant_view
def impact_report(request: TenantRequest) -> HttpResponse:
    """Per feature: customers lost for lack of it and their revenue, open deals waiting for
    it, expansion and retention value; totals; a chart; filters by period, tier, source."""
    form = ImpactFilterForm(request.GET or None, membership=request.membership)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    result = selectors.impact(
        request.organization,
        start=data.get("start"),
        end=data.get("end"),
        tier=data["tier"].pk if data.get("tier") else None,
        source=data.get("source", ""),
    )
    rows = list(result.rows[:50])
    chart = {
        "labels": [row.title for row in rows[:15]],
        "currency": request.organization.currency,
        "series": [
            {"key": key, "label": str(label), "values": [float(getattr(r, key)) for r in rows[:15]]}
            for key, label in (
                ("lost_revenue", _("Lost")),
                ("waiting_value", _("Waiting (open deals)")),
                ("expansion_value", _("Expansion")),
                ("retention_value", _("Retention")),
            )
        ],
    }
    context = {
        "form": form,
        "rows": rows,
        "totals": result.totals,
        "chart_data": chart,
        "filtered": bool(data and any(data.values())),
    }
    template = "roadmap/impact.html"
    return render(request, f"{template}#report" if request.htmx else template, context)


# --- The lose form's feature picker -------------------------------------------------------


@tenant_view
def feature_picker(request: TenantRequest) -> HttpResponse:
    """The lose form's autocomplete (htmx): the ticked requests stay, then the open requests
    whose title matches ``q``. Two queries."""
    chosen_ids = [int(i) for i in request.GET.getlist("feature_request_ids") if i.isdigit()]
    term = request.GET.get("q", "").strip()[:200]
    chosen, matches = selectors.feature_picker(
        request.organization, chosen_ids=chosen_ids, term=term
    )
    context = {"chosen": chosen, "matches": matches, "term": term}
    return render(request, "roadmap/panels/_picker_results.html", context)
