"""``?search=`` ignores accents both ways, on the lead list page and in the API, on SQLite and
PostgreSQL; on PostgreSQL the trigram indexes still serve it."""

import pytest
from django.db import connection
from django.urls import reverse

from collab_hub.search import fold
from leads.models import Lead
from leads.selectors.leads import search_leads
from tests.conftest import skip_or_fail
from tests.factories import CompanyFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org):
    return {
        "zielinski": LeadFactory(
            organization=org, first_name="Anna", last_name="Zieliński", email="anna@z.test"
        ),
        "michal": LeadFactory(
            organization=org, first_name="Michał", last_name="Kowal", email="m@k.test"
        ),
        "plain": LeadFactory(
            organization=org, first_name="Zoe", last_name="Zielinski", email="zoe@z.test"
        ),
        "other": LeadFactory(
            organization=org,
            first_name="Jan",
            last_name="Nowak",
            email="jan@n.test",
            company_name="Müller GmbH",
        ),
    }


def _found(org, text: str) -> set[str]:
    leads = search_leads(Lead.objects.filter(organization=org), text)
    return {lead.last_name for lead in leads}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zielinski", {"Zieliński", "Zielinski"}),
        ("ZIELIŃSKI", {"Zieliński", "Zielinski"}),
        ("Zieli", {"Zieliński", "Zielinski"}),
        ("michal", {"Kowal"}),
        ("MICHAŁ", {"Kowal"}),
        ("muller", {"Nowak"}),
        ("anna zielinski", {"Zieliński"}),
    ],
)
def test_search_ignores_accents_and_case_both_ways(org, people, text, expected):
    assert _found(org, text) == expected


def test_percent_and_underscore_in_a_search_match_themselves(org, people):
    LeadFactory(organization=org, last_name="Under_score", email="u@u.test")
    assert _found(org, "r_s") == {"Under_score"}
    assert _found(org, "%") == set()


def test_fold_matches_what_unaccent_does_to_polish_letters():
    assert fold("Zażółć Gęślą Jaźń ŁÓDŹ") == "zazolc gesla jazn lodz"
    assert fold("Straße Øre Æbler") == "strasse ore aebler"


def test_lead_list_page_finds_accented_names_without_accents(browser_for, org, marketer, people):
    page = browser_for(marketer).get(reverse("leads:lead_list"), {"search": "zielinski"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "anna@z.test" in text
    assert "zoe@z.test" in text
    assert "jan@n.test" not in text


def test_api_search_ignores_accents(api_for, org, marketer, people):
    response = api_for(marketer).get("/api/v1/leads/", {"search": "michal"})
    assert response.status_code == 200
    assert [row["email"] for row in response.json()["results"]] == ["m@k.test"]


def test_api_search_does_not_cross_organizations(api_for, org, charlie, people):
    response = api_for(charlie).get("/api/v1/leads/", {"search": "zielinski"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_deal_contact_and_company_search_ignore_accents(api_for, org, rep, browser_for):
    company = CompanyFactory(organization=org, name="Łódź Żegluga", domain="lodz.test")
    ContactFactory(organization=org, company=company, last_name="Wiśniewska", email="w@l.test")
    DealFactory(organization=org, company=company, name="Żegluga renewal")
    DealFactory(organization=org, name="Unrelated renewal")
    client = api_for(rep)

    def found(path: str, text: str, key: str) -> list[str]:
        response = client.get(f"/api/v1/{path}/", {"search": text})
        assert response.status_code == 200
        return [row[key] for row in response.json()["results"]]

    assert found("companies", "lodz zegluga", "name") == ["Łódź Żegluga"]
    assert found("contacts", "wisniewska", "email") == ["w@l.test"]
    assert found("contacts", "LODZ", "email") == ["w@l.test"]
    assert found("deals", "zegluga", "name") == ["Żegluga renewal"]
    # The deal board's search is the same.
    board = browser_for(rep).get("/deals/", {"q": "zegluga"}).content.decode()
    assert "Żegluga renewal" in board and "Unrelated renewal" not in board


@pytest.mark.postgres
def test_postgres_search_uses_the_trigram_index(org, people):
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL")
    LeadFactory.create_batch(200, organization=org)
    queryset = search_leads(Lead.objects.all(), "zielinski").only("pk")
    with connection.cursor() as cursor:
        # A few hundred rows: without this the planner rightly prefers a scan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("ANALYZE leads_lead")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "_fold_trgm" in plan, plan
    assert {lead.last_name for lead in queryset.only("last_name")} == {"Zieliński", "Zielinski"}
