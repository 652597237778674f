"""RateLimit / RateLimit-Policy headers (draft-ietf-httpapi-ratelimit-headers-10) on throttled
endpoints, Retry-After on 429, and the start-up warning about per-process throttle counters."""

from __future__ import annotations

import re

import pytest
from django.core import checks
from rest_framework.test import APIClient

from collab_hub.checks import throttle_cache_check
from collab_hub.throttling import DRAFT

# One Structured Field list member: "name";key=integer;key=integer…
ITEM = re.compile(r'^"[\w-]+"(?:;[a-z]+=\d+)+$')


def items(value: str) -> dict[str, dict[str, int]]:
    """Parse a RateLimit / RateLimit-Policy field into {policy: {parameter: value}}."""
    parsed: dict[str, dict[str, int]] = {}
    for member in value.split(", "):
        assert ITEM.match(member), member
        name, *parameters = member.split(";")
        parsed[name.strip('"')] = {
            key: int(number) for key, number in (p.split("=") for p in parameters)
        }
    return parsed


@pytest.fixture
def anon():
    return APIClient()


def rates(settings, **scopes):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **scopes},
    }


def test_the_draft_followed_is_named():
    assert DRAFT == "draft-ietf-httpapi-ratelimit-headers-10"


def test_a_successful_response_says_the_users_quota_and_what_is_left(api_for, alice, settings):
    rates(settings, user="5/min")
    client = api_for(alice)
    first, second = client.get("/api/v1/leads/"), client.get("/api/v1/leads/")
    assert first.status_code == second.status_code == 200
    assert items(first["RateLimit-Policy"]) == {"user": {"q": 5, "w": 60}}
    assert items(first["RateLimit"])["user"]["r"] == 4
    assert items(second["RateLimit"])["user"]["r"] == 3
    assert 0 < items(second["RateLimit"])["user"]["t"] <= 60


def test_the_throttled_request_has_retry_after_and_nothing_remaining(api_for, alice, settings):
    rates(settings, user="2/min")
    client = api_for(alice)
    assert [client.get("/api/v1/me/").status_code for _ in range(2)] == [200, 200]
    throttled = client.get("/api/v1/me/")
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    limit = items(throttled["RateLimit"])["user"]
    assert limit["r"] == 0
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert limit["t"] == int(throttled["Retry-After"])


def test_users_are_counted_apart(api_for, alice, bob, settings):
    rates(settings, user="1/min")
    assert api_for(alice).get("/api/v1/me/").status_code == 200
    assert api_for(bob).get("/api/v1/me/").status_code == 200
    assert api_for(alice).get("/api/v1/me/").status_code == 429


def test_the_token_endpoint_advertises_its_own_policy(anon, alice):
    response = anon.post("/api/v1/auth/token/", {"email": "alice@acme.test", "password": "x"})
    assert response.status_code == 400
    # Per address (and, beside it, per account).
    assert items(response["RateLimit-Policy"])["token"] == {"q": 10, "w": 60}
    assert items(response["RateLimit"])["token"]["r"] == 9


def test_capture_lists_both_of_its_policies_and_lets_websites_read_them(anon, org, settings):
    rates(settings, capture_key="100/min", capture_ip="3/min")
    url = f"/api/v1/capture/{org.capture_key}/"
    response = anon.post(url, {"email": "a@x.test"}, format="json")
    assert response.status_code == 201
    assert items(response["RateLimit-Policy"]) == {
        "capture_key": {"q": 100, "w": 60},
        "capture_ip": {"q": 3, "w": 60},
    }
    assert {name: limit["r"] for name, limit in items(response["RateLimit"]).items()} == {
        "capture_key": 99,
        "capture_ip": 2,
    }
    exposed = [name.strip() for name in response["Access-Control-Expose-Headers"].split(",")]
    assert {"RateLimit", "RateLimit-Policy", "Retry-After"} <= set(exposed)


def test_a_preflight_is_not_counted(anon, org):
    response = anon.options(f"/api/v1/capture/{org.capture_key}/")
    assert response.status_code == 204
    assert not response.has_header("RateLimit")


def test_pages_carry_no_rate_limit_fields(client, alice):
    client.force_login(alice.user)
    assert not client.get("/").has_header("RateLimit")


# --- Throttles that hold across workers: the start-up check ---------------------------------

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
    }
}
DUMMY = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def test_a_deployment_with_a_local_memory_cache_is_warned(settings):
    settings.DEBUG, settings.CACHES = False, LOCMEM
    [warning] = throttle_cache_check()
    assert warning.id == "collab_hub.W001" and warning.level == checks.WARNING
    assert "REDIS_URL" in warning.hint


def test_a_dummy_cache_is_warned_too(settings):
    settings.DEBUG, settings.CACHES = False, DUMMY
    assert [message.id for message in throttle_cache_check()] == ["collab_hub.W002"]


def test_a_shared_cache_or_a_developers_machine_is_not_warned(settings):
    settings.DEBUG, settings.CACHES = False, REDIS
    assert throttle_cache_check() == []
    settings.DEBUG, settings.CACHES = True, LOCMEM
    assert throttle_cache_check() == []


def test_the_check_runs_with_the_start_up_checks(settings):
    settings.DEBUG, settings.CACHES = False, LOCMEM
    found = checks.run_checks(tags=[checks.Tags.caches])
    assert "collab_hub.W001" in [message.id for message in found]
    assert "collab_hub.W001" in [message.id for message in checks.run_checks()]
