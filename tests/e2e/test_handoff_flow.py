"""Sales wins a deal with a pending promise → cannot submit the handoff until product decides
→ product approves → sales submits → CS signs off the items, accepts, records a discrepancy
and raises an upsell signal → sales accepts it and sees the expansion deal. Real pages, a
real browser, three people."""

from __future__ import annotations

import pytest

from accounts.models import DepartmentKind, Role
from handoffs.models import (
    Discrepancy,
    DiscrepancyKind,
    Handoff,
    HandoffStatus,
    UpsellSignal,
    UpsellStatus,
)
from leads.models import DealKind, DealSource, DealStage
from roadmap import services as roadmap_services
from roadmap.models import PromiseStatus
from tests.e2e.test_roadmap_flow import new_session
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    member_of,
    organization_with_departments,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FEATURE = "Okta single sign-on"


def test_a_won_deal_is_handed_to_cs_without_surprises_and_cs_routes_an_upsell_back(
    browser, page, live_server, screenshot
):
    from playwright.sync_api import expect

    org = organization_with_departments(name="Acme", slug="acme")
    rep = member_of(org, DepartmentKind.SALES, Role.MEMBER, email="sam@acme.test")
    member_of(org, DepartmentKind.PRODUCT, Role.MANAGER, email="paula@acme.test")
    cs = member_of(org, DepartmentKind.CS, Role.MEMBER, email="cara@acme.test")
    company = CompanyFactory(organization=org, name="Nordic Ledger")
    ContactFactory(
        organization=org, company=company, first_name="Ines", last_name="Berg", email="ines@nl.test"
    )
    deal = DealFactory(
        organization=org, company=company, owner=rep, name="Ledger rollout", value=48000
    )
    feature = roadmap_services.create_feature_request(by=rep, title=FEATURE)
    promise = roadmap_services.record_promise(
        by=rep, deal=deal, feature_request=feature, note="SSO before go-live."
    )
    assert promise.status == PromiseStatus.PENDING

    # Sales wins the deal: its handoff opens, with CS's owner and the pending promise.
    from tests.e2e.test_leads_flow import log_in

    log_in(page, live_server, "sam@acme.test")
    page.goto(f"{live_server.url}/deals/{deal.pk}/win/")
    page.get_by_role("button", name="Yes, mark won").click()
    deal.refresh_from_db()
    assert deal.stage == DealStage.WON
    handoff = Handoff.objects.get(deal=deal)
    assert (handoff.sales_owner, handoff.cs_owner) == (rep, cs)
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.get_by_role("link", name="Open the handoff").click()
    expect(page).to_have_url(f"{live_server.url}/handoffs/{handoff.pk}/")
    promises = page.locator("section[aria-labelledby=promises-title]")
    expect(promises.locator(f"#promise-{promise.pk}")).to_have_class("is-highlighted")

    # The package: goals, terms, notes and a stakeholder.
    page.locator("#package").get_by_role("link", name="Edit").click()
    page.get_by_label("Customer goals").fill("Close the books in 3 days instead of 10.")
    page.get_by_label("Commercial terms").fill("€48,000 a year, 3 years, 40 seats.")
    page.get_by_label("Implementation notes").fill("Migrate from two spreadsheets; SSO via Okta.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("The handoff was saved.")
    stakeholders = page.locator("#stakeholders")
    stakeholders.get_by_label("Contact").select_option(label="Ines Berg <ines@nl.test>")
    stakeholders.get_by_label("Role").fill("Executive sponsor")
    stakeholders.get_by_role("button", name="Add the stakeholder").click()
    expect(page.locator(".messages")).to_contain_text("Ines Berg was added as Executive sponsor.")

    # Submitting is refused while product has not decided on the promise.
    expect(page.locator(".handoff-missing")).to_contain_text(FEATURE)
    page.get_by_role("button", name="Submit to customer success").click()
    expect(page.locator(".messages")).to_contain_text("waiting for product's decision")
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.DRAFT

    # Product approves it in its queue; then sales submits.
    product_context, product_page = new_session(browser, live_server, "paula@acme.test")
    try:
        product_page.goto(f"{live_server.url}/roadmap/promises/")
        product_page.locator(f"#promise-{promise.pk}").get_by_role("button", name="Approve").click()
        expect(product_page.locator(".messages")).to_contain_text(f"Promise of {FEATURE} confirmed")
    finally:
        product_context.close()
    page.reload()
    expect(page.locator(".handoff-missing")).to_have_count(0)
    page.get_by_role("button", name="Submit to customer success").click()
    expect(page.locator(".messages")).to_contain_text("The handoff was submitted; CS was told.")
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.SUBMITTED

    # CS: the handoff waits in its inbox; it signs off the promise, accepts, records a
    # surprise and raises an upsell signal.
    cs_context, cs_page = new_session(browser, live_server, "cara@acme.test")
    try:
        cs_page.goto(f"{live_server.url}/handoffs/?tab=to_accept")
        cs_page.get_by_role("link", name="Nordic Ledger").first.click()
        expect(cs_page).to_have_url(f"{live_server.url}/handoffs/{handoff.pk}/")
        row = cs_page.locator(f"#promise-{promise.pk}")
        row.get_by_text("Deliverable", exact=True).click()
        row.get_by_label("Note").fill("Okta is supported; the customer's tenant is ready.")
        row.get_by_role("button", name="Save the sign-off").click()
        expect(cs_page.locator(".messages")).to_contain_text(f"“{FEATURE}”: deliverable.")
        screenshot(cs_page, "handoff-signed-off")
        cs_page.get_by_role("button", name="Accept", exact=True).click()
        expect(cs_page.locator(".messages")).to_contain_text("The handoff was accepted")
        handoff.refresh_from_db()
        assert handoff.status == HandoffStatus.ACCEPTED and handoff.accepted_by == cs

        surprise = cs_page.locator(".record-surprise")
        if not surprise.evaluate("element => element.open"):
            surprise.locator("summary").click()
        surprise.get_by_label("Kind").select_option(label="Wrong commercial terms")
        surprise.get_by_label("What surprised you?").fill("The contract says 35 seats, not 40.")
        surprise.get_by_role("button", name="Record it").click()
        expect(cs_page.locator(".messages")).to_contain_text("The surprise was recorded")
        discrepancy = Discrepancy.objects.get(handoff=handoff)
        assert discrepancy.kind == DiscrepancyKind.WRONG_TERMS and discrepancy.raised_by == cs

        cs_page.goto(f"{live_server.url}/upsell/new/?company={company.pk}")
        cs_page.get_by_label("Kind").select_option(label="More seats")
        cs_page.get_by_label("Estimated value").fill("12000")
        cs_page.get_by_label("Confidence").select_option(label="High")
        cs_page.get_by_label("What did you see?").fill("Finance wants the treasury team on it.")
        cs_page.get_by_role("button", name="Raise the signal").click()
        expect(cs_page.locator(".messages")).to_contain_text("Signal raised and sent to")
    finally:
        cs_context.close()
    signal = UpsellSignal.objects.get(company=company)
    assert (signal.routed_to, signal.raised_by) == (rep, cs)

    # Sales finds the surprise and the signal, answers the one and accepts the other.
    page.goto(f"{live_server.url}{handoff.get_absolute_url()}")
    card = page.locator(f"#discrepancy-{discrepancy.pk}")
    card.get_by_label("Sales' answer").fill("Right: 35 seats; 5 more are in the signal.")
    card.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".messages")).to_contain_text("Your answer was sent to CS.")
    page.goto(f"{live_server.url}/upsell/")
    page.locator("main").get_by_role("link", name="Nordic Ledger").first.click()
    expect(page).to_have_url(f"{live_server.url}/upsell/{signal.pk}/")
    page.get_by_role("button", name="Accept and open the deal").click()
    expect(page.locator(".messages")).to_contain_text("Accepted: the expansion deal")
    signal.refresh_from_db()
    assert signal.status == UpsellStatus.ACCEPTED and signal.deal is not None
    expansion = signal.deal
    assert (expansion.kind, expansion.source, expansion.owner) == (
        DealKind.EXPANSION,
        DealSource.CS,
        rep,
    )
    assert expansion.value == 12000
    page.get_by_role("link", name=expansion.name).first.click()
    expect(page).to_have_url(f"{live_server.url}/deals/{expansion.pk}/")
    expect(page.locator("main")).to_contain_text("Expansion")
    expect(page.locator("section[aria-labelledby=signal-panel-title]")).to_contain_text(
        "Credit split: CS 30% / sales 70%"
    )
    screenshot(page, "expansion-deal")
