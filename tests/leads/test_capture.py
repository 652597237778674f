"""Public lead capture: de-duplication by email, Idempotency-Key (IETF draft), throttles,
plain HTML forms and cross-origin posts."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import tasks
from accounts.models import IdempotencyRecord
from collab_hub import idempotency
from collab_hub.notifications.models import ActivityEvent
from leads.models import Lead, LeadStatus
from leads.services import capture
from tests.factories import CampaignFactory, LeadFactory, ScoringRuleFactory

FORM = {"email": "Ann@Example.test", "first_name": "Ann", "company_name": "Example"}


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def url(org):
    return f"/api/v1/capture/{org.capture_key}/"


def post(client, url, data=None, key=None, **extra):
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(url, data if data is not None else FORM, format="json", **extra)


def test_a_new_email_creates_a_lead_and_the_same_email_again_keeps_it(anon, url, org):
    first = post(anon, url)
    assert first.status_code == 201
    lead = Lead.objects.get()
    assert first.json() == {"id": lead.pk, "email": "ann@example.test", "created": True}
    assert (lead.organization, lead.source, lead.status) == (org, "website", LeadStatus.NEW)

    again = post(anon, url, {"email": "ANN@example.test", "first_name": "Annie", "title": "CTO"})
    assert again.status_code == 200
    assert again.json() == {"id": lead.pk, "email": "ann@example.test", "created": False}
    assert Lead.objects.count() == 1
    lead.refresh_from_db()
    # What was known stays; only the empty title is filled.
    assert (lead.first_name, lead.title) == ("Ann", "CTO")


def test_capture_records_the_creation_with_its_source(anon, url, org):
    post(anon, url)
    event = ActivityEvent.objects.get(verb="lead.created")
    assert (event.organization, event.actor, event.payload["source"]) == (org, None, "website")


def test_the_answer_never_reveals_what_the_organization_knows(anon, url, org):
    LeadFactory(organization=org, email="ann@example.test", phone="+48 600 000 000", score=80)
    body = post(anon, url).json()
    assert set(body) == {"id", "email", "created"}


def test_unknown_capture_key_is_404(anon, db):
    response = post(anon, "/api/v1/capture/not-a-real-key/")
    assert response.status_code == 404
    assert not Lead.objects.exists()


def test_invalid_email_is_a_400_with_the_field_message(anon, url):
    response = post(anon, url, {"email": "not-an-email", "country": "P1"})
    assert response.status_code == 400
    assert "valid email" in response.json()["email"][0]
    assert "two-letter" in response.json()["country"][0]
    assert not Lead.objects.exists()


def test_a_country_may_be_named(anon, url):
    assert post(anon, url, {"email": "a@b.test", "country": " polska "}).status_code == 201
    assert Lead.objects.get().country == "PL"


def test_email_is_required(anon, url):
    response = post(anon, url, {"first_name": "Ann"})
    assert response.status_code == 400
    assert "email" in response.json()


def test_campaign_by_id_within_the_organization(anon, url, org, other_org):
    mine = CampaignFactory(organization=org)
    foreign = CampaignFactory(organization=other_org)
    assert post(anon, url, {"email": "x@y.test", "campaign": foreign.pk}).status_code == 400
    response = post(anon, url, {"email": "x@y.test", "campaign": mine.pk, "source": "event"})
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.campaign, lead.source) == (mine, "event")


def test_a_plain_html_form_post_works(url):
    # What a <form method="post"> on another site sends: url-encoded, every empty field as
    # "", no CSRF token (the endpoint has no session to protect).
    anon = APIClient(enforce_csrf_checks=True)
    fields = {
        "email": "form@example.test",
        "first_name": "Fran",
        "employees": "",
        "annual_revenue": "",
        "campaign": "",
        "country": "de",
    }
    response = anon.post(url, urlencode(fields), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.email, lead.first_name, lead.country, lead.employees) == (
        "form@example.test",
        "Fran",
        "DE",
        None,
    )


def test_a_file_in_a_multipart_body_is_a_field_error(anon, url):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.bin", b"\x00\x01", content_type="application/octet-stream")
    response = anon.post(
        url, {"email": upload}, format="multipart", HTTP_IDEMPOTENCY_KEY="file-key"
    )
    assert response.status_code == 400
    assert "email" in response.json()


def test_captured_lead_is_scored_and_auto_qualified_when_the_organization_says_so(
    anon, url, org, rep
):
    from leads.services.scoring import lead_settings

    settings = lead_settings(org)
    settings.auto_qualify, settings.mql_threshold = True, 10
    settings.save()
    ScoringRuleFactory(organization=org, field="country", operator="eq", value="PL", points=10)
    post(anon, url, {"email": "pl@example.test", "country": "PL"})
    lead = Lead.objects.get()
    assert (lead.score, lead.status, lead.owner) == (10, LeadStatus.MQL, rep)


# --- Idempotency-Key -------------------------------------------------------------------------


def test_the_same_key_five_times_makes_one_lead_and_five_identical_answers(anon, url):
    responses = [post(anon, url, key="8e03978e-40d5-43e8-bc93-6894a57f9324") for _ in range(5)]
    assert Lead.objects.count() == 1
    assert {r.status_code for r in responses} == {201}
    assert all(r.json() == responses[0].json() for r in responses)
    assert all(r["Idempotency-Key"] == "8e03978e-40d5-43e8-bc93-6894a57f9324" for r in responses)
    assert [r.get("Idempotent-Replayed") for r in responses] == [None] + ["true"] * 4
    record = IdempotencyRecord.objects.get()
    assert (record.response_status, record.completed_at is not None) == (201, True)


def test_the_key_is_a_structured_field_string_or_a_bare_value(anon, url):
    first = post(anon, url, key='"abc-123"')
    retry = post(anon, url, key="abc-123")
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"
    assert first["Idempotency-Key"] == '"abc-123"'


def test_a_known_email_with_a_key_replays_200(anon, url, org):
    LeadFactory(organization=org, email="ann@example.test")
    answers = {post(anon, url, key="k1").status_code for _ in range(3)}
    assert answers == {200}
    assert Lead.objects.count() == 1


def test_the_same_key_with_a_different_body_is_422(anon, url):
    assert post(anon, url, key="k1").status_code == 201
    response = post(anon, url, {**FORM, "first_name": "Someone else"}, key="k1")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "idempotency_key_reused"
    assert response["Idempotency-Key"] == "k1"
    assert Lead.objects.count() == 1


def test_the_body_is_compared_by_content_not_by_spelling(anon, url):
    assert post(anon, url, {"email": "a@b.test", "first_name": "A"}, key="k1").status_code == 201
    # Same fields in another order: the same request.
    retry = anon.post(
        url,
        '{ "first_name": "A",  "email": "a@b.test" }',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"


def test_the_same_key_while_the_first_request_is_in_flight_is_409(anon, url, org):
    IdempotencyRecord.objects.create(
        organization=org, scope="capture", key="k1", fingerprint=idempotency.body_fingerprint(FORM)
    )
    response = post(anon, url, key="k1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_request_in_flight"
    assert not Lead.objects.exists()


def test_a_request_abandoned_in_flight_does_not_hold_its_key_forever(anon, url, org):
    record = IdempotencyRecord.objects.create(
        organization=org, scope="capture", key="k1", fingerprint=idempotency.body_fingerprint(FORM)
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - idempotency.STALE_IN_FLIGHT - timedelta(seconds=1)
    )
    assert post(anon, url, key="k1").status_code == 201
    assert Lead.objects.count() == 1


def test_an_invalid_body_with_a_key_answers_the_same_400_on_retry(anon, url):
    bad = {"email": "nope"}
    first = post(anon, url, bad, key="k1")
    retry = post(anon, url, bad, key="k1")
    assert (first.status_code, retry.status_code) == (400, 400)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"


def test_a_crash_releases_the_key_so_a_retry_proceeds(anon, url, monkeypatch):
    real = capture.capture_lead
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(capture, "capture_lead", flaky)
    with pytest.raises(RuntimeError):
        post(anon, url, key="k1")
    assert not IdempotencyRecord.objects.exists()
    assert not Lead.objects.exists()
    assert post(anon, url, key="k1").status_code == 201
    assert Lead.objects.count() == 1


def test_keys_are_scoped_to_the_organization(anon, url, other_org):
    assert post(anon, url, key="shared").status_code == 201
    other = post(anon, f"/api/v1/capture/{other_org.capture_key}/", key="shared")
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert Lead.objects.filter(organization=other_org).count() == 1
    assert IdempotencyRecord.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve"])
def test_an_unusable_key_is_400(anon, url, key):
    response = anon.post(
        url, FORM, format="json", HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1")
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert not Lead.objects.exists()


def test_keys_older_than_48_hours_are_cleaned_and_younger_ones_kept(anon, url, org):
    post(anon, url, key="old")
    post(anon, url, {"email": "b@b.test"}, key="recent")
    now = timezone.now()
    IdempotencyRecord.objects.filter(key="old").update(created_at=now - timedelta(hours=49))
    IdempotencyRecord.objects.filter(key="recent").update(created_at=now - timedelta(hours=30))
    assert tasks.delete_expired_idempotency_keys.run() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    # An expired key is simply new again.
    assert post(anon, url, {"email": "c@b.test"}, key="old").status_code == 201


# --- Throttles and CORS ----------------------------------------------------------------------


def test_capture_is_throttled_per_ip_with_retry_after(anon, url, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"capture_ip": "3/min", "capture_key": "100/min"},
    }
    statuses = [post(anon, url, {"email": f"p{i}@x.test"}).status_code for i in range(4)]
    assert statuses == [201, 201, 201, 429]
    throttled = post(anon, url, {"email": "late@x.test"})
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    # Another address is not held back by the first one.
    assert post(anon, url, {"email": "q@x.test"}, REMOTE_ADDR="10.0.0.9").status_code == 201


def test_capture_is_throttled_per_key_across_addresses(anon, url, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"capture_ip": "100/min", "capture_key": "2/min"},
    }
    statuses = [
        post(anon, url, {"email": f"p{i}@x.test"}, REMOTE_ADDR=f"10.0.0.{i}").status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]


def test_a_spoofed_forwarded_for_does_not_escape_the_ip_throttle(anon, url, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"capture_ip": "1/min", "capture_key": "100/min"},
    }
    assert post(anon, url, {"email": "a@x.test"}, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 201
    second = post(anon, url, {"email": "b@x.test"}, HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert second.status_code == 429


def test_websites_on_other_domains_may_post(anon, url):
    preflight = anon.options(
        url,
        HTTP_ORIGIN="https://www.example.test",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, idempotency-key",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "Idempotency-Key" in preflight["Access-Control-Allow-Headers"]
    response = post(anon, url, key="k1", HTTP_ORIGIN="https://www.example.test")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Idempotency-Key" in response["Access-Control-Expose-Headers"]


def test_a_browser_asking_for_html_still_gets_json(anon, url):
    response = anon.post(
        url,
        urlencode({"email": "html@example.test"}),
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT="text/html,application/xhtml+xml",
    )
    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
