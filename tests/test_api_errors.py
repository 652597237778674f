"""One error contract under /api/: every error is JSON with ``detail`` and a stable ``code``.

The regression tests reproduce what was measured (issue 7, "Measured 4"): HTML 404s for
non-numeric ids and unknown paths, Django's HTML 400 for a form with over 1,000 fields, a
500 ``RecursionError`` for deeply nested JSON, errors without ``code``. The walk at the end
visits every registered route (``collab_hub.api._routes`` and the apps' plain API URLs) and
checks the shape of every 400/401/403/404/405/409/415/429 it provokes.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import DepartmentKind, Role
from collab_hub.api import _routes, _urls
from collab_hub.parsers import json_depth
from leads.models import Lead, LeadStatus
from tests.factories import LeadFactory, member_of

MISSING = 2**31 - 7


def assert_error_shape(response, status=None):
    """The documented error body: JSON object, ``detail`` and ``code`` strings."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content or b"null")
    assert isinstance(body, dict), (response.status_code, response.content[:200])
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    return body


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def marketer(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mia@acme.test")


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    """Both ways: ``make run`` serves with DEBUG on, where Django's 404 page is HTML."""
    settings.DEBUG = request.param
    return request.param


# --- Measured: 404s were HTML pages -----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/leads/abc/",
        "/api/v1/leads/1.5/",
        "/api/v1/deals/abc/win/",
        "/api/v1/no-such-resource/",
        "/api/v1/leads/1/no-such-action/",
        "/api/v2/leads/",
        "/api/nothing",
    ],
)
def test_paths_no_route_matches_are_a_json_404(api_for, alice, debug, path):
    body = assert_error_shape(api_for(alice).get(path), 404)
    assert body["code"] == "not_found"


def test_an_unknown_path_is_a_json_404_for_every_method_and_anonymously(anon, db, debug):
    for method in ("get", "post", "put", "patch", "delete"):
        response = getattr(anon, method)("/api/v1/no-such-resource/")
        assert assert_error_shape(response, 404)["code"] == "not_found"


def test_a_post_with_a_session_to_an_unknown_path_is_a_json_404_not_a_csrf_page(
    client, alice, debug
):
    client.force_login(alice.user)
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/v1/no-such-resource/", {"a": 1})
    assert assert_error_shape(response, 404)["code"] == "not_found"


def test_a_missing_trailing_slash_redirects_a_get_and_names_the_path_for_a_post(api_for, alice):
    client = api_for(alice)
    redirect = client.get("/api/v1/leads", {"page_size": 5})
    assert redirect.status_code == 301
    assert redirect["Location"] == "/api/v1/leads/?page_size=5"
    body = assert_error_shape(client.post("/api/v1/leads", {"email": "a@x.test"}), 404)
    assert "/api/v1/leads/" in body["detail"]


def test_pages_outside_the_api_keep_their_html_404(client, alice):
    client.force_login(alice.user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


# --- Measured: a multipart body with over 1,000 fields was Django's HTML 400 ------------------


def test_a_multipart_body_with_too_many_fields_is_a_json_400(anon, org, debug):
    fields = {f"field{i}": "x" for i in range(1001)}
    response = anon.post(f"/api/v1/capture/{org.capture_key}/", fields, format="multipart")
    assert assert_error_shape(response, 400)["code"] == "too_many_fields"
    assert not Lead.objects.exists()


def test_a_form_body_with_too_many_fields_is_a_json_400(anon, org, debug):
    body = urlencode({f"field{i}": "x" for i in range(1001)})
    response = anon.post(
        f"/api/v1/capture/{org.capture_key}/",
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert assert_error_shape(response, 400)["code"] == "too_many_fields"


def test_an_upload_with_too_many_fields_or_files_is_a_json_400(api_for, marketer, debug):
    client = api_for(marketer)
    fields = {f"field{i}": "x" for i in range(1001)}
    fields["file"] = SimpleUploadedFile("leads.csv", b"email\na@x.test\n")
    response = client.post("/api/v1/leads/import/", fields, format="multipart")
    assert assert_error_shape(response, 400)["code"] == "too_many_fields"
    files = {f"file{i}": SimpleUploadedFile(f"{i}.csv", b"email\n") for i in range(101)}
    response = client.post("/api/v1/leads/import/", files, format="multipart")
    assert assert_error_shape(response, 400)["code"] == "too_many_files"


def test_form_fields_over_1_mb_are_a_json_413(anon, org):
    fields = {"email": "a@x.test", "first_name": "x" * (1024 * 1024 + 1)}
    response = anon.post(f"/api/v1/capture/{org.capture_key}/", fields, format="multipart")
    assert assert_error_shape(response, 413)["code"] == "request_too_large"


# --- Measured: 100,000-level nested JSON was a 500 RecursionError ----------------------------

DEEP = "[" * 100_000 + "]" * 100_000


def test_deeply_nested_json_is_a_400_parse_error(api_for, alice, debug):
    response = api_for(alice).post(
        "/api/v1/leads/", DEEP.replace("[", '{"a":[', 1), content_type="application/json"
    )
    assert assert_error_shape(response, 400)["code"] == "parse_error"


def test_deeply_nested_json_on_the_public_capture_endpoint_is_a_400(anon, org, debug):
    body = '{"email": "deep@x.test", "first_name": ' + DEEP + "}"
    response = anon.post(
        f"/api/v1/capture/{org.capture_key}/", body, content_type="application/json"
    )
    body = assert_error_shape(response, 400)
    assert body["code"] == "parse_error" and "64" in body["detail"]
    assert not Lead.objects.exists()


def test_json_nested_64_levels_is_parsed_and_65_is_not(api_for, alice):
    client = api_for(alice)

    def post(levels):
        nested = "[" * (levels - 1) + "1" + "]" * (levels - 1)
        return client.post(
            "/api/v1/leads/", f'{{"email": {nested}}}', content_type="application/json"
        )

    # 64 levels reach the serializer (a field message), 65 stop at the parser.
    at_limit = post(64)
    assert at_limit.status_code == 400 and "email" in at_limit.json()
    assert post(65).json()["code"] == "parse_error"


def test_brackets_inside_strings_do_not_count_as_nesting(api_for, alice):
    text = json.dumps({"email": "x@x.test", "first_name": "[{" * 100})
    assert json_depth(text) == 1
    assert json_depth(r'{"a": "\"[[[[", "b": [[]]}') == 3
    response = api_for(alice).post("/api/v1/leads/", text, content_type="application/json")
    assert response.status_code != 400 or response.json()["code"] != "parse_error"


def test_malformed_json_is_a_400_parse_error(api_for, alice):
    for body in ('{"email": ', '{"email": "a@x.test"', b'{"email": "\xff"}', "NaN"):
        response = api_for(alice).post("/api/v1/leads/", body, content_type="application/json")
        assert assert_error_shape(response, 400)["code"] == "parse_error"


def test_a_json_body_over_1_mb_is_a_413(api_for, alice):
    body = json.dumps({"email": "big@x.test", "first_name": "x" * (1024 * 1024)})
    response = api_for(alice).post("/api/v1/leads/", body, content_type="application/json")
    body = assert_error_shape(response, 413)
    assert body["code"] == "request_too_large" and "1 MB" in body["detail"]
    assert not Lead.objects.exists()


def test_an_upload_over_26_mb_is_a_413_and_a_3_mb_one_is_accepted(api_for, marketer):
    client = api_for(marketer)
    huge = SimpleUploadedFile("big.pdf", b"x" * (26 * 1024 * 1024 + 1))
    response = client.post(
        "/api/v1/collateral/", {"title": "Deck", "file": huge}, format="multipart"
    )
    body = assert_error_shape(response, 413)
    assert body["code"] == "request_too_large" and "26 MB" in body["detail"]
    # A file over the 1 MB of a JSON body is fine in a multipart upload.
    deck = SimpleUploadedFile(
        "deck.pdf", b"%PDF-1.4\n" + b"x" * (3 * 1024 * 1024), content_type="application/pdf"
    )
    created = client.post(
        "/api/v1/collateral/", {"title": "Deck", "file": deck}, format="multipart"
    )
    assert created.status_code == 201, created.content


# --- Request bodies are JSON, multipart only where a file is uploaded --------------------------


def test_bodies_are_json_by_default_and_a_form_is_415(api_for, alice):
    client = api_for(alice)
    form = client.post(
        "/api/v1/tiers/",
        urlencode({"name": "Gold"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert assert_error_shape(form, 415)["code"] == "unsupported_media_type"
    multipart = client.post("/api/v1/tiers/", {"name": "Gold"}, format="multipart")
    assert assert_error_shape(multipart, 415)["code"] == "unsupported_media_type"


def test_uploads_take_multipart_and_collateral_links_take_json(api_for, marketer):
    client = api_for(marketer)
    link = client.post("/api/v1/collateral/", {"title": "Site", "url": "https://x.test/"})
    assert link.status_code == 201, link.content
    upload = SimpleUploadedFile("deck.pdf", b"%PDF-1.4 deck", content_type="application/pdf")
    filed = client.post(
        "/api/v1/collateral/", {"title": "Deck", "file": upload}, format="multipart"
    )
    assert filed.status_code == 201, filed.content
    # The import takes its file as multipart only.
    as_json = client.post("/api/v1/leads/import/", {"file": "email\na@x.test"})
    assert assert_error_shape(as_json, 415)["code"] == "unsupported_media_type"


def test_the_capture_endpoint_still_takes_website_form_posts(anon, org):
    url = f"/api/v1/capture/{org.capture_key}/"
    form = anon.post(
        url, urlencode({"email": "f@x.test"}), content_type="application/x-www-form-urlencoded"
    )
    multipart = anon.post(url, {"email": "m@x.test"}, format="multipart")
    assert (form.status_code, multipart.status_code) == (201, 201)


# --- Measured: errors without a code ----------------------------------------------------------


def test_drf_errors_carry_their_codes(anon, api_for, alice, bob, org):
    assert assert_error_shape(anon.get("/api/v1/leads/"), 401)["code"] == "not_authenticated"
    bad_token = anon.get("/api/v1/leads/", HTTP_AUTHORIZATION="Token nope")
    assert assert_error_shape(bad_token, 401)["code"] == "authentication_failed"
    refused = api_for(bob).post("/api/v1/tiers/", {"name": "Gold"})
    assert assert_error_shape(refused, 403)["code"] == "permission_denied"
    wrong_method = api_for(alice).delete("/api/v1/leads/")
    assert assert_error_shape(wrong_method, 405)["code"] == "method_not_allowed"
    unacceptable = api_for(alice).get("/api/v1/leads/", HTTP_ACCEPT="application/xml")
    assert assert_error_shape(unacceptable, 406)["code"] == "not_acceptable"
    text = api_for(alice).post("/api/v1/leads/", "email", content_type="text/plain")
    assert assert_error_shape(text, 415)["code"] == "unsupported_media_type"


def test_throttled_is_a_429_with_code_and_retry_after(anon, alice):
    url = "/api/v1/auth/token/"
    for _ in range(10):
        anon.post(url, {"email": "alice@acme.test", "password": "wrong"})
    throttled = anon.post(url, {"email": "alice@acme.test", "password": "wrong"})
    body = assert_error_shape(throttled, 429)
    assert body["code"] == "throttled" and int(throttled["Retry-After"]) > 0


def test_a_search_with_a_null_character_on_campaigns_is_detail_and_code(api_for, alice):
    response = api_for(alice).get("/api/v1/campaigns/", {"search": "a\x00b"})
    assert assert_error_shape(response, 400)["code"] == "invalid"


def test_validation_errors_keep_field_messages_and_gain_code_and_detail(api_for, alice):
    response = api_for(alice).post("/api/v1/leads/", {"email": "not an email", "employees": -1})
    body = assert_error_shape(response, 400)
    assert body["code"] == "invalid"
    assert body["email"] == ["Enter a valid email address."]
    assert "employees" in body
    assert "email: Enter a valid email address." in body["detail"]


def test_a_domain_error_keeps_its_own_code(api_for, bob, org):
    lead = LeadFactory(organization=org, status=LeadStatus.NEW)
    response = api_for(bob).post(f"/api/v1/leads/{lead.pk}/accept/")
    assert assert_error_shape(response, 409)["code"] == "lead_new"


def test_capture_validation_errors_have_the_same_shape(anon, org):
    response = anon.post(f"/api/v1/capture/{org.capture_key}/", {"email": "nope"})
    body = assert_error_shape(response, 400)
    assert body["code"] == "invalid" and "email" in body


def test_the_summary_of_many_messages_is_bounded_and_nested_errors_are_kept():
    from collab_hub.exceptions import validation_error_body

    many = {f"f{i}": ["Required."] for i in range(8)}
    body = validation_error_body(many)
    assert body["detail"].endswith("(and 3 more)") and body["f7"] == ["Required."]
    nested = validation_error_body([{}, {"email": ["Enter a valid email address."]}])
    assert nested["errors"] == [{}, {"email": ["Enter a valid email address."]}]
    assert nested["detail"] == "1.email: Enter a valid email address."
    clash = validation_error_body({"code": ["Too long."], "name": ["Required."]})
    assert clash["code"] == "invalid" and clash["fields"] == {"code": ["Too long."]}


# --- The walk: every route, every error status ------------------------------------------------

WRITE_METHODS = ("post", "put", "patch")
METHODS = ("get", "post", "put", "patch", "delete")
PUBLIC = {"auth/token/", "capture/<capture_key>/"}
ERROR_STATUSES = (400, 401, 403, 404, 405, 409, 415, 429)


def api_routes():
    """``(route, methods)`` of every URL pattern under /api/v1/, parameters written
    ``<name>`` (format-suffix duplicates left out): the router's routes of every
    registered viewset and the apps' plain API views."""
    found = []
    pending = [("", pattern) for pattern in get_resolver().url_patterns]
    while pending:
        prefix, pattern = pending.pop()
        regex = prefix + pattern.pattern.regex.pattern.lstrip("^").rstrip("$").removesuffix(r"\Z")
        if isinstance(pattern, URLResolver):
            pending.extend((regex, child) for child in pattern.url_patterns)
        elif regex.startswith("api/v1/") and "(?P<format>" not in regex:
            assert isinstance(pattern, URLPattern)
            route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", regex.replace("^", ""))
            # path() escapes its literal parts ("feature\-requests"); routes read unescaped.
            route = route.replace("\\-", "-")
            found.append((route.removeprefix("api/v1/"), _methods(pattern.callback)))
    return sorted(found)


def _methods(callback) -> set[str]:
    actions = getattr(callback, "actions", None)
    if actions:
        # (HEAD answers as GET does, without a body.)
        return set(actions) & set(METHODS)
    return {method for method in METHODS if hasattr(callback.cls, method)}


class Walk:
    """Requests along the routes; every error answer must have the documented shape."""

    def __init__(self, org):
        self.org = org
        self.seen: dict[int, set[str]] = {}
        self.problems: list[str] = []

    def url(self, route, pk=MISSING):
        key = self.org.capture_key if pk != MISSING else "no-such-key"
        # Every id of the route (``<pk>``, a nested row's ``<item>``) takes the same value.
        return "/api/v1/" + re.sub(r"<\w+>", str(pk), route.replace("<capture_key>", key))

    def check(self, route, response, expected=None):
        status, method = response.status_code, response.request["REQUEST_METHOD"]
        if status >= 400:
            self.seen.setdefault(status, set()).add(route)
            try:
                assert_error_shape(response)
            except (AssertionError, ValueError) as error:
                self.problems.append(f"{method} {route}: {status} {error}")
        if expected is not None and status != expected:
            self.problems.append(f"{method} {route}: {status}, expected {expected}")
        return response


def test_the_walk_covers_every_registered_route():
    routes = {route for route, _methods in api_routes()}
    for prefix, _viewset, _basename, _app in _routes:
        assert f"{prefix}/" in routes, prefix
    for url in _urls:
        assert re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", str(url.pattern)) in routes, url.pattern


def test_every_route_answers_its_errors_in_the_documented_shape(anon, api_for, alice, bob, org):
    admin, member = api_for(alice), api_for(bob)
    walk = Walk(org)
    routes = api_routes()
    for route, methods in routes:
        public = route in PUBLIC
        client = anon if public else admin
        for method in sorted(methods):
            # 401 without credentials (the token and capture endpoints are public).
            walk.check(
                route,
                getattr(anon, method)(walk.url(route), {}, format="json"),
                None if public else 401,
            )
            # 404: a missing row, a missing capture key.
            if "<" in route:
                walk.check(route, getattr(client, method)(walk.url(route), {}, format="json"), 404)
        # 405: a method the route does not have.
        other = next(method for method in METHODS if method not in methods)
        walk.check(route, getattr(client, other)(walk.url(route, 1)), 405)
        if "<pk>" not in route:
            for method in sorted(methods & set(WRITE_METHODS)):
                # 415: a body in no format the route takes; 400: malformed JSON.
                send = getattr(client, method)
                walk.check(route, send(walk.url(route, 1), "x", content_type="text/plain"), 415)
                walk.check(route, send(walk.url(route, 1), "{", content_type="application/json"))
                # 403 (or 400): a plain sales member writing.
                if not public:
                    walk.check(route, getattr(member, method)(walk.url(route), {}, format="json"))
        # 400: an unknown ordering on a list.
        if "<" not in route and "get" in methods:
            walk.check(route, client.get(walk.url(route), {"ordering": "no_such_key"}))
    # 409: a real illegal transition (accepting a lead that is not an MQL).
    lead = LeadFactory(organization=org, status=LeadStatus.NEW)
    walk.check("leads/<pk>/accept/", member.post(f"/api/v1/leads/{lead.pk}/accept/"), 409)

    assert walk.problems == []
    for status in ERROR_STATUSES[:-1]:
        assert walk.seen.get(status), f"no route answered {status}"
    everything = {route for route, _methods in routes}
    assert walk.seen[401] == everything - PUBLIC
    assert walk.seen[405] == everything


def test_every_route_is_throttled_with_the_documented_shape_and_headers(
    anon, api_for, alice, org, settings
):
    # A quota of no requests: the first request to any route is throttled.
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(rates, "0/min"),
    }
    admin, walk = api_for(alice), Walk(org)
    routes = api_routes()
    for route, methods in routes:
        method = "post" if "post" in methods else sorted(methods)[0]
        client = anon if route in PUBLIC else admin
        response = getattr(client, method)(walk.url(route, 1), {"email": "a@x.test"}, format="json")
        walk.check(route, response, 429)
        if response.status_code == 429:
            assert walk.check(route, response).json()["code"] == "throttled"
            assert int(response["Retry-After"]) > 0, route
            assert ";q=0;w=" in response["RateLimit-Policy"], route
            assert ";r=0;t=" in response["RateLimit"], route
    assert walk.problems == []
    assert walk.seen[429] == {route for route, _methods in routes}
