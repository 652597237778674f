"""The leads API: CRUD, lifecycle actions with 409s, filters, search, query bounds."""

import pytest

from leads.models import Lead
from tests.factories import CampaignFactory, LeadFactory


@pytest.fixture
def lead(org):
    return LeadFactory(organization=org, email="jane@prospect.test", company_name="Prospect")


def test_marketing_creates_a_lead(api_for, marketer):
    response = api_for(marketer).post(
        "/api/v1/leads/", {"email": "Ann@Example.test", "first_name": "Ann", "country": "pl"}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["status"], body["country"]) == ("ann@example.test", "new", "PL")


def test_duplicate_email_is_a_field_error(api_for, marketer, lead):
    response = api_for(marketer).post("/api/v1/leads/", {"email": "JANE@prospect.test"})
    assert response.status_code == 400
    assert "email" in response.json()


def test_lead_needs_a_valid_email(api_for, marketer):
    response = api_for(marketer).post("/api/v1/leads/", {"email": "nope", "employees": -3})
    assert response.status_code == 400
    assert {"email", "employees"} <= set(response.json())


def test_campaign_of_another_organization_is_refused(api_for, marketer, other_org):
    foreign = CampaignFactory(organization=other_org)
    response = api_for(marketer).post(
        "/api/v1/leads/", {"email": "a@b.test", "campaign": foreign.pk}
    )
    assert response.status_code == 400
    assert "campaign" in response.json()


def test_product_cannot_create_leads(api_for, product_person):
    response = api_for(product_person).post("/api/v1/leads/", {"email": "a@b.test"})
    assert response.status_code == 403
    assert not Lead.objects.exists()


def test_full_path_through_the_api(api_for, marketer, rep, lead):
    qualified = api_for(marketer).post(f"/api/v1/leads/{lead.pk}/qualify/", {"owner": rep.pk})
    assert qualified.status_code == 200
    assert (qualified.json()["status"], qualified.json()["owner"]) == ("mql", rep.pk)
    accepted = api_for(rep).post(f"/api/v1/leads/{lead.pk}/accept/")
    assert accepted.json()["status"] == "accepted"
    converted = api_for(rep).post(f"/api/v1/leads/{lead.pk}/convert/", {"value": "5000"})
    assert converted.status_code == 200
    assert converted.json()["status"] == "converted"
    assert converted.json()["deal"] is not None
    history = api_for(rep).get(f"/api/v1/leads/{lead.pk}/").json()["transitions"]
    assert [t["to_status"] for t in history] == ["mql", "accepted", "converted"]


def test_illegal_transition_answers_409_with_a_reason(api_for, rep, lead):
    response = api_for(rep).post(f"/api/v1/leads/{lead.pk}/accept/")
    assert response.status_code == 409
    assert response.json()["code"] == "lead_new"
    assert "cannot become" in response.json()["detail"]


def test_reject_needs_a_reason_from_the_contract(api_for, marketer, rep, lead):
    api_for(marketer).post(f"/api/v1/leads/{lead.pk}/qualify/", {"owner": rep.pk})
    response = api_for(rep).post(f"/api/v1/leads/{lead.pk}/reject/", {"reason": "ugly"})
    assert response.status_code == 400
    assert "reason" in response.json()
    response = api_for(rep).post(
        f"/api/v1/leads/{lead.pk}/reject/", {"reason": "bad_timing", "note": "Call in May"}
    )
    assert response.status_code == 200
    assert response.json()["rejection_reason"] == "bad_timing"


def test_marketing_cannot_accept(api_for, marketer, rep, lead):
    api_for(marketer).post(f"/api/v1/leads/{lead.pk}/qualify/", {"owner": rep.pk})
    assert api_for(marketer).post(f"/api/v1/leads/{lead.pk}/accept/").status_code == 403


def test_filters_and_search(api_for, org, marketer):
    LeadFactory(organization=org, email="x@globex.test", company_name="Globex", status="mql")
    LeadFactory(organization=org, email="y@initech.test", company_name="Initech")
    client = api_for(marketer)
    found = client.get("/api/v1/leads/", {"search": "glob"}).json()["results"]
    assert [r["company_name"] for r in found] == ["Globex"]
    mqls = client.get("/api/v1/leads/", {"status": "mql"}).json()["results"]
    assert [r["email"] for r in mqls] == ["x@globex.test"]


def test_list_query_count_does_not_grow_with_rows(
    api_for, org, marketer, django_assert_max_num_queries
):
    client = api_for(marketer)
    LeadFactory.create_batch(3, organization=org, campaign=CampaignFactory(organization=org))
    with django_assert_max_num_queries(5):
        assert len(client.get("/api/v1/leads/").json()["results"]) == 3
    LeadFactory.create_batch(40, organization=org, campaign=CampaignFactory(organization=org))
    with django_assert_max_num_queries(5):
        assert len(client.get("/api/v1/leads/").json()["results"]) == 43


def test_outsider_gets_404(api_for, charlie, lead):
    assert api_for(charlie).get(f"/api/v1/leads/{lead.pk}/").status_code == 404
    assert api_for(charlie).post(f"/api/v1/leads/{lead.pk}/disqualify/").status_code == 404


def test_the_email_and_country_rules_answer_as_field_errors_with_a_code(api_for, marketer, lead):
    taken = api_for(marketer).post("/api/v1/leads/", {"email": "jane@prospect.test"})
    assert taken.status_code == 400
    body = taken.json()
    assert (body["code"], body["email"]) == (
        "duplicate",
        ["A lead with this email already exists."],
    )
    assert Lead.objects.filter(email="jane@prospect.test").count() == 1

    bad_country = api_for(marketer).post(
        "/api/v1/leads/", {"email": "new@prospect.test", "country": "P1"}
    )
    assert (bad_country.status_code, bad_country.json()["code"]) == (400, "invalid_country")
    assert "country" in bad_country.json()
    named = api_for(marketer).post(
        "/api/v1/leads/", {"email": "new@prospect.test", "country": "pl"}
    )
    assert (named.status_code, named.json()["country"]) == (201, "PL")


def test_changing_a_lead_to_a_taken_email_is_refused(api_for, marketer, lead, org):
    other = LeadFactory(organization=org, email="other@prospect.test")
    response = api_for(marketer).patch(
        f"/api/v1/leads/{other.pk}/", {"email": "JANE@prospect.test"}
    )
    assert (response.status_code, response.json()["code"]) == (400, "duplicate")
    other.refresh_from_db()
    assert other.email == "other@prospect.test"


@pytest.mark.parametrize("code", ["XX", "EU", "ZZ", "QQ"])
def test_two_letters_that_are_no_country_are_refused_as_the_picker_never_offers_them(
    api_for, marketer, code
):
    from leads.forms.fields import country_names

    response = api_for(marketer).post(
        "/api/v1/leads/", {"email": f"{code.lower()}@prospect.test", "country": code}
    )

    assert (response.status_code, response.json()["code"]) == (400, "invalid_country")
    assert code not in country_names()
    assert not Lead.objects.filter(email=f"{code.lower()}@prospect.test").exists()


def test_every_country_the_picker_offers_is_accepted(api_for, marketer):
    from leads.forms.fields import country_names

    codes = list(country_names())
    assert {"PL", "DE", "US", "JP"} <= set(codes)
    for n, code in enumerate(codes[:: max(1, len(codes) // 25)]):
        response = api_for(marketer).post(
            "/api/v1/leads/", {"email": f"c{n}@prospect.test", "country": code}
        )
        assert response.status_code == 201, (code, response.json())
