"""The lead-quality report and the SLA scorecard: every figure against a hand-built data set,
range boundaries, constant query counts, and the API's validation and access rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import DepartmentKind, Role
from leads.models import DealStage, LeadStatus
from leads.selectors.reports import lead_quality_report, sla_scorecard, split_totals
from tests.factories import (
    CampaignFactory,
    DealFactory,
    LeadFactory,
    TierFactory,
    member_of,
)

MARCH = (date(2026, 3, 1), date(2026, 4, 1))
NO_REASONS = {
    "not_icp": 0,
    "no_budget": 0,
    "no_authority": 0,
    "bad_timing": 0,
    "duplicate": 0,
    "bad_contact_data": 0,
    "competitor": 0,
    "other": 0,
}


def at(day: int, hour: int = 9, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def reasons(**counts: int) -> dict[str, int]:
    return {**NO_REASONS, **counts}


def answered(org, *, created, response_hours, reason="", won=None, lost=None, **fields):
    """A lead qualified at ``created`` + 1 h and answered ``response_hours`` later."""
    qualified = created + hours(1)
    deal = None
    if won is not None:
        deal = DealFactory(organization=org, stage=DealStage.WON, value=won)
    if lost is not None:
        deal = DealFactory(organization=org, stage=DealStage.LOST, value=lost, lost_reason="price")
    status = LeadStatus.REJECTED if reason else LeadStatus.ACCEPTED
    if deal is not None:
        status = LeadStatus.CONVERTED
    return LeadFactory(
        organization=org,
        created_at=created,
        qualified_at=qualified,
        sla_due_at=qualified + hours(24),
        responded_at=qualified + hours(response_hours),
        rejection_reason=reason,
        status=status,
        deal=deal,
        **fields,
    )


@pytest.fixture
def quality_data(org, other_org):
    """Eight leads created in March 2026, three around the range's edges, one elsewhere.

    website: L1 (C1, 2 h, won 10 000), L2 (C1, 4 h, rejected not_icp, breached),
             L3 (new, no campaign), L11 (new, created exactly at the start)
    paid:    L4 (C2, 1 h, won 5 000), L5 (C2, 5 h, rejected no_budget),
             L6 (C2, MQL never answered, breached), L7 (C1, 8 h, converted, deal lost)
    """
    c1 = CampaignFactory(organization=org, name="Spring webinar", cost=Decimal("3000.00"))
    c2 = CampaignFactory(organization=org, name="Paid search Q1", cost=Decimal("1000.00"))
    c3 = CampaignFactory(organization=org, name="Winter", cost=Decimal("500.00"))
    answered(org, created=at(2), response_hours=2, won=10000, source="website", campaign=c1)
    answered(
        org,
        created=at(3),
        response_hours=4,
        reason="not_icp",
        sla_breached_at=at(4, 12),
        source="website",
        campaign=c1,
    )
    LeadFactory(organization=org, created_at=at(5), source="website")
    LeadFactory(organization=org, created_at=at(1, 0), source="website")
    answered(org, created=at(6), response_hours=1, won=5000, source="paid", campaign=c2)
    answered(org, created=at(7), response_hours=5, reason="no_budget", source="paid", campaign=c2)
    LeadFactory(
        organization=org,
        created_at=at(8),
        qualified_at=at(8, 10),
        sla_due_at=at(9, 10),
        sla_breached_at=at(9, 11),
        status=LeadStatus.MQL,
        source="paid",
        campaign=c2,
    )
    answered(org, created=at(31, 23), response_hours=8, lost=7000, source="paid", campaign=c1)
    # Outside the range: a second before it starts, exactly at its end, another organization.
    LeadFactory(
        organization=org,
        created_at=datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC),
        source="website",
        campaign=c3,
    )
    answered(org, created=at(1, 0, month=4), response_hours=3, source="paid", campaign=c2)
    answered(other_org, created=at(10), response_hours=3, won=99999, source="website")
    return {"c1": c1, "c2": c2}


def by_key(rows):
    return {row["key"]: row for row in rows}


def test_report_per_source_matches_the_hand_built_data(org, quality_data):
    rows, totals = split_totals(
        lead_quality_report(organization=org, start=MARCH[0], end=MARCH[1], group_by="source")
    )
    assert [row["key"] for row in rows] == ["paid", "website"]
    website, paid = by_key(rows)["website"], by_key(rows)["paid"]
    assert website == website | {
        "label": "Website form",
        "leads": 4,
        "mqls": 2,
        "accepted": 1,
        "accepted_rate": 50.0,
        "rejected": 1,
        "rejection_reasons": reasons(not_icp=1),
        "converted": 1,
        "won": 1,
        "won_rate": 25.0,
        "revenue_won": Decimal("10000"),
        "cost": Decimal("3000.00"),
        "cost_per_won": Decimal("3000.00"),
        "median_response_seconds": 3 * 3600,
        "breached": 1,
        "sla_breach_rate": 50.0,
        "is_total": False,
    }
    # C1 has leads in both sources: its cost counts fully in each (3 000 + 1 000 for paid).
    assert paid == paid | {
        "label": "Paid ads",
        "leads": 4,
        "mqls": 4,
        "accepted": 2,
        "accepted_rate": 50.0,
        "rejected": 1,
        "rejection_reasons": reasons(no_budget=1),
        "converted": 2,
        "won": 1,
        "won_rate": 25.0,
        "revenue_won": Decimal("5000"),
        "cost": Decimal("4000.00"),
        "cost_per_won": Decimal("4000.00"),
        "median_response_seconds": 5 * 3600,
        "breached": 1,
        "sla_breach_rate": 25.0,
    }
    assert totals == totals | {
        "is_total": True,
        "leads": 8,
        "mqls": 6,
        "accepted": 3,
        "accepted_rate": 50.0,
        "rejected": 2,
        "rejection_reasons": reasons(not_icp=1, no_budget=1),
        "converted": 3,
        "won": 2,
        "won_rate": 25.0,
        "revenue_won": Decimal("15000"),
        # Each campaign once: C1 3 000 + C2 1 000 (C3's lead is outside the range).
        "cost": Decimal("4000.00"),
        "cost_per_won": Decimal("2000.00"),
        # Response times 2, 4, 1, 5, 8 hours.
        "median_response_seconds": 4 * 3600,
        "median_response_hours": 4.0,
        "breached": 2,
        "sla_breach_rate": 33.3,
    }


def test_report_per_campaign_matches_the_hand_built_data(org, quality_data):
    rows, totals = split_totals(
        lead_quality_report(organization=org, start=MARCH[0], end=MARCH[1], group_by="campaign")
    )
    c1, c2 = quality_data["c1"].pk, quality_data["c2"].pk
    # Most leads first, then by name; leads without a campaign are a row of their own.
    assert [row["key"] for row in rows] == [c2, c1, None]
    rows = by_key(rows)
    assert rows[c1] == rows[c1] | {
        "label": "Spring webinar",
        "campaign": c1,
        "leads": 3,
        "mqls": 3,
        "accepted": 2,
        "accepted_rate": 66.7,
        "rejected": 1,
        "rejection_reasons": reasons(not_icp=1),
        "converted": 2,
        "won": 1,
        "won_rate": 33.3,
        "revenue_won": Decimal("10000"),
        "cost": Decimal("3000.00"),
        "cost_per_won": Decimal("3000.00"),
        "median_response_seconds": 4 * 3600,
        "breached": 1,
        "sla_breach_rate": 33.3,
    }
    # An even number of answers: the median is the mean of the middle two (1 h and 5 h).
    assert rows[c2] == rows[c2] | {
        "label": "Paid search Q1",
        "leads": 3,
        "mqls": 3,
        "accepted": 1,
        "accepted_rate": 33.3,
        "rejected": 1,
        "rejection_reasons": reasons(no_budget=1),
        "converted": 1,
        "won": 1,
        "won_rate": 33.3,
        "revenue_won": Decimal("5000"),
        "cost": Decimal("1000.00"),
        "cost_per_won": Decimal("1000.00"),
        "median_response_seconds": 3 * 3600,
        "breached": 1,
        "sla_breach_rate": 33.3,
    }
    assert rows[None] == rows[None] | {
        "label": "No campaign",
        "leads": 2,
        "mqls": 0,
        "accepted": 0,
        "accepted_rate": None,
        "won": 0,
        "won_rate": 0.0,
        "revenue_won": Decimal("0"),
        "cost": None,
        "cost_per_won": None,
        "median_response_seconds": None,
        "sla_breach_rate": None,
    }
    assert (totals["leads"], totals["won"], totals["cost"], totals["cost_per_won"]) == (
        8,
        2,
        Decimal("4000.00"),
        Decimal("2000.00"),
    )
    assert totals["median_response_seconds"] == 4 * 3600


def test_range_includes_its_first_instant_and_excludes_its_end(org, quality_data):
    rows, totals = split_totals(
        lead_quality_report(organization=org, start=date(2026, 3, 2), end=date(2026, 3, 3))
    )
    # Only L1 (2 March 09:00); L11 at 1 March 00:00 and L2 on 3 March fall outside.
    assert totals["leads"] == 1
    assert rows[0]["key"] == "website"
    april = lead_quality_report(organization=org, start=date(2026, 4, 1), end=date(2026, 4, 2))
    assert april[-1]["leads"] == 1
    february = lead_quality_report(organization=org, start=date(2026, 2, 28), end=date(2026, 3, 1))
    assert february[-1]["leads"] == 1


def test_days_start_at_midnight_in_the_organizations_time_zone(org):
    org.timezone = "Europe/Warsaw"
    org.save()
    # 23:30 UTC on 1 March is already 2 March in Warsaw.
    LeadFactory(organization=org, created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    first = lead_quality_report(organization=org, start=date(2026, 3, 1), end=date(2026, 3, 2))
    second = lead_quality_report(organization=org, start=date(2026, 3, 2), end=date(2026, 3, 3))
    assert (first[-1]["leads"], second[-1]["leads"]) == (0, 1)


def test_an_empty_range_has_only_a_zero_totals_row(org):
    report = lead_quality_report(organization=org, start=MARCH[0], end=MARCH[1])
    assert len(report) == 1
    assert report[0]["is_total"] and report[0]["leads"] == 0
    assert report[0]["accepted_rate"] is None and report[0]["cost_per_won"] is None


def _report_queries(org, count: int, group_by: str) -> int:
    for index in range(count):
        campaign = CampaignFactory(organization=org)
        answered(
            org,
            created=at(1 + index % 28),
            response_hours=1 + index,
            won=1000 if index % 2 else None,
            source=("website", "paid", "event")[index % 3],
            campaign=campaign,
        )
    with CaptureQueriesContext(connection) as queries:
        lead_quality_report(organization=org, start=MARCH[0], end=MARCH[1], group_by=group_by)
    return len(queries)


@pytest.mark.parametrize("group_by", ["source", "campaign"])
def test_report_query_count_does_not_grow_with_rows(org, other_org, group_by):
    few = _report_queries(org, 5, group_by)
    many = _report_queries(other_org, 50, group_by)
    assert few == many
    # Counts, campaign costs, medians (+ the overall median on PostgreSQL).
    assert many <= 4


# --- Scorecard -----------------------------------------------------------------------------


@pytest.fixture
def scorecard_data(org, rep, rep2, sales_manager, marketer):
    """March 2026. Tier A: 5 per rep, 24 h SLA; tier B: 2 per rep, 48 h SLA; three reps."""
    tier_a = TierFactory(organization=org, rank=1, name="A", monthly_mql_target_per_rep=5)
    tier_b = TierFactory(
        organization=org, rank=2, name="B", monthly_mql_target_per_rep=2, response_sla_hours=48
    )
    gone = member_of(org, DepartmentKind.SALES, Role.MEMBER, email="gone@acme.test")
    gone.is_active = False
    gone.save()

    def mql(owner, tier, qualified, *, sla=24, response=None, reason="", breached=None):
        return LeadFactory(
            organization=org,
            owner=owner,
            tier=tier,
            created_at=qualified - hours(1),
            qualified_at=qualified,
            sla_due_at=qualified + hours(sla),
            responded_at=qualified + hours(response) if response is not None else None,
            rejection_reason=reason,
            sla_breached_at=breached,
            status=(
                LeadStatus.MQL
                if response is None
                else LeadStatus.REJECTED
                if reason
                else LeadStatus.ACCEPTED
            ),
        )

    mql(rep, tier_a, at(2), response=2)
    mql(rep, tier_a, at(3), response=30, reason="not_icp", breached=at(4, 10))
    mql(rep2, tier_a, at(4), response=10, reason="bad_timing")
    mql(rep2, tier_a, at(31, 22))  # still waiting, due 1 April 22:00
    mql(sales_manager, tier_b, at(10), sla=48, breached=at(12, 10))
    mql(rep, None, at(15), response=1)
    mql(gone, tier_a, at(20), response=4)
    # Outside March: neither side counts them.
    mql(rep, tier_a, at(28, 23, month=2), response=1)
    mql(rep2, tier_b, at(1, 0, month=4), response=1)
    return {"gone": gone, "tier_a": tier_a, "tier_b": tier_b}


def test_scorecard_marketing_side_against_targets(org, scorecard_data):
    card = sla_scorecard(organization=org, month=date(2026, 3, 17), now=at(1, 12, month=4))
    tiers = card["marketing"]["tiers"]
    assert [row["name"] for row in tiers] == ["A", "B", "No tier"]
    a, b, none = tiers
    assert a == a | {
        "reps": 3,
        "target_per_rep": 5,
        "target": 15,
        "delivered": 5,
        "delivered_per_rep": 1.7,
        "delivered_rate": 33.3,
    }
    assert b == b | {"target": 6, "delivered": 1, "delivered_per_rep": 0.3, "delivered_rate": 16.7}
    assert none == none | {"target": None, "delivered": 1, "delivered_rate": None}
    # The MQL without a tier is delivered, but counts towards no target: 6 of 21.
    assert card["marketing"]["totals"] == {
        "reps": 3,
        "target": 21,
        "delivered": 7,
        "delivered_in_tiers": 6,
        "delivered_per_rep": 2.3,
        "delivered_rate": 28.6,
    }
    assert (card["month"], card["end"]) == (date(2026, 3, 1), date(2026, 4, 1))


def test_scorecard_sales_side_per_rep(org, rep, rep2, sales_manager, scorecard_data):
    card = sla_scorecard(organization=org, month=date(2026, 3, 1), now=at(1, 12, month=4))
    rows = {row["membership"]: row for row in card["sales"]["reps"]}
    gone = scorecard_data["gone"]
    assert set(rows) == {rep.pk, rep2.pk, sales_manager.pk, gone.pk}
    assert rows[rep.pk] == rows[rep.pk] | {
        "received": 3,
        "in_sla": 2,
        "pending": 0,
        "in_sla_rate": 66.7,
        "accepted": 2,
        "rejected": 1,
        "rejection_reasons": reasons(not_icp=1),
        "breached": 1,
        "median_response_seconds": 2 * 3600,
        "is_rep": True,
    }
    # One MQL still inside its deadline: left out of the rate.
    assert rows[rep2.pk] == rows[rep2.pk] | {
        "received": 2,
        "in_sla": 1,
        "pending": 1,
        "in_sla_rate": 100.0,
        "rejected": 1,
        "rejection_reasons": reasons(bad_timing=1),
        "median_response_seconds": 10 * 3600,
    }
    assert rows[sales_manager.pk] == rows[sales_manager.pk] | {
        "received": 1,
        "in_sla": 0,
        "in_sla_rate": 0.0,
        "breached": 1,
        "median_response_seconds": None,
    }
    # A former rep still answers for the MQLs handed to them, but is not counted as a rep.
    assert rows[gone.pk] == rows[gone.pk] | {"received": 1, "in_sla": 1, "is_rep": False}
    assert card["sales"]["reps"][0]["membership"] == rep.pk
    assert card["sales"]["totals"] == card["sales"]["totals"] | {
        "received": 7,
        "in_sla": 4,
        "pending": 1,
        "in_sla_rate": 66.7,
        "accepted": 3,
        "rejected": 2,
        "rejection_reasons": reasons(not_icp=1, bad_timing=1),
        "breached": 2,
        # Response times 2, 30, 10, 1, 4 hours.
        "median_response_seconds": 4 * 3600,
    }


def test_scorecard_of_a_month_without_leads_lists_reps_and_targets(org, rep, scorecard_data):
    card = sla_scorecard(organization=org, month=date(2025, 1, 1))
    assert card["marketing"]["totals"]["delivered"] == 0
    assert card["marketing"]["totals"]["target"] == 21
    assert card["marketing"]["totals"]["delivered_rate"] == 0.0
    assert {row["received"] for row in card["sales"]["reps"]} == {0}
    assert card["sales"]["totals"]["in_sla_rate"] is None


def test_scorecard_query_count_does_not_grow_with_rows(org, other_org):
    def queries_for(organization, count):
        tier = TierFactory(organization=organization, monthly_mql_target_per_rep=3)
        reps = [member_of(organization, DepartmentKind.SALES) for _ in range(count // 5 + 1)]
        for index in range(count):
            qualified = at(1 + index % 28)
            LeadFactory(
                organization=organization,
                owner=reps[index % len(reps)],
                tier=tier,
                qualified_at=qualified,
                sla_due_at=qualified + hours(24),
                responded_at=qualified + hours(index % 30),
                status=LeadStatus.ACCEPTED,
            )
        with CaptureQueriesContext(connection) as captured:
            sla_scorecard(organization=organization, month=date(2026, 3, 1))
        return len(captured)

    few, many = queries_for(org, 5), queries_for(other_org, 50)
    assert few == many
    assert many <= 5


# --- API -----------------------------------------------------------------------------------


@pytest.fixture
def report_url():
    return "/api/v1/leads/report/"


def test_api_report_returns_rows_and_totals(api_for, sales_manager, quality_data, report_url):
    response = api_for(sales_manager).get(
        report_url, {"start": "2026-03-01", "end": "2026-04-01", "group_by": "campaign"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"], body["group_by"], body["currency"]) == (
        "2026-03-01",
        "2026-04-01",
        "campaign",
        "EUR",
    )
    assert [row["campaign"] for row in body["rows"]] == [
        quality_data["c2"].pk,
        quality_data["c1"].pk,
        None,
    ]
    assert body["rows"][0]["source"] is None
    assert body["totals"] == body["totals"] | {
        "leads": 8,
        "revenue_won": "15000.00",
        "cost": "4000.00",
        "cost_per_won": "2000.00",
        "median_response_seconds": 14400.0,
        "sla_breach_rate": 33.3,
        "rejection_reasons": reasons(not_icp=1, no_budget=1),
    }


def test_api_report_defaults_to_the_last_90_days_by_source(api_for, alice, report_url):
    LeadFactory(organization=alice.organization, source="event")
    body = api_for(alice).get(report_url).json()
    assert date.fromisoformat(body["end"]) - date.fromisoformat(body["start"]) == timedelta(90)
    assert body["group_by"] == "source"
    assert [row["source"] for row in body["rows"]] == ["event"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-02-30"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"start": "2026-03-10", "end": "2026-03-01"}, "end"),
        ({"start": "2026-03-10", "end": "2026-03-10"}, "end"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "end"),
        ({"start": "0001-01-01", "end": "0001-02-01"}, "start"),
        ({"group_by": "tier"}, "group_by"),
    ],
)
def test_api_report_refuses_bad_parameters(api_for, alice, report_url, params, field):
    response = api_for(alice).get(report_url, params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("who", ["rep", "marketer", "product_person"])
def test_api_reports_are_for_managers_and_admins(api_for, request, who, report_url):
    client = api_for(request.getfixturevalue(who))
    assert client.get(report_url).status_code == 403
    assert client.get("/api/v1/leads/scorecard/").status_code == 403


def test_api_reports_need_authentication(client, report_url):
    assert client.get(report_url).status_code in (401, 403)
    assert client.get("/api/v1/leads/scorecard/").status_code in (401, 403)


def test_outsider_sees_only_their_own_organization(api_for, charlie, quality_data, report_url):
    body = api_for(charlie).get(report_url, {"start": "2026-03-01", "end": "2026-04-01"}).json()
    # Only Globex's own lead (won 99 999); none of Acme's eight.
    assert [row["source"] for row in body["rows"]] == ["website"]
    assert (body["totals"]["leads"], body["totals"]["revenue_won"]) == (1, "99999.00")
    card = api_for(charlie).get("/api/v1/leads/scorecard/", {"month": "2026-03"}).json()
    assert [row["name"] for row in card["marketing"]["tiers"]] == ["No tier"]
    assert card["marketing"]["totals"]["delivered"] == 1
    assert card["sales"]["totals"]["received"] == 1


def test_api_scorecard_for_a_month(api_for, org, sales_manager, scorecard_data):
    response = api_for(sales_manager).get("/api/v1/leads/scorecard/", {"month": "2026-03"})
    assert response.status_code == 200
    body = response.json()
    assert (body["month"], body["end"]) == ("2026-03-01", "2026-04-01")
    assert body["marketing"]["totals"]["delivered"] == 7
    assert body["sales"]["totals"]["received"] == 7
    assert body["sales"]["totals"]["rejection_reasons"] == reasons(not_icp=1, bad_timing=1)


def test_marketing_manager_sees_the_scorecard_too(api_for, org):
    manager = member_of(org, DepartmentKind.MARKETING, Role.MANAGER)
    assert api_for(manager).get("/api/v1/leads/scorecard/").status_code == 200


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "March", "0000-01", ""])
def test_api_scorecard_refuses_bad_months(api_for, alice, month):
    response = api_for(alice).get("/api/v1/leads/scorecard/", {"month": month})
    if month == "":
        # An empty parameter means "the current month".
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert "month" in response.json()
