"""Upsell signals: routed to the customer's sales owner (else the sales managers), accepted
into an expansion deal with a credit split, dismissed with a reason, and reported to the
sales managers once when left unanswered."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.models import ActivityEvent, Notification
from handoffs.models import HandoffSettings, UpsellSignal, UpsellStatus
from handoffs.services import upsell
from leads.models import Deal, DealKind, DealSource, DealStage
from tests.factories import CompanyFactory, DealFactory, UpsellSignalFactory, member_of

pytestmark = pytest.mark.django_db


def events(verb: str, target=None):
    qs = ActivityEvent.objects.filter(verb=verb)
    if target is not None:
        qs = qs.filter(target_id=target.pk)
    return qs


def notified(verb: str, target=None) -> set[int]:
    return set(
        Notification.objects.filter(event__in=events(verb, target)).values_list(
            "recipient_id", flat=True
        )
    )


def won(org, company, owner, *, days_ago: int):
    return DealFactory(
        organization=org,
        company=company,
        owner=owner,
        stage=DealStage.WON,
        closed_at=timezone.now() - timedelta(days=days_ago),
    )


def raise_signal(cs, company, **fields):
    return upsell.raise_signal(
        by=cs,
        company=company,
        **{"kind": "seats", "estimated_value": "12000", "confidence": "high", **fields},
    )


@pytest.fixture
def company(org):
    return CompanyFactory(organization=org, name="Initech")


@pytest.fixture
def sales_manager2(org):
    # "amy" sorts before "max": the first sales manager.
    return member_of(org, DepartmentKind.SALES, Role.MANAGER, email="amy@acme.test")


# --- Routing ---------------------------------------------------------------------------------


def test_a_signal_goes_to_the_owner_of_the_customers_most_recent_won_deal(
    org, company, cs, rep, rep2, sales_manager
):
    won(org, company, rep, days_ago=30)
    won(org, company, rep2, days_ago=3)
    # Newer, but not won: an open or lost deal does not make its owner the sales owner.
    DealFactory(organization=org, company=company, owner=rep)

    signal = raise_signal(cs, company, note="They hire 40 people in Q2.")

    assert (signal.routed_to, signal.raised_by, signal.status) == (rep2, cs, UpsellStatus.OPEN)
    assert signal.estimated_value == Decimal("12000.00")
    assert notified("upsell.raised") == {rep2.pk}
    assert events("upsell.raised").get().payload["routed_to"] == rep2.pk


def test_an_owner_who_left_sends_the_signal_to_the_first_sales_manager_and_tells_them_all(
    org, company, cs, rep, rep2, sales_manager, sales_manager2
):
    won(org, company, rep, days_ago=30)
    won(org, company, rep2, days_ago=3)
    rep2.is_active = False
    rep2.save()

    signal = raise_signal(cs, company)

    # Not the owner of an older win: the managers decide who takes it.
    assert signal.routed_to == sales_manager2
    assert notified("upsell.raised") == {sales_manager.pk, sales_manager2.pk}


def test_an_owner_outside_sales_sends_the_signal_to_the_sales_managers(
    org, company, cs, sales_manager
):
    product_admin = member_of(org, DepartmentKind.PRODUCT, Role.ADMIN, email="pia@acme.test")
    won(org, company, product_admin, days_ago=1)

    signal = raise_signal(cs, company)

    assert signal.routed_to == sales_manager
    assert notified("upsell.raised") == {sales_manager.pk}


def test_a_customer_without_a_won_deal_goes_to_the_sales_managers(
    org, company, cs, rep, sales_manager
):
    DealFactory(organization=org, company=company, owner=rep, stage=DealStage.NEGOTIATION)
    signal = raise_signal(cs, company)
    assert signal.routed_to == sales_manager
    assert notified("upsell.raised") == {sales_manager.pk}


def test_without_sales_managers_the_admins_get_the_signal(org, company, cs, alice):
    signal = raise_signal(cs, company)
    assert signal.routed_to == alice
    assert notified("upsell.raised") == {alice.pk}


def test_routing_reads_only_the_customers_own_deals(org, company, cs, rep, rep2, sales_manager):
    won(org, CompanyFactory(organization=org), rep2, days_ago=1)
    won(org, company, rep, days_ago=10)
    assert raise_signal(cs, company).routed_to == rep


# --- Raising ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "discount"}, "invalid_kind"),
        ({"confidence": "certain"}, "invalid_confidence"),
        ({"estimated_value": "-1"}, "invalid_estimated_value"),
        ({"estimated_value": "abc"}, "invalid_estimated_value"),
        ({"estimated_value": "NaN"}, "invalid_estimated_value"),
        ({"estimated_value": "1e20"}, "invalid_estimated_value"),
        ({"note": "x" * 5001}, "invalid_note"),
    ],
)
def test_a_signal_with_bad_input_is_a_400_and_stores_nothing(company, cs, fields, code):
    with pytest.raises(DomainError) as error:
        raise_signal(cs, company, **fields)
    assert (error.value.status_code, error.value.code) == (400, code)
    assert not UpsellSignal.objects.exists()


def test_only_cs_raises_signals(company, rep, sales_manager, cs_manager, alice):
    with pytest.raises(NotAllowed):
        raise_signal(rep, company)
    with pytest.raises(NotAllowed):
        raise_signal(sales_manager, company)
    assert raise_signal(cs_manager, company).raised_by == cs_manager
    assert raise_signal(alice, company).raised_by == alice


def test_a_signal_about_another_organizations_company_is_refused(other_org, cs):
    with pytest.raises(NotAllowed):
        raise_signal(cs, CompanyFactory(organization=other_org))


# --- Accepting: the expansion deal and its credit split ------------------------------------


@pytest.fixture
def signal(org, company, cs, rep, sales_manager):
    won(org, company, rep, days_ago=5)
    return raise_signal(cs, company, estimated_value="18000.50")


def test_accepting_opens_an_expansion_deal_from_cs_owned_by_the_accepter(signal, sales_manager, cs):
    signal = upsell.accept_signal(by=sales_manager, signal=signal)

    deal = Deal.objects.get(pk=signal.deal_id)
    assert (deal.kind, deal.source, deal.owner, deal.value, deal.company) == (
        DealKind.EXPANSION,
        DealSource.CS,
        sales_manager,
        Decimal("18000.50"),
        signal.company,
    )
    assert deal.stage == DealStage.QUALIFICATION
    assert deal.upsell_signal == signal
    assert "Initech" in deal.name
    signal.refresh_from_db()
    assert (signal.status, signal.answered_by, signal.cs_credit_percent) == (
        UpsellStatus.ACCEPTED,
        sales_manager,
        Decimal("30.00"),
    )
    assert signal.answered_at is not None
    assert notified("upsell.accepted") == {cs.pk}
    assert events("upsell.accepted").get().payload == {
        "deal": deal.pk,
        "cs_credit_percent": "30.00",
    }


def test_accepting_takes_the_given_value_name_and_split(signal, rep):
    signal = upsell.accept_signal(
        by=rep, signal=signal, name="Initech — 40 seats", value="25000", cs_credit_percent="45"
    )
    deal = signal.deal
    assert (deal.name, deal.value, deal.owner) == ("Initech — 40 seats", Decimal("25000"), rep)
    assert signal.cs_credit_percent == Decimal("45.00")


def test_the_default_split_is_the_organizations(org, signal, rep):
    HandoffSettings.objects.update_or_create(
        organization=org, defaults={"cs_credit_percent": Decimal("50")}
    )
    assert upsell.accept_signal(by=rep, signal=signal).cs_credit_percent == Decimal("50.00")


@pytest.mark.parametrize("percent", ["-1", "101", "abc", True, "Infinity", [30]])
def test_a_split_out_of_bounds_is_a_400_and_opens_no_deal(signal, rep, percent):
    with pytest.raises(DomainError) as error:
        upsell.accept_signal(by=rep, signal=signal, cs_credit_percent=percent)
    assert (error.value.status_code, error.value.code) == (400, "invalid_cs_credit_percent")
    signal.refresh_from_db()
    assert (signal.status, signal.deal) == (UpsellStatus.OPEN, None)
    assert not Deal.objects.filter(kind=DealKind.EXPANSION).exists()


@pytest.mark.parametrize("percent", ["0", "100", "33.33"])
def test_the_bounds_of_the_split_are_allowed(signal, rep, percent):
    signal = upsell.accept_signal(by=rep, signal=signal, cs_credit_percent=percent)
    assert signal.cs_credit_percent == Decimal(percent)


@pytest.mark.parametrize("value", ["-5", "abc", "1e20", "NaN", True])
def test_a_deal_value_out_of_bounds_is_a_400_and_opens_no_deal(signal, rep, value):
    with pytest.raises(DomainError) as error:
        upsell.accept_signal(by=rep, signal=signal, value=value)
    assert (error.value.status_code, error.value.code) == (400, "invalid_value")
    signal.refresh_from_db()
    assert signal.status == UpsellStatus.OPEN
    assert not Deal.objects.filter(kind=DealKind.EXPANSION).exists()


def test_the_split_is_edited_on_an_accepted_signal_and_each_change_recorded(signal, rep, cs):
    signal = upsell.accept_signal(by=rep, signal=signal)

    signal = upsell.set_credit_split(by=rep, signal=signal, cs_credit_percent="60")

    signal.refresh_from_db()
    assert signal.cs_credit_percent == Decimal("60.00")
    event = events("upsell.credit_changed").get()
    assert event.payload == {"cs_credit_percent": ["30.00", "60.00"]}
    assert notified("upsell.credit_changed") == {cs.pk}
    # The same share again changes nothing.
    upsell.set_credit_split(by=rep, signal=signal, cs_credit_percent="60.00")
    assert events("upsell.credit_changed").count() == 1
    for percent in ("-0.01", "100.01", "abc", True):
        with pytest.raises(DomainError) as error:
            upsell.set_credit_split(by=rep, signal=signal, cs_credit_percent=percent)
        assert error.value.code == "invalid_cs_credit_percent"
    assert UpsellSignal.objects.get(pk=signal.pk).cs_credit_percent == Decimal("60.00")


def test_the_split_of_a_signal_without_a_deal_is_a_409(signal, rep, company, cs):
    with pytest.raises(IllegalTransition) as error:
        upsell.set_credit_split(by=rep, signal=signal, cs_credit_percent="50")
    assert error.value.code == "upsell_open"
    dismissed = upsell.dismiss_signal(by=rep, signal=raise_signal(cs, company), reason="No.")
    with pytest.raises(IllegalTransition) as error:
        upsell.set_credit_split(by=rep, signal=dismissed, cs_credit_percent="50")
    assert error.value.code == "upsell_dismissed"


def test_cs_cannot_change_the_split(signal, rep, cs):
    signal = upsell.accept_signal(by=rep, signal=signal)
    with pytest.raises(NotAllowed):
        upsell.set_credit_split(by=cs, signal=signal, cs_credit_percent="90")


# --- Dismissing, and answering once --------------------------------------------------------


def test_dismissing_needs_a_reason_and_tells_the_cs_member(signal, rep, cs):
    with pytest.raises(DomainError) as error:
        upsell.dismiss_signal(by=rep, signal=signal, reason="  ")
    assert error.value.code == "reason_required"

    signal = upsell.dismiss_signal(by=rep, signal=signal, reason="Vendor freeze this year.")

    assert (signal.status, signal.dismiss_reason, signal.deal) == (
        UpsellStatus.DISMISSED,
        "Vendor freeze this year.",
        None,
    )
    assert notified("upsell.dismissed") == {cs.pk}


@pytest.mark.parametrize(
    ("first", "then", "code"),
    [
        ("accept", "accept", "upsell_accepted"),
        ("accept", "dismiss", "upsell_accepted"),
        ("dismiss", "accept", "upsell_dismissed"),
        ("dismiss", "dismiss", "upsell_dismissed"),
    ],
)
def test_a_signal_is_answered_once(signal, rep, first, then, code):
    def answer(how):
        if how == "accept":
            return upsell.accept_signal(by=rep, signal=signal)
        return upsell.dismiss_signal(by=rep, signal=signal, reason="No budget.")

    answer(first)
    with pytest.raises(IllegalTransition) as error:
        answer(then)
    assert error.value.code == code
    assert Deal.objects.filter(kind=DealKind.EXPANSION).count() == (first == "accept")


def test_only_sales_answers_signals(signal, cs, cs_manager, alice):
    for outsider in (cs, cs_manager):
        with pytest.raises(NotAllowed):
            upsell.accept_signal(by=outsider, signal=signal)
        with pytest.raises(NotAllowed):
            upsell.dismiss_signal(by=outsider, signal=signal, reason="Mine.")
    assert upsell.accept_signal(by=alice, signal=signal).deal.owner == alice


# --- Unanswered signals --------------------------------------------------------------------


def old_signal(org, *, days: float, **fields):
    return UpsellSignalFactory(
        organization=org, created_at=timezone.now() - timedelta(days=days), **fields
    )


def digests(member) -> list[set[int]]:
    return [
        {item["id"] for item in n.event.payload["signals"]}
        for n in Notification.objects.filter(
            recipient=member, event__verb="upsell.unanswered_digest"
        )
    ]


def test_signals_past_the_organizations_window_are_reported_once_to_the_sales_managers(
    org, other_org, rep, sales_manager, sales_manager2
):
    HandoffSettings.objects.update_or_create(organization=org, defaults={"upsell_response_days": 3})
    due = [old_signal(org, days=4, routed_to=rep), old_signal(org, days=10)]
    old_signal(org, days=2)  # within the window
    old_signal(org, days=9, status=UpsellStatus.ACCEPTED)
    old_signal(org, days=9, status=UpsellStatus.DISMISSED, dismiss_reason="No.")
    theirs_manager = member_of(other_org, DepartmentKind.SALES, Role.MANAGER)
    theirs_due = old_signal(other_org, days=6)  # their window is the default, 5 days
    old_signal(other_org, days=4)

    assert upsell.flag_unanswered_signals() == 3
    assert upsell.flag_unanswered_signals() == 0

    assert digests(sales_manager) == [{s.pk for s in due}]
    assert digests(sales_manager2) == [{s.pk for s in due}]
    assert digests(theirs_manager) == [{theirs_due.pk}]
    # The routed rep hears nothing more: the managers decide.
    assert not Notification.objects.filter(recipient=rep).exists()
    flagged = events("upsell.unanswered")
    assert sorted(flagged.values_list("target_id", flat=True)) == sorted(
        s.pk for s in [*due, theirs_due]
    )
    assert not Notification.objects.filter(event__in=flagged).exists()
    assert UpsellSignal.objects.filter(overdue_notified_at__isnull=False).count() == 3


def test_a_signal_answered_in_time_is_never_reported(org, rep, sales_manager):
    signal = old_signal(org, days=1)
    upsell.dismiss_signal(by=rep, signal=signal, reason="No.")
    later = timezone.now() + timedelta(days=30)
    assert upsell.flag_unanswered_signals(now=later) == 0


def test_each_run_reports_only_the_signals_that_just_became_unanswered(org, sales_manager):
    first = old_signal(org, days=6)
    second = old_signal(org, days=4)
    assert upsell.flag_unanswered_signals() == 1
    assert upsell.flag_unanswered_signals(now=timezone.now() + timedelta(days=2)) == 1
    assert sorted(map(sorted, digests(sales_manager))) == [[first.pk], [second.pk]]


def test_a_long_window_elsewhere_never_holds_back_due_signals(
    org, other_org, sales_manager, monkeypatch
):
    monkeypatch.setattr(upsell, "OVERDUE_BATCH", 2)
    HandoffSettings.objects.create(organization=other_org, upsell_response_days=365)
    for _ in range(10):
        old_signal(other_org, days=30)  # older, but within their window
    due = old_signal(org, days=6)

    assert upsell.flag_unanswered_signals() == 1
    assert digests(sales_manager) == [{due.pk}]


def test_the_unanswered_job_costs_the_same_queries_for_many_signals(
    org, sales_manager, django_assert_max_num_queries
):
    for _ in range(3):
        old_signal(org, days=9)
    with django_assert_max_num_queries(12) as few:
        upsell.flag_unanswered_signals()
    for _ in range(30):
        old_signal(org, days=9)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert upsell.flag_unanswered_signals() == 30
