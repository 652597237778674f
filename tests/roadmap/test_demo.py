"""The demo's sales ↔ product story: the roadmap pages have something true to show, told in
order and consistent with the leads demo's deals.

One test on purpose: seeding the leads funnel and the roadmap through the services takes
seconds, so it runs once.
"""

import itertools
import logging
import time
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Count, F, Min
from django.utils import timezone

from accounts.models import Organization
from collab_hub.notifications.models import ActivityEvent, Comment, Notification
from leads.models import Deal, DealStage
from roadmap import services
from roadmap.models import (
    Demand,
    DemandKind,
    FeatureRequest,
    FeatureStatus,
    FeatureStatusChange,
    Promise,
    PromiseStatus,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

logger = logging.getLogger(__name__)
PRODUCT = {"product.member@demo.collabhub.test", "product.manager@demo.collabhub.test"}


def counts():
    return (
        FeatureRequest.objects.count(),
        FeatureStatusChange.objects.count(),
        Demand.objects.count(),
        Promise.objects.count(),
        Comment.objects.count(),
        ActivityEvent.objects.count(),
        Notification.objects.count(),
        Deal.objects.filter(stage=DealStage.LOST).count(),
    )


def test_demo_roadmap_has_every_status_promise_state_and_a_consistent_history():
    started = timezone.now()
    began = time.monotonic()
    call_command("demo", "--leads", "150", stdout=StringIO())
    seconds = time.monotonic() - began
    logger.warning("manage.py demo --leads 150 took %.1f s", seconds)
    # Still a quick start (about 7 s on SQLite; the leads funnel is most of it).
    assert seconds < 60
    org = Organization.objects.get(slug="northwind-demo")
    requests = FeatureRequest.objects.for_org(org)
    demands = Demand.objects.for_org(org)
    promises = Promise.objects.for_org(org)

    # Dozens of requests in every status, hundreds of demands of every kind.
    assert requests.count() >= 30
    assert set(requests.values_list("status", flat=True)) == set(FeatureStatus.values)
    assert demands.count() >= 200
    assert set(demands.values_list("kind", flat=True)) == set(DemandKind.values)
    assert set(promises.values_list("status", flat=True)) == set(PromiseStatus.values)
    # Promises are made on the deals still waiting for the feature (the handoffs demo wins a
    # few of them since: their handoffs show the promises).
    assert not promises.exclude(
        deal__stage__in=["qualification", "proposal", "negotiation", "won"]
    ).exists()
    assert promises.filter(deal__stage__in=["qualification", "proposal", "negotiation"]).exists()
    # Raised by sales and CS, from the leads demo's companies and deals.
    raisers = set(demands.exclude(kind=DemandKind.LOST).values_list("department__kind", flat=True))
    assert raisers == {"sales", "cs"}
    assert demands.values("company").distinct().count() >= 10
    active_blocking = demands.filter(kind=DemandKind.BLOCKING, ended_at__isnull=True)
    assert not active_blocking.exclude(
        deal__stage__in=["qualification", "proposal", "negotiation"]
    ).exists()
    # The leads demo's losses for "SAML single sign-on" fed the roadmap (the subscriber).
    saml = requests.get(title="SAML single sign-on")
    lost_for_saml = [
        deal
        for deal in Deal.objects.for_org(org).filter(stage=DealStage.LOST)
        if "SAML single sign-on" in (deal.missing_features or [])
    ]
    assert lost_for_saml
    for deal in lost_for_saml:
        assert demands.filter(deal=deal, kind=DemandKind.LOST, feature_request=saml).exists()
    # Every lost demand is a deal lost for lack of a feature.
    assert not demands.filter(kind=DemandKind.LOST).exclude(deal__stage=DealStage.LOST).exists()
    assert (
        not demands.filter(kind=DemandKind.LOST)
        .exclude(deal__lost_reason="missing_feature")
        .exists()
    )
    # Some shipped requests have lost deals to re-engage.
    shipped = requests.filter(status=FeatureStatus.SHIPPED)
    assert any(
        row["kind"] == DemandKind.LOST
        for request in shipped
        for row in services.reengage_list(request)
    )
    # Merged duplicates, with their demands moved.
    merged = requests.filter(merged_into__isnull=False)
    assert merged.count() >= 1
    assert not demands.filter(feature_request__in=merged, ended_at__isnull=True).exists()
    assert (
        Comment.objects.for_org(org)
        .filter(target_type=ContentType.objects.get_for_model(FeatureRequest))
        .values("target_id")
        .distinct()
        .count()
        >= 2
    )
    # Product moves the requests, and they moved back too.
    moves = FeatureStatusChange.objects.for_org(org).exclude(from_status="")
    assert set(moves.values_list("by__user__email", flat=True)) == PRODUCT
    assert moves.filter(from_status="planned", to_status="under_review").exists()
    assert moves.filter(from_status="declined", to_status="under_review").exists()

    assert_consistent_in_time(org, started)

    # Product's inbox shows a day of demands, not a week's flood (was about 75 unread).
    for email in PRODUCT:
        unread = Notification.objects.filter(
            recipient__user__email=email, read_at__isnull=True, event__verb="demand.raised"
        )
        assert 0 < unread.count() <= 20, (email, unread.count())

    before = counts()
    call_command("demo", "--leads", "150", stdout=StringIO())
    assert counts() == before


def assert_consistent_in_time(org, now) -> None:
    """Nothing after the run began, each history in order, nothing before what it is about."""
    events = ActivityEvent.objects.for_org(org)
    assert not events.filter(created_at__gt=now).exists()
    assert not Notification.objects.for_org(org).filter(created_at__gt=now).exists()
    requests = FeatureRequest.objects.for_org(org)
    demands = Demand.objects.for_org(org)
    promises = Promise.objects.for_org(org)
    changes = FeatureStatusChange.objects.for_org(org)
    for queryset, name in [
        (requests, "created_at"), (requests, "updated_at"), (demands, "created_at"),
        (demands, "updated_at"), (demands, "ended_at"), (promises, "created_at"),
        (promises, "decided_at"), (promises, "updated_at"), (changes, "at"),
    ]:  # fmt: skip
        assert not queryset.filter(**{f"{name}__gt": now}).exists(), name
    deals = Deal.objects.for_org(org)
    assert not deals.filter(closed_at__gt=now).exists()
    assert not deals.filter(closed_at__lt=F("created_at")).exists()
    # Each request's history starts when it was proposed and runs in order.
    assert not changes.filter(at__lt=F("feature_request__created_at")).exists()
    for request in requests:
        history = list(request.status_changes.order_by("at", "pk"))
        assert history[0].from_status == ""
        for earlier, later in itertools.pairwise(history):
            assert later.from_status == earlier.to_status, request.title
            assert later.at >= earlier.at
        assert history[-1].to_status == request.status
    # A demand comes after its request and its deal; a lost one is the deal's loss.
    assert not demands.filter(created_at__lt=F("feature_request__created_at")).exists()
    assert not demands.filter(created_at__lt=F("deal__created_at")).exists()
    assert not demands.filter(kind=DemandKind.LOST, created_at__gt=F("deal__closed_at")).exists()
    assert not demands.filter(ended_at__lt=F("created_at")).exists()
    # A promise after the deal opened and the request was proposed; decided after it was made.
    assert not promises.filter(created_at__lt=F("deal__created_at")).exists()
    assert not promises.filter(created_at__lt=F("feature_request__created_at")).exists()
    assert not promises.filter(decided_at__lt=F("created_at")).exists()
    # Spread over months, not all "5 minutes ago".
    span = demands.aggregate(first=Min("created_at"))["first"]
    assert now - span > timezone.timedelta(days=90)
    # Every event about a deal or a request comes after it existed, in its history's order.
    types = {
        ContentType.objects.get_for_model(model).pk: dict(
            model.objects.for_org(org).values_list("pk", "created_at")
        )
        for model in (Deal, FeatureRequest)
    }
    last_seen: dict[tuple[int, int], object] = {}
    for event in events.filter(target_type__in=list(types)).order_by("pk"):
        created = types[event.target_type_id].get(event.target_id)
        if created is None:
            continue
        assert event.created_at >= created, event.verb
        key = (event.target_type_id, event.target_id)
        if key in last_seen:
            assert event.created_at >= last_seen[key], event.verb
        last_seen[key] = event.created_at
    # Product's inbox is a working week's, not a flood: one unread per person per promise.
    unread = Notification.objects.for_org(org).filter(read_at__isnull=True)
    per = unread.filter(event__verb="promise.recorded").values("recipient", "event__target_id")
    assert not per.annotate(n=Count("id")).filter(n__gt=1).exists()
