"""The leads flow's background jobs: re-scoring every lead, SLA breaches, overdue complaints,
and the idempotency-key sweep; what they change and what they cost in queries."""

from __future__ import annotations

import math
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts import tasks as account_tasks
from accounts.models import DepartmentKind, IdempotencyRecord, Role
from collab_hub.celery import app as celery_app
from collab_hub.notifications.models import ActivityEvent, Notification
from leads import tasks
from leads.models import Lead, LeadStatus, QualityComplaint
from leads.services import lifecycle, scoring
from tests.factories import (
    CampaignFactory,
    LeadFactory,
    QualityComplaintFactory,
    ScoringRuleFactory,
    TierFactory,
    member_of,
)


def notified(event: ActivityEvent) -> set[int]:
    return set(event.notifications.values_list("recipient_id", flat=True))


def digested(member, verb: str = "lead.sla_digest", key: str = "leads") -> set[int]:
    """The records listed in the member's one digest notification (fails if not exactly one)."""
    (notification,) = Notification.objects.filter(recipient=member, event__verb=verb)
    return {record["id"] for record in notification.event.payload[key]}


def recipient_queries(captured) -> list[str]:
    """The queries that load notification recipients by department (sales managers,
    marketing managers), as opposed to ``record_event``'s own check of who is active."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT")
        and 'FROM "accounts_membership"' in query["sql"]
        and '"accounts_department"' in query["sql"]
    ]


# --- Re-scoring ------------------------------------------------------------------------------


@pytest.fixture
def eager():
    """Celery without a broker, as in development: a task sent runs right where it is sent
    (whether or not this test run has Redis)."""
    saved = {
        key: celery_app.conf.get(key) for key in ("task_always_eager", "task_eager_propagates")
    }
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(saved)


def test_a_scoring_change_rescores_more_chunks_than_the_stack_allows_frames(
    org, monkeypatch, eager, django_capture_on_commit_callbacks
):
    # One lead per chunk. A task re-queueing itself per chunk nests several stack frames per
    # chunk in eager mode, so this many chunks can never fit: RecursionError (at the real
    # chunk size of 2,000, about 600,000 leads were enough).
    monkeypatch.setattr(scoring, "RESCORE_CHUNK", 1)
    count = sys.getrecursionlimit()
    Lead.objects.bulk_create(
        Lead(organization=org, email=f"lead{n}@prospect.test", industry="software")
        for n in range(count)
    )
    ScoringRuleFactory(
        organization=org, field="industry", operator="eq", value="software", points=40
    )
    tier = TierFactory(organization=org, rank=1, industries=["software"])

    with django_capture_on_commit_callbacks(execute=True):
        scoring.scoring_changed(organization_id=org.pk)

    leads = Lead.objects.filter(organization=org)
    assert leads.filter(score=40, tier=tier).count() == count


def test_rescoring_again_changes_nothing(org, monkeypatch):
    monkeypatch.setattr(scoring, "RESCORE_CHUNK", 2)
    leads = LeadFactory.create_batch(5, organization=org, industry="software")
    ScoringRuleFactory(
        organization=org, field="industry", operator="eq", value="software", points=40
    )
    assert tasks.rescore_leads.run(org.pk) == 3
    Lead.objects.filter(pk=leads[0].pk).update(score=7)
    # Only the lead whose score went wrong meanwhile is written again.
    assert tasks.rescore_leads.run(org.pk) == 3
    assert set(Lead.objects.values_list("score", flat=True)) == {40}


def test_rescoring_one_organization_leaves_the_others_alone(org, other_org):
    ScoringRuleFactory(
        organization=org, field="industry", operator="eq", value="software", points=40
    )
    ScoringRuleFactory(
        organization=other_org, field="industry", operator="eq", value="software", points=5
    )
    mine = LeadFactory(organization=org, industry="software")
    theirs = LeadFactory(organization=other_org, industry="software")
    tasks.rescore_leads.run(org.pk)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.score, theirs.score) == (40, 0)


# --- SLA breaches ----------------------------------------------------------------------------


def breached_mqls(org, count: int, **fields) -> list[Lead]:
    """``count`` MQLs of ``org`` whose response was due an hour ago (one INSERT)."""
    now = timezone.now()
    return Lead.objects.bulk_create(
        LeadFactory.build_batch(
            count,
            organization=org,
            status=LeadStatus.MQL,
            qualified_at=now - timedelta(days=2),
            sla_due_at=now - timedelta(hours=1),
            **fields,
        )
    )


@pytest.fixture
def marketing_manager(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MANAGER, email="mona@acme.test")


def test_every_breach_is_flagged_once_and_tells_its_own_people(
    org, other_org, rep, rep2, sales_manager, marketer, marketing_manager
):
    owned = breached_mqls(org, 2, owner=rep, marketing_owner=marketer)
    unowned_marketing = breached_mqls(org, 1, owner=rep2)[0]
    marketer_gone = member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="gone@acme.test")
    marketer_gone.is_active = False
    marketer_gone.save()
    left = breached_mqls(org, 1, owner=rep, marketing_owner=marketer_gone)[0]
    foreign_rep = member_of(other_org, DepartmentKind.SALES, Role.MEMBER)
    foreign_manager = member_of(other_org, DepartmentKind.SALES, Role.MANAGER)
    foreign_marketing = member_of(other_org, DepartmentKind.MARKETING, Role.ADMIN)
    foreign = breached_mqls(other_org, 1, owner=foreign_rep)[0]
    answered = breached_mqls(org, 1, owner=rep)[0]
    Lead.objects.filter(pk=answered.pk).update(status=LeadStatus.ACCEPTED)

    assert tasks.flag_sla_breaches.run() == 5
    assert tasks.flag_sla_breaches.run() == 0

    events = {e.target_id: e for e in ActivityEvent.objects.filter(verb="lead.sla_breached")}
    assert set(events) == {*(lead.pk for lead in owned), unowned_marketing.pk, left.pk, foreign.pk}
    # The per-lead events are history; each person hears once, in one digest of their leads.
    assert not Notification.objects.filter(event__verb="lead.sla_breached").exists()
    own = {lead.pk for lead in owned}
    assert digested(rep) == {*own, left.pk}
    assert digested(rep2) == {unowned_marketing.pk}
    assert digested(sales_manager) == {*own, unowned_marketing.pk, left.pk}
    assert digested(marketer) == own
    assert digested(marketing_manager) == {unowned_marketing.pk, left.pk}
    assert digested(foreign_rep) == digested(foreign_manager) == {foreign.pk}
    assert digested(foreign_marketing) == {foreign.pk}
    assert events[foreign.pk].organization_id == other_org.pk
    assert events[left.pk].payload["owner"] == rep.pk
    assert Lead.objects.filter(sla_breached_at__isnull=False).count() == 5
    assert Lead.objects.get(pk=answered.pk).sla_breached_at is None


# However many breaches, in one organization: the locking SELECT of due leads, the UPDATE
# that claims them, the one SELECT of recipients, and record_events' own work (content type,
# INSERT of the events, SELECT of the recipients still active, INSERT of their
# notifications, a savepoint around it).
SLA_QUERIES = 10


def extra_insert_batches(rows: int) -> int:
    """INSERTs beyond the first for ``rows`` notifications: the database caps the parameters
    of one statement (SQLite: 166 notifications per INSERT), not the code."""
    from django.db import connection

    fields = Notification._meta.concrete_fields[1:]
    return math.ceil(rows / connection.ops.bulk_batch_size(fields, [None] * rows)) - 1


@pytest.mark.parametrize("count", [1, 100])
def test_flagging_breaches_takes_the_same_queries_for_1_or_100(
    org, rep, sales_manager, marketing_manager, django_assert_max_num_queries, count
):
    breached_mqls(org, count, owner=rep)
    with django_assert_max_num_queries(SLA_QUERIES + extra_insert_batches(3 * count)) as captured:
        assert tasks.flag_sla_breaches.run() == count
    assert len(recipient_queries(captured)) == 1
    # The owner, the sales manager and the marketing manager: one digest each of all leads
    # (one event for the sales side, one for marketing).
    assert Notification.objects.filter(event__verb="lead.sla_digest").count() == 3
    for digest in ActivityEvent.objects.filter(verb="lead.sla_digest"):
        assert digest.payload["count"] == count
        assert len(digest.payload["leads"]) == min(count, lifecycle.DIGEST_LISTED)
    assert ActivityEvent.objects.filter(verb="lead.sla_breached").count() == count
    assert tasks.flag_sla_breaches.run() == 0


# --- Overdue quality complaints --------------------------------------------------------------


def overdue(org, count: int, **fields) -> list[QualityComplaint]:
    return QualityComplaint.objects.bulk_create(
        QualityComplaintFactory.build_batch(
            count, organization=org, due_at=timezone.now() - timedelta(hours=1), **fields
        )
    )


def test_every_overdue_complaint_tells_its_organizations_managers_once(
    org, other_org, rep, alice, marketing_manager
):
    campaign = CampaignFactory(organization=org)
    mine = overdue(org, 3, campaign=campaign, filed_by=rep)
    foreign_campaign = CampaignFactory(organization=other_org)
    # Globex has no marketing manager: its admins hear of it.
    foreign_admin = member_of(other_org, DepartmentKind.SALES, Role.ADMIN)
    foreign = overdue(other_org, 1, campaign=foreign_campaign)[0]

    assert tasks.flag_overdue_complaints.run() == 4
    assert tasks.flag_overdue_complaints.run() == 0

    events = {e.target_id: e for e in ActivityEvent.objects.filter(verb="complaint.overdue")}
    assert set(events) == {*(complaint.pk for complaint in mine), foreign.pk}
    for complaint in mine:
        assert notified(events[complaint.pk]) == set()
        assert events[complaint.pk].payload["filed_by"] == rep.pk
    digest = ("complaint.overdue_digest", "complaints")
    assert digested(marketing_manager, *digest) == {complaint.pk for complaint in mine}
    assert digested(foreign_admin, *digest) == {foreign.pk}
    assert events[foreign.pk].organization_id == other_org.pk
    assert not QualityComplaint.objects.filter(overdue_notified_at__isnull=True).exists()


# However many complaints, in one organization: the locking SELECT, the claiming UPDATE,
# the one SELECT of the managers and record_events' own work.
OVERDUE_QUERIES = 10


@pytest.mark.parametrize("count", [1, 100])
def test_flagging_overdue_complaints_takes_the_same_queries_for_1_or_100(
    org, marketing_manager, django_assert_max_num_queries, count
):
    overdue(org, count, campaign=CampaignFactory(organization=org))
    with django_assert_max_num_queries(OVERDUE_QUERIES) as captured:
        assert tasks.flag_overdue_complaints.run() == count
    assert len(recipient_queries(captured)) == 1
    assert Notification.objects.filter(event__verb="complaint.overdue_digest").count() == 1
    assert tasks.flag_overdue_complaints.run() == 0


# --- Idempotency keys ------------------------------------------------------------------------


def test_the_beat_job_forgets_idempotency_keys_older_than_48_hours(org):
    now = timezone.now()
    for scope, key, age in (
        ("capture", "old", 49),
        ("user:1", "old-api", 50),
        ("user:1", "recent", 30),
    ):
        record = IdempotencyRecord.objects.create(
            organization=org, scope=scope, key=key, fingerprint="f"
        )
        IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=now - timedelta(hours=age))
    assert account_tasks.delete_expired_idempotency_keys.run() == 2
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]


def test_the_sweep_queued_under_its_former_name_still_runs(org):
    record = IdempotencyRecord.objects.create(organization=org, key="old", fingerprint="f")
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(hours=49)
    )
    assert celery_app.tasks["leads.delete_expired_idempotency_keys"].run() == 1
    assert not IdempotencyRecord.objects.exists()


def test_every_beat_entry_names_a_registered_task():
    celery_app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, name
