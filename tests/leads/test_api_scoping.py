"""The leads API fails closed on related ids: another organization's row, or one the
organization's record visibility hides from the member, answers exactly like a missing id."""

from __future__ import annotations

import pytest

from leads.models import Contact, QualityComplaint
from tests.factories import CampaignFactory, CompanyFactory, LeadFactory

MISSING = 2**31


def _with_id_as(body, real_id, placeholder="ID"):
    """The body with the id it names replaced, to compare answers about different ids."""
    return repr(body).replace(f'"{real_id}"', placeholder)


@pytest.fixture
def own_leads_only(org):
    org.visibility = {"leads": "own"}
    org.save()
    return org


def test_a_complaint_about_a_lead_you_cannot_see_is_like_one_about_a_missing_lead(
    api_for, own_leads_only, rep, rep2
):
    org = own_leads_only
    campaign = CampaignFactory(organization=org)
    theirs = LeadFactory(organization=org, campaign=campaign, owner=rep2)
    client = api_for(rep)

    def file(lead_id):
        return client.post(
            "/api/v1/quality-complaints/",
            {"campaign": campaign.pk, "reason": "not_icp", "example_leads": [lead_id]},
        )

    hidden, missing = file(theirs.pk), file(MISSING)
    assert (hidden.status_code, missing.status_code) == (400, 400)
    message = f'Invalid pk "{theirs.pk}" - object does not exist.'
    assert hidden.json() == {
        "example_leads": [message],
        "detail": f"example_leads: {message}",
        "code": "invalid",
    }
    assert _with_id_as(hidden.json(), theirs.pk) == _with_id_as(missing.json(), MISSING)
    assert not QualityComplaint.objects.exists()


def test_a_complaint_about_your_own_lead_is_filed(api_for, own_leads_only, rep):
    campaign = CampaignFactory(organization=own_leads_only)
    mine = LeadFactory(organization=own_leads_only, campaign=campaign, owner=rep)
    response = api_for(rep).post(
        "/api/v1/quality-complaints/",
        {"campaign": campaign.pk, "reason": "not_icp", "example_leads": [mine.pk]},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["example_leads"] == [mine.pk]


def test_a_contact_at_a_company_you_cannot_see_is_like_one_at_a_missing_company(
    api_for, org, rep, rep2
):
    org.visibility = {"companies": "own"}
    org.save()
    theirs = CompanyFactory(organization=org, owner=rep2)
    client = api_for(rep)

    def add(company_id):
        return client.post(
            "/api/v1/contacts/",
            {"company": company_id, "first_name": "Ada", "email": f"ada{company_id}@x.test"},
        )

    hidden, missing = add(theirs.pk), add(MISSING)
    assert (hidden.status_code, missing.status_code) == (400, 400)
    assert hidden.json()["company"] == [f'Invalid pk "{theirs.pk}" - object does not exist.']
    assert _with_id_as(hidden.json(), theirs.pk) == _with_id_as(missing.json(), MISSING)
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("url", "param"),
    [("/api/v1/leads/", "campaign"), ("/api/v1/deals/", "company")],
)
def test_filtering_by_another_organizations_row_is_like_a_missing_one(
    api_for, org, other_org, rep, url, param
):
    CampaignFactory(organization=org)
    LeadFactory(organization=org)
    foreign = {
        "campaign": CampaignFactory(organization=other_org),
        "company": CompanyFactory(organization=other_org),
    }[param]
    LeadFactory(organization=other_org, campaign=foreign if param == "campaign" else None)
    client = api_for(rep)
    by_foreign = client.get(url, {param: foreign.pk})
    by_missing = client.get(url, {param: MISSING})
    assert (by_foreign.status_code, by_missing.status_code) == (200, 200)
    assert by_foreign.json() == by_missing.json()
    assert by_foreign.json()["results"] == []
