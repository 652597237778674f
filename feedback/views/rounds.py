"""Browser pages of the feedback rounds: the list (open rounds first, with "Answer now"),
creating and editing a round, its page (status, dates, participation as counts), the posts
that open and close it, the answer form (one page, one card per other department), the
results heatmap and one department's "how others see us".

Thin: forms check the shape, ``feedback.services`` change state (and say no with a
``DomainError``, shown as a message or on the form), ``feedback.selectors.results`` read
every figure and comment shown — with the anonymity floor applied there, never here.
Records are looked up through ``tenant_object_or_404`` before any permission check, so
another organization's round is a 404; a member who may see but not act, a 403.

**Anonymity.** No page names who answered an anonymous round (participation is a count),
and no page reads responses itself except the member's own (to pre-fill their form).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Membership
from accounts.policy import can
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import TenantRequest, require_page, tenant_object_or_404, tenant_view
from feedback.forms.rounds import AnswerForm, RoundForm
from feedback.models import RATING_MIN, RATINGS, FeedbackRound, Participant, RoundStatus
from feedback.selectors import results as results_selectors
from feedback.selectors.results import Cell
from feedback.services import responses as response_services
from feedback.services import rounds as round_services

# Closed rounds the list shows (the newest first).
CLOSED_SHOWN = 50
R = RoundStatus


def _round(request: TenantRequest, pk: int) -> FeedbackRound:
    return tenant_object_or_404(request, FeedbackRound, pk)


def _with_progress(qs: QuerySet[FeedbackRound], membership: Membership) -> QuerySet[FeedbackRound]:
    """Each round with how many take part and have answered (counts only), and whether the
    member takes part and has answered (subqueries: one query for the list)."""
    mine = Participant.objects.filter(round=OuterRef("pk"), membership=membership)
    return qs.annotate(
        participant_count=Count("participants", distinct=True),
        completed_count=Count(
            "participants", filter=Q(participants__completed=True), distinct=True
        ),
        is_participant=Exists(mine),
        has_answered=Subquery(mine.values("completed")[:1]),
    )


# --- The list -----------------------------------------------------------------------------


@tenant_view
def round_list(request: TenantRequest) -> HttpResponse:
    """Open rounds first (with "Answer now" or "Answered ✓" for participants), then drafts
    (managers only), then the last closed rounds with a link to their results."""
    require_page(request, "feedback.view")
    membership = request.membership
    may_manage = can(membership, "feedback.manage")
    rounds = _with_progress(FeedbackRound.objects.visible_to(membership), membership)
    open_rounds = list(rounds.filter(status=R.OPEN).order_by("closes_at", "pk"))
    drafts = list(rounds.filter(status=R.DRAFT).order_by("opens_at", "pk")) if may_manage else []
    closed = list(rounds.filter(status=R.CLOSED).order_by("-closes_at", "-pk")[:CLOSED_SHOWN])
    context = {
        "open_rounds": open_rounds,
        "drafts": drafts,
        "closed_rounds": closed,
        "can_manage": may_manage,
        "can_see_open_results": can(membership, "feedback.results"),
    }
    return render(request, "feedback/rounds/list.html", context)


# --- Creating and editing ------------------------------------------------------------------


@tenant_view
def round_create(request: TenantRequest) -> HttpResponse:
    """A new draft round: name, dates, departments, anonymous (on by default), minimum."""
    require_page(request, "feedback.manage")
    membership = request.membership
    form = RoundForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            feedback_round = round_services.create_round(by=membership, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request, _("The round was created as a draft: open it when it is ready.")
            )
            return redirect(feedback_round.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request, "feedback/rounds/form.html", {"form": form, "round": None}, status=status
    )


@tenant_view
def round_edit(request: TenantRequest, pk: int) -> HttpResponse:
    """Change a draft round; an open one only its name and closing time; a closed one not at
    all (a message on the round's page)."""
    feedback_round = _round(request, pk)
    require_page(request, "feedback.manage", feedback_round)
    if feedback_round.status == R.CLOSED:
        messages.error(request, _("The round is closed: it can no longer change."))
        return redirect(feedback_round.get_absolute_url())
    membership = request.membership
    initial: dict[str, Any] = {
        "name": feedback_round.name,
        "opens_at": feedback_round.opens_at,
        "closes_at": feedback_round.closes_at,
        "departments": list(feedback_round.departments.values_list("pk", flat=True)),
        "anonymous": feedback_round.anonymous,
        "min_responses": feedback_round.min_responses,
    }
    form = RoundForm(
        request.POST or None,
        initial=initial,
        membership=membership,
        open_only=feedback_round.status == R.OPEN,
    )
    if request.method == "POST" and form.is_valid():
        try:
            round_services.update_round(
                by=membership, feedback_round=feedback_round, data=dict(form.cleaned_data)
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The round was saved."))
            return redirect(feedback_round.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "feedback/rounds/form.html",
        {"form": form, "round": feedback_round},
        status=status,
    )


@tenant_view
@require_POST
def round_open(request: TenantRequest, pk: int) -> HttpResponse:
    """Open a draft now: everyone in its departments becomes a participant and is told."""
    feedback_round = _round(request, pk)
    require_page(request, "feedback.manage", feedback_round)
    try:
        round_services.open_round(by=request.membership, feedback_round=feedback_round)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The round is open; every participant was told."))
    return redirect(feedback_round.get_absolute_url())


@tenant_view
@require_POST
def round_close(request: TenantRequest, pk: int) -> HttpResponse:
    """Close an open round now (the page asks to confirm first)."""
    feedback_round = _round(request, pk)
    require_page(request, "feedback.manage", feedback_round)
    try:
        round_services.close_round(by=request.membership, feedback_round=feedback_round)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The round is closed: its results are final."))
    return redirect(feedback_round.get_absolute_url())


# --- A round's page ------------------------------------------------------------------------


def _results_allowed(membership: Membership, feedback_round: FeedbackRound) -> bool:
    """Closed rounds' results: every member; an open round's: ``feedback.results``."""
    if feedback_round.status == R.CLOSED:
        return can(membership, "feedback.view", feedback_round)
    return can(membership, "feedback.results", feedback_round)


@tenant_view
def round_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """A round: status, dates, departments, participation as counts ("14 of 20 have
    answered"; in a round that is not anonymous managers also see who has), and the buttons
    the member's role allows in its status."""
    feedback_round = _round(request, pk)
    membership = request.membership
    require_page(request, "feedback.view", feedback_round)
    may_manage = can(membership, "feedback.manage", feedback_round)
    if feedback_round.status == R.DRAFT and not may_manage:
        raise PermissionDenied
    counts = Participant.objects.filter(round=feedback_round).aggregate(
        total=Count("pk"), completed=Count("pk", filter=Q(completed=True))
    )
    mine = response_services.participation(feedback_round, membership)
    answered: list[Participant] = []
    if not feedback_round.anonymous and may_manage:
        answered = list(
            Participant.objects.filter(round=feedback_round)
            .select_related("membership__user", "department")
            .order_by("department__name", "membership__user__full_name", "pk")
        )
    total = counts["total"] or 0
    context = {
        "round": feedback_round,
        "departments": list(feedback_round.departments.order_by("name", "pk")),
        "participants": total,
        "completed": counts["completed"] or 0,
        "percent": round(100 * (counts["completed"] or 0) / total) if total else 0,
        "participation": mine,
        "named_participants": answered,
        "can_manage": may_manage,
        "can_edit": may_manage and feedback_round.status != R.CLOSED,
        "can_open": may_manage and feedback_round.status == R.DRAFT,
        "can_close": may_manage and feedback_round.status == R.OPEN,
        "can_answer": mine is not None and feedback_round.status == R.OPEN,
        "can_see_results": feedback_round.status != R.DRAFT
        and _results_allowed(membership, feedback_round),
    }
    return render(request, "feedback/rounds/detail.html", context)


# --- Answering ------------------------------------------------------------------------------


def _show_domain_error(form: AnswerForm, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


class _Refused(Exception):
    """A service refused one of the cards: undo the others (the form is saved whole)."""


@tenant_view
def round_answer(request: TenantRequest, pk: int) -> HttpResponse:
    """The answer form: one card per other department (three 1–5 ratings and a comment),
    one Submit for all, pre-filled with the member's own answers. A card left blank is
    skipped; a card partly filled is an error on it (and nothing is saved). Only
    participants of an open round (others: 403); a draft or closed round says so."""
    feedback_round = _round(request, pk)
    membership = request.membership
    require_page(request, "feedback.view", feedback_round)
    if feedback_round.status != R.OPEN:
        context = {
            "round": feedback_round,
            "can_see_results": feedback_round.status == R.CLOSED
            and _results_allowed(membership, feedback_round),
        }
        return render(request, "feedback/rounds/answer_closed.html", context)
    participant = response_services.participation(feedback_round, membership)
    if participant is None:
        raise PermissionDenied(_("You are not taking part in this round."))
    departments = response_services.departments_to_rate(feedback_round, participant)
    own = {
        response.to_department_id: response
        for response in response_services.own_responses(feedback_round, membership)
    }
    data = request.POST if request.method == "POST" else None
    forms = [
        AnswerForm(
            data,
            department=department,
            initial=(
                {
                    **{name: getattr(own[department.pk], name) for name in RATINGS},
                    "comment": own[department.pk].comment,
                }
                if department.pk in own
                else {}
            ),
        )
        for department in departments
    ]
    nothing = False
    if data is not None:
        # Every card checked (not stopping at the first bad one): each shows its errors.
        checked = [form.is_valid() for form in forms]
        valid = all(checked)
        filled = [form for form in forms if valid and not form.is_blank]
        if valid and not filled:
            nothing = True
        elif valid:
            try:
                with transaction.atomic():
                    refused = False
                    for form in filled:
                        try:
                            response_services.answer(
                                by=membership,
                                feedback_round=feedback_round,
                                to_department=form.department,
                                **form.cleaned_data,
                            )
                        except DomainError as error:
                            _show_domain_error(form, error)
                            refused = True
                    if refused:
                        raise _Refused
            except _Refused:
                pass
            else:
                if len(filled) + len(own.keys() - {form.department.pk for form in filled}) >= len(
                    departments
                ):
                    messages.success(request, _("Thank you: your answers were saved."))
                else:
                    messages.success(
                        request,
                        _(
                            "Your answers were saved. Rate the other departments too before "
                            "the round closes."
                        ),
                    )
                return redirect("feedback:round_list")
    context = {
        "round": feedback_round,
        "participant": participant,
        "forms": forms,
        "answered_before": bool(own),
        "nothing": nothing,
        "invalid": data is not None and any(form.errors for form in forms),
    }
    status = 400 if data is not None else 200
    return render(request, "feedback/rounds/answer.html", context, status=status)


# --- Results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownCell:
    """A cell of the results as the page draws it: its heat class (``heat-1`` red …
    ``heat-9`` green, by the overall average in half points) and its trend's direction."""

    cell: Cell
    heat: str
    direction: str
    change: Decimal | None


def _heat(overall: Decimal | None) -> str:
    if overall is None:
        return "heat-none"
    level = int(((overall - RATING_MIN) * 2).to_integral_value(rounding=ROUND_HALF_UP)) + 1
    return f"heat-{min(max(level, 1), 9)}"


def _shown(cell: Cell) -> ShownCell:
    heat = _heat(cell.overall)
    trend = cell.trend
    direction = ""
    change = None
    if trend is not None:
        # As printed (one decimal): a change that rounds to 0.0 is no change.
        change = abs(trend).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        direction = "flat" if not change else "up" if trend > 0 else "down"
    return ShownCell(cell, heat, direction, change)


def _results_context(request: TenantRequest, pk: int) -> dict[str, Any]:
    feedback_round = _round(request, pk)
    membership = request.membership
    require_page(request, "feedback.view", feedback_round)
    if not can(membership, "feedback.results", feedback_round) and (
        feedback_round.status != R.CLOSED
    ):
        raise PermissionDenied
    return {
        "round": feedback_round,
        "results": results_selectors.results(feedback_round),
        "can_act": can(membership, "feedback.manage", feedback_round)
        and feedback_round.status != R.DRAFT,
    }


@tenant_view
def round_results(request: TenantRequest, pk: int) -> HttpResponse:
    """The from → to heatmap: each shown cell by its overall average (1 red … 5 green) with
    its count and trend; cells below the round's minimum greyed with no figures; then the
    comments of each shown cell. An open round's only for ``feedback.results``."""
    context = _results_context(request, pk)
    results = context["results"]
    context["rows"] = [
        (department, [None if cell is None else _shown(cell) for cell in row])
        for department, row in results.rows
    ]
    context["commented"] = [
        cell
        for _department, row in results.rows
        for cell in row
        if cell is not None and cell.shown and cell.comments
    ]
    return render(request, "feedback/rounds/results.html", context)


@tenant_view
def department_view(request: TenantRequest, pk: int, department_pk: int) -> HttpResponse:
    """How the other departments of the round see one of them: their ratings, comments and
    trend, and the mean of the shown cells."""
    context = _results_context(request, pk)
    results = context["results"]
    department = next((d for d in results.departments if d.pk == department_pk), None)
    if department is None:
        # Not a department of this round (or another organization's): nothing to show.
        raise Http404
    cells = results.seen_by_others(department)
    overalls = [cell.overall for cell in cells if cell.overall is not None]
    mean = sum(overalls, Decimal(0)) / len(overalls) if overalls else None
    context.update(
        {
            "department": department,
            "cells": [_shown(cell) for cell in cells],
            "mean": mean,
            "mean_heat": _heat(mean),
            "others": [d for d in results.departments if d.pk != department.pk],
        }
    )
    return render(request, "feedback/rounds/department.html", context)
