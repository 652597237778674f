"""Browser pages for deals and companies: the pipeline board (advance / win / lose in place
with htmx), the deal page (company, contacts, collateral used and the "use collateral" picker,
"we used our own material", stage history, discussion), the new-deal form, and the company
page (contacts, deals, discussion).

Thin: forms check the shape, ``leads.services`` change state (and say no with a
``DomainError``, shown on the page or on the card), ``leads.selectors.deals`` read. Objects
are looked up through ``tenant_object_or_404`` (or a selector) before any permission check,
so another organization's deal is a 404; a member who may see but not act gets a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.policy import can
from collab_hub.dashboard.templatetags.formatting import money
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import TenantRequest, scoped, tenant_object_or_404, tenant_view
from leads.forms import (
    BoardFilterForm,
    ContactForm,
    DealForm,
    LoseForm,
    OwnMaterialForm,
    UseCollateralForm,
)
from leads.forms.deals import DealEditForm
from leads.models import OPEN_DEAL_STAGES, Company, Deal, DealKind, DealStage, LostReason
from leads.selectors import deals as selectors
from leads.selectors import history
from leads.services import collateral as collateral_services
from leads.services import deals as services

# --- Helpers -------------------------------------------------------------------------------


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


def _visible_deal(request: TenantRequest, pk: int) -> Deal:
    return tenant_object_or_404(request, Deal, pk)


def _board_context(request: TenantRequest, params: Any) -> dict[str, Any]:
    form = BoardFilterForm(params or None)
    filters = form.cleaned_data if form.is_valid() else {}
    membership = request.membership
    board = selectors.pipeline_board(
        membership=membership,
        owner=membership if filters.get("owner") == "me" else None,
        search=filters.get("q", ""),
    )
    return {
        "board": board,
        "filter_form": form,
        "filtered": bool(filters.get("q") or filters.get("owner")),
        "can_manage": can(membership, "deals.manage"),
        "reasons": LostReason.choices,
        "missing_feature": LostReason.MISSING_FEATURE,
    }


# --- The board -----------------------------------------------------------------------------


@tenant_view
def deal_board(request: TenantRequest) -> HttpResponse:
    """Open deals by stage with each column's count and total value, and what was won and
    lost in the last 30 days. A fixed number of queries whatever the number of deals; htmx
    requests (the filter form) get only the board."""
    context = _board_context(request, request.GET)
    template = "leads/deals/board.html"
    return render(request, f"{template}#board" if request.htmx else template, context)


def _deal_action(request: TenantRequest, pk: int, perform, *, form=None) -> HttpResponse:
    """Run ``perform(deal)`` on a visible deal (404 otherwise; 403 without ``deals.manage``).

    htmx (the board): the refreshed board, with the error on the card when the service said
    no (400/409, which the page swaps in too). Plain posts: a message and back to ``next``.
    """
    deal = _visible_deal(request, pk)
    _require(request, "deals.manage", deal)
    error, status = "", 200
    if form is not None and not form.is_valid():
        error, status = "", 400
    else:
        try:
            perform(deal)
        except DomainError as exc:
            error, status = exc.message, exc.status_code
            # A refusal of the posted input (a later flow's subscriber too) shows on the form.
            if form is not None and status == 400 and not request.htmx:
                form.add_error(exc.field if exc.field in form.fields else None, str(error))
                error = ""
    if request.htmx:
        context = _board_context(request, request.POST)
        context.update(error=error, error_deal=deal.pk if status != 200 else None)
        context["lose_form"] = form if form is not None and status != 200 else None
        return render(request, "leads/deals/board.html#board", context, status=status)
    if form is not None and status == 400 and not error:
        context = {"deal": deal, "form": form, "reasons": LostReason.choices}
        return render(request, "leads/deals/lose.html", context, status=status)
    if error:
        messages.error(request, error)
    return redirect(_next_url(request, reverse("leads:deal_detail", args=[deal.pk])))


@tenant_view
@require_POST
def deal_advance(request: TenantRequest, pk: int) -> HttpResponse:
    """Move a deal to the open stage posted as ``stage``."""

    def perform(deal: Deal) -> None:
        services.advance_deal(by=request.membership, deal=deal, stage=request.POST.get("stage", ""))
        if not request.htmx:
            messages.success(
                request,
                _("%(deal)s moved to %(stage)s.")
                % {"deal": deal.name, "stage": _stage_label(request.POST.get("stage", ""))},
            )

    return _deal_action(request, pk, perform)


def _stage_label(stage: str) -> str:
    return str(DealStage(stage).label) if stage in DealStage.values else stage


def _money(deal: Deal, request: TenantRequest) -> str:
    return money(deal.value, request.organization.currency)


@tenant_view
def deal_win(request: TenantRequest, pk: int) -> HttpResponse:
    """GET: the confirmation page (the deal's value, what winning does; no JavaScript
    needed); POST: win the deal, then a success message with the value won."""
    if request.method != "POST":
        deal = _visible_deal(request, pk)
        _require(request, "deals.manage", deal)
        return render(request, "leads/deals/win.html", {"deal": deal})

    def perform(deal: Deal) -> None:
        won = services.win_deal(by=request.membership, deal=deal)
        if not request.htmx:
            messages.success(
                request,
                _("%(deal)s is won (%(value)s). Congratulations!")
                % {"deal": won.name, "value": _money(won, request)},
            )

    return _deal_action(request, pk, perform)


@tenant_view
@require_POST
def deal_reopen(request: TenantRequest, pk: int) -> HttpResponse:
    """A sales manager reopens a won or lost deal, with a reason (``deals.reopen``)."""
    deal = _visible_deal(request, pk)
    _require(request, "deals.reopen", deal)
    reason = request.POST.get("reason", "")
    try:
        deal = services.reopen_deal(by=request.membership, deal=deal, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(deal)s is open again, in %(stage)s.")
            % {"deal": deal.name, "stage": _stage_label(deal.stage).lower()},
        )
    return redirect("leads:deal_detail", pk=deal.pk)


@tenant_view
def deal_edit(request: TenantRequest, pk: int) -> HttpResponse:
    """Correct a deal (name, value, kind, expected close, company, contact, owner) through
    ``services.update_deal``; each changed field lands in the deal's history."""
    deal = _visible_deal(request, pk)
    _require(request, "deals.manage", deal)
    form = DealEditForm(request.POST or None, deal=deal, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.update_deal(
                by=request.membership, deal=deal, data=dict(form.cleaned_data)
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(deal)s was saved.") % {"deal": saved.name})
            return redirect("leads:deal_detail", pk=deal.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "leads/deals/edit.html", {"deal": deal, "form": form}, status=status)


@tenant_view
def deal_lose(request: TenantRequest, pk: int) -> HttpResponse:
    """GET: the lose form as a page (without JavaScript); POST: lose the deal with a reason
    (and the missing features' names when the reason is a missing feature)."""
    if request.method != "POST":
        deal = _visible_deal(request, pk)
        _require(request, "deals.manage", deal)
        context = {"deal": deal, "form": LoseForm(), "reasons": LostReason.choices}
        return render(request, "leads/deals/lose.html", context)
    form = LoseForm(request.POST)

    def perform(deal: Deal) -> None:
        services.lose_deal(
            by=request.membership,
            deal=deal,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data.get("note", ""),
            feature_requests=form.feature_requests(),
        )
        if not request.htmx:
            messages.success(
                request,
                _("%(deal)s is marked lost (%(value)s).")
                % {"deal": deal.name, "value": _money(deal, request)},
            )

    return _deal_action(request, pk, perform, form=form)


# --- A deal's page -------------------------------------------------------------------------


@tenant_view
def deal_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """The deal: company, contacts, collateral used and the picker of fitting library
    collateral, the "own material" form, the stage history and the discussion."""
    deal = get_object_or_404(selectors.deal_detail_queryset(request.membership), pk=pk)
    return _render_detail(request, deal)


def _timeline(request: TenantRequest, deal: Deal, page: Any) -> list[Any]:
    changes = history.change_history(
        obj=deal, verb="deal.updated", currency=request.organization.currency
    )
    return sorted([*page.history, *changes], key=lambda item: item.at)


def _render_detail(request: TenantRequest, deal: Deal, *, status: int = 200, **extra: Any):
    membership = request.membership
    page = selectors.deal_page(deal=deal)
    context = {
        "deal": deal,
        "page": page,
        "can_manage": can(membership, "deals.manage", deal),
        "can_reopen": not deal.is_open and can(membership, "deals.reopen", deal),
        # Stage changes and field changes, oldest first: the deal's whole history.
        "timeline": _timeline(request, deal, page),
        "can_use": can(membership, "collateral.use", deal),
        "can_request": can(membership, "content_requests.create", deal),
        "open_stages": [(stage.value, stage.label) for stage in OPEN_DEAL_STAGES],
        "reasons": LostReason.choices,
        "own_material_form": OwnMaterialForm(),
        **extra,
    }
    return render(request, "leads/deals/detail.html", context, status=status)


@tenant_view
@require_POST
def deal_use_collateral(request: TenantRequest, pk: int) -> HttpResponse:
    """Record that a library asset was used on the deal (again: nothing changes)."""
    deal = _visible_deal(request, pk)
    _require(request, "collateral.use", deal)
    form = UseCollateralForm(request.POST, membership=request.membership)
    if not form.is_valid():
        messages.error(request, _("Choose collateral from the library."))
    else:
        try:
            collateral_services.use_collateral(
                by=request.membership, collateral=form.cleaned_data["collateral"], deal=deal
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Recorded: %(title)s was used on this deal.")
                % {"title": form.cleaned_data["collateral"].title},
            )
    return redirect("leads:deal_detail", pk=deal.pk)


@tenant_view
@require_POST
def deal_own_material(request: TenantRequest, pk: int) -> HttpResponse:
    """ "We used our own material": becomes a content request to marketing."""
    deal = _visible_deal(request, pk)
    _require(request, "content_requests.create", deal)
    form = OwnMaterialForm(request.POST)
    if form.is_valid():
        try:
            collateral_services.record_own_material(
                by=request.membership, deal=deal, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Thanks — marketing got a content request for what was missing.")
            )
            return redirect("leads:deal_detail", pk=deal.pk)
    deal = selectors.deal_detail_queryset(request.membership).get(pk=deal.pk)
    return _render_detail(request, deal, status=400, own_material_form=form)


# --- New deal ------------------------------------------------------------------------------


@tenant_view
def deal_create(request: TenantRequest) -> HttpResponse:
    """Sales opens a deal directly (source ``sales``)."""
    _require(request, "deals.manage")
    membership = request.membership
    form = DealForm(
        request.POST or None,
        membership=membership,
        initial={"company": request.GET.get("company"), "kind": DealKind.NEW},
    )
    company = None
    if request.method == "GET" and request.GET.get("company", "").isdigit():
        company = scoped(request, Company).filter(pk=request.GET["company"]).first()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deal = services.open_deal_with_company(
                by=membership,
                company=data.get("company"),
                company_name=data["company_name"],
                company_domain=data["company_domain"],
                name=data["name"],
                value=data["value"],
                kind=data["kind"],
                owner=data.get("owner"),
                close_date=data.get("close_date"),
            )
        except DomainError as error:
            form.add_error(None, error.message)
            company = data.get("company")
        else:
            messages.success(request, _("Deal %(deal)s opened.") % {"deal": deal.name})
            return redirect("leads:deal_detail", pk=deal.pk)
    elif request.method == "POST":
        company = form.cleaned_data.get("company")
    return render(request, "leads/deals/form.html", {"form": form, "company": company})


# --- Companies -----------------------------------------------------------------------------


@tenant_view
def company_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """A company: its contacts, the deals with it the member may see, the discussion."""
    company = get_object_or_404(selectors.company_detail_queryset(request.membership), pk=pk)
    return _render_company(request, company)


def _render_company(request: TenantRequest, company: Company, *, form=None, status: int = 200):
    can_manage = can(request.membership, "deals.manage", company)
    context = {
        "company": company,
        "page": selectors.company_page(membership=request.membership, company=company),
        "can_manage": can_manage,
        "contact_form": form or (ContactForm() if can_manage else None),
    }
    return render(request, "leads/deals/company.html", context, status=status)


@tenant_view
@require_POST
def contact_create(request: TenantRequest, pk: int) -> HttpResponse:
    """Add a contact at the company (sales)."""
    company = get_object_or_404(selectors.company_detail_queryset(request.membership), pk=pk)
    _require(request, "deals.manage", company)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            contact = services.create_contact(
                by=request.membership, data={"company": company, **form.cleaned_data}
            )
        except DomainError as error:
            form.add_error("email" if error.code == "duplicate" else None, error.message)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": contact})
            return redirect("leads:company_detail", pk=company.pk)
    return _render_company(request, company, form=form, status=400)


urlpatterns = [
    path("deals/", deal_board, name="deal_board"),
    path("deals/new/", deal_create, name="deal_create"),
    path("deals/<int:pk>/", deal_detail, name="deal_detail"),
    path("deals/<int:pk>/advance/", deal_advance, name="deal_advance"),
    path("deals/<int:pk>/win/", deal_win, name="deal_win"),
    path("deals/<int:pk>/lose/", deal_lose, name="deal_lose"),
    path("deals/<int:pk>/edit/", deal_edit, name="deal_edit"),
    path("deals/<int:pk>/reopen/", deal_reopen, name="deal_reopen"),
    path("deals/<int:pk>/collateral/", deal_use_collateral, name="deal_use_collateral"),
    path("deals/<int:pk>/own-material/", deal_own_material, name="deal_own_material"),
    path("companies/<int:pk>/", company_detail, name="company_detail"),
    path("companies/<int:pk>/contacts/", contact_create, name="contact_create"),
]
