"""Organization API keys (DESIGN §4, issue 7): named, scoped, expiring, revocable, shown once,
stored hashed; requests with a key act as an integration of the key's organization."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiKey, Department, DepartmentKind, IdempotencyRecord, Membership
from collab_hub.admin import scoped_choices
from collab_hub.notifications.models import ActivityEvent, Notification
from leads.models import Lead
from tests.factories import LeadFactory

KEYS = "/api/v1/api-keys/"
LEADS = "/api/v1/leads/"


def key_client(key: str, **headers) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}", **headers)
    return client


@pytest.fixture
def issue(alice):
    """``issue(scopes, **fields)`` → the key (string) of a new key of alice's organization."""

    def make(scopes=("read",), name="CRM sync", **fields) -> str:
        return services.create_api_key(by=alice, name=name, scopes=list(scopes), **fields).key

    return make


def row_of(key: str) -> ApiKey:
    return ApiKey.objects.get(prefix=key[:12])


# --- Creating, showing once, storing hashed ------------------------------------------------


def test_an_admin_creates_a_key_that_is_shown_once_and_stored_hashed(api_for, alice):
    client = api_for(alice)
    created = client.post(
        KEYS,
        {"name": "CRM sync", "scopes": ["leads:write"]},
        HTTP_IDEMPOTENCY_KEY="create-crm-key",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    key = body["key"]
    assert key.startswith(body["prefix"] + "_") and body["prefix"].startswith("chk_")
    assert len(body["prefix"]) == 12 and len(key) > 50
    assert body["scopes"] == ["read", "leads:write"]
    assert body["status"] == "active" and body["created_by"] == alice.pk

    detail = client.get(f"{KEYS}{body['id']}/").json()
    listed = client.get(KEYS).json()["results"]
    assert "key" not in detail and detail["prefix"] == body["prefix"]
    assert [row["prefix"] for row in listed] == [body["prefix"]]
    assert key not in str(detail) + str(listed)

    # At rest: the SHA-256 of the key, and the key nowhere (the idempotency record neither).
    row = ApiKey.objects.get()
    import hashlib

    assert row.secret_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = [model_to_dict(row), *IdempotencyRecord.objects.values()]
    assert key not in str(stored)
    assert key.split("_", 2)[2] not in str(stored)


def test_a_retried_create_makes_no_second_key_and_cannot_show_it_again(api_for, alice):
    client = api_for(alice)
    first = client.post(KEYS, {"name": "CRM"}, HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(KEYS, {"name": "CRM"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["key"] and again.json()["key"] is None
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert ApiKey.objects.count() == 1


def test_the_create_answer_lists_scopes_read_first_and_rejects_unknown_ones(api_for, alice):
    client = api_for(alice)
    default = client.post(KEYS, {"name": "Warehouse"}).json()
    assert default["scopes"] == ["read"]
    bad = client.post(KEYS, {"name": "X", "scopes": ["leads:delete"]})
    assert bad.status_code == 400 and "scopes" in bad.json()
    past = client.post(KEYS, {"name": "X", "expires_at": "2001-01-01T00:00:00Z"})
    assert past.status_code == 400 and "expires_at" in past.json()
    assert ApiKey.objects.count() == 1


def test_members_cannot_see_or_create_keys(api_for, bob, issue):
    issue()
    client = api_for(bob)
    assert client.get(KEYS).status_code == 403
    assert client.post(KEYS, {"name": "Mine"}).status_code == 403
    assert ApiKey.objects.count() == 1


def test_an_admin_renames_rescopes_and_revokes_a_key(api_for, alice, issue):
    key = issue()
    row = row_of(key)
    client = api_for(alice)
    changed = client.patch(f"{KEYS}{row.pk}/", {"name": "ERP", "scopes": ["leads:write"]})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["name"] == "ERP" and changed.json()["scopes"] == ["read", "leads:write"]
    assert "key" not in changed.json()
    assert key_client(key).post(LEADS, {"email": "jo@x.test"}).status_code == 201

    revoked = client.delete(f"{KEYS}{row.pk}/")
    assert (revoked.status_code, revoked.content) == (204, b"")
    assert client.get(f"{KEYS}{row.pk}/").json()["status"] == "revoked"
    assert client.patch(f"{KEYS}{row.pk}/", {"name": "Back"}).status_code == 409
    verbs = list(
        ActivityEvent.objects.filter(verb__startswith="api_key.")
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["api_key.created", "api_key.updated", "api_key.revoked"]


# --- Authenticating with a key --------------------------------------------------------------


def test_a_read_key_reads_but_cannot_write(issue, alice, org):
    lead = LeadFactory(organization=org)
    client = key_client(issue(["read"]))
    assert client.get(LEADS).status_code == 200
    assert client.get(f"{LEADS}{lead.pk}/").status_code == 200
    for response in (
        client.post(LEADS, {"email": "new@x.test"}),
        client.patch(f"{LEADS}{lead.pk}/", {"title": "CEO"}),
        client.post("/api/v1/departments/", {"kind": "other", "name": "Ops"}),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "insufficient_scope"
    assert Lead.objects.count() == 1
    assert not Department.objects.filter(name="Ops").exists()


def test_a_leads_write_key_creates_a_lead_and_the_event_says_the_integration_did_it(
    issue, api_for, alice
):
    client = key_client(issue(["leads:write"], name="Webflow"))
    created = client.post(LEADS, {"email": "jane@prospect.test"})
    assert created.status_code == 201, created.json()
    event = ActivityEvent.objects.get(verb="lead.created")
    assert event.actor.is_integration
    seen = api_for(alice).get("/api/v1/events/", {"verb": "lead.created"}).json()["results"]
    assert seen[0]["actor"]["name"] == "Integration · Webflow"
    assert seen[0]["description"].startswith("Integration · Webflow ")
    # Writing elsewhere needs that area's scope.
    refused = client.post("/api/v1/departments/", {"kind": "other", "name": "Ops"})
    assert (refused.status_code, refused.json()["code"]) == (403, "insufficient_scope")


def test_keys_cannot_manage_keys_whatever_their_scopes(issue):
    client = key_client(issue(["accounts:write", "leads:write"]))
    for response in (client.get(KEYS), client.post(KEYS, {"name": "Escalate"})):
        assert (response.status_code, response.json()["code"]) == (403, "insufficient_scope")
    assert ApiKey.objects.count() == 1


@pytest.mark.parametrize(
    "authorization",
    ["Bearer chk_00000000_nope", "Bearer nothing-like-a-key", "Bearer", "Bearer a b"],
)
def test_an_unknown_or_malformed_key_is_a_401(db, authorization):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=authorization)
    response = client.get(LEADS)
    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")


def test_a_wrong_secret_with_a_real_prefix_is_a_401(issue):
    key = issue()
    response = key_client(key[:13] + "x" * (len(key) - 13)).get(LEADS)
    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")


def test_a_revoked_key_is_a_401(issue, alice):
    key = issue()
    assert key_client(key).get(LEADS).status_code == 200
    services.revoke_api_key(by=alice, api_key=row_of(key))
    response = key_client(key).get(LEADS)
    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")
    assert "revoked" in response.json()["detail"]


def test_an_expired_key_is_a_401(issue):
    key = issue(expires_at=timezone.now() + timedelta(days=1))
    assert key_client(key).get(LEADS).status_code == 200
    ApiKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = key_client(key).get(LEADS)
    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")
    assert "expired" in response.json()["detail"]


def test_an_org_a_key_never_sees_org_b(issue, org, other_org, charlie):
    ours = LeadFactory(organization=org)
    theirs = LeadFactory(organization=other_org)
    client = key_client(issue(["leads:write"]))
    assert client.get(f"{LEADS}{theirs.pk}/").status_code == 404
    assert client.patch(f"{LEADS}{theirs.pk}/", {"title": "x"}).status_code == 404
    ids = {row["id"] for row in client.get(LEADS).json()["results"]}
    assert ids == {ours.pk}
    # The header cannot move the key to another organization.
    switched = key_client(
        client._credentials["HTTP_AUTHORIZATION"][7:], HTTP_X_ORGANIZATION="globex"
    )
    assert switched.get(LEADS).status_code == 404


def test_last_use_is_recorded_at_most_once_a_minute(issue):
    key = issue()
    assert row_of(key).last_used_at is None
    client = key_client(key)
    client.get(LEADS)
    first = row_of(key).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        client.get(LEADS)
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert row_of(key).last_used_at == first
    ApiKey.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    client.get(LEADS)
    assert row_of(key).last_used_at > first


def test_a_key_costs_what_a_personal_token_costs(alice, issue):
    from rest_framework.authtoken.models import Token

    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice.user).key}")
    key = key_client(issue())
    key.get("/api/v1/departments/")  # records the first use
    counts = []
    for client in (token, key):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/departments/").status_code == 200
        counts.append(len(queries))
    assert counts[1] <= counts[0]


def test_personal_tokens_still_work_beside_keys(alice, issue):
    from rest_framework.authtoken.models import Token

    issue()
    token = Token.objects.create(user=alice.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.post(LEADS, {"email": "x@y.test"}).status_code == 201


# --- The integration is not a person -------------------------------------------------------


def test_the_integration_is_no_member(api_for, alice, bob, issue):
    issue(["accounts:write"])
    client = api_for(alice)
    members = {row["id"] for row in client.get("/api/v1/members/").json()["results"]}
    assert members == {alice.pk, bob.pk}
    integration = Membership.objects.get(is_integration=True)
    assert client.get(f"/api/v1/members/{integration.pk}/").status_code == 404
    counts = {
        row["id"]: row["members_count"]
        for row in client.get("/api/v1/departments/").json()["results"]
    }
    assert sum(counts.values()) == 2
    # Nobody can pick it as an owner.
    lead = LeadFactory(organization=alice.organization)
    picked = client.post(f"{LEADS}{lead.pk}/qualify/", {"owner": integration.pk})
    assert picked.status_code == 400 and "owner" in picked.json()


def test_the_integration_cannot_sign_in_and_is_never_notified(client, alice, bob, issue, org):
    from collab_hub.notifications.services import record_event

    key = issue(["leads:write"])
    integration = row_of(key).membership
    assert not integration.user.is_active and not integration.user.has_usable_password()
    # Whoever a flow notifies (admins, say), the integration's admin membership is skipped.
    record_event(
        organization=org, actor=alice, verb="department.updated", recipients=[integration, bob]
    )
    assert list(Notification.objects.values_list("recipient", flat=True)) == [bob.pk]


def test_the_integration_does_not_count_as_the_last_admin(api_for, alice, issue):
    issue(["accounts:write"])
    response = api_for(alice).patch(f"/api/v1/members/{alice.pk}/", {"role": "member"})
    assert (response.status_code, response.json()["code"]) == (409, "last_admin")


def test_removing_the_integrations_department_moves_it(api_for, alice, org, issue):
    other = Department.objects.create(organization=org, kind=DepartmentKind.OTHER, name="Ops")
    key = issue()
    assert row_of(key).membership.department == other
    assert api_for(alice).delete(f"/api/v1/departments/{other.pk}/").status_code == 204
    assert row_of(key).membership.department.organization == org
    assert key_client(key).get(LEADS).status_code == 200


def test_another_organizations_key_is_a_404_for_an_admin(api_for, charlie, alice, issue):
    row = row_of(issue())
    client = api_for(charlie)
    assert client.get(f"{KEYS}{row.pk}/").status_code == 404
    assert client.delete(f"{KEYS}{row.pk}/").status_code == 404
    assert client.get(KEYS).json()["results"] == []
    assert row_of(issue(name="again")).revoked_at is None


# --- The admin ------------------------------------------------------------------------------


def test_the_admin_creates_a_key_shows_it_once_and_revokes_it(browser_for, alice):
    client = browser_for(alice)
    response = client.post(
        "/admin/accounts/apikey/add/",
        {
            "name": "Zapier",
            "scopes": ["read", "leads:write"],
            "expires_at_0": "",
            "expires_at_1": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    row = ApiKey.objects.get()
    page = response.content.decode()
    assert f"{row.prefix}_" in page
    assert row.scopes == ["read", "leads:write"] and row.created_by == alice
    listing = client.get("/admin/accounts/apikey/").content.decode()
    assert row.prefix in listing and f"{row.prefix}_" not in listing
    client.post(
        "/admin/accounts/apikey/",
        {"action": "revoke", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == alice


def test_the_admin_lists_no_integration_membership(browser_for, alice, issue):
    issue()
    page = browser_for(alice).get("/admin/accounts/membership/").content.decode()
    assert "Integration" not in page


def test_no_page_or_admin_picker_offers_the_integration(browser_for, alice, issue):
    issue()
    integration = Membership.objects.get(is_integration=True)
    client = browser_for(alice)
    department = client.get(f"/departments/{integration.department_id}/")
    assert department.status_code == 200
    assert alice.user.email in department.content.decode()
    assert integration.user.email not in department.content.decode()
    # What the admin's forms may point at (owners, recipients) is people only.
    organization = alice.organization
    assert list(scoped_choices(Membership, organization)) == [alice]
    assert list(scoped_choices(get_user_model(), organization)) == [alice.user]


def test_a_read_key_cannot_import_leads_and_the_dashboard_counts_no_integration(
    issue, browser_for, alice
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = key_client(issue(["read"]))
    upload = SimpleUploadedFile("leads.csv", b"email\na@b.test\n", content_type="text/csv")
    response = client.post("/api/v1/leads/import/", {"file": upload}, format="multipart")
    assert (response.status_code, response.json()["code"]) == (403, "insufficient_scope")
    assert not Lead.objects.exists()
    from accounts.selectors import departments_with_members

    departments = departments_with_members(organization=alice.organization)
    assert sum(d.members_count for d in departments) == 1
    assert [m for d in departments for m in d.active_members] == [alice]
