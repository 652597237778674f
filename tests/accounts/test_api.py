import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Department, Invitation, Membership, Role
from accounts.tasks import send_invitation
from tests.factories import TEST_PASSWORD, DepartmentFactory, InvitationFactory, member_of


@pytest.fixture
def anon():
    return APIClient()


def test_token_for_email_and_password_then_token_auth(anon, alice):
    response = anon.post(
        "/api/v1/auth/token/", {"email": "ALICE@acme.test", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["user"]["email"] == "alice@acme.test"
    assert me.json()["organization"]["slug"] == "acme"
    assert me.json()["role"] == "admin"


def test_wrong_password_gets_no_token(anon, alice):
    response = anon.post("/api/v1/auth/token/", {"email": "alice@acme.test", "password": "nope"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_token_endpoint_validates_its_input(anon):
    response = anon.post("/api/v1/auth/token/", {"email": "not an email"})
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password", "detail", "code"}


def test_token_endpoint_is_throttled_with_retry_after(anon, alice):
    # A different account each time: one account locks after 5 failures (test_login_limits).
    statuses = [
        anon.post("/api/v1/auth/token/", {"email": f"u{n}@acme.test", "password": "x"}).status_code
        for n in range(10)
    ]
    assert statuses == [400] * 10
    throttled = anon.post("/api/v1/auth/token/", {"email": "alice@acme.test", "password": "x"})
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0


def test_api_needs_authentication(anon, alice):
    assert anon.get("/api/v1/departments/").status_code == 401
    assert anon.get("/api/v1/me/").status_code == 401


def test_x_organization_of_a_foreign_organization_is_404(api_for, alice, charlie):
    client = api_for(alice)
    client.credentials(HTTP_X_ORGANIZATION=charlie.organization.slug)
    assert client.get("/api/v1/departments/").status_code == 404
    assert client.get("/api/v1/me/").status_code == 404


def test_a_member_of_several_organizations_chooses_with_the_header(alice, other_org):
    Membership.objects.create(
        organization=other_org,
        user=alice.user,
        department=Department.objects.get(organization=other_org, kind="cs"),
        role=Role.MEMBER,
    )
    client = APIClient()
    client.force_authenticate(alice.user)
    response = client.get("/api/v1/departments/")
    assert response.status_code == 400
    assert "X-Organization" in response.json()["detail"]
    client.credentials(HTTP_X_ORGANIZATION="globex")
    me = client.get("/api/v1/me/").json()
    assert me["organization"]["slug"] == "globex"
    assert me["role"] == "member"
    assert {o["slug"] for o in me["organizations"]} == {"acme", "globex"}


def test_departments_list_is_paginated_with_a_cursor(api_for, alice):
    response = api_for(alice).get("/api/v1/departments/", {"page_size": 2})
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"next", "previous", "results"}
    assert len(body["results"]) == 2
    rest = api_for(alice).get(body["next"]).json()
    names = {d["name"] for d in body["results"] + rest["results"]}
    assert names == {"Sales", "Marketing", "Product", "Customer success"}


def test_admin_creates_renames_and_removes_a_department(api_for, alice):
    client = api_for(alice)
    created = client.post("/api/v1/departments/", {"kind": "other", "name": "Finance"})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert client.patch(f"/api/v1/departments/{pk}/", {"name": "Finance & Ops"}).status_code == 200
    assert Department.objects.get(pk=pk).name == "Finance & Ops"
    assert client.delete(f"/api/v1/departments/{pk}/").status_code == 204
    assert not Department.objects.filter(pk=pk).exists()


def test_duplicate_department_name_is_a_conflict(api_for, alice):
    response = api_for(alice).post("/api/v1/departments/", {"kind": "sales", "name": "sales"})
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"


def test_invalid_department_kind_is_a_field_error(api_for, alice):
    response = api_for(alice).post("/api/v1/departments/", {"kind": "legal", "name": "Legal"})
    assert response.status_code == 400
    assert "kind" in response.json()


def test_department_with_members_cannot_be_removed(api_for, alice):
    response = api_for(alice).delete(f"/api/v1/departments/{alice.department_id}/")
    assert response.status_code == 409
    assert response.json()["code"] == "department_not_empty"


def test_a_department_with_pending_invitations_is_kept_and_spent_ones_go_with_it(
    api_for, alice, org
):
    # Was a 500 (ProtectedError) found by schemathesis: invitations protect their department.
    legal = DepartmentFactory(organization=org, kind="other", name="Legal")
    pending = InvitationFactory(organization=org, department=legal)
    client = api_for(alice)

    response = client.delete(f"/api/v1/departments/{legal.pk}/")
    assert (response.status_code, response.json()["code"]) == (409, "department_not_empty")
    assert "invitations" in response.json()["detail"]

    Invitation.objects.filter(pk=pending.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert client.delete(f"/api/v1/departments/{legal.pk}/").status_code == 204
    assert not Department.objects.filter(pk=legal.pk).exists()
    assert not Invitation.objects.filter(pk=pending.pk).exists()


def test_members_can_read_but_not_change_departments(api_for, bob):
    client = api_for(bob)
    assert client.get("/api/v1/departments/").status_code == 200
    assert client.post("/api/v1/departments/", {"kind": "other", "name": "X"}).status_code == 403
    response = client.patch(f"/api/v1/departments/{bob.department_id}/", {"name": "Y"})
    assert response.status_code == 403


def test_admin_changes_a_members_role_and_department(api_for, alice, bob):
    marketing = Department.objects.get(organization=alice.organization, kind="marketing")
    response = api_for(alice).patch(
        f"/api/v1/members/{bob.pk}/", {"role": "manager", "department": marketing.pk}
    )
    assert response.status_code == 200
    bob.refresh_from_db()
    assert (bob.role, bob.department) == ("manager", marketing)


def test_a_member_cannot_promote_themself(api_for, bob):
    response = api_for(bob).patch(f"/api/v1/members/{bob.pk}/", {"role": "admin"})
    assert response.status_code == 403
    bob.refresh_from_db()
    assert bob.role == "member"


def test_members_department_must_be_of_the_same_organization(api_for, alice, bob, charlie):
    response = api_for(alice).patch(
        f"/api/v1/members/{bob.pk}/", {"department": charlie.department_id}
    )
    assert response.status_code == 400
    assert "department" in response.json()


def test_the_last_admin_cannot_be_demoted(api_for, alice):
    response = api_for(alice).patch(f"/api/v1/members/{alice.pk}/", {"role": "member"})
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"


def test_members_list_shows_people_with_their_user(
    api_for, alice, bob, django_assert_max_num_queries
):
    for _ in range(5):
        member_of(alice.organization)
    with django_assert_max_num_queries(6):
        response = api_for(bob).get("/api/v1/members/")
    emails = {m["user"]["email"] for m in response.json()["results"]}
    assert {"alice@acme.test", "bob@acme.test"} <= emails
    assert len(emails) == 7


def test_admin_invites_lists_and_revokes(
    api_for, alice, mailoutbox, django_capture_on_commit_callbacks
):
    client = api_for(alice)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/api/v1/invitations/",
            {"email": "dan@example.com", "department": alice.department_id, "role": "manager"},
        )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    invitation = Invitation.objects.get(email="dan@example.com")
    assert len(callbacks) == 1
    send_invitation.run(invitation.pk)
    assert mailoutbox[0].to == ["dan@example.com"]
    assert re.search(rf"/invitations/{invitation.token}/", mailoutbox[0].body)
    listed = client.get("/api/v1/invitations/").json()["results"]
    assert [i["email"] for i in listed] == ["dan@example.com"]
    revoked = client.delete(f"/api/v1/invitations/{invitation.pk}/")
    assert (revoked.status_code, revoked.content) == (204, b"")
    assert client.get(f"/api/v1/invitations/{invitation.pk}/").json()["status"] == "expired"


def test_members_cannot_see_or_send_invitations(api_for, bob):
    client = api_for(bob)
    assert client.get("/api/v1/invitations/").status_code == 403
    response = client.post(
        "/api/v1/invitations/", {"email": "x@example.com", "department": bob.department_id}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_invitation_needs_a_valid_email(api_for, alice):
    response = api_for(alice).post(
        "/api/v1/invitations/", {"email": "nope", "department": alice.department_id}
    )
    assert response.status_code == 400
    assert "email" in response.json()


def test_schema_is_valid_openapi(anon):
    from drf_spectacular.validation import validate_schema

    response = anon.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert "/api/v1/departments/" in schema["paths"]
    assert "/api/v1/notifications/mark-read/" in schema["paths"]


def test_docs_page_loads_its_assets_from_this_server(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assets = [s for s in sources if s.endswith((".js", ".css"))]
    assert assets, "Swagger UI assets missing"
    for asset in assets:
        assert not asset.startswith(("http://", "https://", "//")), asset
        assert finders.find(asset.removeprefix("/static/")), asset
