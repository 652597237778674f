"""The story's machinery: a handoff's journey, the plot of actions run in the order they
happened, and dating what the services stamped "now" to the moment of each action."""

from __future__ import annotations

import functools
import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Membership
from collab_hub.notifications.models import ActivityEvent, Comment, Notification
from handoffs.models import (
    ChecklistItem,
    CustomerAccount,
    Discrepancy,
    Handoff,
    HandoffStatus,
    HandoffStatusChange,
    HealthChange,
    PromiseSignoff,
    Stakeholder,
    UpsellSignal,
    UpsellStatus,
)
from leads.models import Company, Deal, DealStageChange
from roadmap.models import Demand

if TYPE_CHECKING:
    from accounts.management.commands.demo import Demo


# Notifications of this flow older than this are read, unless they still wait for their
# reader (a handoff to accept, a return to answer, a signal to answer…).
READ_AFTER = timedelta(days=1)
# What the services stamp "now", dated to the moment of each action (fields per model).
STAMPED: dict[type[models.Model], tuple[str, ...]] = {
    Handoff: ("created_at", "updated_at", "submitted_at", "accepted_at", "onboarding_at",
              "live_at"),
    HandoffStatusChange: ("at",),
    ChecklistItem: ("created_at", "updated_at", "done_at"),
    Stakeholder: ("created_at",),
    PromiseSignoff: ("at", "updated_at"),
    Discrepancy: ("created_at", "updated_at", "answered_at", "resolved_at"),
    UpsellSignal: ("created_at", "updated_at", "answered_at"),
    CustomerAccount: ("created_at", "updated_at", "health_updated_at"),
    HealthChange: ("at",),
    Deal: ("created_at", "updated_at", "closed_at"),
    DealStageChange: ("at",),
    Demand: ("created_at", "updated_at", "ended_at"),
    Comment: ("created_at",),
}  # fmt: skip


@dataclass
class Journey:
    """One handoff's story: the deal, when it was won, how far it goes."""

    deal: Deal
    opened: datetime
    # draft | partial | pending | submitted | overdue | returned | progress
    fate: str = "progress"
    # For "progress": the last status it reaches at most (else as far as time allows).
    stop_at: str = ""
    late: bool = False
    resubmitted: bool = False
    surprise: str = ""
    surprise_after_accept: bool = False
    # What becomes of the surprise: sales answers it, CS resolves it.
    answered: bool = True
    resolved: bool = False
    # Promises CS signs off as not deliverable.
    undeliverable: set[int] = dataclass_field(default_factory=set)
    # Won in this story on the roadmap's promises (its fate is its own).
    promised: bool = False
    # Handed over the day it is won, accepted within hours (the deals won on promises).
    quick: bool = False
    # Planned moments (None: not reached).
    surprised: datetime | None = None
    onboarding: datetime | None = None
    live: datetime | None = None


@dataclass
class Plot:
    """The story's actions, run in the order they happened."""

    demo: Demo
    rng: random.Random
    limit: datetime
    mark: datetime
    sla: timedelta
    actions: list[tuple[datetime, int, Callable[[], Any]]] = dataclass_field(default_factory=list)
    counter: itertools.count[int] = dataclass_field(default_factory=itertools.count)
    # The moment of the action being run (an action plans what follows from it).
    now: datetime = dataclass_field(default_factory=timezone.now)

    def person(self, local_part: str) -> Membership:
        from accounts.management.commands.demo import _email

        return self.demo.members[_email(local_part)]

    def fits(self, moment: datetime) -> bool:
        return moment < self.limit - timedelta(minutes=10)

    def add(self, moment: datetime, action: Callable[[], Any]) -> None:
        # A heap: an action may plan a later one (sales answers a discrepancy days later).
        heapq.heappush(self.actions, (min(moment, self.limit), next(self.counter), action))

    def between(self, start: datetime, end: datetime) -> datetime:
        span = max((end - start).total_seconds(), 0.0)
        return start + timedelta(seconds=self.rng.uniform(0, span))

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.rng.uniform(low, high))


@dataclass
class Customer:
    company: Company
    # When its first onboarding started: CS knows it from then on.
    since: datetime
    journey: Journey


# --- Dates and inboxes ---------------------------------------------------------------------


def restamp(plot: Plot, moment: datetime) -> None:
    """What the action stamped "now" (after ``plot.mark``) happened at ``moment``; a
    submission's acceptance deadline is the SLA after it, a win's close date its day. One
    UPDATE per model, in SQL written once (``_restamp_sql``): a few hundred actions, each
    restamping a dozen tables, stay a fraction of a second."""
    ops = connection.ops
    mark = ops.adapt_datetimefield_value(plot.mark)
    at = ops.adapt_datetimefield_value(moment)
    extra = {
        "accept_due_at": ops.adapt_datetimefield_value(moment + plot.sla),
        "close_date": ops.adapt_datefield_value(timezone.localdate(moment)),
    }
    with connection.cursor() as cursor:
        for sql, names, extras in _restamp_sql():
            params: list[Any] = []
            for name in extras:
                params += [mark, extra[name]]
            for _name in names:
                params += [mark, at]
            params.append(plot.demo.org.pk)
            params += [mark] * len(names)
            cursor.execute(sql, params)


# Derived columns: set when the column they follow is stamped.
FOLLOWS: dict[tuple[type[models.Model], str], str] = {
    (Handoff, "submitted_at"): "accept_due_at",
    (Deal, "closed_at"): "close_date",
}


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return str(connection.ops.quote_name(field.column))


@functools.cache
def _restamp_sql() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Per model: ``UPDATE … SET f = CASE WHEN f > mark THEN moment ELSE f END, …`` over the
    organization's rows where any stamped column is past the mark."""
    quote = connection.ops.quote_name
    statements = []
    for model, names in STAMPED.items():
        columns = {name: _column(model, name) for name in names}
        sets: list[str] = []
        extras: list[str] = []
        for name in names:
            derived = FOLLOWS.get((model, name))
            if derived:
                target = _column(model, derived)
                sets.append(f"{target} = CASE WHEN {columns[name]} > %s THEN %s ELSE {target} END")
                extras.append(derived)
        # Every CASE reads the row as it was before the UPDATE (SQL semantics).
        sets += [f"{c} = CASE WHEN {c} > %s THEN %s ELSE {c} END" for c in columns.values()]
        where = " OR ".join(f"{c} > %s" for c in columns.values())
        table = quote(model._meta.db_table)
        organization = _column(model, "organization")
        # Our own table and column names, quoted; the values are parameters.
        sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {organization} = %s AND ({where})"  # noqa: S608
        statements.append((sql, names, tuple(extras)))
    return statements


def date_payloads(plot: Plot) -> None:
    """Event payloads that quote a moment or a count the story changed: a submission's
    acceptance deadline, the checklist of the handoffs opened before the templates."""
    org = plot.demo.org
    submitted = ActivityEvent.objects.for_org(org).filter(verb="handoff.submitted")
    for event in submitted:
        event.payload["accept_due_at"] = (event.created_at + plot.sla).isoformat()
    ActivityEvent.objects.bulk_update(submitted, ["payload"], batch_size=200)
    counts = dict(
        ChecklistItem.objects.for_org(org)
        .values("handoff")
        .annotate(n=models.Count("id"))
        .values_list("handoff", "n")
    )
    opened = list(
        ActivityEvent.objects.for_org(org).filter(verb="handoff.opened", payload__checklist_items=0)
    )
    for event in opened:
        event.payload["checklist_items"] = counts.get(event.target_id or 0, 0)
    ActivityEvent.objects.bulk_update(opened, ["payload"], batch_size=200)


def read_what_they_handled(org: Any, *, now: datetime) -> None:
    """Sales and CS work through this flow's notifications: those older than
    ``READ_AFTER`` are read, except the ones still waiting for their reader — a submitted
    handoff to accept, a returned one to answer, a draft to fill in, a signal to answer, a
    surprise to answer, the overdue digests."""
    types = ContentType.objects.get_for_models(Handoff, Discrepancy, UpsellSignal)
    handoffs = Handoff.objects.for_org(org)

    def about(model: type[models.Model], verb: str, ids: Any) -> Q:
        return Q(event__verb=verb, event__target_type=types[model], event__target_id__in=ids)

    def in_status(status: str) -> Any:
        return handoffs.filter(status=status).values("pk")

    waiting = (
        about(Handoff, "handoff.submitted", in_status(HandoffStatus.SUBMITTED))
        | about(Handoff, "handoff.returned", in_status(HandoffStatus.RETURNED))
        | about(Handoff, "handoff.opened", in_status(HandoffStatus.DRAFT))
        | about(UpsellSignal, "upsell.raised",
                UpsellSignal.objects.for_org(org).filter(status=UpsellStatus.OPEN).values("pk"))
        | about(Discrepancy, "discrepancy.recorded",
                Discrepancy.objects.for_org(org).filter(answer="").values("pk"))
        | Q(event__verb__endswith="_digest")
    )  # fmt: skip
    flow = Q()
    for prefix in ("handoff.", "discrepancy.", "upsell.", "account."):
        flow |= Q(event__verb__startswith=prefix)
    Notification.objects.filter(
        flow, organization=org, read_at__isnull=True, created_at__lt=now - READ_AFTER
    ).exclude(waiting).update(read_at=F("created_at") + timedelta(hours=2))
