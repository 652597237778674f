"""Idempotency-Key on every POST of the API base (collab_hub/idempotency.py): a retry gets the
first answer and changes nothing; keys belong to a client within an organization."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import DepartmentKind, IdempotencyRecord, Role
from collab_hub import idempotency
from collab_hub.notifications.models import ActivityEvent
from leads.api.leads import LeadViewSet
from leads.models import Deal, Lead, LeadStatus, Tier
from tests.conftest import skip_or_fail
from tests.factories import DealFactory, LeadFactory, member_of, organization_with_departments

LEAD = {"email": "ann@example.test", "first_name": "Ann", "company_name": "Example"}


@pytest.fixture
def marketer(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mia@acme.test")


@pytest.fixture
def marketer2(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mo@acme.test")


def post(client, url, data=None, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, data if data is not None else {}, format="json", **extra)


# --- Replays -------------------------------------------------------------------------------


def test_a_lead_create_retried_with_its_key_answers_the_first_answer_and_creates_nothing(
    api_for, marketer
):
    client = api_for(marketer)
    first = post(client, "/api/v1/leads/", LEAD, key="8e03978e-40d5-43e8-bc93-6894a57f9324")
    retries = [post(client, "/api/v1/leads/", LEAD, key="8e03978e-40d5-43e8-bc93-6894a57f9324")]
    retries.append(
        post(client, "/api/v1/leads/", LEAD, key='"8e03978e-40d5-43e8-bc93-6894a57f9324"')
    )
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    for retry in retries:
        assert (retry.status_code, retry.json()) == (201, first.json())
        assert retry["Idempotent-Replayed"] == "true"
    assert first["Idempotency-Key"] == "8e03978e-40d5-43e8-bc93-6894a57f9324"
    assert Lead.objects.count() == 1
    # The replay re-ran nothing: one creation event (and so one webhook delivery).
    assert ActivityEvent.objects.filter(verb="lead.created").count() == 1


def test_without_a_key_nothing_is_stored_and_a_repeat_is_a_new_request(api_for, marketer):
    client = api_for(marketer)
    assert post(client, "/api/v1/leads/", LEAD).status_code == 201
    again = post(client, "/api/v1/leads/", LEAD)
    assert (again.status_code, again.json()["code"]) == (400, "duplicate")
    assert not IdempotencyRecord.objects.exists()


def test_a_tier_create_retried_with_its_key_makes_one_tier(api_for, alice):
    client = api_for(alice)
    body = {"rank": 1, "name": "Enterprise", "countries": ["PL"]}
    first = post(client, "/api/v1/tiers/", body, key="tier-1")
    retry = post(client, "/api/v1/tiers/", body, key="tier-1")
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Tier.objects.count() == 1


def test_a_qualify_retried_with_its_key_answers_200_instead_of_409(api_for, org, marketer):
    lead = LeadFactory(organization=org)
    member_of(org, DepartmentKind.SALES, Role.MEMBER, email="sam@acme.test")
    client = api_for(marketer)
    url = f"/api/v1/leads/{lead.pk}/qualify/"
    first = post(client, url, key="q1")
    retry = post(client, url, key="q1")
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.MQL
    assert ActivityEvent.objects.filter(verb="lead.qualified").count() == 1
    # Without the key the same retry is what it is: a second qualify of an MQL.
    assert post(client, url).status_code == 409


def test_a_deal_win_retried_with_its_key_wins_once(api_for, org, alice):
    deal = DealFactory(organization=org, owner=alice)
    client = api_for(alice)
    url = f"/api/v1/deals/{deal.pk}/win/"
    first = post(client, url, key="win-1")
    retry = post(client, url, key="win-1")
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    deal.refresh_from_db()
    assert deal.stage == "won"
    assert ActivityEvent.objects.filter(verb="deal.won").count() == 1
    assert Deal.objects.count() == 1


def test_a_csv_import_retried_with_its_key_imports_once_and_another_file_is_422(api_for, marketer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def send(content):
        from django.test import TestCase

        upload = SimpleUploadedFile("leads.csv", content, content_type="text/csv")
        # The import runs after the upload's commit (a small file, in the request).
        with TestCase.captureOnCommitCallbacks(execute=True):
            return api_for(marketer).post(
                "/api/v1/leads/import/",
                {"file": upload},
                format="multipart",
                HTTP_IDEMPOTENCY_KEY="i1",
            )

    first = send(b"Email,First name\r\nann@alpha.test,Ann\r\n")
    retry = send(b"Email,First name\r\nann@alpha.test,Ann\r\n")
    assert (first.status_code, retry.status_code) == (202, 202)
    assert retry["Idempotent-Replayed"] == "true"
    assert ActivityEvent.objects.filter(verb="lead.imported").count() == 1
    # Same file name, other content: another request.
    other = send(b"Email,First name\r\nbob@beta.test,Bob\r\n")
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert list(Lead.objects.values_list("email", flat=True)) == ["ann@alpha.test"]


def test_a_validation_error_is_answered_again_on_retry(api_for, marketer):
    client = api_for(marketer)
    first = post(client, "/api/v1/leads/", {"email": "nope"}, key="bad")
    retry = post(client, "/api/v1/leads/", {"email": "nope"}, key="bad")
    assert (first.status_code, retry.status_code) == (400, 400)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert not Lead.objects.exists()


def test_a_refusal_that_depends_on_the_data_is_not_stored(api_for, org, marketer):
    lead = LeadFactory(organization=org, status=LeadStatus.DISQUALIFIED)
    client = api_for(marketer)
    url = f"/api/v1/leads/{lead.pk}/qualify/"
    assert post(client, url, key="q1").status_code == 409
    assert not IdempotencyRecord.objects.exists()
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.NEW)
    retry = post(client, url, key="q1")
    assert retry.status_code == 200
    assert "Idempotent-Replayed" not in retry


def test_a_crash_releases_the_key_and_keeps_nothing(api_for, marketer, monkeypatch):
    real = LeadViewSet.create_service
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        lead = real(**kwargs)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return lead

    monkeypatch.setattr(LeadViewSet, "create_service", flaky)
    client = api_for(marketer)
    with pytest.raises(RuntimeError):
        post(client, "/api/v1/leads/", LEAD, key="k1")
    assert not IdempotencyRecord.objects.exists()
    assert not Lead.objects.exists()
    assert not ActivityEvent.objects.exists()
    retry = post(client, "/api/v1/leads/", LEAD, key="k1")
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert Lead.objects.count() == 1


# --- Conflicts -----------------------------------------------------------------------------


def test_the_same_key_with_another_body_is_422(api_for, marketer):
    client = api_for(marketer)
    assert post(client, "/api/v1/leads/", LEAD, key="k1").status_code == 201
    other = post(client, "/api/v1/leads/", {**LEAD, "email": "bo@example.test"}, key="k1")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert "detail" in other.json()
    assert Lead.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_422(api_for, org, marketer):
    lead = LeadFactory(organization=org)
    client = api_for(marketer)
    assert post(client, "/api/v1/leads/", LEAD, key="k1").status_code == 201
    response = post(client, f"/api/v1/leads/{lead.pk}/disqualify/", {}, key="k1")
    assert (response.status_code, response.json()["code"]) == (422, "idempotency_key_reused")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_the_same_key_while_the_first_request_is_in_flight_is_409(api_for, org, marketer):
    IdempotencyRecord.objects.create(
        organization=org,
        scope=f"user:{marketer.user_id}",
        key="k1",
        fingerprint=idempotency.request_fingerprint(
            method="POST", path="/api/v1/leads/", data=LEAD
        ),
    )
    response = post(api_for(marketer), "/api/v1/leads/", LEAD, key="k1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_request_in_flight"
    assert not Lead.objects.exists()


def test_a_request_abandoned_in_flight_does_not_hold_its_key(api_for, org, marketer):
    record = IdempotencyRecord.objects.create(
        organization=org,
        scope=f"user:{marketer.user_id}",
        key="k1",
        fingerprint=idempotency.request_fingerprint(
            method="POST", path="/api/v1/leads/", data=LEAD
        ),
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - idempotency.STALE_IN_FLIGHT - timedelta(seconds=1)
    )
    assert post(api_for(marketer), "/api/v1/leads/", LEAD, key="k1").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, '"unterminated\\"'])
def test_an_unusable_key_is_400_and_nothing_is_done(api_for, marketer, key):
    response = post(api_for(marketer), "/api/v1/leads/", LEAD, key=key)
    assert (response.status_code, response.json()["code"]) == (400, "idempotency_key_invalid")
    assert not Lead.objects.exists()


# --- Whose key -----------------------------------------------------------------------------


def test_another_user_with_the_same_key_is_independent(api_for, marketer, marketer2):
    first = post(api_for(marketer), "/api/v1/leads/", LEAD, key="shared")
    other = post(
        api_for(marketer2), "/api/v1/leads/", {**LEAD, "email": "bo@example.test"}, key="shared"
    )
    assert (first.status_code, other.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in other
    assert Lead.objects.count() == 2
    assert set(IdempotencyRecord.objects.values_list("scope", flat=True)) == {
        f"user:{marketer.user_id}",
        f"user:{marketer2.user_id}",
    }


def test_the_same_person_in_another_organization_has_other_keys(api_for, org, other_org, marketer):
    elsewhere = member_of(other_org, DepartmentKind.MARKETING, Role.MEMBER)
    elsewhere.user = marketer.user
    elsewhere.save()
    assert post(api_for(marketer), "/api/v1/leads/", LEAD, key="k1").status_code == 201
    there = post(api_for(elsewhere), "/api/v1/leads/", LEAD, key="k1")
    assert there.status_code == 201
    assert "Idempotent-Replayed" not in there
    assert Lead.objects.filter(organization=other_org).count() == 1


def test_a_caller_refused_by_the_policy_never_reaches_the_stored_answer(api_for, org, alice, bob):
    body = {"rank": 1, "name": "Enterprise"}
    assert post(api_for(alice), "/api/v1/tiers/", body, key="k1").status_code == 201
    assert post(api_for(bob), "/api/v1/tiers/", body, key="k1").status_code == 403


def test_keys_expire_after_48_hours(api_for, marketer):
    from accounts import tasks

    client = api_for(marketer)
    assert post(client, "/api/v1/leads/", LEAD, key="old").status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=49))
    assert tasks.delete_expired_idempotency_keys.run() == 1
    retry = post(client, "/api/v1/leads/", {**LEAD, "email": "new@example.test"}, key="old")
    assert retry.status_code == 201


# --- Schema --------------------------------------------------------------------------------


# POSTs that keep no Idempotency-Key record: the token exchange, and anonymous feedback
# answers (a record would tie the ratings to their author; an answer is an upsert anyway).
NO_KEY = {"/api/v1/auth/token/", "/api/v1/feedback-rounds/{id}/responses/"}


def test_the_schema_declares_the_key_on_every_post_of_the_api_base():
    from drf_spectacular.settings import spectacular_settings

    schema = spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)
    missing, extra = [], []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            names = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
            declared = ("header", "Idempotency-Key") in names
            if method == "post" and path not in NO_KEY:
                if not declared:
                    missing.append(path)
                elif (
                    path != "/api/v1/capture/{capture_key}/" and "422" not in operation["responses"]
                ):
                    missing.append(f"{path} 422")
            elif declared:
                extra.append(f"{method} {path}")
    assert (missing, extra) == ([], [])
    assert "/api/v1/leads/batch/" in schema["paths"]


# --- Concurrency (PostgreSQL) -------------------------------------------------------------

THREADS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_key_make_one_lead():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL")
    org = organization_with_departments(name="Racers", slug="racers")
    member = member_of(org, DepartmentKind.MARKETING, Role.MEMBER)
    token = Token.objects.create(user=member.user)
    start = threading.Barrier(THREADS)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            client = Client()
            start.wait()
            response = client.post(
                "/api/v1/leads/",
                LEAD,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token.key}",
                HTTP_IDEMPOTENCY_KEY="same-key",
            )
            statuses.append(response.status_code)
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(statuses) == THREADS
    assert Lead.objects.filter(email=LEAD["email"]).count() == 1
    # One request created it; the others were in flight (409) or replayed (201).
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1
    assert ActivityEvent.objects.filter(verb="lead.created").count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.response_status, record.scope) == (201, f"user:{member.user_id}")
