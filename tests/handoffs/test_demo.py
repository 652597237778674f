"""The demo's sales ↔ customer-success story: the handoff pages, reports and inboxes have
something true to show, told in order and consistent with the leads and roadmap demos.

One test on purpose: seeding the leads funnel, the roadmap and the handoffs through the
services takes seconds, so it runs once.
"""

import itertools
import logging
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import F
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Organization
from collab_hub.notifications.models import ActivityEvent, Notification
from handoffs.models import (
    ChecklistItem,
    ChecklistTemplate,
    CustomerAccount,
    Discrepancy,
    DiscrepancyKind,
    Handoff,
    HandoffStatus,
    HandoffStatusChange,
    HealthBand,
    HealthChange,
    PromiseSignoff,
    UpsellSignal,
    UpsellStatus,
)
from handoffs.services.handoffs import missing_for_submit
from leads.models import Deal, DealKind, DealSource, DealStage
from roadmap.models import Demand, DemandKind, Promise, PromiseStatus
from tests.roadmap.test_demo import assert_consistent_in_time

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

logger = logging.getLogger(__name__)
CS_MEMBER = "cs.member@demo.collabhub.test"
CS_MANAGER = "cs.manager@demo.collabhub.test"


def counts():
    return (
        Handoff.objects.count(),
        HandoffStatusChange.objects.count(),
        ChecklistTemplate.objects.count(),
        ChecklistItem.objects.count(),
        Discrepancy.objects.count(),
        PromiseSignoff.objects.count(),
        UpsellSignal.objects.count(),
        HealthChange.objects.count(),
        Deal.objects.count(),
        ActivityEvent.objects.count(),
        Notification.objects.count(),
    )


def test_demo_handoffs_cover_every_state_and_tell_a_consistent_story():
    started = timezone.now()
    began = time.monotonic()
    call_command("demo", "--leads", "150", stdout=StringIO())
    seconds = time.monotonic() - began
    logger.warning("manage.py demo --leads 150 took %.1f s", seconds)
    assert seconds < 60
    org = Organization.objects.get(slug="northwind-demo")
    handoffs = Handoff.objects.for_org(org)

    # Every tier has its checklist (5 to 8 items, 2 required), and every handoff has its own.
    templates = ChecklistTemplate.objects.for_org(org)
    assert templates.filter(tier__isnull=True).count() == 1
    assert templates.filter(tier__isnull=False).count() >= 3
    for template in templates:
        assert 5 <= template.items.count() <= 8, template.name
        assert template.items.filter(required=True).count() == 2, template.name
    assert not handoffs.filter(checklist__isnull=True).exists()
    # One handoff per won deal (the subscriber), in every status.
    won = Deal.objects.for_org(org).filter(stage=DealStage.WON)
    assert handoffs.count() == won.count()
    assert set(handoffs.values_list("status", flat=True)) == set(HandoffStatus.values)
    assert handoffs.filter(status=HandoffStatus.DRAFT).count() >= 3
    # CS has handoffs to accept, one past its SLA and flagged to its manager.
    waiting = handoffs.filter(status=HandoffStatus.SUBMITTED, cs_owner__user__email=CS_MEMBER)
    assert waiting.count() >= 2
    overdue = [h for h in waiting if h.is_overdue]
    assert overdue and all(h.overdue_notified_at for h in overdue)
    assert Notification.objects.filter(
        recipient__user__email=CS_MANAGER, event__verb="handoff.overdue_digest"
    ).exists()
    # A returned handoff carries CS's questions; its sales owner has them unread.
    returned = handoffs.get(status=HandoffStatus.RETURNED)
    assert returned.questions
    assert Notification.objects.filter(
        recipient=returned.sales_owner,
        event__verb="handoff.returned",
        event__target_id=returned.pk,
        read_at__isnull=True,
    ).exists()
    # A deal won with a promise still pending: its handoff cannot be submitted.
    pending = Promise.objects.for_org(org).filter(
        status=PromiseStatus.PENDING, deal__stage=DealStage.WON
    )
    assert pending.exists()
    for promise in pending:
        handoff = handoffs.get(deal=promise.deal)
        assert handoff.status == HandoffStatus.DRAFT
        codes = {gap["code"] for gap in missing_for_submit(handoff)}
        assert codes == {"promise_pending"}, codes
    # CS signed off promises before accepting: one it cannot deliver became a discrepancy.
    signoffs = PromiseSignoff.objects.for_org(org)
    assert signoffs.filter(deliverable=True).exists()
    assert signoffs.filter(deliverable=False).exists()
    for signoff in signoffs.filter(deliverable=False):
        assert Discrepancy.objects.filter(
            handoff=signoff.handoff,
            promise=signoff.promise,
            kind=DiscrepancyKind.UNDELIVERABLE_PROMISE,
        ).exists()

    # Discrepancies of every kind, some answered by sales, some resolved, some open.
    discrepancies = Discrepancy.objects.for_org(org)
    assert set(discrepancies.values_list("kind", flat=True)) == set(DiscrepancyKind.values)
    assert discrepancies.exclude(answer="").exists()
    assert discrepancies.filter(answer="").exists()
    assert discrepancies.filter(resolved=True).exists()
    assert discrepancies.filter(resolved=False).exists()
    # The surprise rate has months to show: accepted handoffs in at least three, some with
    # a surprise and some without.
    accepted = handoffs.filter(accepted_at__isnull=False)
    months = set(accepted.annotate(month=TruncMonth("accepted_at")).values_list("month", flat=True))
    assert len(months) >= 3
    surprised = accepted.filter(discrepancies__isnull=False).distinct().count()
    assert 0 < surprised < accepted.count()
    assert started - accepted.order_by("accepted_at").first().accepted_at > timedelta(days=90)

    # Upsell signals: open (one past the answer window), accepted, dismissed with reasons.
    signals = UpsellSignal.objects.for_org(org)
    assert set(signals.values_list("status", flat=True)) == set(UpsellStatus.values)
    assert signals.filter(status=UpsellStatus.OPEN, overdue_notified_at__isnull=False).exists()
    assert not signals.filter(status=UpsellStatus.DISMISSED, dismiss_reason="").exists()
    accepted_signals = signals.filter(status=UpsellStatus.ACCEPTED)
    assert not accepted_signals.filter(deal__isnull=True).exists()
    expansions = Deal.objects.filter(upsell_signal__in=accepted_signals)
    assert set(expansions.values_list("source", "kind")) == {(DealSource.CS, DealKind.EXPANSION)}
    assert expansions.filter(stage=DealStage.WON).exists()
    assert expansions.exclude(stage=DealStage.WON).exists()
    assert accepted_signals.exclude(cs_credit_percent=30).exists()
    # A won expansion went to CS like any deal.
    assert handoffs.filter(deal__in=expansions.filter(stage=DealStage.WON)).exists()

    # Account health: scores over time; one customer red, with a retention demand raised by
    # CS on the roadmap after it turned red.
    accounts = CustomerAccount.objects.for_org(org).exclude(health_score=None)
    assert accounts.count() >= 5
    assert max(a.history.count() for a in accounts) >= 3
    red = [a for a in accounts if a.health_band == HealthBand.RED]
    assert red
    for account in red:
        turned = account.history.order_by("at").last().at
        assert Demand.objects.filter(
            company=account.company,
            kind=DemandKind.RETENTION,
            department__kind="cs",
            created_at__gt=turned,
        ).exists()
    assert {a.health_band for a in accounts} >= {HealthBand.GREEN, HealthBand.AMBER}

    assert_consistent_in_time(org, started)
    assert_handoffs_in_order(org, started)

    # CS's inbox is a working day's, not half a year of handoffs.
    unread = Notification.objects.filter(recipient__user__email=CS_MEMBER, read_at__isnull=True)
    assert 0 < unread.count() <= 20, unread.count()

    before = counts()
    call_command("demo", "--leads", "150", stdout=StringIO())
    assert counts() == before


def assert_handoffs_in_order(org, now) -> None:
    """Every handoff's history runs from its deal's win, in order, to its status; nothing
    after the run began; dates of each step consistent with the SLA."""
    handoffs = Handoff.objects.for_org(org).select_related("deal", "organization")
    for name in ("created_at", "submitted_at", "accepted_at", "onboarding_at", "live_at"):
        assert not handoffs.filter(**{f"{name}__gt": now}).exists(), name
    assert not handoffs.filter(created_at__lt=F("deal__closed_at")).exists()
    sla = timedelta(hours=48)
    for handoff in handoffs:
        history = list(handoff.status_changes.order_by("at", "pk"))
        assert history[0].from_status == "" and history[0].at >= handoff.created_at
        for earlier, later in itertools.pairwise(history):
            assert later.from_status == earlier.to_status, handoff.pk
            assert later.at >= earlier.at, handoff.pk
        assert history[-1].to_status == handoff.status
        if handoff.submitted_at:
            assert handoff.accept_due_at == handoff.submitted_at + sla
        steps = [handoff.submitted_at, handoff.accepted_at, handoff.onboarding_at, handoff.live_at]
        reached = [step for step in steps if step]
        assert reached == sorted(reached), handoff.pk
    discrepancies = Discrepancy.objects.for_org(org)
    assert not discrepancies.filter(created_at__lt=F("handoff__submitted_at")).exists()
    assert not discrepancies.filter(answered_at__lt=F("created_at")).exists()
    assert not discrepancies.filter(resolved_at__lt=F("created_at")).exists()
    items = ChecklistItem.objects.for_org(org)
    assert not items.filter(created_at__lt=F("handoff__created_at")).exists()
    assert not items.filter(done_at__lt=F("created_at")).exists()
    assert not items.filter(done_at__gt=now).exists()
    signals = UpsellSignal.objects.for_org(org)
    assert not signals.filter(created_at__gt=now).exists()
    assert not signals.filter(answered_at__lt=F("created_at")).exists()
    assert not signals.filter(deal__created_at__lt=F("created_at")).exists()
    assert not HealthChange.objects.for_org(org).filter(at__gt=now).exists()
    # Events about a handoff, a discrepancy or a signal come after it existed, in order.
    types = {
        ContentType.objects.get_for_model(model).pk: dict(
            model.objects.for_org(org).values_list("pk", "created_at")
        )
        for model in (Handoff, Discrepancy, UpsellSignal)
    }
    last_seen: dict[tuple[int, int], object] = {}
    events = ActivityEvent.objects.for_org(org).filter(target_type__in=list(types))
    for event in events.order_by("pk"):
        created = types[event.target_type_id].get(event.target_id)
        if created is None:
            continue
        assert event.created_at >= created, event.verb
        key = (event.target_type_id, event.target_id)
        if key in last_seen:
            assert event.created_at >= last_seen[key], event.verb
        last_seen[key] = event.created_at
