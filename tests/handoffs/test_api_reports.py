"""The flow's reports in the API: ``handoffs/report/`` (surprise rate) and
``upsell-signals/report/`` (conversion) — figures, the period's validation, who may read
them, and that neither path is taken for an object's detail route."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.factories import DealFactory, DiscrepancyFactory, HandoffFactory, UpsellSignalFactory

pytestmark = pytest.mark.django_db

SURPRISE = "/api/v1/handoffs/report/"
UPSELL = "/api/v1/upsell-signals/report/"
PERIOD = {"start": "2026-09-01", "end": "2026-11-01"}


def at(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def data(org, rep, rep2, cs):
    for owner, when, surprises in ((rep, at(2026, 9, 3), 0), (rep, at(2026, 10, 3), 2)):
        handoff = HandoffFactory(
            organization=org, sales_owner=owner, status="accepted", accepted_at=when
        )
        for _ in range(surprises):
            DiscrepancyFactory(organization=org, handoff=handoff)
    won = DealFactory(organization=org, owner=rep2, value=20000, stage="won", kind="expansion")
    UpsellSignalFactory(
        organization=org,
        raised_by=cs,
        routed_to=rep,
        status="accepted",
        deal=won,
        cs_credit_percent=Decimal("25"),
        created_at=at(2026, 9, 10),
        answered_at=at(2026, 9, 10) + timedelta(hours=6),
    )
    UpsellSignalFactory(organization=org, raised_by=cs, routed_to=rep, created_at=at(2026, 9, 12))


def test_surprise_report_overall_per_owner_and_month(data, api_for, sales_manager, rep):
    response = api_for(sales_manager).get(SURPRISE, PERIOD)

    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"]) == ("2026-09-01", "2026-11-01")
    assert (body["accepted"], body["with_discrepancy"], body["rate"]) == (2, 1, 50.0)
    assert body["by_sales_owner"] == [
        {
            "sales_owner": rep.pk,
            "name": rep.user.display_name,
            "accepted": 2,
            "with_discrepancy": 1,
            "rate": 50.0,
        }
    ]
    assert body["by_month"] == [
        {"month": "2026-09-01", "accepted": 1, "with_discrepancy": 0, "rate": 0.0},
        {"month": "2026-10-01", "accepted": 1, "with_discrepancy": 1, "rate": 100.0},
    ]


def test_upsell_report_conversion_and_credit(data, api_for, cs_manager, cs, rep2, rep):
    response = api_for(cs_manager).get(UPSELL, PERIOD)

    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "EUR"
    assert (body["raised"], body["accepted"], body["open"], body["won"]) == (2, 1, 1, 1)
    assert body["value_won"] == "20000.00"
    assert (body["acceptance_rate"], body["win_rate"]) == (50.0, 100.0)
    assert body["median_seconds_to_accept"] == 6 * 3600
    [by_cs] = body["by_cs_member"]
    assert (by_cs["membership"], by_cs["credited_value_won"]) == (cs.pk, "5000.00")
    by_sales = {row["membership"]: row for row in body["by_sales_owner"]}
    assert by_sales[rep2.pk]["credited_value_won"] == "15000.00"
    assert (by_sales[rep.pk]["raised"], by_sales[rep.pk]["open"]) == (1, 1)


@pytest.mark.parametrize("url", [SURPRISE, UPSELL])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-05-01", "end": "2026-04-01"}, "end"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "end"),
        ({"start": "2026-01-01", "end": "3100-01-01"}, "end"),
    ],
)
def test_a_nonsense_period_is_a_400_naming_the_field(url, query, field, api_for, sales_manager):
    response = api_for(sales_manager).get(url, query)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("url", [SURPRISE, UPSELL])
def test_reports_are_for_managers_and_admins(url, api_for, rep, cs, alice):
    assert api_for(rep).get(url).status_code == 403
    assert api_for(cs).get(url).status_code == 403
    assert api_for(alice).get(url).status_code == 200


@pytest.mark.parametrize("url", [SURPRISE, UPSELL])
def test_reports_need_authentication(url, client):
    assert client.get(url).status_code in (401, 403)


def test_reports_count_only_the_callers_organization(data, api_for, charlie):
    assert api_for(charlie).get(SURPRISE, PERIOD).json()["accepted"] == 0
    assert api_for(charlie).get(UPSELL, PERIOD).json()["raised"] == 0


def test_default_period_is_the_last_90_days(api_for, sales_manager):
    body = api_for(sales_manager).get(UPSELL).json()

    start = datetime.fromisoformat(body["start"])
    end = datetime.fromisoformat(body["end"])
    assert (end - start).days == 90


def test_the_report_paths_are_in_the_schema(api_for, alice):
    schema = api_for(alice).get("/api/schema/", {"format": "json"}).json()

    assert "/api/v1/handoffs/report/" in schema["paths"]
    assert "/api/v1/upsell-signals/report/" in schema["paths"]
    parameters = {p["name"] for p in schema["paths"][UPSELL]["get"]["parameters"]}
    assert {"start", "end"} <= parameters
