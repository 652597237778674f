"""A Polish sales manager picks a period on the lead-quality report: the date inputs carry
ISO values (a Polish "04.09.2026" would leave them blank and send ``start=&end=``), "Pokaż"
shows that period, and the caption writes its dates the Polish way (``01.03.2026``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from accounts.models import DepartmentKind, Role
from leads.models import LeadStatus
from leads.selectors.reports import default_range
from tests.factories import TEST_PASSWORD, LeadFactory, member_of, organization_with_departments

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def polish_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="pl-PL")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_polish_manager_filters_the_report_by_dates(polish_page, live_server, screenshot):
    from playwright.sync_api import expect

    page = polish_page
    org = organization_with_departments(name="Acme", slug="acme")
    member_of(org, DepartmentKind.SALES, Role.MANAGER, email="max@acme.test", language="pl")
    # Two leads in March 2026, one in May: only March's are in the period picked below.
    for day in (3, 20):
        LeadFactory(
            organization=org,
            created_at=datetime(2026, 3, day, 12, tzinfo=UTC),
            status=LeadStatus.MQL,
            qualified_at=datetime(2026, 3, day, 13, tzinfo=UTC),
        )
    LeadFactory(organization=org, created_at=datetime(2026, 5, 10, 12, tzinfo=UTC))

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill("max@acme.test")
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page).to_have_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/reports/lead-quality/")
    expect(page.get_by_role("heading", name="Jakość leadów")).to_be_visible()
    # The default range is in the inputs, in ISO: what <input type=date> accepts.
    start, end = default_range(org)
    expect(page.locator("#id_start")).to_have_value(start.isoformat())
    expect(page.locator("#id_end")).to_have_value(end.isoformat())

    page.locator("#id_start").fill("2026-03-01")
    page.locator("#id_end").fill("2026-04-01")
    page.get_by_role("button", name="Pokaż").click()

    expect(page).to_have_url(re.compile(r"start=2026-03-01&end=2026-04-01"))
    report = page.locator("#report")
    expect(report).to_contain_text("Leady utworzone od 01.03.2026 do 01.04.2026")
    expect(report.locator(".stat-value").first).to_have_text("2")
    # After the swap the inputs still show the period, so a second "Pokaż" keeps it.
    expect(page.locator("#id_start")).to_have_value("2026-03-01")
    expect(page.locator("#id_end")).to_have_value("2026-04-01")
    screenshot(page, "report-dates-pl")
