"""Concurrent duplicate captures make one lead (PostgreSQL: real concurrent transactions)."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from accounts.models import IdempotencyRecord
from leads.models import Lead
from tests.conftest import skip_or_fail
from tests.factories import organization_with_departments

THREADS = 8
BODY = {"email": "race@example.test", "first_name": "Rae", "company_name": "Race Inc"}

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def capture_url(settings):
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL")
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"capture_ip": "1000/min", "capture_key": "1000/min"},
    }
    org = organization_with_departments(name="Racers", slug="racers")
    return f"/api/v1/capture/{org.capture_key}/"


def post_concurrently(url: str, headers: dict) -> tuple[list[int], list[bytes]]:
    """``THREADS`` clients post ``BODY`` at the same moment; their status codes, and the
    bodies of the answers that were errors (for the failure message)."""
    start = threading.Barrier(THREADS)
    statuses: list[int] = []
    errors: list[BaseException] = []
    bodies: list[bytes] = []

    def submit() -> None:
        try:
            client = Client()
            start.wait()
            response = client.post(url, BODY, content_type="application/json", **headers)
            statuses.append(response.status_code)
            if response.status_code >= 400:
                bodies.append(response.content)
        except BaseException as error:  # surfaced below, with the thread's traceback
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
    return statuses, bodies


def test_concurrent_retries_with_one_key_make_one_lead(capture_url):
    statuses, bodies = post_concurrently(capture_url, {"HTTP_IDEMPOTENCY_KEY": "same-key"})
    assert Lead.objects.filter(email="race@example.test").count() == 1
    assert set(statuses) <= {201, 200, 409}, bodies
    assert statuses.count(201) >= 1
    record = IdempotencyRecord.objects.get()
    assert (record.response_status, record.completed_at is not None) == (201, True)


def test_concurrent_submissions_of_one_email_without_a_key_make_one_lead(capture_url):
    statuses, bodies = post_concurrently(capture_url, {})
    assert Lead.objects.filter(email="race@example.test").count() == 1
    assert sorted(statuses) == [200] * (THREADS - 1) + [201], bodies
