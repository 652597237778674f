"""Browser pages of upsell signals: the pipeline (filters, totals per status, age against the
organization's answer window), raising a signal (CS), a signal's page with its routing and
sales' answer (accept → the expansion deal and its credit split, or dismiss with a reason),
and the posts behind those forms.

Thin: forms check the shape, ``handoffs.services.upsell`` changes state (and says no with a
``DomainError``, shown on the form or as a message), ``handoffs.selectors`` read. A signal is
looked up through ``tenant_object_or_404`` before any permission check, so another
organization's signal is a 404; a member who may see but not act gets a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, F, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import can
from collab_hub.exceptions import DomainError, IllegalTransition
from collab_hub.tenancy import TenantRequest, require_page, tenant_object_or_404, tenant_view
from handoffs.forms.upsell import AcceptForm, CreditForm, DismissForm, SignalForm, UpsellFilterForm
from handoffs.models import PERCENT_MAX, UpsellSignal, UpsellStatus
from handoffs.selectors import handoffs as selectors
from handoffs.services import upsell as services
from handoffs.services.accounts import settings_for
from leads.models import Deal, DealStage

PAGE_SIZE = 50


def _page_number(request: TenantRequest) -> int:
    raw = request.GET.get("page", "1")
    return max(int(raw), 1) if raw.isdigit() else 1


def _age_days(signal: UpsellSignal, now: Any) -> int:
    """Days the signal waited for sales: until now while open, else until it was answered."""
    until = signal.answered_at or now
    return max((until - signal.created_at).days, 0)


# --- The pipeline ---------------------------------------------------------------------------


@tenant_view
def upsell_list(request: TenantRequest) -> HttpResponse:
    """The upsell pipeline: open signals first (the longest waiting first), then the answered
    ones; filters by status, kind and "mine"; totals per status above the table (count and
    estimated value); 50 per page. Three queries whatever the number of signals."""
    membership = request.membership
    require_page(request, "handoffs.view")
    form = UpsellFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    mine = bool(filters.get("mine"))
    signals = selectors.pipeline(membership, status=filters.get("status", ""), mine=mine)
    everything = selectors.pipeline(membership, mine=mine)
    if filters.get("kind"):
        signals = signals.filter(kind=filters["kind"])
        everything = everything.filter(kind=filters["kind"])
    grouped: Any = everything.order_by().values("status")
    sums: dict[str, dict[str, Any]] = {
        row["status"]: row
        for row in grouped.annotate(count=Count("pk"), value=Sum("estimated_value"))
    }
    totals = [
        {
            "status": status,
            "label": label,
            "count": sums.get(status, {}).get("count", 0),
            "value": sums.get(status, {}).get("value") or 0,
        }
        for status, label in UpsellStatus.choices
    ]
    number = _page_number(request)
    rows = list(signals[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    window = settings_for(request.organization).upsell_response_days
    now = timezone.now()
    for row in rows:
        # Shown by the row: days waited, red past the organization's answer window.
        row.age_days = _age_days(row, now)  # type: ignore[attr-defined]
        row.late = row.status == UpsellStatus.OPEN and row.age_days >= window  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": rows,
        "totals": totals,
        "window": window,
        "page_number": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if has_next else None,
        "query": query.urlencode(),
        "filtered": bool(filters),
        "can_raise": can(membership, "upsell.raise"),
    }
    template = "handoffs/upsell/list.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


# --- Raise a signal -------------------------------------------------------------------------


@tenant_view
def upsell_create(request: TenantRequest) -> HttpResponse:
    """CS raises a signal at a customer (``?company=`` preselects it); it is routed to the
    customer's sales owner, else the sales managers, who are told."""
    require_page(request, "upsell.raise")
    initial: dict[str, Any] = {}
    if request.GET.get("company", "").isdigit():
        initial["company"] = int(request.GET["company"])
    form = SignalForm(request.POST or None, initial=initial, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            signal = services.raise_signal(
                by=request.membership,
                company=data["company"],
                kind=data["kind"],
                estimated_value=data["estimated_value"],
                confidence=data["confidence"],
                note=data["note"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if signal.routed_to is not None:
                messages.success(
                    request,
                    _("Signal raised and sent to %(name)s.")
                    % {"name": signal.routed_to.user.display_name},
                )
            else:
                messages.success(request, _("Signal raised."))
            return redirect(signal.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "handoffs/upsell/form.html", {"form": form}, status=status)


# --- A signal's page ------------------------------------------------------------------------


def _signal(request: TenantRequest, pk: int) -> UpsellSignal:
    signal: UpsellSignal = tenant_object_or_404(
        request,
        UpsellSignal.objects.select_related(
            "company",
            "raised_by__user",
            "routed_to__user",
            "answered_by__user",
            "deal__owner__user",
        ),
        pk,
    )
    return signal


def _routing(signal: UpsellSignal) -> str:
    """Why the signal went where it did: ``owner`` (the owner of the customer's most recent
    won deal), ``manager`` (no such owner: a sales manager) or ``nobody``."""
    if signal.routed_to_id is None:
        return "nobody"
    latest_owner = (
        Deal.objects.filter(company_id=signal.company_id, stage=DealStage.WON)
        .order_by(F("closed_at").desc(nulls_last=True), "-pk")
        .values_list("owner_id", flat=True)
        .first()
    )
    return "owner" if latest_owner == signal.routed_to_id else "manager"


def _credit_split(signal: UpsellSignal) -> dict[str, Any] | None:
    if signal.cs_credit_percent is None:
        return None
    cs_percent = signal.cs_credit_percent
    sales_percent = PERCENT_MAX - cs_percent
    value = signal.deal.value if signal.deal is not None else None
    return {
        "cs_percent": cs_percent,
        "sales_percent": sales_percent,
        "cs_value": None if value is None else value * cs_percent / 100,
        "sales_value": None if value is None else value * sales_percent / 100,
    }


def _accept_initial(signal: UpsellSignal) -> dict[str, Any]:
    return {
        "value": signal.estimated_value,
        "cs_credit_percent": settings_for(signal.organization_id).cs_credit_percent,
    }


def _render_detail(
    request: TenantRequest, signal: UpsellSignal, *, status: int = 200, **forms: Any
) -> HttpResponse:
    membership = request.membership
    may_answer = can(membership, "upsell.answer", signal)
    is_open = signal.status == UpsellStatus.OPEN
    context: dict[str, Any] = {
        "signal": signal,
        "routing": _routing(signal),
        "split": _credit_split(signal),
        "can_answer": may_answer and is_open,
        "can_credit": may_answer and signal.status == UpsellStatus.ACCEPTED,
        "accept_form": None,
        "dismiss_form": None,
        "credit_form": None,
        **forms,
    }
    if context["can_answer"]:
        context["accept_form"] = forms.get("accept_form") or AcceptForm(
            initial=_accept_initial(signal), auto_id="accept-%s"
        )
        context["dismiss_form"] = forms.get("dismiss_form") or DismissForm(auto_id="dismiss-%s")
    if context["can_credit"]:
        context["credit_form"] = forms.get("credit_form") or CreditForm(
            initial={"cs_credit_percent": signal.cs_credit_percent}, auto_id="credit-%s"
        )
    return render(request, "handoffs/upsell/detail.html", context, status=status)


@tenant_view
def upsell_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """One signal: company, kind, value, confidence, note, who raised it and where it was
    routed (and why); sales' accept and dismiss forms while it is open; once accepted the
    expansion deal and the credit split (editable by sales); once dismissed the reason; the
    discussion."""
    signal = _signal(request, pk)
    require_page(request, "handoffs.view", signal)
    return _render_detail(request, signal)


def _answer_page(
    request: TenantRequest, signal: UpsellSignal, form: Any, action: str, *, status: int = 200
) -> HttpResponse:
    """The one form of an answer on its own page (a GET of the post's URL, or a refusal)."""
    context = {"signal": signal, "form": form, "action": action}
    return render(request, "handoffs/upsell/answer.html", context, status=status)


def _refused(request: TenantRequest, signal: UpsellSignal, form: Any, error: DomainError) -> Any:
    """A service's refusal: a signal someone answered meanwhile is a message on its page;
    anything else lands on the form."""
    if isinstance(error, IllegalTransition):
        messages.error(request, str(error.message))
        return redirect(signal.get_absolute_url())
    form.add_error(error.field if error.field in form.fields else None, str(error.message))
    return None


@tenant_view
def upsell_accept(request: TenantRequest, pk: int) -> HttpResponse:
    """Sales accepts an open signal: the expansion deal is opened (name, value, close date)
    with the CS share of its credit, and the CS member who raised it is told."""
    signal = _signal(request, pk)
    require_page(request, "upsell.answer", signal)
    if request.method != "POST":
        form = AcceptForm(initial=_accept_initial(signal))
        return _answer_page(request, signal, form, "accept")
    form = AcceptForm(request.POST, auto_id="accept-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            accepted = services.accept_signal(
                by=request.membership,
                signal=signal,
                name=data["name"],
                value=data["value"],
                close_date=data["close_date"],
                cs_credit_percent=data["cs_credit_percent"],
            )
        except DomainError as error:
            refused = _refused(request, signal, form, error)
            if refused is not None:
                return refused
        else:
            deal = accepted.deal
            messages.success(
                request,
                _("Accepted: the expansion deal %(deal)s is open.")
                % {"deal": deal.name if deal else ""},
            )
            return redirect(accepted.get_absolute_url())
    return _render_detail(request, signal, status=400, accept_form=form)


@tenant_view
def upsell_dismiss(request: TenantRequest, pk: int) -> HttpResponse:
    """Sales dismisses an open signal, saying why; the CS member who raised it is told."""
    signal = _signal(request, pk)
    require_page(request, "upsell.answer", signal)
    if request.method != "POST":
        return _answer_page(request, signal, DismissForm(), "dismiss")
    form = DismissForm(request.POST, auto_id="dismiss-%s")
    if form.is_valid():
        try:
            services.dismiss_signal(
                by=request.membership, signal=signal, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            refused = _refused(request, signal, form, error)
            if refused is not None:
                return refused
        else:
            messages.success(request, _("Dismissed; the CS member who raised it was told why."))
            return redirect(signal.get_absolute_url())
    return _render_detail(request, signal, status=400, dismiss_form=form)


@tenant_view
def upsell_credit(request: TenantRequest, pk: int) -> HttpResponse:
    """Sales changes the CS share of an accepted signal's expansion deal."""
    signal = _signal(request, pk)
    require_page(request, "upsell.answer", signal)
    if request.method != "POST":
        form = CreditForm(initial={"cs_credit_percent": signal.cs_credit_percent})
        return _answer_page(request, signal, form, "credit")
    form = CreditForm(request.POST, auto_id="credit-%s")
    if form.is_valid():
        try:
            services.set_credit_split(
                by=request.membership,
                signal=signal,
                cs_credit_percent=form.cleaned_data["cs_credit_percent"],
            )
        except DomainError as error:
            refused = _refused(request, signal, form, error)
            if refused is not None:
                return refused
        else:
            messages.success(request, _("The credit split was saved."))
            return redirect(signal.get_absolute_url())
    if signal.status != UpsellStatus.ACCEPTED:
        messages.error(request, _("Accept the signal first: it has no expansion deal yet."))
        return redirect(signal.get_absolute_url())
    return _render_detail(request, signal, status=400, credit_form=form)
