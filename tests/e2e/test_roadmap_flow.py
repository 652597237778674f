"""Sales loses a deal for a missing feature and, on another deal, raises a blocking demand
and promises the feature → product sees the pending promise and approves it → sales sees it
confirmed → product ships the feature → the lost deal's owner is told, with the deal to
re-engage. Real pages, a real browser, two people."""

from __future__ import annotations

import pytest

from accounts.models import DepartmentKind, Role
from collab_hub.notifications.models import Notification
from leads.models import DealStage
from roadmap import services
from roadmap.models import Demand, DemandKind, Promise, PromiseStatus
from tests.e2e.test_leads_flow import log_in
from tests.factories import (
    CompanyFactory,
    DealFactory,
    member_of,
    organization_with_departments,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FEATURE = "Salesforce sync"


def new_session(browser, live_server, email: str):
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, live_server, email)
    return context, page


def test_lost_deal_and_promise_feed_the_roadmap_and_shipping_closes_the_loop(
    browser, page, live_server, screenshot
):
    from playwright.sync_api import expect

    org = organization_with_departments(name="Acme", slug="acme")
    rep = member_of(org, DepartmentKind.SALES, Role.MEMBER, email="sam@acme.test")
    product = member_of(org, DepartmentKind.PRODUCT, Role.MANAGER, email="paula@acme.test")
    feature = services.create_feature_request(by=rep, title=FEATURE)
    lost_company = CompanyFactory(organization=org, name="Baltic Freight")
    waiting_company = CompanyFactory(organization=org, name="Nordic Ledger")
    lost = DealFactory(
        organization=org, company=lost_company, owner=rep, name="Baltic rollout", value=60000
    )
    waiting = DealFactory(
        organization=org, company=waiting_company, owner=rep, name="Ledger pilot", value=36000
    )

    # Sales loses a deal: the customer needed Salesforce sync (picked from the roadmap).
    log_in(page, live_server, "sam@acme.test")
    page.goto(f"{live_server.url}/deals/{lost.pk}/lose/")
    page.get_by_label("Why was it lost?").select_option(label="Missing feature")
    page.locator("#feature-picker").get_by_text(FEATURE).click()
    page.get_by_label("Note").fill("They chose a vendor with a Salesforce connector.")
    page.get_by_role("button", name="Mark lost").click()
    lost.refresh_from_db()
    assert lost.stage == DealStage.LOST
    assert Demand.objects.filter(
        deal=lost, feature_request=feature, kind=DemandKind.LOST, ended_at__isnull=True
    ).exists()

    # On another deal the feature blocks the signature: a blocking demand, then a promise.
    page.goto(f"{live_server.url}/deals/{waiting.pk}/")
    page.get_by_role("link", name="Raise a demand").click()
    page.get_by_label("Feature request").select_option(label=f"{FEATURE} (New)")
    page.get_by_role("button", name="Record the demand").click()
    expect(page.locator(".messages")).to_contain_text(f"Recorded: Nordic Ledger needs {FEATURE}.")
    page.goto(f"{live_server.url}/deals/{waiting.pk}/")
    page.locator(".promise-form summary").click()
    page.get_by_label("Feature", exact=True).select_option(label=f"{FEATURE} (New)")
    page.get_by_label("What was promised").fill("Salesforce sync by the pilot's end.")
    page.get_by_role("button", name="Record the promise").click()
    expect(page.locator(".messages")).to_contain_text("product was asked to approve or decline")
    promise = Promise.objects.get(deal=waiting, feature_request=feature)
    assert promise.status == PromiseStatus.PENDING

    # Product finds it in its queue and approves it.
    product_context, product_page = new_session(browser, live_server, "paula@acme.test")
    try:
        product_page.goto(f"{live_server.url}/roadmap/promises/")
        card = product_page.locator(f"#promise-{promise.pk}")
        expect(card).to_contain_text(FEATURE)
        expect(card).to_contain_text("Ledger pilot")
        screenshot(product_page, "promise-queue")
        card.get_by_role("button", name="Approve").click()
        expect(product_page.locator(".messages")).to_contain_text(f"Promise of {FEATURE} confirmed")
        promise.refresh_from_db()
        assert (promise.status, promise.decided_by) == (PromiseStatus.CONFIRMED, product)

        # Sales sees it confirmed on the deal.
        page.goto(f"{live_server.url}/deals/{waiting.pk}/")
        panel = page.locator("section[aria-labelledby=roadmap-promises-title]")
        expect(panel).to_contain_text(FEATURE)
        expect(panel).to_contain_text("Confirmed")

        # Product ships it, one status at a time.
        product_page.goto(f"{live_server.url}{feature.get_absolute_url()}")
        for label in ["Under review", "Planned", "In progress", "Shipped"]:
            product_page.get_by_role("button", name=label, exact=True).click()
            expect(product_page.locator(".messages")).to_contain_text(f"is now {label.lower()}")
        screenshot(product_page, "feature-request-shipped")
    finally:
        product_context.close()

    # The lost deal's owner is told once, with the deal to re-engage.
    told = Notification.objects.filter(
        recipient=rep, event__verb="feature.status_changed", event__payload__to="shipped"
    )
    assert told.count() == 1
    reengage = told.get().event.payload["reengage"]
    assert {row["deal"] for row in reengage} == {lost.pk, waiting.pk}
    page.goto(f"{live_server.url}/notifications/")
    item = page.locator(".inbox-item", has_text=FEATURE).first
    expect(item).to_be_visible()
    item.locator(".inbox-link").click()
    expect(page.locator("section[aria-labelledby=reengage-title]")).to_contain_text(
        "Baltic rollout"
    )
    screenshot(page, "feature-request-reengage")
