"""Feedback rounds: creating and scheduling them, opening, reminding, closing.

**Status machine**: ``draft → open → closed``. A draft may be edited; it opens when a manager
opens it or when ``opens_at`` comes (``open_due_rounds``, a beat job), which makes every
active member of the participating departments a participant and tells them. The reminder
goes once per round, ``REMIND_BEFORE`` before closing, to the participants who have not
rated every other department (``send_due_reminders``); the round closes at ``closes_at``
(``close_due_rounds``) or when a manager closes it. Anything else is a 409 ``round_<status>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, Membership, Role
from accounts.policy import require
from collab_hub.changes import apply_changes
from collab_hub.exceptions import DomainError, IllegalTransition
from collab_hub.notifications.services import record_event
from feedback.models import (
    MIN_RESPONSES_MAX,
    MIN_RESPONSES_MIN,
    FeedbackResponse,
    FeedbackRound,
    Participant,
    RoundStatus,
)

NAME_MAX = 200
# How long before closing the one reminder goes out (sooner for a shorter round: halfway).
REMIND_BEFORE = timedelta(hours=48)
# The longest a round may stay open.
LONGEST_ROUND = timedelta(days=92)
ROUND_FIELDS = ("name", "opens_at", "closes_at", "anonymous", "min_responses")
BATCH = 200


def _illegal(feedback_round: FeedbackRound) -> IllegalTransition:
    messages = {
        RoundStatus.DRAFT: _("The round has not opened yet."),
        RoundStatus.OPEN: _("The round is open."),
        RoundStatus.CLOSED: _("The round is closed."),
    }
    return IllegalTransition(
        messages[RoundStatus(feedback_round.status)], code=f"round_{feedback_round.status}"
    )


def _lock(feedback_round: FeedbackRound) -> FeedbackRound:
    return (
        FeedbackRound.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=feedback_round.pk)
    )


def _clean(data: dict[str, Any], organization_id: int) -> dict[str, Any]:
    """The round's fields, checked: a name, closing after opening (at most 92 days), a
    minimum from 1 to 50, two or more of the organization's departments."""
    cleaned: dict[str, Any] = {}
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name or len(name) > NAME_MAX:
            raise DomainError(
                _("A round needs a name of at most %(n)d characters.") % {"n": NAME_MAX},
                code="invalid_name",
                field="name",
            )
        cleaned["name"] = name
    for field in ("opens_at", "closes_at"):
        if field in data:
            value = data[field]
            if not isinstance(value, datetime):
                raise DomainError(_("Enter a date and time."), code=f"invalid_{field}", field=field)
            cleaned[field] = value if timezone.is_aware(value) else timezone.make_aware(value)
    if "anonymous" in data:
        if not isinstance(data["anonymous"], bool):
            raise DomainError(_("Anonymous is yes or no."), code="invalid_anonymous")
        cleaned["anonymous"] = data["anonymous"]
    if "min_responses" in data:
        value = data["min_responses"]
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not MIN_RESPONSES_MIN <= value <= MIN_RESPONSES_MAX
        ):
            raise DomainError(
                _("The minimum is a whole number from %(low)d to %(high)d.")
                % {"low": MIN_RESPONSES_MIN, "high": MIN_RESPONSES_MAX},
                code="invalid_min_responses",
                field="min_responses",
            )
        cleaned["min_responses"] = value
    if "departments" in data:
        departments = list(data["departments"] or [])
        ids = {department.pk for department in departments}
        if any(d.organization_id != organization_id for d in departments) or len(ids) < 2:
            raise DomainError(
                _("Choose at least two of the organization's departments."),
                code="invalid_departments",
                field="departments",
            )
        cleaned["departments"] = departments
    return cleaned


def _check_dates(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise DomainError(
            _("A round closes after it opens."), code="invalid_closes_at", field="closes_at"
        )
    if closes_at - opens_at > LONGEST_ROUND:
        raise DomainError(
            _("A round stays open at most 92 days."), code="invalid_closes_at", field="closes_at"
        )


@transaction.atomic
def create_round(
    *,
    by: Membership,
    name: str,
    opens_at: datetime,
    closes_at: datetime,
    departments: Iterable[Department],
    anonymous: bool = True,
    min_responses: int = 3,
) -> FeedbackRound:
    """A draft round (policy ``feedback.manage``: managers and admins). Emits
    ``round.created``. It opens at ``opens_at`` (or when opened by hand)."""
    require(by, "feedback.manage")
    cleaned = _clean(
        {
            "name": name,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "departments": list(departments),
            "anonymous": anonymous,
            "min_responses": min_responses,
        },
        by.organization_id,
    )
    _check_dates(cleaned["opens_at"], cleaned["closes_at"])
    chosen = cleaned.pop("departments")
    feedback_round = FeedbackRound.objects.create(
        organization_id=by.organization_id, created_by=by, **cleaned
    )
    feedback_round.departments.set(chosen)
    record_event(
        organization=by.organization,
        actor=by,
        verb="round.created",
        target=feedback_round,
        payload={
            "opens_at": feedback_round.opens_at.isoformat(),
            "closes_at": feedback_round.closes_at.isoformat(),
            "departments": sorted(d.pk for d in chosen),
            "anonymous": feedback_round.anonymous,
            "min_responses": feedback_round.min_responses,
        },
    )
    return feedback_round


@transaction.atomic
def update_round(
    *, by: Membership, feedback_round: FeedbackRound, data: dict[str, Any]
) -> FeedbackRound:
    """Change a draft round (409 ``round_open`` / ``round_closed`` after it opened; an open
    round's ``closes_at`` may still move, within the limits). Emits ``round.updated``."""
    require(by, "feedback.manage", feedback_round)
    feedback_round = _lock(feedback_round)
    cleaned = _clean(data, feedback_round.organization_id)
    if feedback_round.status == RoundStatus.CLOSED or (
        feedback_round.status == RoundStatus.OPEN and set(cleaned) - {"closes_at", "name"}
    ):
        raise _illegal(feedback_round)
    departments = cleaned.pop("departments", None)
    _check_dates(
        cleaned.get("opens_at", feedback_round.opens_at),
        cleaned.get("closes_at", feedback_round.closes_at),
    )
    if (
        feedback_round.status == RoundStatus.OPEN
        and cleaned.get("closes_at", feedback_round.closes_at) <= timezone.now()
    ):
        raise DomainError(
            _("An open round closes in the future (or close it now)."),
            code="invalid_closes_at",
            field="closes_at",
        )
    changes = apply_changes(feedback_round, cleaned, ROUND_FIELDS)
    if departments is not None:
        before = sorted(feedback_round.departments.values_list("pk", flat=True))
        after = sorted(d.pk for d in departments)
        if before != after:
            feedback_round.departments.set(departments)
            changes["departments"] = [before, after]
    if not changes:
        return feedback_round
    feedback_round.save()
    record_event(
        organization=feedback_round.organization,
        actor=by,
        verb="round.updated",
        target=feedback_round,
        payload={"changes": changes},
    )
    return feedback_round


def _participants_of(feedback_round: FeedbackRound) -> list[tuple[int, int]]:
    """(membership, department) of every active person in the round's departments."""
    return list(
        Membership.objects.for_org(feedback_round.organization_id)
        .filter(
            is_active=True,
            is_integration=False,
            user__is_active=True,
            department__in=feedback_round.departments.all(),
        )
        .order_by("pk")
        .values_list("pk", "department_id")
    )


def _open(feedback_round: FeedbackRound, *, by: Membership | None) -> FeedbackRound:
    if feedback_round.status != RoundStatus.DRAFT:
        raise _illegal(feedback_round)
    now = timezone.now()
    if feedback_round.closes_at <= now:
        raise DomainError(
            _("The round's closing time has passed: move it before opening the round."),
            code="invalid_closes_at",
            field="closes_at",
        )
    feedback_round.status = RoundStatus.OPEN
    feedback_round.opened_at = now
    if feedback_round.opens_at > now:
        feedback_round.opens_at = now
    feedback_round.save()
    people = _participants_of(feedback_round)
    Participant.objects.bulk_create(
        Participant(
            organization_id=feedback_round.organization_id,
            round=feedback_round,
            membership_id=membership_id,
            department_id=department_id,
        )
        for membership_id, department_id in people
    )
    record_event(
        organization=feedback_round.organization,
        actor=by,
        verb="round.opened",
        target=feedback_round,
        payload={"closes_at": feedback_round.closes_at.isoformat(), "participants": len(people)},
        recipients=Membership.objects.filter(pk__in=[pk for pk, _dept in people]),
    )
    return feedback_round


@transaction.atomic
def open_round(*, by: Membership, feedback_round: FeedbackRound) -> FeedbackRound:
    """``draft → open`` now (policy ``feedback.manage``): participants are taken from the
    departments as they are now and told. 409 ``round_open`` / ``round_closed``."""
    require(by, "feedback.manage", feedback_round)
    return _open(_lock(feedback_round), by=by)


def _close(feedback_round: FeedbackRound, *, by: Membership | None) -> FeedbackRound:
    if feedback_round.status != RoundStatus.OPEN:
        raise _illegal(feedback_round)
    now = timezone.now()
    feedback_round.status = RoundStatus.CLOSED
    feedback_round.closed_at = now
    if feedback_round.closes_at > now:
        feedback_round.closes_at = now
    feedback_round.save()
    participants = Participant.objects.filter(round=feedback_round)
    managers = Membership.objects.for_org(feedback_round.organization_id).filter(
        is_active=True, role__in=(Role.MANAGER, Role.ADMIN), is_integration=False
    )
    record_event(
        organization=feedback_round.organization,
        actor=by,
        verb="round.closed",
        target=feedback_round,
        payload={
            "responses": FeedbackResponse.objects.filter(round=feedback_round).count(),
            "participants": participants.count(),
            "completed": participants.filter(completed=True).count(),
        },
        recipients=[
            *Membership.objects.filter(pk__in=participants.values("membership")),
            *managers,
        ],
    )
    return feedback_round


@transaction.atomic
def close_round(*, by: Membership, feedback_round: FeedbackRound) -> FeedbackRound:
    """``open → closed`` now (policy ``feedback.manage``); answers are no longer taken or
    changed. 409 ``round_draft`` / ``round_closed``."""
    require(by, "feedback.manage", feedback_round)
    return _close(_lock(feedback_round), by=by)


# --- Beat jobs (each transition claimed under a row lock: runs never repeat one) -----------


def _claim(qs: QuerySet[FeedbackRound]) -> list[FeedbackRound]:
    return list(
        qs.select_for_update(skip_locked=True, of=("self",))
        .select_related("organization")
        .order_by("pk")[:BATCH]
    )


def open_due_rounds(*, now: datetime | None = None) -> int:
    """Open every draft round whose ``opens_at`` has come and that has not closed yet;
    returns how many opened."""
    now = now or timezone.now()
    opened = 0
    with transaction.atomic():
        for feedback_round in _claim(
            FeedbackRound.objects.filter(
                status=RoundStatus.DRAFT, opens_at__lte=now, closes_at__gt=now
            )
        ):
            _open(feedback_round, by=None)
            opened += 1
    return opened


def reminder_due_at(feedback_round: FeedbackRound) -> datetime:
    """When the reminder goes: ``REMIND_BEFORE`` before closing, or halfway through a
    round shorter than twice that."""
    length = feedback_round.closes_at - feedback_round.opens_at
    return feedback_round.closes_at - min(REMIND_BEFORE, length / 2)


def _reminders_due(now: datetime) -> QuerySet[FeedbackRound]:
    """Open rounds still to be reminded whose ``reminder_due_at`` has come, in SQL: the
    claim's batch must hold only due rounds (rounds not due yet would take its places, and
    their row locks would hold up answers), so ``closes_at - now <= REMIND_BEFORE`` and
    ``closes_at - now <= now - opens_at`` (past halfway)."""
    moment = Value(now, output_field=DateTimeField())
    return (
        FeedbackRound.objects.filter(
            status=RoundStatus.OPEN,
            reminded_at__isnull=True,
            closes_at__gt=now,
            closes_at__lte=now + REMIND_BEFORE,
        )
        .alias(
            left=ExpressionWrapper(F("closes_at") - moment, output_field=DurationField()),
            elapsed=ExpressionWrapper(moment - F("opens_at"), output_field=DurationField()),
        )
        .filter(left__lte=F("elapsed"))
    )


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Once per open round, when ``reminder_due_at`` has come: one ``round.reminder`` to the
    participants who have not rated every other department (their ``reminded`` flag set).
    Returns how many rounds sent one."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        rounds = _claim(_reminders_due(now))
        for feedback_round in rounds:
            if reminder_due_at(feedback_round) > now:
                continue
            waiting = Participant.objects.filter(round=feedback_round, completed=False)
            people = list(waiting.values_list("membership", flat=True))
            waiting.update(reminded=True)
            feedback_round.reminded_at = now
            feedback_round.save(update_fields=["reminded_at", "updated_at"])
            record_event(
                organization=feedback_round.organization,
                verb="round.reminder",
                target=feedback_round,
                payload={
                    "closes_at": feedback_round.closes_at.isoformat(),
                    "reminded": len(people),
                },
                recipients=Membership.objects.filter(pk__in=people),
            )
            sent += 1
    return sent


def close_due_rounds(*, now: datetime | None = None) -> int:
    """Close every open round whose ``closes_at`` has passed; returns how many closed."""
    now = now or timezone.now()
    closed = 0
    with transaction.atomic():
        for feedback_round in _claim(
            FeedbackRound.objects.filter(status=RoundStatus.OPEN, closes_at__lte=now)
        ):
            _close(feedback_round, by=None)
            closed += 1
    return closed
