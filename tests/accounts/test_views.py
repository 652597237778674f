"""Account pages: sign-up, invitations, organization switcher, people, departments, profile."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.forms import PENDING_INVITATION_KEY
from accounts.models import Department, DepartmentKind, Invitation, Membership, Role, User
from collab_hub.tenancy import SESSION_KEY
from tests.factories import (
    TEST_PASSWORD,
    InvitationFactory,
    MembershipFactory,
    UserFactory,
    member_of,
)

PASSWORD = "a-Strong-pass-123"

pytestmark = pytest.mark.django_db


def signup(client, **fields):
    data = {
        "full_name": "Nina Founder",
        "department": "marketing",
        "email": "new@founder.test",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(fields)
    return client.post(reverse("account_signup"), data)


# --- Sign-up --------------------------------------------------------------------------------


def test_signup_page_asks_for_organization_email_and_passwords(client):
    response = client.get(reverse("account_signup"))

    content = response.content.decode()
    assert response.status_code == 200
    for name in ("organization_name", "email", "password1", "password2"):
        assert f'name="{name}"' in content
    assert 'type="hidden" name="invitation_token"' in content


def test_signup_creates_organization_with_four_departments_and_lands_on_home(client):
    response = signup(client, organization_name="Initech")

    assert response.status_code == 302
    assert response.url == reverse("home")
    user = User.objects.get(email="new@founder.test")
    membership = Membership.objects.get(user=user)
    assert membership.organization.name == "Initech"
    assert membership.role == Role.ADMIN
    kinds = set(Department.objects.for_org(membership.organization).values_list("kind", flat=True))
    assert kinds == {"sales", "marketing", "product", "cs"}
    home = client.get(response.url)
    assert home.status_code == 200
    assert "Initech" in home.content.decode()


def test_signup_without_organization_name_shows_the_error(client):
    response = signup(client, organization_name="")

    assert response.status_code == 200
    assert "Name your organization." in response.content.decode()
    assert not User.objects.filter(email="new@founder.test").exists()


def test_invited_visitor_signs_up_without_organization_name_and_joins_as_invited(client, alice):
    marketing = Department.objects.for_org(alice.organization).get(kind=DepartmentKind.MARKETING)
    invitation = InvitationFactory(
        organization=alice.organization,
        email="dana@acme.test",
        department=marketing,
        role=Role.MANAGER,
        invited_by=alice,
    )
    page = client.get(reverse("invitation_accept", args=[invitation.token]))
    assert client.session[PENDING_INVITATION_KEY] == invitation.token
    assert reverse("account_signup") in page.content.decode()

    form = client.get(reverse("account_signup"))
    assert "Join Acme" in form.content.decode()
    assert 'name="organization_name"' not in form.content.decode()

    response = signup(client, email="dana@acme.test", invitation_token=invitation.token)

    assert response.status_code == 302
    membership = Membership.objects.get(user__email="dana@acme.test")
    assert membership.organization == alice.organization
    assert membership.department == marketing
    assert membership.role == Role.MANAGER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # No second organization was founded for the invited person.
    assert Membership.objects.filter(user__email="dana@acme.test").count() == 1


# --- Invitations ----------------------------------------------------------------------------


def test_signed_in_user_accepts_invitation_and_switches_to_that_organization(
    client, alice, charlie
):
    invitation = InvitationFactory(
        organization=alice.organization,
        email=charlie.user.email,
        department=alice.department,
        invited_by=alice,
    )
    client.force_login(charlie.user)
    url = reverse("invitation_accept", args=[invitation.token])

    page = client.get(url)
    assert "Accept and join Acme" in page.content.decode()
    response = client.post(url)

    assert response.status_code == 302
    assert Membership.objects.filter(user=charlie.user, organization=alice.organization).exists()
    assert client.session[SESSION_KEY] == alice.organization_id
    assert alice.notifications.filter(event__verb="invitation.accepted").exists()


def test_expired_invitation_page_says_so_and_offers_no_accept(client, alice, charlie):
    invitation = InvitationFactory(
        organization=alice.organization, email=charlie.user.email, department=alice.department
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    client.force_login(charlie.user)

    response = client.get(reverse("invitation_accept", args=[invitation.token]))

    assert "has expired" in response.content.decode()
    assert "Accept and join" not in response.content.decode()


def test_unknown_invitation_token_is_404(client):
    assert client.get(reverse("invitation_accept", args=["nope"])).status_code == 404


# --- Organization switcher ------------------------------------------------------------------


def test_switcher_changes_the_active_membership(browser_for, alice, other_org):
    second = MembershipFactory(
        organization=other_org,
        user=alice.user,
        department=Department.objects.for_org(other_org).get(kind=DepartmentKind.PRODUCT),
    )
    client = browser_for(alice)
    home = client.get(reverse("home"))
    assert 'value="globex"' in home.content.decode()  # switcher lists both organizations

    response = client.post(reverse("switch_organization"), {"organization": "globex"})

    assert response.status_code == 302
    after = client.get(reverse("home"))
    assert after.wsgi_request.membership == second
    assert "Globex" in after.content.decode()


def test_switcher_is_hidden_with_a_single_organization(browser_for, alice):
    response = browser_for(alice).get(reverse("home"))

    assert reverse("switch_organization") not in response.content.decode()


def test_switching_to_an_organization_you_do_not_belong_to_is_404(browser_for, alice, charlie):
    client = browser_for(alice)

    response = client.post(reverse("switch_organization"), {"organization": "globex"})

    assert response.status_code == 404
    assert client.get(reverse("home")).wsgi_request.membership == alice


# --- People and invitations by admins -------------------------------------------------------


def test_people_page_lists_members_for_everyone(browser_for, alice, bob):
    response = browser_for(bob).get(reverse("people"))

    content = response.content.decode()
    assert response.status_code == 200
    assert alice.user.email in content
    assert bob.user.email in content
    assert reverse("invite_member") not in content


def test_people_page_query_count_does_not_grow_with_members(
    browser_for, alice, django_assert_max_num_queries
):
    for _ in range(15):
        member_of(alice.organization, DepartmentKind.CS)
    InvitationFactory.create_batch(3, organization=alice.organization, invited_by=alice)
    client = browser_for(alice)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("people"))

    assert response.status_code == 200


def test_non_admin_cannot_see_or_post_the_invite_form(browser_for, bob):
    client = browser_for(bob)
    sales = bob.department

    assert client.get(reverse("invite_member")).status_code == 403
    response = client.post(
        reverse("invite_member"), {"email": "x@acme.test", "department": sales.pk, "role": "member"}
    )

    assert response.status_code == 403
    assert not Invitation.objects.filter(email="x@acme.test").exists()


def test_admin_invites_a_colleague(browser_for, alice, django_capture_on_commit_callbacks):
    product = Department.objects.for_org(alice.organization).get(kind=DepartmentKind.PRODUCT)
    client = browser_for(alice)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("invite_member"),
            {"email": "Pat@Acme.test", "department": product.pk, "role": "manager"},
        )

    assert response.status_code == 302
    invitation = Invitation.objects.for_org(alice.organization).get(email="pat@acme.test")
    assert invitation.department == product
    assert invitation.role == Role.MANAGER
    assert invitation.invited_by == alice
    assert len(callbacks) == 1  # the invitation mail is queued on commit
    assert "pat@acme.test" in client.get(reverse("people")).content.decode()


def test_inviting_an_existing_member_shows_the_domain_error(browser_for, alice, bob):
    response = browser_for(alice).post(
        reverse("invite_member"),
        {"email": bob.user.email, "department": bob.department_id, "role": "member"},
    )

    assert response.status_code == 200
    assert "already a member" in response.content.decode()


def test_invite_form_rejects_another_organizations_department(browser_for, alice, other_org):
    foreign = Department.objects.for_org(other_org).first()

    response = browser_for(alice).post(
        reverse("invite_member"),
        {"email": "pat@acme.test", "department": foreign.pk, "role": "member"},
    )

    assert response.status_code == 200
    assert not Invitation.objects.filter(email="pat@acme.test").exists()


def test_admin_revokes_a_pending_invitation(browser_for, alice):
    invitation = InvitationFactory(organization=alice.organization, invited_by=alice)

    response = browser_for(alice).post(reverse("revoke_invitation", args=[invitation.pk]))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.is_expired


def test_revoking_another_organizations_invitation_is_404(browser_for, alice, charlie):
    invitation = InvitationFactory(organization=charlie.organization, invited_by=charlie)

    response = browser_for(alice).post(reverse("revoke_invitation", args=[invitation.pk]))

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_member_cannot_revoke_invitations(browser_for, alice, bob):
    invitation = InvitationFactory(organization=alice.organization, invited_by=alice)

    response = browser_for(bob).post(reverse("revoke_invitation", args=[invitation.pk]))

    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.is_pending


# --- Changing memberships -------------------------------------------------------------------


def test_admin_moves_a_member_and_makes_them_manager(browser_for, alice, bob):
    cs = Department.objects.for_org(alice.organization).get(kind=DepartmentKind.CS)

    response = browser_for(alice).post(
        reverse("member_edit", args=[bob.pk]),
        {"department": cs.pk, "role": "manager", "is_active": "on"},
    )

    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.department == cs
    assert bob.role == Role.MANAGER
    assert bob.notifications.filter(event__verb="member.changed").exists()


def test_admin_deactivates_a_member(browser_for, alice, bob):
    browser_for(alice).post(
        reverse("member_edit", args=[bob.pk]), {"department": bob.department_id, "role": "member"}
    )

    bob.refresh_from_db()
    assert bob.is_active is False


def test_last_admin_cannot_demote_themself_and_sees_why(browser_for, alice):
    response = browser_for(alice).post(
        reverse("member_edit", args=[alice.pk]),
        {"department": alice.department_id, "role": "member", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "at least one active admin" in response.content.decode()
    alice.refresh_from_db()
    assert alice.role == Role.ADMIN


def test_member_form_refuses_another_organizations_department(browser_for, alice, bob, other_org):
    foreign = Department.objects.filter(organization=other_org).first()
    response = browser_for(alice).post(
        reverse("member_edit", args=[bob.pk]),
        {"department": foreign.pk, "role": Role.MANAGER, "is_active": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["department"]
    bob.refresh_from_db()
    assert (bob.department.organization_id, bob.role) == (alice.organization_id, Role.MEMBER)


def test_member_cannot_change_memberships(browser_for, alice, bob):
    client = browser_for(bob)

    assert client.get(reverse("member_edit", args=[alice.pk])).status_code == 403
    response = client.post(
        reverse("member_edit", args=[alice.pk]),
        {"department": alice.department_id, "role": "member"},
    )

    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.role == Role.ADMIN and alice.is_active


def test_editing_another_organizations_member_is_404(browser_for, alice, charlie):
    assert browser_for(alice).get(reverse("member_edit", args=[charlie.pk])).status_code == 404


# --- Departments ----------------------------------------------------------------------------


def test_department_page_lists_its_members_and_loads_the_thread(browser_for, alice, bob):
    response = browser_for(bob).get(reverse("department_detail", args=[bob.department_id]))

    content = response.content.decode()
    assert response.status_code == 200
    assert bob.user.email in content
    assert reverse("comments", args=["accounts.department", bob.department_id]) in content


def test_outsider_gets_404_on_a_department_page(browser_for, alice, charlie):
    response = browser_for(charlie).get(reverse("department_detail", args=[alice.department_id]))

    assert response.status_code == 404


def test_admin_creates_a_department(browser_for, alice):
    response = browser_for(alice).post(
        reverse("department_create"), {"name": "Partnerships", "kind": "other"}
    )

    department = Department.objects.for_org(alice.organization).get(name="Partnerships")
    assert response.status_code == 302
    assert response.url == reverse("department_detail", args=[department.pk])


def test_duplicate_department_name_is_shown_on_the_form(browser_for, alice):
    response = browser_for(alice).post(
        reverse("department_create"), {"name": "sales", "kind": "sales"}
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Department.objects.for_org(alice.organization).count() == 4


def test_admin_renames_a_department(browser_for, alice):
    department = alice.department

    browser_for(alice).post(
        reverse("department_edit", args=[department.pk]), {"name": "Revenue", "kind": "sales"}
    )

    department.refresh_from_db()
    assert department.name == "Revenue"


def test_member_cannot_create_or_rename_departments(browser_for, bob):
    client = browser_for(bob)

    assert client.get(reverse("department_create")).status_code == 403
    response = client.post(
        reverse("department_edit", args=[bob.department_id]), {"name": "Mine", "kind": "sales"}
    )

    assert response.status_code == 403
    assert not Department.objects.filter(name="Mine").exists()


# --- Users without an organization, profile -------------------------------------------------


def test_user_without_organization_creates_one_from_the_welcome_page(client):
    user = UserFactory()
    client.force_login(user)
    welcome = client.get(reverse("no_organization"))
    assert reverse("organization_create") in welcome.content.decode()

    response = client.post(reverse("organization_create"), {"name": "Hooli", "department": "cs"})

    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    assert membership.organization.name == "Hooli"
    assert membership.role == Role.ADMIN
    assert membership.department.kind == DepartmentKind.CS
    assert client.session[SESSION_KEY] == membership.organization_id


def test_profile_saves_name_language_and_email_preference(browser_for, bob):
    client = browser_for(bob)

    response = client.post(reverse("profile"), {"full_name": "Bob Builder", "language": "pl"})

    assert response.status_code == 302
    bob.refresh_from_db()
    bob.user.refresh_from_db()
    assert bob.user.full_name == "Bob Builder"
    assert bob.user.language == "pl"
    assert bob.email_notifications is False
    # The chosen language is used from the next page on.
    assert client.get(reverse("profile")).wsgi_request.LANGUAGE_CODE == "pl"


def test_login_page_signs_in_with_email_and_password(client, bob):
    response = client.post(
        reverse("account_login"), {"login": bob.user.email, "password": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_people_pages_require_sign_in(client, org):
    response = client.get(reverse("people"))

    assert response.status_code == 302
    assert reverse("account_login") in response.url


# --- Sign-up: name, department, one error per problem, the invited address -----------------


def test_signup_asks_the_name_and_the_founders_department(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert 'name="full_name"' in page
    assert 'name="department"' in page
    for label in ("Sales", "Marketing", "Product", "Customer success"):
        assert f">{label}</option>" in page

    response = signup(client, organization_name="Initech", department="product")

    assert response.status_code == 302
    membership = Membership.objects.select_related("user", "department").get(
        user__email="new@founder.test"
    )
    assert membership.user.full_name == "Nina Founder"
    assert membership.department.kind == DepartmentKind.PRODUCT
    assert membership.role == Role.ADMIN


def test_signup_without_name_or_department_says_what_is_missing(client):
    response = signup(client, organization_name="Initech", full_name="", department="")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Tell us your name." in content
    assert "Choose the department you work in." in content
    assert not User.objects.filter(email="new@founder.test").exists()


def test_a_too_long_organization_name_shows_one_error(client):
    response = signup(client, organization_name="x" * 10_000)

    content = response.content.decode()
    assert response.status_code == 200
    assert "at most 200 characters" in content
    assert "Name your organization." not in content
    assert content.count('class="field-error"') == 1
    assert not User.objects.filter(email="new@founder.test").exists()


def test_a_too_long_organization_name_on_the_welcome_page_shows_one_error(client):
    client.force_login(UserFactory())

    response = client.post(
        reverse("organization_create"), {"name": "x" * 10_000, "department": "sales"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('class="field-error"') == 1
    assert "Name your organization." not in content


def _invitation(alice, email="dana@acme.test"):
    return InvitationFactory(
        organization=alice.organization,
        email=email,
        department=Department.objects.for_org(alice.organization).get(kind="marketing"),
        invited_by=alice,
    )


def test_invitation_signup_shows_the_invited_address_read_only(client, alice):
    invitation = _invitation(alice)
    client.get(reverse("invitation_accept", args=[invitation.token]))

    content = client.get(reverse("account_signup")).content.decode()

    assert 'value="dana@acme.test"' in content
    assert "readonly" in content
    assert "The address your invitation was sent to." in content
    assert 'name="department"' not in content


def test_invitation_signup_ignores_another_email_and_joins_with_the_invited_one(client, alice):
    invitation = _invitation(alice)
    client.get(reverse("invitation_accept", args=[invitation.token]))

    response = signup(
        client, email="someone.else@elsewhere.test", invitation_token=invitation.token
    )

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert not User.objects.filter(email="someone.else@elsewhere.test").exists()
    membership = Membership.objects.get(user__email="dana@acme.test")
    assert membership.organization == alice.organization
    assert membership.user.full_name == "Nina Founder"
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_welcome_page_explains_how_to_get_into_an_organization(client):
    user = UserFactory(email="lost@nowhere.test")
    client.force_login(user)

    content = client.get(reverse("no_organization")).content.decode()

    assert "not a member of any organization" in content
    assert "<strong>lost@nowhere.test</strong>" in content
    assert "Log out and use another address" in content
    assert 'name="department"' in content


def test_welcome_page_says_a_membership_was_deactivated(client, bob):
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    client.force_login(bob.user)

    response = client.get(reverse("home"), follow=True)

    content = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("no_organization")
    assert f"Your membership in {bob.organization.name} was deactivated" in content


# --- Language switch ------------------------------------------------------------------------


def test_language_switch_confirms_in_the_new_language(client):
    from django.utils import translation

    response = client.post(
        reverse("switch_language"), {"language": "pl", "next": reverse("account_login")}
    )

    assert response.status_code == 302
    assert response.url == reverse("account_login")
    assert response.cookies["django_language"].value == "pl"
    page = client.get(response.url).content.decode()
    with translation.override("pl"):
        expected = translation.gettext("Language changed to %(language)s.") % {"language": "Polski"}
    assert expected in page
    assert '<html lang="pl"' in page


def test_language_switch_changes_a_profile_language_that_would_win(browser_for, bob):
    bob.user.language = "pl"
    bob.user.save(update_fields=["language"])
    client = browser_for(bob)

    response = client.post(reverse("switch_language"), {"language": "en", "next": "/people/"})

    bob.user.refresh_from_db()
    assert bob.user.language == "en"
    page = client.get(response.url)
    assert page.wsgi_request.LANGUAGE_CODE == "en"
    assert "Language changed to English." in page.content.decode()


def test_language_switch_refuses_an_unknown_language_and_an_outside_next(client):
    response = client.post(
        reverse("switch_language"), {"language": "xx", "next": "https://evil.test/"}
    )

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert "django_language" not in response.cookies


def test_profile_saved_message_is_in_the_newly_chosen_language(browser_for, bob):
    client = browser_for(bob)

    response = client.post(reverse("profile"), {"full_name": "Bob", "language": "pl"}, follow=True)

    assert "Zapisano Twój profil." in response.content.decode()
