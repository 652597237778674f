"""Browser pages of the handoffs: CS's inbox (overdue first), a handoff's page (what is
missing before submitting, the package, stakeholders, the promises-and-status panel with
CS's sign-off, the checklist, the discrepancy thread, the status history and the
discussion), the edit form, and the posts behind every button on the handoff page.

Thin: forms check the shape, ``handoffs.services.handoffs`` change state (and say no with a
``DomainError``, shown as a message or on the form), ``handoffs.selectors.handoffs`` read.
Records are looked up through ``tenant_object_or_404`` (or a scoped selector) before any
permission check, so another organization's record is a 404; a member who may see but not
act, a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.policy import can
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import TenantRequest, require_page, tenant_object_or_404, tenant_view
from handoffs.forms.handoffs import (
    TABS,
    AcceptForm,
    AnswerForm,
    ChecklistAddForm,
    ChecklistItemForm,
    DiscrepancyForm,
    HandoffForm,
    InboxFilterForm,
    ResolveForm,
    ReturnForm,
    SignoffForm,
    StakeholderForm,
    SubmitForm,
)
from handoffs.models import (
    SALES_STATUSES,
    ChecklistItem,
    Discrepancy,
    Handoff,
    HandoffStatus,
    Stakeholder,
)
from handoffs.selectors import handoffs as selectors
from handoffs.services import handoffs as services
from roadmap.models import Promise

PAGE_SIZE = 50
S = HandoffStatus


def _first_error(form: Any) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Check the form.")


def _page_number(request: TenantRequest) -> int:
    raw = request.GET.get("page", "1")
    return max(int(raw), 1) if raw.isdigit() else 1


def _handoff(request: TenantRequest, pk: int) -> Handoff:
    return tenant_object_or_404(
        request, Handoff.objects.select_related("deal", "deal__company"), pk
    )


def _label(name: str) -> Any:
    field: Any = Handoff._meta.get_field(name)
    return field.verbose_name


def _back(handoff: Handoff | int, anchor: str = "") -> HttpResponse:
    pk = handoff if isinstance(handoff, int) else handoff.pk
    response = redirect("handoffs:handoff_detail", pk=pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


# --- CS's inbox ---------------------------------------------------------------------------


@tenant_view
def handoff_list(request: TenantRequest) -> HttpResponse:
    """Every handoff the member may see, the most urgent first (overdue submitted ones, then
    the soonest due); tabs "To accept", "Overdue", "Returned to sales", "Mine", "All" and a
    status select; 50 per page. One query for the rows (promise counts as subqueries)."""
    require_page(request, "handoffs.view")
    membership = request.membership
    form = InboxFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    tab = form.active_tab if request.GET else "all"
    number = _page_number(request)
    qs = selectors.with_promise_counts(selectors.inbox(membership, **filters))
    rows = list(qs[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": rows,
        "tab": tab,
        "tabs": [(key, label) for key, (label, _filters) in TABS.items()],
        "status": filters.get("status", ""),
        "page_number": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if has_next else None,
        "query": query.urlencode(),
        "filtered": bool(filters),
        "is_cs": can(membership, "handoffs.review"),
    }
    template = "handoffs/handoffs/list.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


# --- A handoff's page ---------------------------------------------------------------------


def _permissions(request: TenantRequest, handoff: Handoff) -> dict[str, bool]:
    membership = request.membership
    status = handoff.status
    holds = status in SALES_STATUSES
    can_submit = can(membership, "handoffs.submit", handoff)
    can_review = can(membership, "handoffs.review", handoff)
    can_assign = can(membership, "handoffs.assign", handoff) and status != S.LIVE
    return {
        "sales_holds": holds,
        "can_submit": can_submit and holds,
        "can_edit": (can_submit and holds) or can_assign,
        "can_assign": can_assign,
        "can_review": can_review,
        "can_decide": can_review and status == S.SUBMITTED,
        "can_onboard": can_review and status == S.ACCEPTED,
        "can_go_live": can_review and status == S.ONBOARDING,
        "can_record": can_review and status != S.DRAFT,
        "can_checklist": can(membership, "handoffs.checklist", handoff) and status != S.LIVE,
        "can_answer": can(membership, "handoffs.answer", handoff),
    }


def _missing(handoff: Handoff, rows: list[Any], *, can_edit: bool) -> list[dict[str, Any]]:
    """``services.missing_for_submit``, each gap with a link to where it is fixed."""
    edit = reverse("handoffs:handoff_edit", args=[handoff.pk]) if can_edit else ""
    features = {row.promise.pk: row.feature.get_absolute_url() for row in rows}
    anchors = {"stakeholders": "#stakeholders", "cs_owner": ""}
    gaps = services.missing_for_submit(handoff)
    for gap in gaps:
        code = gap["code"]
        if code in services.REQUIRED_FIELDS:
            gap["url"] = edit
        elif code == "checklist":
            gap["url"] = f"#item-{gap['item']}"
        elif code == "promise_pending":
            gap["url"] = features.get(gap["promise"], "")
        else:
            gap["url"] = anchors.get(code, "")
    return gaps


def _render_detail(request: TenantRequest, pk: int, *, status: int = 200) -> HttpResponse:
    handoff = selectors.handoff_detail(request.membership, pk)
    if handoff is None:
        raise Http404
    require_page(request, "handoffs.view", handoff)
    allowed = _permissions(request, handoff)
    rows = selectors.promise_rows(handoff)
    context: dict[str, Any] = {
        "handoff": handoff,
        "deal": handoff.deal,
        "company": handoff.deal.company,
        "missing": _missing(handoff, rows, can_edit=allowed["can_submit"])
        if allowed["sales_holds"]
        else [],
        "promise_rows": rows,
        "unsigned": [row for row in rows if row.needs_signoff],
        "stakeholders": list(selectors.stakeholders_of(handoff)),
        "checklist": list(selectors.checklist_of(handoff)),
        "discrepancies": list(selectors.discrepancies_of(handoff)),
        "history": list(selectors.status_history(handoff)),
        "package": [
            (name, _label(name), getattr(handoff, name)) for name in services.PACKAGE_FIELDS
        ],
        **allowed,
    }
    if allowed["can_submit"]:
        context["stakeholder_form"] = StakeholderForm(
            membership=request.membership, handoff=handoff, auto_id="stakeholder-%s"
        )
        context["submit_form"] = SubmitForm(auto_id="submit-%s")
    if allowed["can_checklist"]:
        context["checklist_form"] = ChecklistAddForm(auto_id="checklist-%s")
    if allowed["can_decide"]:
        context["return_form"] = ReturnForm(auto_id="return-%s")
        context["accept_form"] = AcceptForm(auto_id="accept-%s")
    if allowed["can_record"]:
        context["discrepancy_form"] = DiscrepancyForm(auto_id="discrepancy-%s")
    return render(request, "handoffs/handoffs/detail.html", context, status=status)


@tenant_view
def handoff_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """One handoff: its header (status, deal, owners, SLA), what is missing before it can be
    submitted, CS's questions, the package, stakeholders, the deal's promises with their
    live roadmap status and CS's sign-off, the checklist, the discrepancies, the history,
    the discussion and the buttons the member's role allows in its status."""
    return _render_detail(request, pk)


@tenant_view
def handoff_edit(request: TenantRequest, pk: int) -> HttpResponse:
    """Sales edits the package's text while it holds the handoff; a member who may
    ``handoffs.assign`` changes the CS owner. The fields the member may not change are not
    on the form."""
    handoff = _handoff(request, pk)
    membership = request.membership
    text = can(membership, "handoffs.submit", handoff) and handoff.status in SALES_STATUSES
    assign = can(membership, "handoffs.assign", handoff) and handoff.status != S.LIVE
    if not (text or assign):
        raise PermissionDenied
    initial: dict[str, Any] = {name: getattr(handoff, name) for name in services.PACKAGE_FIELDS}
    initial["cs_owner"] = handoff.cs_owner_id
    form = HandoffForm(
        request.POST or None, initial=initial, membership=membership, text=text, assign=assign
    )
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name in form.fields}
        try:
            services.update_handoff(by=membership, handoff=handoff, data=data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The handoff was saved."))
            return redirect(handoff.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "handoffs/handoffs/form.html",
        {"form": form, "handoff": handoff},
        status=status,
    )


# --- Status moves -------------------------------------------------------------------------


@tenant_view
@require_POST
def handoff_submit(request: TenantRequest, pk: int) -> HttpResponse:
    """Sales hands the package to CS; refused, with what is missing, while incomplete."""
    handoff = _handoff(request, pk)
    require_page(request, "handoffs.submit", handoff)
    form = SubmitForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.submit_handoff(by=request.membership, handoff=handoff, note=note)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The handoff was submitted; CS was told."))
    return _back(handoff)


@tenant_view
@require_POST
def handoff_return(request: TenantRequest, pk: int) -> HttpResponse:
    """CS returns the handoff to sales with its questions."""
    handoff = _handoff(request, pk)
    require_page(request, "handoffs.review", handoff)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write down your questions for sales."))
        return _back(handoff, "decide")
    try:
        services.return_handoff(
            by=request.membership, handoff=handoff, questions=form.cleaned_data["questions"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The handoff went back to sales with your questions."))
    return _back(handoff)


@tenant_view
@require_POST
def handoff_accept(request: TenantRequest, pk: int) -> HttpResponse:
    """CS accepts the customer; refused until every promise is signed off."""
    handoff = _handoff(request, pk)
    require_page(request, "handoffs.review", handoff)
    form = AcceptForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.accept_handoff(by=request.membership, handoff=handoff, note=note)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The handoff was accepted; sales was told."))
    return _back(handoff)


def _move(request: TenantRequest, pk: int, service: Any, done: str) -> HttpResponse:
    handoff = _handoff(request, pk)
    require_page(request, "handoffs.review", handoff)
    try:
        service(by=request.membership, handoff=handoff)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return _back(handoff)


@tenant_view
@require_POST
def handoff_onboarding(request: TenantRequest, pk: int) -> HttpResponse:
    """CS starts onboarding an accepted customer."""
    return _move(request, pk, services.start_onboarding, _("Onboarding started."))


@tenant_view
@require_POST
def handoff_go_live(request: TenantRequest, pk: int) -> HttpResponse:
    """CS marks the onboarded customer live."""
    return _move(request, pk, services.go_live, _("The customer is live."))


# --- Stakeholders -------------------------------------------------------------------------


@tenant_view
@require_POST
def stakeholder_add(request: TenantRequest, pk: int) -> HttpResponse:
    """Sales names a contact of the customer with their role."""
    handoff = _handoff(request, pk)
    require_page(request, "handoffs.submit", handoff)
    form = StakeholderForm(request.POST, membership=request.membership, handoff=handoff)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back(handoff, "stakeholders")
    try:
        stakeholder = services.add_stakeholder(
            by=request.membership,
            handoff=handoff,
            contact=form.cleaned_data["contact"],
            role=form.cleaned_data["role"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s was added as %(role)s.")
            % {"name": stakeholder.contact, "role": stakeholder.role},
        )
    return _back(handoff, "stakeholders")


@tenant_view
@require_POST
def stakeholder_remove(request: TenantRequest, pk: int) -> HttpResponse:
    stakeholder = tenant_object_or_404(
        request, Stakeholder.objects.select_related("handoff", "contact"), pk
    )
    require_page(request, "handoffs.submit", stakeholder)
    try:
        services.remove_stakeholder(by=request.membership, stakeholder=stakeholder)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(name)s is no longer a stakeholder.") % {"name": stakeholder.contact}
        )
    return _back(stakeholder.handoff_id, "stakeholders")


# --- Checklist ----------------------------------------------------------------------------


@tenant_view
@require_POST
def checklist_add(request: TenantRequest, pk: int) -> HttpResponse:
    handoff = _handoff(request, pk)
    require_page(request, "handoffs.checklist", handoff)
    form = ChecklistAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back(handoff, "checklist")
    try:
        item = services.add_checklist_item(
            by=request.membership,
            handoff=handoff,
            title=form.cleaned_data["title"],
            required=form.cleaned_data["required"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(item)s” was added to the checklist.") % {"item": item})
    return _back(handoff, "checklist")


@tenant_view
@require_POST
def checklist_item(request: TenantRequest, pk: int) -> HttpResponse:
    """Tick or untick an item. With htmx the item alone is answered (swapped in place);
    without, the handoff page."""
    item = tenant_object_or_404(request, ChecklistItem.objects.select_related("handoff"), pk)
    require_page(request, "handoffs.checklist", item)
    form = ChecklistItemForm(request.POST)
    form.is_valid()
    error = ""
    try:
        item = services.set_checklist_item(
            by=request.membership, item=item, done=form.cleaned_data.get("done", False)
        )
    except DomainError as refusal:
        error = str(refusal.message)
    if request.htmx:
        item = ChecklistItem.objects.select_related("done_by__user", "handoff").get(pk=item.pk)
        context = {
            "item": item,
            "handoff": item.handoff,
            "can_checklist": item.handoff.status != S.LIVE,
            "item_error": error,
        }
        return render(request, "handoffs/handoffs/detail.html#checklist-item", context)
    if error:
        messages.error(request, error)
    return _back(item.handoff_id, f"item-{item.pk}")


@tenant_view
@require_POST
def checklist_remove(request: TenantRequest, pk: int) -> HttpResponse:
    item = tenant_object_or_404(request, ChecklistItem.objects.select_related("handoff"), pk)
    require_page(request, "handoffs.checklist", item)
    try:
        services.remove_checklist_item(by=request.membership, item=item)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(item)s” was removed.") % {"item": item.title})
    return _back(item.handoff_id, "checklist")


# --- Promise sign-off ---------------------------------------------------------------------


@tenant_view
@require_POST
def promise_signoff(request: TenantRequest, pk: int, promise_pk: int) -> HttpResponse:
    """CS answers for one promise of the deal: deliverable, or not (with a note; it then
    becomes a discrepancy)."""
    handoff = _handoff(request, pk)
    promise = tenant_object_or_404(
        request, Promise.objects.select_related("feature_request"), promise_pk
    )
    require_page(request, "handoffs.review", handoff)
    form = SignoffForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back(handoff, f"promise-{promise.pk}")
    deliverable = form.cleaned_data["deliverable"]
    try:
        services.sign_off_promise(
            by=request.membership,
            handoff=handoff,
            promise=promise,
            deliverable=deliverable,
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        title = promise.feature_request.title
        if deliverable:
            messages.success(request, _("“%(feature)s”: deliverable.") % {"feature": title})
        else:
            messages.success(
                request,
                _("“%(feature)s”: not deliverable; a discrepancy was recorded and sales told.")
                % {"feature": title},
            )
    return _back(handoff, f"promise-{promise.pk}")


# --- Discrepancies ------------------------------------------------------------------------


@tenant_view
@require_POST
def discrepancy_add(request: TenantRequest, pk: int) -> HttpResponse:
    """CS records a surprise it found in the handoff; sales is told."""
    handoff = _handoff(request, pk)
    require_page(request, "handoffs.review", handoff)
    form = DiscrepancyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back(handoff, "discrepancies")
    try:
        discrepancy = services.record_discrepancy(
            by=request.membership,
            handoff=handoff,
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data["description"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _back(handoff, "discrepancies")
    messages.success(request, _("The surprise was recorded; sales was told."))
    return _back(handoff, f"discrepancy-{discrepancy.pk}")


def _discrepancy(request: TenantRequest, pk: int) -> Discrepancy:
    return tenant_object_or_404(request, Discrepancy.objects.select_related("handoff"), pk)


@tenant_view
@require_POST
def discrepancy_answer(request: TenantRequest, pk: int) -> HttpResponse:
    """Sales answers a surprise; the CS member who recorded it is told."""
    discrepancy = _discrepancy(request, pk)
    require_page(request, "handoffs.answer", discrepancy)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your answer."))
    else:
        try:
            services.answer_discrepancy(
                by=request.membership, discrepancy=discrepancy, answer=form.cleaned_data["answer"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your answer was sent to CS."))
    return _back(discrepancy.handoff_id, f"discrepancy-{discrepancy.pk}")


@tenant_view
@require_POST
def discrepancy_resolve(request: TenantRequest, pk: int) -> HttpResponse:
    """Mark a surprise resolved (``resolved=1``) or reopen it (``resolved=0``): CS or
    sales."""
    discrepancy = _discrepancy(request, pk)
    membership = request.membership
    if not (
        can(membership, "handoffs.review", discrepancy)
        or can(membership, "handoffs.answer", discrepancy)
    ):
        raise PermissionDenied
    form = ResolveForm(request.POST)
    resolved = form.cleaned_data["resolved"] if form.is_valid() else True
    try:
        services.resolve_discrepancy(by=membership, discrepancy=discrepancy, resolved=resolved)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The discrepancy is resolved.") if resolved else _("The discrepancy is open again."),
        )
    return _back(discrepancy.handoff_id, f"discrepancy-{discrepancy.pk}")
