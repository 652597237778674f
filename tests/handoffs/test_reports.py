"""The surprise rate and the upsell conversion against a hand-built data set: every figure is
written out, worked by hand from the rows below (``handoffs.selectors.reports`` defines them).

Handoffs (organization in Europe/Warsaw; period 1 Sep – 1 Nov 2026):

======  =====  ======================  ===========  ================
handoff owner  accepted at (UTC)       status       discrepancies
======  =====  ======================  ===========  ================
H1      Sam    2026-09-10 12:00        accepted     0
H2      Sam    2026-09-20 09:00        live         1 (resolved)
H3      Sue    2026-09-30 22:30 (Oct!) onboarding   2
H4      Sue    2026-10-15 08:00        accepted     1
======  =====  ======================  ===========  ================

H3 is 1 October at 00:30 in Warsaw: it counts in October. Outside: one accepted before the
period, one submitted (not accepted), one of another organization.

Signals (raised in the period): S1 Cara → accepted, deal of Sam won 10 000 at 30 % CS;
S2 Cara → accepted, deal of Sue won 20 000 at 50 %; S3 Carl → accepted, deal of Sam open
5 000; S4 Carl → dismissed (routed to Sam); S5 Cara → open (routed to Sue). Times to accept:
2 days, 4 days, 1 day → median 2 days.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from handoffs.selectors import reports
from tests.factories import (
    DealFactory,
    DiscrepancyFactory,
    HandoffFactory,
    UpsellSignalFactory,
)

pytestmark = pytest.mark.django_db

START, END = date(2026, 9, 1), date(2026, 11, 1)


def at(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def warsaw(org):
    org.timezone = "Europe/Warsaw"
    org.save(update_fields=["timezone"])
    return org


def handoff(org, owner, accepted_at, status="accepted", discrepancies=0, resolved=False):
    row = HandoffFactory(
        organization=org, sales_owner=owner, status=status, accepted_at=accepted_at
    )
    for _ in range(discrepancies):
        DiscrepancyFactory(organization=org, handoff=row, resolved=resolved)
    return row


@pytest.fixture
def handoffs(warsaw, other_org, rep, rep2):
    handoff(warsaw, rep, at(2026, 9, 10, 12))
    handoff(warsaw, rep, at(2026, 9, 20, 9), status="live", discrepancies=1, resolved=True)
    handoff(warsaw, rep2, at(2026, 9, 30, 22, 30), status="onboarding", discrepancies=2)
    handoff(warsaw, rep2, at(2026, 10, 15, 8), discrepancies=1)
    # Not counted: accepted before the period, never accepted, another organization.
    handoff(warsaw, rep, at(2026, 8, 31, 12), discrepancies=1)
    handoff(warsaw, rep, None, status="submitted", discrepancies=1)
    handoff(other_org, None, at(2026, 9, 15), discrepancies=1)


def test_surprise_rate_overall_per_sales_owner_and_per_month(handoffs, warsaw, rep, rep2):
    report = reports.surprise_rate(organization_id=warsaw.pk, start=START, end=END)

    assert (report.accepted, report.with_discrepancy, report.rate) == (4, 3, 75.0)
    assert sorted(
        (row.sales_owner, row.name, row.accepted, row.with_discrepancy, row.rate)
        for row in report.by_sales_owner
    ) == [
        (rep.pk, rep.user.display_name, 2, 1, 50.0),
        (rep2.pk, rep2.user.display_name, 2, 2, 100.0),
    ]
    assert {row.sales_owner: row.rate for row in report.by_sales_owner} == {
        rep.pk: 50.0,
        rep2.pk: 100.0,
    }
    assert [
        (row.month, row.accepted, row.with_discrepancy, row.rate) for row in report.by_month
    ] == [
        (date(2026, 9, 1), 2, 1, 50.0),
        (date(2026, 10, 1), 2, 2, 100.0),
    ]


def test_surprise_rate_of_an_empty_period_is_none_with_empty_months(handoffs, warsaw):
    report = reports.surprise_rate(
        organization_id=warsaw.pk, start=date(2026, 1, 1), end=date(2026, 3, 1)
    )

    assert (report.accepted, report.with_discrepancy, report.rate) == (0, 0, None)
    assert report.by_sales_owner == []
    assert [(row.month, row.accepted, row.rate) for row in report.by_month] == [
        (date(2026, 1, 1), 0, None),
        (date(2026, 2, 1), 0, None),
    ]


def test_surprise_rate_is_a_fixed_number_of_queries(
    handoffs, warsaw, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        reports.surprise_rate(organization_id=warsaw.pk, start=START, end=END)


def signal(
    org, by, created_at, *, status="open", routed_to=None, deal=None, cs_percent=None, waited=None
):
    return UpsellSignalFactory(
        organization=org,
        raised_by=by,
        routed_to=routed_to,
        status=status,
        deal=deal,
        cs_credit_percent=cs_percent,
        created_at=created_at,
        answered_at=created_at + waited if waited else None,
    )


@pytest.fixture
def signals(warsaw, other_org, rep, rep2, cs, cs2):
    won = {"stage": "won", "kind": "expansion", "source": "cs"}
    signal(
        warsaw,
        cs,
        at(2026, 9, 1, 10),
        status="accepted",
        routed_to=rep,
        deal=DealFactory(organization=warsaw, owner=rep, value=10000, **won),
        cs_percent=Decimal("30"),
        waited=timedelta(days=2),
    )
    signal(
        warsaw,
        cs,
        at(2026, 9, 5, 10),
        status="accepted",
        routed_to=rep,
        deal=DealFactory(organization=warsaw, owner=rep2, value=20000, **won),
        cs_percent=Decimal("50"),
        waited=timedelta(days=4),
    )
    signal(
        warsaw,
        cs2,
        at(2026, 9, 8, 10),
        status="accepted",
        routed_to=rep,
        deal=DealFactory(organization=warsaw, owner=rep, value=5000, kind="expansion"),
        cs_percent=Decimal("30"),
        waited=timedelta(days=1),
    )
    signal(
        warsaw, cs2, at(2026, 10, 2), status="dismissed", routed_to=rep, waited=timedelta(hours=3)
    )
    signal(warsaw, cs, at(2026, 10, 20), routed_to=rep2)
    # Not counted: raised before the period, another organization's.
    signal(
        warsaw,
        cs,
        at(2026, 8, 1),
        status="accepted",
        routed_to=rep,
        deal=DealFactory(organization=warsaw, owner=rep, value=99000, **won),
        cs_percent=Decimal("30"),
        waited=timedelta(days=9),
    )
    signal(other_org, None, at(2026, 9, 10))


def test_upsell_conversion_overall(signals, warsaw):
    report = reports.upsell_conversion(organization_id=warsaw.pk, start=START, end=END)

    assert (report.raised, report.accepted, report.dismissed, report.open, report.won) == (
        5,
        3,
        1,
        1,
        2,
    )
    assert report.value_won == Decimal("30000.00")
    assert report.acceptance_rate == 60.0
    assert report.win_rate == 66.7
    assert report.median_seconds_to_accept == 2 * 86400
    assert report.median_days_to_accept == 2.0


def test_upsell_conversion_per_cs_member_and_sales_owner_with_credited_value(
    signals, warsaw, rep, rep2, cs, cs2
):
    report = reports.upsell_conversion(organization_id=warsaw.pk, start=START, end=END)

    by_cs = {
        row.membership: (
            row.raised,
            row.accepted,
            row.dismissed,
            row.open,
            row.won,
            row.value_won,
            row.credited_value_won,
        )
        for row in report.by_cs_member
    }
    assert by_cs == {
        # 10 000 × 30 % + 20 000 × 50 %
        cs.pk: (3, 2, 0, 1, 2, Decimal("30000.00"), Decimal("13000.00")),
        cs2.pk: (2, 1, 1, 0, 0, Decimal("0.00"), Decimal("0.00")),
    }
    assert [row.membership for row in report.by_cs_member] == [cs.pk, cs2.pk]
    assert report.by_cs_member[0].name == cs.user.display_name
    by_sales = {
        row.membership: (
            row.raised,
            row.accepted,
            row.dismissed,
            row.open,
            row.won,
            row.value_won,
            row.credited_value_won,
        )
        for row in report.by_sales_owner
    }
    assert by_sales == {
        # S1, S3 (deals of Sam) and S4 (routed to Sam); 10 000 × 70 %
        rep.pk: (3, 2, 1, 0, 1, Decimal("10000.00"), Decimal("7000.00")),
        # S2 (deal of Sue, though routed to Sam) and S5 (routed to Sue); 20 000 × 50 %
        rep2.pk: (2, 1, 0, 1, 1, Decimal("20000.00"), Decimal("10000.00")),
    }
    assert [row.membership for row in report.by_sales_owner] == [rep2.pk, rep.pk]


def test_upsell_conversion_of_an_empty_period(signals, warsaw):
    report = reports.upsell_conversion(
        organization_id=warsaw.pk, start=date(2025, 1, 1), end=date(2025, 2, 1)
    )

    assert (report.raised, report.won, report.value_won) == (0, 0, Decimal("0"))
    assert report.acceptance_rate is None and report.win_rate is None
    assert report.median_seconds_to_accept is None
    assert report.by_cs_member == [] and report.by_sales_owner == []


def test_upsell_conversion_is_a_fixed_number_of_queries(
    signals, warsaw, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        reports.upsell_conversion(organization_id=warsaw.pk, start=START, end=END)
