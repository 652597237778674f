"""Sales rejected a lead for bad contact data → marketing corrects it on the lead's edit
page (the country picked from the searchable picker) and resubmits it with a note → sales
finds it in the MQL queue marked as resubmitted, with the reason it was rejected before."""

from __future__ import annotations

import pytest

from accounts.models import DepartmentKind, Role
from leads.models import Lead, LeadStatus
from leads.services import lifecycle
from tests.e2e.test_leads_flow import log_in
from tests.factories import member_of, organization_with_departments

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_marketing_corrects_and_resubmits_sales_sees_it_marked_in_the_queue(
    browser, page, live_server, screenshot
):
    from playwright.sync_api import expect

    org = organization_with_departments(name="Acme", slug="acme")
    marketer = member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mia@acme.test")
    rep = member_of(org, DepartmentKind.SALES, Role.MEMBER, email="sam@acme.test")
    lead = lifecycle.create_lead(
        organization=org,
        data={"email": "jane@prospect.test", "first_name": "Jane", "country": "PL"},
        by=marketer,
    )
    lifecycle.qualify_lead(by=marketer, lead=lead, owner=rep)
    lifecycle.reject_lead(
        by=rep, lead=lead, reason="bad_contact_data", note="Wrong phone, and she is in Prague."
    )

    # Marketing reads the rejection, corrects the lead, and hands it back.
    log_in(page, live_server, "mia@acme.test")
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    expect(page.locator(".lead-rejection")).to_contain_text("Bad contact data")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Phone").fill("+420 601 234 567")
    # The picker's filter box narrows the country list; the select keeps the ISO code.
    page.locator("input.country-filter").fill("czech")
    page.locator("select[name=country]").select_option("CZ")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".messages")).to_contain_text("was saved.")
    expect(page.locator(".lead-history")).to_contain_text("Country: Poland → Czechia")
    page.get_by_label("What did you correct?").fill("Phone fixed; she works from Prague.")
    screenshot(page, "lead-resubmit")
    page.get_by_role("button", name="Resubmit to sales").click()
    expect(page.locator(".messages")).to_contain_text("Resubmitted")

    lead.refresh_from_db()
    assert (lead.status, lead.country, lead.phone, lead.owner_id) == (
        LeadStatus.MQL,
        "CZ",
        "+420 601 234 567",
        rep.pk,
    )

    # Sales sees in its queue that this is a resubmission, and why it was rejected before.
    sales = browser.new_context(viewport={"width": 1366, "height": 860}, locale="en-US")
    sales.set_default_timeout(10_000)
    sales_page = sales.new_page()
    try:
        log_in(sales_page, live_server, "sam@acme.test")
        sales_page.get_by_role("link", name="My MQL queue").click()
        row = sales_page.locator(f"#queue-row-{lead.pk}")
        expect(row.locator(".queue-resubmitted")).to_contain_text("Resubmitted")
        expect(row).to_contain_text("Rejected before: Bad contact data")
        expect(row).to_contain_text("Wrong phone, and she is in Prague.")
        screenshot(sales_page, "mql-queue-resubmitted")
        row.get_by_role("link", name="Jane").click()
        expect(sales_page.locator(".lead-history")).to_contain_text(
            "Phone fixed; she works from Prague."
        )
    finally:
        sales.close()
    assert Lead.objects.get(pk=lead.pk).resubmissions == 1
