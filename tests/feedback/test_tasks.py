"""The feedback beat jobs: rounds open when their start comes, get one reminder (to those who
have not answered) before closing and close on time — each exactly once, however often the
job runs, in overlapping runs and through a real Celery worker; overdue action items are
reported to their owners once."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from collab_hub.notifications.models import ActivityEvent, Notification
from feedback import tasks
from feedback.models import ActionItem, FeedbackRound, Participant, RoundStatus
from feedback.services import responses as response_services
from feedback.services import rounds as round_services
from tests.conftest import skip_or_fail
from tests.factories import ActionItemFactory, member_of, organization_with_departments
from tests.workers import wait_until

K = DepartmentKind
NOTHING = {"opened": 0, "reminded": 0, "closed": 0}


def events(verb: str, feedback_round=None):
    qs = ActivityEvent.objects.filter(verb=verb)
    if feedback_round is not None:
        qs = qs.filter(target_id=feedback_round.pk)
    return qs


def notified(verb: str, feedback_round=None) -> list[int]:
    """Recipients of the ``verb`` notifications, one entry per notification."""
    return sorted(
        Notification.objects.filter(event__in=events(verb, feedback_round)).values_list(
            "recipient_id", flat=True
        )
    )


def scheduled_round(manager, departments, *, opens_in: timedelta, lasts: timedelta):
    opens_at = timezone.now() + opens_in
    return round_services.create_round(
        by=manager,
        name="Scheduled",
        opens_at=opens_at,
        closes_at=opens_at + lasts,
        departments=departments,
    )


def later(**delta) -> object:
    return timezone.now() + timedelta(**delta)


# --- Opening on time --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_opens_when_its_start_comes_once(manager, seller, marketer, departments):
    pair = [departments[K.SALES], departments[K.MARKETING]]
    feedback_round = scheduled_round(
        manager, pair, opens_in=timedelta(hours=2), lasts=timedelta(days=7)
    )

    assert round_services.open_due_rounds() == 0
    assert round_services.open_due_rounds(now=later(hours=3)) == 1
    assert round_services.open_due_rounds(now=later(hours=4)) == 0

    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.OPEN
    assert Participant.objects.filter(round=feedback_round).count() == 3
    assert events("round.opened", feedback_round).count() == 1
    # Opened by the job: nobody is the actor, so the manager is told too.
    assert notified("round.opened") == sorted([manager.pk, seller.pk, marketer.pk])


@pytest.mark.django_db
def test_a_draft_whose_whole_window_passed_is_not_opened(manager, departments):
    pair = [departments[K.SALES], departments[K.CS]]
    feedback_round = scheduled_round(
        manager, pair, opens_in=timedelta(hours=1), lasts=timedelta(hours=2)
    )
    assert round_services.open_due_rounds(now=later(hours=5)) == 0
    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.DRAFT


# --- The one reminder -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_reminder_goes_48_hours_before_closing_once_to_those_who_have_not_answered(
    manager, seller, marketer, departments, make_round
):
    feedback_round = make_round((K.SALES, K.MARKETING), closes_at=later(days=7))
    response_services.answer(
        by=seller,
        feedback_round=feedback_round,
        to_department=departments[K.MARKETING],
        collaboration=4,
        responsiveness=4,
        quality=4,
    )
    feedback_round.refresh_from_db()
    due = round_services.reminder_due_at(feedback_round)
    assert due == feedback_round.closes_at - timedelta(hours=48)

    assert round_services.send_due_reminders(now=due - timedelta(minutes=1)) == 0
    assert not events("round.reminder").exists()
    assert round_services.send_due_reminders(now=due) == 1
    assert round_services.send_due_reminders(now=due + timedelta(minutes=5)) == 0
    assert round_services.send_due_reminders(now=due + timedelta(hours=47)) == 0

    (event,) = events("round.reminder", feedback_round)
    assert event.payload["reminded"] == 2
    assert notified("round.reminder") == sorted([manager.pk, marketer.pk])
    assert set(
        Participant.objects.filter(round=feedback_round, reminded=True).values_list(
            "membership", flat=True
        )
    ) == {manager.pk, marketer.pk}
    feedback_round.refresh_from_db()
    assert feedback_round.reminded_at == due


@pytest.mark.django_db
def test_a_short_round_is_reminded_halfway(manager, seller, departments):
    pair = [departments[K.SALES], departments[K.PRODUCT]]
    feedback_round = scheduled_round(
        manager, pair, opens_in=timedelta(hours=-1), lasts=timedelta(hours=25)
    )
    round_services.open_due_rounds()
    feedback_round.refresh_from_db()
    halfway = feedback_round.opens_at + (feedback_round.closes_at - feedback_round.opens_at) / 2
    assert round_services.reminder_due_at(feedback_round) == halfway
    assert round_services.send_due_reminders(now=halfway - timedelta(minutes=1)) == 0
    assert round_services.send_due_reminders(now=halfway) == 1
    assert round_services.send_due_reminders(now=halfway + timedelta(hours=1)) == 0


@pytest.mark.django_db
def test_when_everyone_answered_the_reminder_tells_nobody(manager, departments, make_round):
    feedback_round = make_round((K.SALES, K.CS))
    response_services.answer(
        by=manager,
        feedback_round=feedback_round,
        to_department=departments[K.CS],
        collaboration=5,
        responsiveness=5,
        quality=5,
    )
    assert round_services.send_due_reminders(now=later(days=6)) == 1
    assert notified("round.reminder") == []
    assert round_services.send_due_reminders(now=later(days=6, hours=1)) == 0


@pytest.mark.django_db
def test_many_rounds_not_due_yet_do_not_hold_back_a_due_one(manager, departments, make_round):
    pair = (K.SALES, K.MARKETING)
    for _ in range(round_services.BATCH + 3):
        FeedbackRound.objects.create(
            organization=manager.organization,
            name="Long",
            status=RoundStatus.OPEN,
            opens_at=timezone.now(),
            closes_at=later(days=60),
        )
    due = make_round(pair, closes_at=later(days=1))
    # Opened three days ago (past halfway, a day before closing): its reminder is due.
    FeedbackRound.objects.filter(pk=due.pk).update(opens_at=later(days=-3))
    assert round_services.send_due_reminders() == 1
    due.refresh_from_db()
    assert due.reminded_at is not None


# --- Closing on time --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_round_closes_when_its_end_comes_once(manager, seller, marketer, make_round):
    feedback_round = make_round(closes_at=later(days=3))
    end = FeedbackRound.objects.get(pk=feedback_round.pk).closes_at

    assert round_services.close_due_rounds(now=end - timedelta(seconds=1)) == 0
    assert round_services.close_due_rounds(now=end) == 1
    assert round_services.close_due_rounds(now=end + timedelta(minutes=5)) == 0

    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.CLOSED
    assert events("round.closed", feedback_round).count() == 1
    # Everyone taking part hears it once (the manager takes part and is a manager).
    assert notified("round.closed") == sorted([manager.pk, seller.pk, marketer.pk])


@pytest.mark.django_db
def test_the_beat_job_moves_a_round_through_its_life_once_each(
    manager, seller, marketer, departments
):
    pair = [departments[K.SALES], departments[K.MARKETING]]
    # Due to open 13 hours ago, for a day: past halfway, the reminder is due at once.
    feedback_round = scheduled_round(
        manager, pair, opens_in=timedelta(hours=-13), lasts=timedelta(days=1)
    )

    assert tasks.advance_rounds.run() == {"opened": 1, "reminded": 1, "closed": 0}
    assert tasks.advance_rounds.run() == NOTHING
    FeedbackRound.objects.filter(pk=feedback_round.pk).update(closes_at=timezone.now())
    assert tasks.advance_rounds.run() == {"opened": 0, "reminded": 0, "closed": 1}
    assert tasks.advance_rounds.run() == NOTHING

    for verb in ("round.opened", "round.reminder", "round.closed"):
        assert events(verb, feedback_round).count() == 1, verb


@pytest.mark.django_db
def test_a_round_the_job_reaches_after_its_end_closes_without_a_late_reminder(
    manager, departments, make_round
):
    feedback_round = make_round((K.SALES, K.CS), closes_at=later(days=2))
    assert tasks.advance_rounds.run() == NOTHING
    FeedbackRound.objects.filter(pk=feedback_round.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    assert tasks.advance_rounds.run() == {"opened": 0, "reminded": 0, "closed": 1}
    assert not events("round.reminder").exists()


@pytest.mark.django_db
def test_the_round_jobs_cost_the_same_queries_for_many_rounds(
    org, manager, departments, django_assert_max_num_queries
):
    def rounds(count: int) -> None:
        for _ in range(count):
            scheduled_round(
                manager,
                [departments[K.SALES], departments[K.CS]],
                opens_in=timedelta(minutes=-1),
                lasts=timedelta(hours=10),
            )

    rounds(1)
    with django_assert_max_num_queries(60) as few:
        tasks.advance_rounds.run()
    baseline = len(few.captured_queries)
    rounds(5)
    # Per round a handful of statements (claim, update, participants, event): bounded, and
    # never one per participant.
    with django_assert_max_num_queries(baseline * 5 + 5):
        assert tasks.advance_rounds.run()["opened"] == 5


def test_the_jobs_are_scheduled_by_beat_and_acknowledged_late():
    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"feedback.tasks.advance_rounds", "feedback.tasks.flag_overdue_action_items"} <= (
        scheduled
    )
    for task in (tasks.advance_rounds, tasks.flag_overdue_action_items):
        assert task.acks_late


# --- Overdue action items ---------------------------------------------------------------------


@pytest.mark.django_db
def test_overdue_action_items_are_reported_to_their_owner_once(org, seller, marketer):
    today = timezone.localdate()
    late = ActionItemFactory(organization=org, owner=seller, due_date=today - timedelta(days=1))
    due_today = ActionItemFactory(organization=org, owner=seller, due_date=today)
    done = ActionItemFactory(
        organization=org, owner=seller, due_date=date(2020, 1, 1), status="done"
    )
    ownerless = ActionItemFactory(organization=org, owner=None, due_date=date(2020, 1, 1))

    assert tasks.flag_overdue_action_items.run() == 1
    assert tasks.flag_overdue_action_items.run() == 0

    (event,) = events("action_item.overdue")
    assert event.target_id == late.pk
    assert notified("action_item.overdue") == [seller.pk]
    for untouched in (due_today, done, ownerless):
        untouched.refresh_from_db()
        assert untouched.overdue_notified_at is None


@pytest.mark.django_db
def test_a_new_due_date_may_be_reported_overdue_again(org, manager, seller, marketer):
    from feedback.services import actions as action_services

    today = timezone.localdate()
    item = ActionItemFactory(organization=org, owner=seller, due_date=today - timedelta(days=2))
    assert tasks.flag_overdue_action_items.run() == 1
    action_services.update_action_item(
        by=manager, item=item, data={"due_date": today + timedelta(days=1)}
    )
    assert tasks.flag_overdue_action_items.run() == 0
    assert action_services.flag_overdue_action_items(now=later(days=3)) == 1
    assert notified("action_item.overdue") == [seller.pk, seller.pk]


# --- Overlapping runs (PostgreSQL: real concurrent transactions) ---------------------------


def _overlap(runs: int, job) -> tuple[list[object], list[BaseException]]:
    start = threading.Barrier(runs)
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            results.append(job())
        except BaseException as error:  # surfaced by the caller
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_of_the_round_job_open_remind_and_close_each_round_once():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL")
    org = organization_with_departments(name="Overlap", slug="overlap")
    manager = member_of(org, K.SALES, Role.MANAGER)
    for _ in range(3):
        member_of(org, K.MARKETING, Role.MEMBER)
    from accounts.models import Department

    pair = list(Department.objects.filter(organization=org, kind__in=[K.SALES, K.MARKETING]))
    # Opened already, with its reminder sent; its end has come.
    to_close = [
        scheduled_round(manager, pair, opens_in=timedelta(minutes=-1), lasts=timedelta(days=1))
        for _ in range(3)
    ]
    round_services.open_due_rounds()
    FeedbackRound.objects.filter(pk__in=[r.pk for r in to_close]).update(
        closes_at=timezone.now(), reminded_at=timezone.now()
    )
    # Due to open 13 hours ago for a day: opened and reminded in the same run.
    to_open = [
        scheduled_round(manager, pair, opens_in=timedelta(hours=-13), lasts=timedelta(days=1))
        for _ in range(4)
    ]

    results, errors = _overlap(4, tasks.advance_rounds.run)

    assert not errors, errors
    assert sum(result["opened"] for result in results) == len(to_open)
    assert sum(result["reminded"] for result in results) == len(to_open)
    assert sum(result["closed"] for result in results) == len(to_close)
    for feedback_round in to_open:
        assert events("round.reminder", feedback_round).count() == 1
        assert Participant.objects.filter(round=feedback_round).count() == 4
    for feedback_round in to_close:
        assert events("round.closed", feedback_round).count() == 1
    # Each person is reminded once per round, and told once per closed round.
    reminded = notified("round.reminder")
    assert len(reminded) == len(to_open) * 4
    assert len(notified("round.closed")) == len(to_close) * 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_of_the_overdue_job_report_each_item_once():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL")
    org = organization_with_departments(name="Overdue", slug="overdue")
    owner = member_of(org, K.CS, Role.MEMBER)
    items = [
        ActionItemFactory(
            organization=org, owner=owner, due_date=timezone.localdate() - timedelta(days=1)
        )
        for _ in range(8)
    ]

    results, errors = _overlap(4, tasks.flag_overdue_action_items.run)

    assert not errors, errors
    assert sum(results) == len(items)
    assert events("action_item.overdue").count() == len(items)
    assert len(notified("action_item.overdue")) == len(items)
    assert not ActionItem.objects.filter(overdue_notified_at__isnull=True).exists()


# --- Through a real worker (PostgreSQL + Redis) ------------------------------------------------

WORKER_TASK = "feedback.tasks.advance_rounds"


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_round_job_sent_twice_through_a_real_worker_opens_a_round_once(worker, finished):
    org = organization_with_departments(name="Workers", slug="workers")
    manager = member_of(org, K.SALES, Role.MANAGER)
    member_of(org, K.CS, Role.MEMBER)
    from accounts.models import Department

    pair = list(Department.objects.filter(organization=org, kind__in=[K.SALES, K.CS]))
    feedback_round = scheduled_round(
        manager, pair, opens_in=timedelta(minutes=-1), lasts=timedelta(days=10)
    )

    sent = [tasks.advance_rounds.delay().id for _ in range(2)]

    assert wait_until(lambda: all(task_id in finished for task_id in sent)), (
        f"the worker did not run both jobs within 30 s: {finished}"
    )
    assert sorted(finished[task_id]["opened"] for task_id in sent) == [0, 1]
    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.OPEN
    assert events("round.opened", feedback_round).count() == 1
    assert notified("round.opened") == sorted(
        Participant.objects.filter(round=feedback_round).values_list("membership", flat=True)
    )
