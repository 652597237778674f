"""Organization admins use /admin/ for their own organization only, through the services."""

from accounts.models import Department, Invitation
from accounts.tasks import send_invitation
from collab_hub.notifications.models import ActivityEvent


def test_organization_admin_opens_the_admin_without_being_staff(browser_for, alice):
    assert not alice.user.is_staff
    response = browser_for(alice).get("/admin/")
    assert response.status_code == 200
    assert "/admin/accounts/department/" in response.content.decode()
    assert "/admin/accounts/user/" not in response.content.decode()


def test_plain_members_are_kept_out_of_the_admin(browser_for, bob):
    response = browser_for(bob).get("/admin/accounts/department/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_department_added_in_the_admin_belongs_to_the_admins_organization(browser_for, alice):
    response = browser_for(alice).post(
        "/admin/accounts/department/add/", {"name": "Finance", "kind": "other"}
    )
    assert response.status_code == 302
    department = Department.objects.get(name="Finance")
    assert department.organization == alice.organization
    assert ActivityEvent.objects.filter(verb="department.created", actor=alice).exists()


def test_admin_refuses_what_the_service_refuses(browser_for, alice):
    client = browser_for(alice)
    response = client.post(
        f"/admin/accounts/membership/{alice.pk}/change/",
        {
            "department": alice.department_id,
            "role": "member",
            "email_notifications": "on",
            "is_active": "on",
        },
        follow=True,
    )
    assert "at least one active admin" in response.content.decode()
    alice.refresh_from_db()
    assert alice.role == "admin"


def test_invitation_sent_from_the_admin_is_mailed(
    browser_for, alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = browser_for(alice).post(
            "/admin/accounts/invitation/add/",
            {"email": "eve@example.com", "department": alice.department_id, "role": "member"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="eve@example.com")
    assert invitation.organization == alice.organization
    assert invitation.invited_by == alice
    assert len(callbacks) == 1
    send_invitation.run(invitation.pk)
    assert [m.to for m in mailoutbox] == [["eve@example.com"]]


def test_a_foreign_department_cannot_be_chosen_in_an_admin_form(browser_for, alice, charlie):
    response = browser_for(alice).post(
        "/admin/accounts/invitation/add/",
        {"email": "eve@example.com", "department": charlie.department_id, "role": "member"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.exists()
