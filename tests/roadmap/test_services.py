"""The roadmap's services: the status machine, demand, merging, the promise guard with its
at-risk cascade, and closing the loop with exactly the right people."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import DepartmentKind, Role
from collab_hub.exceptions import Conflict, DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.models import ActivityEvent, Notification
from leads.models import DealStage
from leads.services import deals as deal_services
from roadmap import services
from roadmap.models import (
    Demand,
    DemandKind,
    DemandOutcome,
    FeatureRequest,
    FeatureStatus,
    PromiseStatus,
)
from tests.factories import CompanyFactory, DealFactory, member_of

pytestmark = pytest.mark.django_db

S = FeatureStatus


def feature(by, title="Single sign-on"):
    return services.create_feature_request(by=by, title=title)


def move(pm, request, *statuses):
    for status in statuses:
        request = services.change_status(by=pm, feature_request=request, status=status)
    return request


def notified(verb, *, target=None):
    """{recipient id: how many notifications} of the ``verb`` events (on ``target``)."""
    events = ActivityEvent.objects.filter(verb=verb)
    if target is not None:
        events = events.filter(target_id=target.pk)
    counts: dict[int, int] = {}
    for recipient in Notification.objects.filter(event__in=events).values_list(
        "recipient_id", flat=True
    ):
        counts[recipient] = counts.get(recipient, 0) + 1
    return counts


def open_deal(org, owner, value=10000, company=None):
    company = company or CompanyFactory(organization=org)
    return DealFactory(organization=org, company=company, owner=owner, value=value)


# --- Status machine ---------------------------------------------------------------------------


def test_a_request_walks_the_status_machine_with_its_history(rep, pm):
    request = feature(rep)
    assert request.status == S.NEW
    request = move(pm, request, S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS, S.SHIPPED)
    assert request.status == S.SHIPPED
    history = list(request.status_changes.values_list("from_status", "to_status"))
    assert history == [
        ("", "new"),
        ("new", "under_review"),
        ("under_review", "planned"),
        ("planned", "in_progress"),
        ("in_progress", "shipped"),
    ]


@pytest.mark.parametrize(
    ("path", "target", "code"),
    [
        ((), S.SHIPPED, "feature_new"),
        ((), S.PLANNED, "feature_new"),
        ((S.UNDER_REVIEW,), S.IN_PROGRESS, "feature_under_review"),
        ((S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS, S.SHIPPED), S.DECLINED, "feature_shipped"),
        ((S.DECLINED,), S.PLANNED, "feature_declined"),
        ((S.UNDER_REVIEW,), S.UNDER_REVIEW, "same_status"),
    ],
)
def test_illegal_moves_are_409_with_a_code(rep, pm, path, target, code):
    request = move(pm, feature(rep), *path)
    with pytest.raises(IllegalTransition) as error:
        services.change_status(by=pm, feature_request=request, status=target)
    assert error.value.code == code
    assert FeatureRequest.objects.get(pk=request.pk).status == request.status


def test_moves_back_and_reconsidering_a_declined_request_are_allowed(rep, pm):
    request = move(pm, feature(rep), S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS, S.SHIPPED)
    request = move(pm, request, S.IN_PROGRESS, S.PLANNED, S.UNDER_REVIEW, S.NEW, S.DECLINED)
    request = move(pm, request, S.UNDER_REVIEW)
    assert request.status == S.UNDER_REVIEW


def test_only_product_and_admins_change_the_status(rep, cs, pm, pm2, alice):
    request = feature(rep)
    for outsider in (rep, cs):
        with pytest.raises(NotAllowed):
            services.change_status(by=outsider, feature_request=request, status=S.UNDER_REVIEW)
    request = move(pm2, request, S.UNDER_REVIEW)
    request = move(alice, request, S.PLANNED)
    assert request.status == S.PLANNED


def test_update_checks_the_owner_and_effort_and_records_the_changes(rep, pm):
    request = feature(rep)
    with pytest.raises(DomainError) as error:
        services.update_feature_request(by=pm, feature_request=request, data={"owner": rep})
    assert error.value.code == "invalid_owner"
    with pytest.raises(DomainError) as error:
        services.update_feature_request(by=pm, feature_request=request, data={"effort": 5000})
    assert error.value.code == "invalid_effort"
    with pytest.raises(NotAllowed):
        services.update_feature_request(by=rep, feature_request=request, data={"effort": 3})
    services.update_feature_request(
        by=pm, feature_request=request, data={"effort": 8, "owner": pm, "target_release": "2026.2"}
    )
    request.refresh_from_db()
    assert (request.effort, request.owner, request.target_release) == (8, pm, "2026.2")
    event = ActivityEvent.objects.get(verb="feature.updated")
    assert event.payload["changes"]["effort"] == [None, 8]


def test_a_marketer_cannot_propose_a_feature(marketer):
    with pytest.raises(NotAllowed):
        feature(marketer)


# --- Demand ------------------------------------------------------------------------------------


def test_sales_and_cs_raise_demand_with_the_rules_of_each_kind(org, rep, cs, pm):
    request = feature(rep)
    deal = open_deal(org, rep)
    with pytest.raises(DomainError) as error:
        services.raise_demand(
            by=rep, feature_request=request, company=deal.company, kind=DemandKind.BLOCKING
        )
    assert error.value.code == "deal_required"
    with pytest.raises(DomainError) as error:
        services.raise_demand(
            by=cs, feature_request=request, company=deal.company, kind=DemandKind.RETENTION
        )
    assert error.value.code == "value_required"
    with pytest.raises(DomainError) as error:
        services.raise_demand(
            by=rep, feature_request=request, company=deal.company, kind=DemandKind.LOST,
            value=5,
        )  # fmt: skip
    assert error.value.code == "invalid_kind"
    with pytest.raises(NotAllowed):
        services.raise_demand(
            by=pm, feature_request=request, company=deal.company, kind=DemandKind.EXPANSION,
            value=5,
        )  # fmt: skip

    blocking = services.raise_demand(
        by=rep, feature_request=request, company=deal.company, deal=deal, kind="blocking"
    )
    assert blocking.value is None  # it follows the deal's value
    assert blocking.department_id == rep.department_id
    with pytest.raises(Conflict) as error:
        services.raise_demand(
            by=rep, feature_request=request, company=deal.company, deal=deal, kind="blocking"
        )
    assert error.value.code == "duplicate_demand"
    retention = services.raise_demand(
        by=cs, feature_request=request, company=deal.company, kind="retention", value="1200.5"
    )
    assert retention.value == Decimal("1200.50")
    # Product (nobody owns the request yet) hears about each demand.
    assert notified("demand.raised") == {pm.pk: 2}


def test_a_closed_deal_cannot_be_blocked(org, rep):
    request = feature(rep)
    deal = open_deal(org, rep)
    deal_services.win_deal(by=rep, deal=deal)
    with pytest.raises(DomainError) as error:
        services.raise_demand(
            by=rep, feature_request=request, company=deal.company, deal=deal, kind="blocking"
        )
    assert error.value.code == "deal_closed"


def test_another_companys_deal_is_refused(org, rep):
    request = feature(rep)
    deal = open_deal(org, rep)
    with pytest.raises(DomainError) as error:
        services.raise_demand(
            by=rep, feature_request=request, company=CompanyFactory(organization=org),
            deal=deal, kind="blocking",
        )  # fmt: skip
    assert error.value.code == "invalid_deal"


# --- Merge -------------------------------------------------------------------------------------


def test_merging_moves_demands_deduplicates_and_notifies_the_requesters(org, rep, rep2, cs, pm):
    a = feature(rep, "SSO")
    b = feature(rep2, "Single sign-on")
    shared_deal = open_deal(org, rep)
    only_a_deal = open_deal(org, rep)
    services.raise_demand(
        by=rep, feature_request=a, company=shared_deal.company, deal=shared_deal, kind="blocking"
    )
    services.raise_demand(
        by=rep2, feature_request=b, company=shared_deal.company, deal=shared_deal,
        kind="blocking",
    )  # fmt: skip
    services.raise_demand(
        by=rep, feature_request=a, company=only_a_deal.company, deal=only_a_deal, kind="blocking"
    )
    services.raise_demand(
        by=cs, feature_request=a, company=shared_deal.company, kind="expansion", value=300
    )

    into = services.merge_feature_request(by=pm, source=a, into=b)

    assert into == b
    a.refresh_from_db()
    assert a.merged_into == b
    active_b = Demand.objects.filter(feature_request=b, ended_at__isnull=True)
    assert sorted(active_b.values_list("deal_id", flat=True), key=str) == sorted(
        [shared_deal.pk, only_a_deal.pk, None], key=str
    )
    duplicate = Demand.objects.get(feature_request=a)
    assert duplicate.outcome == DemandOutcome.MERGED and duplicate.ended_at is not None
    event = ActivityEvent.objects.get(verb="feature.merged")
    assert event.payload["moved_demands"] == 2 and event.payload["duplicate_demands"] == 1
    assert notified("feature.merged") == {rep.pk: 1, cs.pk: 1}


def test_a_merged_request_cannot_merge_again_move_or_receive_demand(org, rep, pm):
    a, b, c = feature(rep, "A"), feature(rep, "B"), feature(rep, "C")
    services.merge_feature_request(by=pm, source=a, into=b)
    a.refresh_from_db()
    for call in (
        lambda: services.merge_feature_request(by=pm, source=a, into=c),
        lambda: services.merge_feature_request(by=pm, source=c, into=a),
        lambda: services.change_status(by=pm, feature_request=a, status=S.UNDER_REVIEW),
        lambda: services.raise_demand(
            by=rep,
            feature_request=a,
            company=CompanyFactory(organization=org),
            kind="expansion",
            value=10,
        ),
    ):
        with pytest.raises(IllegalTransition) as error:
            call()
        assert error.value.code == "feature_merged"
    with pytest.raises(IllegalTransition) as error:
        services.merge_feature_request(by=pm, source=b, into=b)
    assert error.value.code == "same_request"
    with pytest.raises(NotAllowed):
        services.merge_feature_request(by=rep, source=c, into=b)


# --- Promise guard -----------------------------------------------------------------------------

PATHS = {
    S.NEW: (),
    S.UNDER_REVIEW: (S.UNDER_REVIEW,),
    S.PLANNED: (S.UNDER_REVIEW, S.PLANNED),
    S.IN_PROGRESS: (S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS),
    S.SHIPPED: (S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS, S.SHIPPED),
    S.DECLINED: (S.DECLINED,),
}


@pytest.mark.parametrize("status", list(PATHS))
def test_the_promise_guard_in_every_status(org, rep, pm, pm2, status):
    request = move(pm, feature(rep), *PATHS[status])
    deal = open_deal(org, rep)
    promise = services.record_promise(by=rep, deal=deal, feature_request=request, note="Q3")
    committed = status in (S.PLANNED, S.IN_PROGRESS, S.SHIPPED)
    assert promise.status == (PromiseStatus.CONFIRMED if committed else PromiseStatus.PENDING)
    # A pending promise asks product to decide; a confirmed one bothers nobody.
    assert notified("promise.recorded") == ({} if committed else {pm.pk: 1, pm2.pk: 1})


def test_a_pending_promise_goes_to_the_requests_owner(org, rep, pm, pm2):
    request = feature(rep)
    services.update_feature_request(by=pm, feature_request=request, data={"owner": pm2})
    services.record_promise(by=rep, deal=open_deal(org, rep), feature_request=request)
    assert notified("promise.recorded") == {pm2.pk: 1}


def test_promise_rules(org, rep, cs, pm):
    request = feature(rep)
    deal = open_deal(org, rep)
    with pytest.raises(NotAllowed):
        services.record_promise(by=cs, deal=deal, feature_request=request)
    services.record_promise(by=rep, deal=deal, feature_request=request)
    with pytest.raises(Conflict) as error:
        services.record_promise(by=rep, deal=deal, feature_request=request)
    assert error.value.code == "duplicate_promise"
    won = open_deal(org, rep)
    deal_services.win_deal(by=rep, deal=won)
    with pytest.raises(IllegalTransition) as error:
        services.record_promise(by=rep, deal=won, feature_request=request)
    assert error.value.code == "deal_closed"


def test_approving_and_declining_tell_the_deal_owner(org, rep, rep2, pm):
    request = feature(rep)
    deal = open_deal(org, rep2)
    first = services.record_promise(by=rep, deal=deal, feature_request=request)
    with pytest.raises(NotAllowed):
        services.approve_promise(by=rep, promise=first)
    first = services.approve_promise(by=pm, promise=first)
    assert first.status == PromiseStatus.CONFIRMED and first.decided_by == pm
    assert notified("promise.approved") == {rep.pk: 1, rep2.pk: 1}
    with pytest.raises(IllegalTransition) as error:
        services.approve_promise(by=pm, promise=first)
    assert error.value.code == "promise_confirmed"

    other = feature(rep, "Audit log")
    second = services.record_promise(by=rep2, deal=deal, feature_request=other)
    with pytest.raises(DomainError) as error:
        services.decline_promise(by=pm, promise=second, reason=" ")
    assert error.value.code == "reason_required"
    second = services.decline_promise(by=pm, promise=second, reason="Not this year.")
    assert second.status == PromiseStatus.DECLINED
    assert second.decline_reason == "Not this year."
    # The deal owner made it: told once.
    assert notified("promise.declined") == {rep2.pk: 1}
    with pytest.raises(IllegalTransition) as error:
        services.decline_promise(by=pm, promise=second, reason="again")
    assert error.value.code == "promise_declined"


@pytest.mark.parametrize(
    ("path", "back_to"),
    [
        ((S.UNDER_REVIEW, S.PLANNED), S.UNDER_REVIEW),
        ((S.UNDER_REVIEW, S.PLANNED), S.DECLINED),
        ((S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS), S.DECLINED),
        ((S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS, S.SHIPPED, S.IN_PROGRESS), S.PLANNED),
    ],
)
def test_declining_or_moving_back_puts_confirmed_promises_at_risk(
    org, rep, rep2, pm, path, back_to
):
    request = move(pm, feature(rep), *path)
    confirmed = services.record_promise(by=rep, deal=open_deal(org, rep2), feature_request=request)
    assert confirmed.status == PromiseStatus.CONFIRMED
    request = move(pm, request, back_to)
    confirmed.refresh_from_db()
    if back_to in (S.PLANNED,):
        # Still committed: nothing is at risk.
        assert confirmed.status == PromiseStatus.CONFIRMED
        assert notified("promise.at_risk") == {}
    else:
        assert confirmed.status == PromiseStatus.AT_RISK
        assert notified("promise.at_risk") == {rep.pk: 1, rep2.pk: 1}


def test_an_at_risk_promise_is_confirmed_again_when_the_request_is_planned_again(org, rep, pm):
    request = move(pm, feature(rep), S.UNDER_REVIEW, S.PLANNED)
    promise = services.record_promise(by=rep, deal=open_deal(org, rep), feature_request=request)
    pending = services.record_promise(
        by=rep, deal=open_deal(org, rep), feature_request=move(pm, request, S.UNDER_REVIEW)
    )
    promise.refresh_from_db()
    assert (promise.status, pending.status) == (PromiseStatus.AT_RISK, PromiseStatus.PENDING)
    move(pm, FeatureRequest.objects.get(pk=request.pk), S.PLANNED)
    promise.refresh_from_db()
    pending.refresh_from_db()
    assert promise.status == PromiseStatus.CONFIRMED
    # A pending promise still waits for product's explicit decision.
    assert pending.status == PromiseStatus.PENDING


# --- Close the loop ----------------------------------------------------------------------------


def test_a_status_change_tells_each_requester_and_deal_owner_exactly_once(
    org, rep, rep2, cs, pm, sales_manager
):
    request = feature(rep)
    company = CompanyFactory(organization=org)
    # rep raises two blocking demands: on his own deal and on rep2's deal.
    own = open_deal(org, rep, company=company)
    theirs = open_deal(org, rep2, value=30000)
    services.raise_demand(
        by=rep, feature_request=request, company=company, deal=own, kind="blocking"
    )
    services.raise_demand(
        by=rep, feature_request=request, company=theirs.company, deal=theirs, kind="blocking"
    )
    # cs raises a retention need twice (two companies).
    for _n in range(2):
        services.raise_demand(
            by=cs, feature_request=request, company=CompanyFactory(organization=org),
            kind="retention", value=100,
        )  # fmt: skip
    # The sales manager's deal is lost for the feature (he owns it; the rep lost it).
    lost = open_deal(org, sales_manager, value=50000)
    deal_services.lose_deal(
        by=rep, deal=lost, reason="missing_feature", feature_requests=[request.pk]
    )
    # A blocking demand on a deal later won: its raiser still hears, its owner no more.
    won_owner = member_of(org, DepartmentKind.SALES, Role.MEMBER)
    won = open_deal(org, won_owner)
    services.raise_demand(
        by=rep2, feature_request=request, company=won.company, deal=won, kind="blocking"
    )
    deal_services.win_deal(by=rep2, deal=won)

    move(pm, FeatureRequest.objects.get(pk=request.pk), S.UNDER_REVIEW)

    assert notified("feature.status_changed") == {
        rep.pk: 1,
        rep2.pk: 1,
        cs.pk: 1,
        sales_manager.pk: 1,
    }
    assert Demand.objects.get(deal=won).outcome == DemandOutcome.WON


def test_shipping_lists_the_blocked_and_lost_deals_to_reengage(org, rep, rep2, pm, sales_manager):
    request = move(pm, feature(rep), S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS)
    waiting = open_deal(org, rep, value=20000)
    services.raise_demand(
        by=rep, feature_request=request, company=waiting.company, deal=waiting, kind="blocking"
    )
    lost = open_deal(org, rep2, value=45000)
    deal_services.lose_deal(
        by=rep2, deal=lost, reason="missing_feature", feature_requests=[request.pk]
    )

    request = move(pm, FeatureRequest.objects.get(pk=request.pk), S.SHIPPED)

    event = ActivityEvent.objects.get(verb="feature.status_changed", payload__to="shipped")
    assert [(row["deal"], row["kind"], row["value"]) for row in event.payload["reengage"]] == [
        (lost.pk, "lost", "45000.00"),
        (waiting.pk, "blocking", "20000.00"),
    ]
    # Before the demands nobody was told; now each of them once.
    assert notified("feature.status_changed", target=request) == {rep.pk: 1, rep2.pk: 1}

    # Re-engaging: a sales manager reopens the lost deal, the feature named in the reason.
    with pytest.raises(NotAllowed):
        services.reengage_deal(by=rep2, deal=lost, feature_request=request)
    reopened = services.reengage_deal(by=sales_manager, deal=lost, feature_request=request)
    assert reopened.stage in (DealStage.QUALIFICATION, DealStage.PROPOSAL, DealStage.NEGOTIATION)
    change = reopened.stage_changes.order_by("-at", "-pk").first()
    assert request.title in change.note
    demand = Demand.objects.get(deal=lost, feature_request=request)
    assert demand.outcome == DemandOutcome.REENGAGED
    with pytest.raises(IllegalTransition) as error:
        services.reengage_deal(by=sales_manager, deal=lost, feature_request=request)
    assert error.value.code == "not_lost_for_feature"


def test_only_a_shipped_feature_reengages(org, rep, pm, sales_manager):
    request = feature(rep)
    lost = open_deal(org, rep)
    deal_services.lose_deal(
        by=rep, deal=lost, reason="missing_feature", feature_requests=[request.pk]
    )
    with pytest.raises(IllegalTransition) as error:
        services.reengage_deal(by=sales_manager, deal=lost, feature_request=request)
    assert error.value.code == "feature_new"


def test_the_shipped_notification_lists_the_deals_to_reengage_with_links_and_values(
    org, rep, rep2, pm, browser_for, mailoutbox, settings
):
    """The lost deal's owner reads which deals to win back, each a link to the deal with its
    value, in the inbox and in the mail."""
    settings.SITE_URL = "http://hub.example.test"
    rep2.email_notifications = True
    rep2.save()
    request = move(pm, feature(rep), S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS)
    lost = open_deal(org, rep2, value=45000)
    deal_services.lose_deal(
        by=rep2, deal=lost, reason="missing_feature", feature_requests=[request.pk]
    )

    move(pm, FeatureRequest.objects.get(pk=request.pk), S.SHIPPED)

    inbox = browser_for(rep2).get("/notifications/").content.decode()
    assert f'href="/deals/{lost.pk}/"' in inbox
    assert f"{lost.name} ({lost.company.name})" in inbox
    assert "45,000.00" in inbox or "45 000,00" in inbox
    from collab_hub.notifications.delivery import email_notifications

    event = ActivityEvent.objects.get(verb="feature.status_changed", payload__to="shipped")
    email_notifications(event_id=event.pk)  # what the task does after the commit
    (mail,) = [m for m in mailoutbox if m.to == [rep2.user.email]]
    assert f"{lost.name} ({lost.company.name})" in mail.body
    assert f"http://hub.example.test/deals/{lost.pk}/" in mail.body


@pytest.mark.parametrize("size", [3, 30])
def test_merging_writes_demands_in_a_fixed_number_of_statements(
    org, rep, pm, size, django_assert_max_num_queries
):
    """Moving a request's demands is two UPDATEs, however many demands it has."""
    source, into = feature(rep, "SSO"), feature(rep, "Single sign-on")
    for _ in range(size):
        deal = open_deal(org, rep)
        services.raise_demand(
            by=rep, feature_request=source, company=deal.company, deal=deal, kind="blocking"
        )

    with django_assert_max_num_queries(25):
        services.merge_feature_request(by=pm, source=source, into=into)

    assert Demand.objects.filter(feature_request=into, ended_at__isnull=True).count() == size
