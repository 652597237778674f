"""Collaboration health against a hand-built data set: every figure below is worked out by
hand from the rows (``feedback.selectors.health`` defines them). Organization in UTC;
period 1 Sep – 1 Nov 2026 (September and October); "now" is 10 Nov 2026.

Marketing ↔ sales — MQLs answered (tiers' SLAs 12, 24, 36 h → target T = 24 h):

====  =========================  ========  =========
lead  qualified → answered       answer    time
====  =========================  ========  =========
L1    1 Sep 10:00 → 1 Sep 16:00  accepted   6 h
L2    2 Sep 00:00 → 2 Sep 12:00  rejected  12 h
L3    1 Oct 00:00 → 1 Oct 18:00  accepted  18 h
L4    5 Oct 00:00 → 6 Oct 00:00  accepted  24 h
====  =========================  ========  =========

Not counted: answered 31 Aug, an MQL not answered, another organization's lead.
Acceptance 3 ÷ 4 = 75 % → 75; median 15 h → 100 × (1 − 15/48) = 68.75.
Operational (75 + 68.75) ÷ 2 = 71.875. September: 50 % → 50, median 9 h → 81.25 (65.625);
October: 100 %, median 21 h → 56.25 (78.125).

Survey — round R closed 15 Oct (minimum 3): marketing → sales three responses of overall
5, 4, 3 (mean 4); sales → marketing three of 3 (mean 3); product → sales two responses of
1 (below the minimum: must not count). Pair mean (4 × 3 + 3 × 3) ÷ 6 = 3.5 → 62.5. An open
round's answers do not count. Marketing ↔ sales health (62.5 + 71.875) ÷ 2 = 67.1875 →
67.2; October (62.5 + 78.125) ÷ 2 = 70.3125 → 70.3; September the operational alone 65.6.

Sales ↔ product — demands raised by sales: D1 1 Sep (its request changes status 10 Sep:
answered), D2 5 Sep (change 20 Oct, after 45 days: not), D3 1 Oct (no change: not),
D4 10 Oct (its request changes 20 Oct: answered), D5 25 Oct (no change, but younger than 30
days: left out), D6 raised by CS (other pair). 2 ÷ 4 = 50 % → 50. Promises decided after
7 days (Sep), 21 and 14 days (Oct): median 14 days = T → 50. Operational 50; no survey;
health 50. September (50 + 75) ÷ 2 = 62.5; October (50 + 37.5) ÷ 2 = 43.75.

Sales ↔ CS (acceptance SLA 24 h, upsell window 5 days) — handoffs accepted after 12 h, 24 h
(one discrepancy), 48 h, 6 h (one discrepancy): median 18 h → 62.5; surprise 2 ÷ 4 → 50.
Signals answered after 2 days (accepted), 10 days (dismissed), 1 day (accepted): median 2
days → 100 × (1 − 2/10) = 80. Operational (62.5 + 50 + 80) ÷ 3 = 64.1667 → health 64.2.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from accounts.models import DepartmentKind
from feedback.models import RoundStatus
from feedback.selectors import health
from roadmap.models import FeatureStatusChange
from tests.factories import (
    DemandFactory,
    DiscrepancyFactory,
    FeatureRequestFactory,
    FeedbackResponseFactory,
    FeedbackRoundFactory,
    HandoffFactory,
    HandoffSettingsFactory,
    LeadFactory,
    PromiseFactory,
    TierFactory,
    UpsellSignalFactory,
)

pytestmark = pytest.mark.django_db

START, END = date(2026, 9, 1), date(2026, 11, 1)
NOW = datetime(2026, 11, 10, tzinfo=UTC)


def at(*args):
    return datetime(*args, tzinfo=UTC)


def lead(org, qualified, answered, rejected=False):
    return LeadFactory(
        organization=org,
        status="rejected" if rejected else "accepted",
        rejection_reason="not_icp" if rejected else "",
        qualified_at=qualified,
        responded_at=answered,
    )


def rate(round_, from_department, to_department, value, times=1):
    for _ in range(times):
        FeedbackResponseFactory(
            organization=round_.organization,
            round=round_,
            from_department=from_department,
            to_department=to_department,
            collaboration=value,
            responsiveness=value,
            quality=value,
        )


def change(request, when, from_status="new", to_status="under_review"):
    FeatureStatusChange.objects.create(
        organization_id=request.organization_id,
        feature_request=request,
        from_status=from_status,
        to_status=to_status,
        at=when,
    )


@pytest.fixture
def dataset(org, other_org, departments):
    sales, marketing = departments[DepartmentKind.SALES], departments[DepartmentKind.MARKETING]
    product, cs = departments[DepartmentKind.PRODUCT], departments[DepartmentKind.CS]
    for rank, hours in enumerate((12, 24, 36), start=1):
        TierFactory(organization=org, rank=rank, response_sla_hours=hours)
    HandoffSettingsFactory(organization=org, acceptance_sla_hours=24, upsell_response_days=5)

    # Marketing ↔ sales.
    lead(org, at(2026, 9, 1, 10), at(2026, 9, 1, 16))
    lead(org, at(2026, 9, 2), at(2026, 9, 2, 12), rejected=True)
    lead(org, at(2026, 10, 1), at(2026, 10, 1, 18))
    lead(org, at(2026, 10, 5), at(2026, 10, 6))
    lead(org, at(2026, 8, 30), at(2026, 8, 31), rejected=True)
    LeadFactory(organization=org, status="mql", qualified_at=at(2026, 9, 3))
    lead(other_org, at(2026, 9, 1), at(2026, 9, 20), rejected=True)

    # The survey.
    closed = FeedbackRoundFactory(
        organization=org,
        status=RoundStatus.CLOSED,
        opens_at=at(2026, 10, 1),
        closes_at=at(2026, 10, 15),
        closed_at=at(2026, 10, 15),
        min_responses=3,
        departments=[sales, marketing, product],
    )
    for value in (5, 4, 3):
        rate(closed, marketing, sales, value)
    rate(closed, sales, marketing, 3, times=3)
    rate(closed, product, sales, 1, times=2)
    still_open = FeedbackRoundFactory(
        organization=org,
        status=RoundStatus.OPEN,
        opens_at=at(2026, 10, 20),
        closes_at=at(2026, 12, 1),
        departments=[sales, marketing],
    )
    rate(still_open, marketing, sales, 1, times=3)

    # Sales ↔ product.
    f1, f2, f3 = (FeatureRequestFactory(organization=org) for _ in range(3))
    change(f3, at(2026, 10, 2), from_status="", to_status="new")  # its creation: not an answer
    change(f1, at(2026, 9, 10))
    change(f2, at(2026, 10, 20))
    change(f1, at(2026, 10, 20), from_status="under_review", to_status="planned")
    for request, raised in ((f1, at(2026, 9, 1)), (f2, at(2026, 9, 5)), (f3, at(2026, 10, 1))):
        DemandFactory(
            organization=org, feature_request=request, department=sales, created_at=raised
        )
    DemandFactory(
        organization=org, feature_request=f1, department=sales, created_at=at(2026, 10, 10)
    )
    DemandFactory(
        organization=org, feature_request=f3, department=sales, created_at=at(2026, 10, 25)
    )
    DemandFactory(organization=org, feature_request=f3, department=cs, created_at=at(2026, 9, 2))
    for created, decided in (
        (at(2026, 9, 1), at(2026, 9, 8)),
        (at(2026, 9, 20), at(2026, 10, 11)),
        (at(2026, 10, 1), at(2026, 10, 15)),
    ):
        PromiseFactory(organization=org, status="confirmed", created_at=created, decided_at=decided)
    PromiseFactory(organization=org, status="pending", created_at=at(2026, 9, 5))

    # Sales ↔ CS.
    for submitted, hours, surprises in (
        (at(2026, 9, 1), 12, 0),
        (at(2026, 9, 10), 24, 1),
        (at(2026, 10, 1), 48, 0),
        (at(2026, 10, 5), 6, 1),
    ):
        handoff = HandoffFactory(
            organization=org,
            status="accepted",
            submitted_at=submitted,
            accepted_at=submitted + timedelta(hours=hours),
        )
        for _ in range(surprises):
            DiscrepancyFactory(organization=org, handoff=handoff)
    for created, days, status in (
        (at(2026, 9, 1), 2, "accepted"),
        (at(2026, 9, 10), 10, "dismissed"),
        (at(2026, 10, 1), 1, "accepted"),
    ):
        UpsellSignalFactory(
            organization=org,
            status=status,
            created_at=created,
            answered_at=created + timedelta(days=days),
        )
    UpsellSignalFactory(organization=org, status="open", created_at=at(2026, 9, 15))
    return departments


def pair_of(report, first_kind, second_kind):
    (found,) = [
        pair
        for pair in report.pairs
        if (pair.departments[0].kind, pair.departments[1].kind) == (first_kind, second_kind)
    ]
    return found


def signals_of(pair):
    return {signal.key: (signal.value, signal.count, signal.score) for signal in pair.signals}


# --- The normalisation formulas ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 100.0), (12, 75.0), (24, 50.0), (48, 0.0), (100, 0.0)]
)
def test_time_score_is_100_at_once_50_on_target_0_from_twice_the_target(value, expected):
    assert health.time_score(value, 24) == expected


def test_rate_scores_at_their_edges():
    assert (health.rate_score(0), health.rate_score(0.5), health.rate_score(1)) == (0, 50, 100)
    assert (health.inverse_rate_score(0), health.inverse_rate_score(1)) == (100, 0)
    assert health.inverse_rate_score(0.25) == 75


def test_rating_score_maps_one_to_five_onto_0_to_100():
    assert [health.rating_score(x) for x in (1, 2, 3, 4.5, 5)] == [0, 25, 50, 87.5, 100]


def test_bands():
    assert [health.band(x) for x in (None, 0, 39.9, 40, 69.9, 70, 100)] == [
        None, "poor", "poor", "fair", "fair", "good", "good",
    ]  # fmt: skip


# --- The figures -----------------------------------------------------------------------------


def test_marketing_sales_signals_survey_and_health(dataset, org):
    report = health.collaboration_health(org.pk, START, END, now=NOW)
    pair = pair_of(report, DepartmentKind.MARKETING, DepartmentKind.SALES)

    assert signals_of(pair) == {
        "mql_acceptance_rate": (75.0, 4, 75.0),
        "mql_response_time": (15.0, 4, 68.8),
    }
    assert [signal.target for signal in pair.signals] == [None, 24.0]
    assert (str(pair.survey.rating), pair.survey.score, pair.survey.responses) == ("3.50", 62.5, 6)
    assert (pair.operational, pair.health, pair.band) == (71.9, 67.2, "fair")
    assert [(m.month, m.survey, m.operational, m.health) for m in pair.trend] == [
        (date(2026, 9, 1), None, 65.6, 65.6),
        (date(2026, 10, 1), 62.5, 78.1, 70.3),
    ]


def test_sales_product_signals_and_health(dataset, org):
    report = health.collaboration_health(org.pk, START, END, now=NOW)
    pair = pair_of(report, DepartmentKind.SALES, DepartmentKind.PRODUCT)

    assert signals_of(pair) == {
        "demands_answered": (50.0, 4, 50.0),
        "promise_decision_time": (14.0, 3, 50.0),
    }
    # The product → sales cell is below the round's minimum: no survey figure at all.
    assert (pair.survey.rating, pair.survey.score, pair.survey.responses) == (None, None, 0)
    assert (pair.operational, pair.health) == (50.0, 50.0)
    assert [m.health for m in pair.trend] == [62.5, 43.8]


def test_sales_cs_signals_and_health(dataset, org):
    report = health.collaboration_health(org.pk, START, END, now=NOW)
    pair = pair_of(report, DepartmentKind.SALES, DepartmentKind.CS)

    assert signals_of(pair) == {
        "handoff_acceptance_time": (18.0, 4, 62.5),
        "surprise_rate": (50.0, 4, 50.0),
        "upsell_response_time": (2.0, 3, 80.0),
    }
    assert [signal.target for signal in pair.signals] == [24.0, None, 5.0]
    assert (pair.operational, pair.health) == (64.2, 64.2)
    # September: 12 h and 24 h (median 18 h → 62.5), surprise 1 of 2 (50), signals 2 and
    # 10 days (median 6 → 40); October: 48 h and 6 h (median 27 h → 43.75), 1 of 2 (50), 1 day (90).
    assert [m.health for m in pair.trend] == [50.8, 61.3]


def test_only_the_three_standard_pairs_without_other_survey_data(dataset, org):
    report = health.collaboration_health(org.pk, START, END, now=NOW)

    assert [(p.departments[0].kind, p.departments[1].kind) for p in report.pairs] == [
        (DepartmentKind.MARKETING, DepartmentKind.SALES),
        (DepartmentKind.SALES, DepartmentKind.PRODUCT),
        (DepartmentKind.SALES, DepartmentKind.CS),
    ]
    assert report.months == [date(2026, 9, 1), date(2026, 10, 1)]


def test_another_pair_with_shown_survey_data_is_listed_with_the_survey_alone(
    dataset, org, departments
):
    marketing, product = departments[DepartmentKind.MARKETING], departments[DepartmentKind.PRODUCT]
    later = FeedbackRoundFactory(
        organization=org,
        status=RoundStatus.CLOSED,
        opens_at=at(2026, 9, 1),
        closes_at=at(2026, 9, 30),
        closed_at=at(2026, 9, 20),
        min_responses=1,
        departments=[marketing, product],
    )
    rate(later, product, marketing, 5)

    report = health.collaboration_health(org.pk, START, END, now=NOW)
    pair = report.pairs[-1]

    assert {pair.departments[0].pk, pair.departments[1].pk} == {marketing.pk, product.pk}
    assert (pair.signals, pair.survey.score, pair.health) == ([], 100.0, 100.0)


def test_no_data_means_no_figure(org):
    report = health.collaboration_health(org.pk, START, END, now=NOW)

    assert [pair.health for pair in report.pairs] == [None, None, None]
    assert all(signal.score is None for pair in report.pairs for signal in pair.signals)


def test_pair_health_metric_is_a_number_per_pair(dataset, org, departments):
    metric = health.pair_health_metric(org.pk, START, END)

    sales = departments[DepartmentKind.SALES].pk
    assert metric[(departments[DepartmentKind.MARKETING].pk, sales)] == 67.2
    assert metric[(sales, departments[DepartmentKind.CS].pk)] == 64.2


def test_another_organizations_data_does_not_count(dataset, other_org):
    report = health.collaboration_health(other_org.pk, START, END, now=NOW)

    assert signals_of(report.pairs[0])["mql_acceptance_rate"] == (0.0, 1, 0.0)
    assert [pair.survey.responses for pair in report.pairs] == [0, 0, 0]


def test_the_number_of_queries_does_not_grow_with_the_data(
    dataset, org, django_assert_num_queries, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        health.collaboration_health(org.pk, START, END, now=NOW)
    # Twice the rows of every kind, in the same months.
    for day in (3, 4):
        lead(org, at(2026, 9, day), at(2026, 9, day, 5))
        UpsellSignalFactory(
            organization=org, status="accepted", created_at=at(2026, 9, day),
            answered_at=at(2026, 9, day + 1),
        )  # fmt: skip
        HandoffFactory(
            organization=org, status="accepted", submitted_at=at(2026, 10, day),
            accepted_at=at(2026, 10, day, 3),
        )  # fmt: skip
        PromiseFactory(organization=org, created_at=at(2026, 9, day), decided_at=at(2026, 9, 9))
        DemandFactory(organization=org, department=dataset[DepartmentKind.SALES],
                      created_at=at(2026, 9, day))  # fmt: skip

    with django_assert_max_num_queries(len(first.captured_queries)):
        health.collaboration_health(org.pk, START, END, now=NOW)


# --- The page ------------------------------------------------------------------------------

PERIOD = {"start": "2026-09-01", "end": "2026-11-01"}


def test_managers_see_every_pair_with_its_figures_and_the_chart(dataset, manager, browser_for):
    response = browser_for(manager).get(reverse("feedback:collaboration_health"), PERIOD)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Marketing ↔ Sales" in body and "Sales ↔ Customer success" in body
    assert "67.2" in body  # marketing ↔ sales health
    assert "3.50 of 5 · 6 responses" in body
    assert "15.0 h" in body and "75.0%" in body  # MQL response time, acceptance rate
    assert "How is this computed?" in body
    assert 'id="chart-data"' in body and "feedback_health.js" in body


def test_members_may_not_see_the_page(dataset, bob, browser_for):
    response = browser_for(bob).get(reverse("feedback:collaboration_health"))

    assert response.status_code == 403


def test_htmx_gets_the_report_alone_and_a_bad_range_shows_the_error(manager, browser_for):
    client = browser_for(manager)
    partial = client.get(reverse("feedback:collaboration_health"), PERIOD, HTTP_HX_REQUEST="true")
    reversed_range = client.get(
        reverse("feedback:collaboration_health"), {"start": "2026-11-01", "end": "2026-09-01"}
    )

    assert partial.status_code == 200
    assert b'id="report"' in partial.content and b"<html" not in partial.content
    assert reversed_range.status_code == 200
    assert "The end must come after the start." in reversed_range.content.decode()


def test_the_page_query_count_is_bounded(
    dataset, manager, browser_for, django_assert_max_num_queries
):
    client = browser_for(manager)
    with django_assert_max_num_queries(45):
        client.get(reverse("feedback:collaboration_health"), PERIOD)


# --- The API -------------------------------------------------------------------------------

URL = "/api/v1/collaboration-health/"


def test_api_gives_every_pair_with_signals_survey_and_trend(dataset, manager, api_for):
    response = api_for(manager).get(URL, PERIOD)

    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"]) == ("2026-09-01", "2026-11-01")
    first = body["pairs"][0]
    assert [d["kind"] for d in first["departments"]] == ["marketing", "sales"]
    assert (first["health"], first["band"], first["operational"]) == (67.2, "fair", 71.9)
    assert first["survey"] == {"rating": "3.50", "score": 62.5, "responses": 6}
    assert first["signals"][1] == {
        "key": "mql_response_time",
        "label": "MQL response time (marketing → sales)",
        "value": 15.0,
        "unit": "hours",
        "count": 4,
        "target": 24.0,
        "score": 68.8,
        "formula": first["signals"][1]["formula"],
    }
    assert "2 × 24 h" in first["signals"][1]["formula"]
    assert [m["health"] for m in first["trend"]] == [65.6, 70.3]
    # (Sales ↔ product depends on "now": a demand younger than 30 days is left out.)
    assert [body["pairs"][i]["health"] for i in (0, 2)] == [67.2, 64.2]


def test_api_refuses_a_bad_range(manager, api_for):
    client = api_for(manager)

    assert client.get(URL, {"start": "2026-11-01", "end": "2026-09-01"}).status_code == 400
    assert client.get(URL, {"start": "yesterday"}).status_code == 400


def test_api_is_for_managers_and_admins(bob, alice, api_for):
    assert api_for(bob).get(URL).status_code == 403
    assert api_for(alice).get(URL).status_code == 200


def test_api_of_another_organization_shows_none_of_its_figures(dataset, charlie, api_for):
    body = api_for(charlie).get(URL, PERIOD).json()

    assert [pair["survey"]["responses"] for pair in body["pairs"]] == [0, 0, 0]
    assert body["pairs"][1]["health"] is None and body["pairs"][2]["health"] is None
