"""A new customer signs up, logs out and back in — through the real pages in a real browser."""

from __future__ import annotations

import pytest

from accounts.models import DepartmentKind, Membership, Role
from tests.factories import (
    TEST_PASSWORD,
    InvitationFactory,
    member_of,
    organization_with_departments,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "a-Strong-pass-123"
DEPARTMENTS = ["Sales", "Marketing", "Product", "Customer success"]


def expect_departments(page) -> None:
    from playwright.sync_api import expect

    cards = page.locator("#departments .department-card .card-title")
    expect(cards).to_have_count(4)
    for name in DEPARTMENTS:
        expect(cards.filter(has_text=name)).to_have_count(1)


def test_sign_up_log_out_and_log_in_again(page, live_server, screenshot):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.get_by_label("Organization name")).to_be_visible()
    screenshot(page, "signup")

    page.get_by_label("Your name").fill("Peter Gibbons")
    page.get_by_label("Organization name").fill("Initech")
    page.get_by_label("Your department").select_option(label="Product")
    page.get_by_label("Email").fill("peter@initech.test")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create organization").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".org-current .org-name")).to_have_text("Initech")
    expect_departments(page)
    screenshot(page, "home")
    membership = Membership.objects.select_related("user", "department").get(
        user__email="peter@initech.test"
    )
    assert membership.user.full_name == "Peter Gibbons"
    assert membership.department.kind == DepartmentKind.PRODUCT

    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")

    page.get_by_label("Email").fill("peter@initech.test")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect_departments(page)


def test_comment_is_posted_in_place_and_mentions_notify(browser, page, live_server):
    """htmx loads the thread, posts with the CSRF header from <body>, and swaps the reply in."""
    from playwright.sync_api import expect

    organization = organization_with_departments(name="Acme", slug="acme")
    alice = member_of(organization, DepartmentKind.SALES, Role.ADMIN, email="alice@acme.test")
    member_of(organization, DepartmentKind.SALES, Role.MEMBER, email="bob@acme.test")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("bob@acme.test")
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/departments/{alice.department_id}/")

    textarea = page.get_by_placeholder("Write a comment…")
    expect(textarea).to_be_visible()  # the thread arrived through hx-get
    textarea.fill("@alice@acme.test the proposal is ready")
    page.get_by_role("button", name="Comment", exact=True).click()

    expect(page.locator(".comment-body")).to_have_text("@alice@acme.test the proposal is ready")
    expect(page.get_by_placeholder("Write a comment…")).to_have_value("")
    assert alice.notifications.filter(event__verb="comment.posted").count() == 1


def test_invited_colleague_signs_up_with_the_invited_address(page, live_server):
    from playwright.sync_api import expect

    organization = organization_with_departments(name="Acme", slug="acme")
    alice = member_of(organization, DepartmentKind.SALES, Role.ADMIN, email="alice@acme.test")
    invitation = InvitationFactory(
        organization=organization,
        email="dana@acme.test",
        department=alice.department,
        invited_by=alice,
    )

    page.goto(f"{live_server.url}/invitations/{invitation.token}/")
    page.get_by_role("link", name="Sign up and join").click()
    email = page.get_by_label("Email")
    expect(email).to_have_value("dana@acme.test")
    expect(email).to_have_attribute("readonly", "")
    expect(page.get_by_label("Organization name")).to_have_count(0)
    page.get_by_label("Your name").fill("Dana Scully")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Join and sign in").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".org-current .org-name")).to_have_text("Acme")
