"""Marketing brings a lead in and qualifies it → sales finds it in the MQL queue and rejects
it with a reason → marketing reads the reason. Real pages, a real browser, two people."""

from __future__ import annotations

import re

import pytest

from accounts.models import DepartmentKind, Role
from leads.models import Lead, LeadStatus
from tests.factories import TEST_PASSWORD, member_of, organization_with_departments

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CSV = (
    b"Email;First name;Last name;Company;Country\r\n"
    b"jane@prospect.test;Jane;Doe;Prospect Ltd;PL\r\n"
    b"not-an-email;Bad;Row;Nowhere;DE\r\n"
)


def log_in(page, live_server, email: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def bring_in_by_import(page, live_server) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/leads/import/")
    page.locator("input[type=file][name=file]").set_input_files(
        {"name": "fair-2025.csv", "mimeType": "text/csv", "buffer": CSV}
    )
    page.get_by_role("button", name="Upload and import", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("1 created")


def bring_in_by_hand(page, live_server) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/leads/new/")
    page.get_by_label("Email").fill("jane@prospect.test")
    page.get_by_label("First name").fill("Jane")
    page.get_by_label("Last name").fill("Doe")
    page.get_by_label("Company").fill("Prospect Ltd")
    page.get_by_role("button", name="Add lead").click()
    expect(page.locator(".messages")).to_contain_text("Jane Doe was added.")


@pytest.mark.parametrize("bring_in", [bring_in_by_import, bring_in_by_hand], ids=["csv", "form"])
def test_marketing_qualifies_sales_rejects_with_a_reason_marketing_reads_it(
    browser, page, live_server, screenshot, bring_in
):
    from playwright.sync_api import expect

    org = organization_with_departments(name="Acme", slug="acme")
    member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mia@acme.test")
    rep = member_of(org, DepartmentKind.SALES, Role.MEMBER, email="sam@acme.test")

    # Marketing brings the lead in and qualifies it for Sam from the lead list.
    log_in(page, live_server, "mia@acme.test")
    bring_in(page, live_server)
    page.goto(f"{live_server.url}/leads/")
    page.get_by_label("Search").fill("prospect")
    # htmx fetched the filtered results as the marketer typed, and put them in the address.
    expect(page).to_have_url(re.compile(r"/leads/\?.*search=prospect"))
    row = page.locator("#lead-results tbody tr", has_text="jane@prospect.test")
    expect(row).to_have_count(1)
    page.get_by_label("Select jane@prospect.test", exact=True).check()
    page.locator("#bulk-qualify select[name=owner]").select_option(label=rep.user.display_name)
    screenshot(page, "lead-list")
    page.get_by_role("button", name="Qualify selected").click()
    expect(page.locator(".messages")).to_contain_text("1 lead qualified and handed to sales.")
    expect(row.locator(".badge-status")).to_have_text("Marketing qualified")

    # Sales, in another browser session, finds it in the queue and rejects it with a reason.
    sales = browser.new_context(viewport={"width": 1366, "height": 860}, locale="en-US")
    sales.set_default_timeout(10_000)
    sales_page = sales.new_page()
    try:
        log_in(sales_page, live_server, "sam@acme.test")
        sales_page.get_by_role("link", name="My MQL queue").click()
        lead = Lead.objects.get(email="jane@prospect.test")
        queue_row = sales_page.locator(f"#queue-row-{lead.pk}")
        expect(queue_row).to_contain_text("jane@prospect.test")
        expect(queue_row).to_contain_text("left")
        queue_row.get_by_text("Reject", exact=True).click()
        queue_row.get_by_label("Reason").select_option(label="No budget")
        queue_row.get_by_label("Note for marketing").fill("Budget frozen until Q3")
        screenshot(sales_page, "mql-queue")
        queue_row.get_by_role("button", name="Reject lead").click()
        expect(queue_row).to_contain_text("rejected: No budget.")
    finally:
        sales.close()

    lead.refresh_from_db()
    assert (lead.status, lead.owner_id, lead.rejection_reason) == (
        LeadStatus.REJECTED,
        rep.pk,
        "no_budget",
    )

    # Marketing opens the lead and reads why.
    page.goto(f"{live_server.url}/leads/")
    page.get_by_role("link", name="jane@prospect.test").click()
    expect(page.locator(".lead-rejection")).to_contain_text("Sales rejected this lead: No budget")
    expect(page.locator(".lead-rejection")).to_contain_text("Budget frozen until Q3")
    expect(page.locator(".lead-history")).to_contain_text(rep.user.display_name)
    screenshot(page, "lead-detail")
