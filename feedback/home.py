"""The feedback's "my work" on the home page, registered by ``FeedbackConfig`` (``home``).

Participants: the open rounds they take part in and have not finished answering, the
soonest closing first (due soon within a day of closing). Owners: their action items still
open or in progress, overdue ones first. Each provider is one query; neither says anything
about anyone's answers.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collab_hub.home import HomeProvider, WorkItem, day_urgency, urgency_of
from feedback.models import OPEN_ACTION_STATUSES, ActionItem, Participant, RoundStatus
from leads.selectors.reports import local_today, organization_zone

if TYPE_CHECKING:
    from accounts.models import Membership


def _end_of(day: date, membership: Membership) -> datetime:
    """The last moment of ``day`` where the organization works (a day's deadline)."""
    return datetime.combine(day, time.max, tzinfo=organization_zone(membership.organization))


def _joined(*parts: Any) -> str:
    return " · ".join(str(part) for part in parts if part not in (None, ""))


class RoundsToAnswer(HomeProvider):
    """Open rounds the member takes part in and has not rated every department of, the
    soonest closing first."""

    name = "feedback.rounds_to_answer"
    title = _("Answer the feedback round")
    permission = "feedback.view"
    see_all = "feedback:round_list"
    order = 40

    def queryset(self, membership: Membership) -> QuerySet[Participant]:
        return (
            Participant.objects.for_org(membership.organization_id)
            .filter(membership=membership, completed=False, round__status=RoundStatus.OPEN)
            .select_related("round")
            .order_by("round__closes_at", "pk")
        )

    def item(self, row: Participant, *, now: datetime, membership: Membership) -> WorkItem:
        feedback_round = row.round
        return WorkItem(
            title=feedback_round.name,
            url=reverse("feedback:round_answer", args=[feedback_round.pk]),
            kind=gettext("Feedback round"),
            due=feedback_round.closes_at,
            urgency=urgency_of(feedback_round.closes_at, now=now),
            detail=gettext("Anonymous · under a minute")
            if feedback_round.anonymous
            else gettext("Under a minute"),
        )


class ActionItemsToDo(HomeProvider):
    """The member's action items still open or in progress, overdue first, then the
    soonest due (undated last)."""

    name = "feedback.action_items"
    title = _("Your action items")
    permission = "feedback.view"
    see_all = "feedback:action_board"
    see_all_query = "?mine=on"
    order = 41

    def queryset(self, membership: Membership) -> QuerySet[ActionItem]:
        return (
            ActionItem.objects.for_org(membership.organization_id)
            .filter(owner=membership, status__in=OPEN_ACTION_STATUSES)
            .select_related("round", "from_department", "to_department")
            .order_by(F("due_date").asc(nulls_last=True), "pk")
        )

    def item(self, row: ActionItem, *, now: datetime, membership: Membership) -> WorkItem:
        return WorkItem(
            title=row.title,
            url=row.get_absolute_url(),
            kind=gettext("Action item"),
            due=_end_of(row.due_date, membership) if row.due_date else None,
            all_day=True,
            urgency=day_urgency(row.due_date, today=local_today(membership.organization)),
            since=None if row.due_date else row.created_at,
            detail=_joined(
                f"{row.from_department.name} → {row.to_department.name}", row.round.name
            ),
        )


HOME_ITEMS: list[HomeProvider] = [RoundsToAnswer(), ActionItemsToDo()]
