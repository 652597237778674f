"""One email rule for every way a lead's email is written (``leads.services.emails``).

The same addresses get the same verdict through the lead form, ``POST /leads/``, the public
capture, ``leads/upsert/``, ``leads/batch/``, the CSV import and a deal's contact; an
accepted address is stored stripped and in lower case.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from collab_hub.exceptions import DomainError
from leads.models import Lead
from leads.services import deals, imports, lifecycle
from leads.services.emails import MAX_LENGTH, clean_lead_email
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

GOOD = [
    "ann@example.test",
    "Ann.Able@Example.TEST",
    "  padded@example.test ",
    "o'brien+news@example.co.uk",
    "user@sub.domain.example.com",
    "user@[127.0.0.1]",
    "x" * 64 + "@example.test",
]
BAD = [
    "not-an-email",
    "no-domain@",
    "@no-local.test",
    "two@@example.test",
    "tomasz.dvořák.17@example.test",  # a non-ASCII local part (the old demo's addresses)
    "sophie.lópez@example.test",
    "dots..twice@example.test",
    "space in@example.test",
    "short-tld@example.c",
    "a@" + "b" * (MAX_LENGTH - 6) + ".test",  # longer than the column
]
NORMALISED = {
    "Ann.Able@Example.TEST": "ann.able@example.test",
    "  padded@example.test ": "padded@example.test",
}


def _stored(value: str) -> str:
    return NORMALISED.get(value, value)


# --- The rule itself -----------------------------------------------------------------------


@pytest.mark.parametrize("value", GOOD)
def test_the_rule_accepts_and_normalises_good_addresses(value):
    assert clean_lead_email(value) == _stored(value)


@pytest.mark.parametrize("value", [*BAD, "", "   ", None, 42, ["a@b.test"]])
def test_the_rule_refuses_bad_addresses_with_invalid_email(value):
    with pytest.raises(DomainError) as refused:
        clean_lead_email(value)
    assert refused.value.code == "invalid_email"
    assert refused.value.field == "email"


# --- Every path ----------------------------------------------------------------------------


def via_form(client, email):
    client.post(reverse("leads:lead_create"), {"email": email, "source": "other"})


def via_api(api, email):
    return api.post("/api/v1/leads/", {"email": email}, format="json")


def via_upsert(api, email):
    return api.post("/api/v1/leads/upsert/", {"email": email}, format="json")


def via_batch(api, email):
    return api.post("/api/v1/leads/batch/", {"leads": [{"email": email}]}, format="json")


def via_capture(org, email):
    return APIClient().post(f"/api/v1/capture/{org.capture_key}/", {"email": email}, format="json")


def via_import(marketer, email):
    content = f'Email,First name\r\n"{email}",Ann\r\n'.encode()
    imports.import_leads(
        by=marketer,
        file=SimpleUploadedFile("leads.csv", content, content_type="text/csv"),
        file_name="leads.csv",
    )


def via_service(org, email):
    try:
        lifecycle.create_lead(organization=org, data={"email": email})
    except DomainError as error:
        assert error.code == "invalid_email"


def verdicts(org, marketer, browser_for, api_for, value):
    """For each path: was a lead with ``value`` (normalised) created? Each path writes a
    fresh lead, so the previous one is removed first."""
    client, api = browser_for(marketer), api_for(marketer)
    paths = {
        "form": lambda: via_form(client, value),
        "api": lambda: via_api(api, value),
        "upsert": lambda: via_upsert(api, value),
        "batch": lambda: via_batch(api, value),
        "capture": lambda: via_capture(org, value),
        "import": lambda: via_import(marketer, value),
        "service": lambda: via_service(org, value),
    }
    found = {}
    for name, write in paths.items():
        Lead.objects.for_org(org).delete()
        write()
        found[name] = Lead.objects.for_org(org).filter(email=_stored(value.strip())).exists()
    return found


@pytest.mark.parametrize("value", GOOD)
def test_every_path_accepts_the_same_good_addresses(org, marketer, browser_for, api_for, value):
    found = verdicts(org, marketer, browser_for, api_for, value)

    assert all(found.values()), found


@pytest.mark.parametrize("value", BAD)
def test_every_path_refuses_the_same_bad_addresses(org, marketer, browser_for, api_for, value):
    found = verdicts(org, marketer, browser_for, api_for, value)

    assert not any(found.values()), found
    assert not Lead.objects.for_org(org).exists()


@pytest.mark.parametrize("value", ["tomasz.dvořák.17@example.test", "a@b"])
def test_the_api_paths_answer_a_bad_address_with_a_400_on_the_email_field(
    org, marketer, api_for, value
):
    api = api_for(marketer)
    for response in (via_api(api, value), via_upsert(api, value), via_capture(org, value)):
        assert response.status_code == 400, response.content
        assert "email" in response.json(), response.json()
    batch = via_batch(api, value)
    assert batch.status_code in (200, 207, 400), batch.content
    assert "email" in str(batch.json())


def test_the_service_refuses_a_bad_address_on_update_too(org):
    lead = LeadFactory(organization=org, email="ann@example.test")

    with pytest.raises(DomainError) as refused:
        lifecycle.update_lead(by=None, lead=lead, data={"email": "ann.dvořák@example.test"})

    assert refused.value.code == "invalid_email"
    lead.refresh_from_db()
    assert lead.email == "ann@example.test"


def test_a_deal_contact_follows_the_same_rule(org, alice):
    company = deals.create_company(by=alice, data={"name": "Example"})
    with pytest.raises(DomainError) as refused:
        deals.create_contact(
            by=alice, data={"company": company, "email": "zoë@example.test", "first_name": "Zoë"}
        )
    assert refused.value.code == "invalid_email"

    contact = deals.create_contact(
        by=alice, data={"company": company, "email": " Zoe@Example.TEST "}
    )
    assert contact.email == "zoe@example.test"
