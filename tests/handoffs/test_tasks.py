"""The handoffs flow's beat jobs: submitted handoffs past the CS acceptance SLA, and upsell
signals sales left unanswered — each flagged exactly once, however often the job runs, also
through a real Celery worker."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from collab_hub.notifications.models import ActivityEvent, Notification
from handoffs import tasks
from handoffs.models import Handoff, HandoffStatus, UpsellSignal
from tests.conftest import skip_or_fail
from tests.factories import (
    HandoffFactory,
    UpsellSignalFactory,
    member_of,
    organization_with_departments,
)
from tests.workers import wait_until

S = HandoffStatus


def overdue(org, count: int = 1, *, hours: float = 1, **fields) -> list[Handoff]:
    """``count`` submitted handoffs of ``org`` whose acceptance was due ``hours`` ago."""
    due = timezone.now() - timedelta(hours=hours)
    return [
        HandoffFactory(
            organization=org,
            status=S.SUBMITTED,
            submitted_at=due - timedelta(hours=48),
            accept_due_at=due,
            **fields,
        )
        for _ in range(count)
    ]


def digested(member) -> list[set[int]]:
    """The handoffs listed in each overdue digest the member got."""
    return [
        {item["id"] for item in notification.event.payload["handoffs"]}
        for notification in Notification.objects.filter(
            recipient=member, event__verb="handoff.overdue_digest"
        )
    ]


# --- The acceptance SLA ----------------------------------------------------------------------


@pytest.mark.django_db
def test_overdue_handoffs_are_flagged_once_with_one_digest_to_the_cs_managers(
    org, cs, cs_manager, alice
):
    late = overdue(org, 2, cs_owner=cs)
    not_yet = HandoffFactory(
        organization=org, status=S.SUBMITTED, accept_due_at=timezone.now() + timedelta(hours=1)
    )
    accepted = HandoffFactory(
        organization=org, status=S.ACCEPTED, accept_due_at=timezone.now() - timedelta(days=1)
    )
    draft = HandoffFactory(organization=org, status=S.DRAFT)

    assert tasks.flag_overdue_handoffs.run() == 2
    assert tasks.flag_overdue_handoffs.run() == 0

    flagged = ActivityEvent.objects.filter(verb="handoff.overdue")
    assert sorted(flagged.values_list("target_id", flat=True)) == sorted(h.pk for h in late)
    # The per-handoff events are history: nobody is notified of them one by one.
    assert not Notification.objects.filter(event__in=flagged).exists()
    assert digested(cs_manager) == [{h.pk for h in late}]
    # CS has a manager: the admin and the CS owner are not told.
    assert digested(alice) == [] and digested(cs) == []
    for untouched in (not_yet, accepted, draft):
        untouched.refresh_from_db()
        assert untouched.overdue_notified_at is None
    assert Handoff.objects.filter(overdue_notified_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_without_a_cs_manager_the_admins_get_the_digest(org, cs, alice):
    late = overdue(org)
    tasks.flag_overdue_handoffs.run()
    assert digested(alice) == [{late[0].pk}]


@pytest.mark.django_db
def test_each_organization_gets_its_own_digest(org, other_org, cs_manager):
    theirs_manager = member_of(other_org, DepartmentKind.CS, Role.MANAGER)
    mine, theirs = overdue(org), overdue(other_org)

    assert tasks.flag_overdue_handoffs.run() == 2

    assert digested(cs_manager) == [{mine[0].pk}]
    assert digested(theirs_manager) == [{theirs[0].pk}]


@pytest.mark.django_db
def test_a_handoff_becoming_overdue_later_comes_in_the_next_digest(org, cs_manager):
    first = overdue(org)
    later = HandoffFactory(
        organization=org, status=S.SUBMITTED, accept_due_at=timezone.now() + timedelta(hours=2)
    )
    from handoffs.services.handoffs import flag_overdue_handoffs

    assert flag_overdue_handoffs() == 1
    assert flag_overdue_handoffs(now=timezone.now() + timedelta(hours=3)) == 1
    assert sorted(map(sorted, digested(cs_manager))) == [[first[0].pk], [later.pk]]


@pytest.mark.django_db
def test_the_sla_job_costs_the_same_queries_for_many_handoffs(
    org, cs_manager, django_assert_max_num_queries
):
    overdue(org, 2)
    with django_assert_max_num_queries(12) as few:
        tasks.flag_overdue_handoffs.run()
    overdue(org, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert tasks.flag_overdue_handoffs.run() == 20


@pytest.mark.django_db
def test_the_unanswered_signals_job_reports_each_signal_once(org, sales_manager):
    signal = UpsellSignalFactory(organization=org, created_at=timezone.now() - timedelta(days=6))
    assert tasks.flag_unanswered_signals.run() == 1
    assert tasks.flag_unanswered_signals.run() == 0
    (notification,) = Notification.objects.filter(recipient=sales_manager)
    assert notification.event.verb == "upsell.unanswered_digest"
    assert [item["id"] for item in notification.event.payload["signals"]] == [signal.pk]
    assert UpsellSignal.objects.get(pk=signal.pk).overdue_notified_at is not None


def test_the_jobs_are_scheduled_by_beat_and_acknowledged_late():
    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "handoffs.tasks.flag_overdue_handoffs",
        "handoffs.tasks.flag_unanswered_signals",
    } <= scheduled
    for task in (tasks.flag_overdue_handoffs, tasks.flag_unanswered_signals):
        assert task.acks_late


# --- Overlapping runs (PostgreSQL: real concurrent transactions) ---------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_of_the_sla_job_flag_each_handoff_once():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL")
    org = organization_with_departments(name="Overlap", slug="overlap")
    manager = member_of(org, DepartmentKind.CS, Role.MANAGER)
    late = overdue(org, 10)
    runs = 4
    start = threading.Barrier(runs)
    flagged: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            flagged.append(tasks.flag_overdue_handoffs.run())
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert sum(flagged) == len(late)
    assert ActivityEvent.objects.filter(verb="handoff.overdue").count() == len(late)
    listed = [handoff for digest in digested(manager) for handoff in digest]
    assert sorted(listed) == sorted(h.pk for h in late)


# --- Through a real worker (PostgreSQL + Redis) ------------------------------------------------

WORKER_TASK = "handoffs.tasks.flag_overdue_handoffs"


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sla_job_sent_twice_through_a_real_worker_flags_each_handoff_once(worker, finished):
    org = organization_with_departments(name="Workers", slug="workers")
    manager = member_of(org, DepartmentKind.CS, Role.MANAGER)
    late = overdue(org, 3)

    sent = [tasks.flag_overdue_handoffs.delay().id for _ in range(2)]

    assert wait_until(lambda: all(task_id in finished for task_id in sent)), (
        f"the worker did not run both jobs within 30 s: {finished}"
    )
    assert sorted(finished[task_id] for task_id in sent) == [0, 3]
    assert ActivityEvent.objects.filter(verb="handoff.overdue").count() == 3
    assert digested(manager) == [{h.pk for h in late}]
    assert Handoff.objects.filter(overdue_notified_at__isnull=True).count() == 0
