"""The home page: departments, people, recent activity, and what to do when there is none."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import DepartmentKind, Role
from tests.factories import UserFactory, member_of

pytestmark = pytest.mark.django_db


def test_home_shows_the_four_departments_and_the_members(browser_for, alice, bob):
    response = browser_for(bob).get(reverse("home"))

    content = response.content.decode()
    assert response.status_code == 200
    for name in ("Sales", "Marketing", "Product", "Customer success"):
        assert name in content
    assert alice.user.display_name in content
    assert bob.user.display_name in content
    assert "Admin" in content  # alice's role badge


def test_home_shows_recent_activity_in_words(browser_for, alice, bob):
    services.create_department(by=alice, kind=DepartmentKind.OTHER, name="Partnerships")

    response = browser_for(bob).get(reverse("home"))

    assert (
        f"{alice.user.display_name} created the department Partnerships"
        in response.content.decode()
    )


def test_home_of_a_lone_admin_invites_colleagues(browser_for, alice):
    response = browser_for(alice).get(reverse("home"))

    content = response.content.decode()
    assert "No colleagues yet" in content
    assert reverse("invite_member") in content
    assert "Nothing has happened yet" in content


def test_lone_member_is_told_to_ask_an_admin(browser_for, org):
    lonely = member_of(org, DepartmentKind.CS, Role.MEMBER)

    response = browser_for(lonely).get(reverse("home"))

    content = response.content.decode()
    assert "No colleagues yet" in content
    assert "Ask an admin" in content
    assert reverse("invite_member") not in content


def test_empty_department_says_no_one_is_there_yet(browser_for, alice, bob):
    response = browser_for(alice).get(reverse("home"))

    # Marketing, product and CS have no members in the fixture organization.
    assert response.content.decode().count("No one here yet.") == 3


def test_home_query_count_does_not_grow_with_the_organization(
    browser_for, alice, django_assert_max_num_queries
):
    for kind in (DepartmentKind.SALES, DepartmentKind.MARKETING, DepartmentKind.CS):
        for _ in range(8):
            member_of(alice.organization, kind)
    for n in range(10):
        services.create_department(by=alice, kind=DepartmentKind.OTHER, name=f"Team {n}")
    client = browser_for(alice)

    # Eight for the page, one per "my work" provider the admin may use (seventeen, the
    # roadmap's three, the handoffs' five and the feedback's two included), and one per
    # kind of record the activity feed links to (here departments and memberships: two).
    with django_assert_max_num_queries(27):
        response = client.get(reverse("home"))

    assert response.status_code == 200


def test_outsiders_rows_never_appear_on_home(browser_for, alice, charlie):
    services.create_department(by=charlie, kind=DepartmentKind.OTHER, name="Globex secret lab")

    content = browser_for(alice).get(reverse("home")).content.decode()

    assert "Globex secret lab" not in content
    assert charlie.user.email not in content


def test_anonymous_visitor_is_sent_to_login(client, org):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_user_without_organization_lands_on_the_welcome_page(client, db):
    client.force_login(UserFactory())

    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("no_organization")
    assert "not a member of any organization" in response.content.decode()


def test_bell_shows_the_unread_count(browser_for, alice, bob):
    services.change_membership(by=alice, membership=bob, role=Role.MANAGER)

    content = browser_for(bob).get(reverse("home")).content.decode()

    assert 'data-testid="unread-count">1<' in content


def test_admin_sees_the_settings_link_and_members_do_not(browser_for, alice, bob, client):
    admin_url = reverse("admin:index")

    assert admin_url in browser_for(alice).get(reverse("home")).content.decode()
    client.logout()
    assert admin_url not in browser_for(bob).get(reverse("home")).content.decode()


def test_missing_page_uses_the_product_layout(browser_for, bob):
    response = browser_for(bob).get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_home_feed_links_events_to_their_records_and_leaves_digests_out(browser_for, alice):
    """The feed's sentences open the record they are about; a breach digest (a message to
    its recipients, already in the feed as each lead's own breach) is not listed."""
    from collab_hub.notifications.services import record_event
    from tests.factories import LeadFactory

    lead = LeadFactory(organization=alice.organization, first_name="Feedy", last_name="Lead")
    record_event(organization=alice.organization, actor=alice, verb="lead.created", target=lead)
    record_event(
        organization=alice.organization,
        actor=None,
        verb="lead.sla_digest",
        target=None,
        payload={"audience": "sales", "count": 1, "leads": []},
    )
    html = browser_for(alice).get("/").content.decode()
    assert f'href="{lead.get_absolute_url()}"' in html
    assert "past their response deadline" not in html
