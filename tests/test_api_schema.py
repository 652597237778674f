"""The OpenAPI schema is one a generated client can use (DESIGN §4, collab_hub/schema.py):
JSON bodies, integer ids, the organization header, typed errors, the rate-limit headers."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

METHODS = ("get", "put", "post", "patch", "delete")
# Open to anyone (no security requirement): the token exchange and the website capture form.
PUBLIC = {("post", "/api/v1/auth/token/"), ("post", "/api/v1/capture/{capture_key}/")}


@pytest.fixture(scope="module")
def schema():
    from drf_spectacular.renderers import OpenApiJsonRenderer
    from drf_spectacular.settings import spectacular_settings

    generated = spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def is_public(operation):
    return all(not requirement for requirement in operation.get("security", [{}]))


def test_only_the_token_and_capture_endpoints_are_public(schema):
    public = {(method, path) for method, path, op in operations(schema) if is_public(op)}
    assert public == PUBLIC


def test_the_schema_is_valid_openapi(schema):
    from drf_spectacular.validation import validate_schema

    validate_schema(schema)


def test_request_bodies_are_json_unless_a_file_is_uploaded(schema):
    offered = {}
    for method, path, operation in operations(schema):
        body = operation.get("requestBody")
        if body is None:
            continue
        encodings = sorted(body["content"])
        properties = resolve(schema, body["content"][encodings[0]]["schema"])["properties"]
        # A file travels in multipart; JSON cannot carry one.
        uploads = any(field.get("format") == "binary" for field in properties.values())
        if encodings == (["multipart/form-data"] if uploads else ["application/json"]):
            continue
        offered[f"{method} {path}"] = encodings
    assert offered == {}


def test_ids_in_paths_are_integers(schema):
    strings = [
        f"{method} {path}"
        for method, path, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
        and parameter["name"] == "id"
        and parameter["schema"]["type"] != "integer"
    ]
    assert strings == []
    lead = schema["paths"]["/api/v1/leads/{id}/"]["get"]["parameters"]
    assert {"in": "path", "name": "id", "required": True} | {
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    } in lead


def test_ids_of_rows_and_related_rows_are_integers(schema):
    components = schema["components"]["schemas"]
    not_integers = [
        name
        for name, component in components.items()
        if component.get("properties", {}).get("id", {"type": "integer"})["type"] != "integer"
    ]
    # Feedback responses have random UUIDs on purpose: no order to link them to their authors.
    assert not_integers == ["FeedbackResponse"]
    assert components["FeedbackResponse"]["properties"]["id"]["format"] == "uuid"
    for component, field in [
        ("Lead", "owner"),
        ("Lead", "campaign"),
        ("Lead", "tier"),
        ("LeadRequest", "campaign"),
        ("QualifyRequest", "owner"),
        ("Deal", "company"),
    ]:
        assert components[component]["properties"][field]["type"] == "integer", component


def test_filters_on_related_rows_take_integer_ids(schema):
    """A list filter named like an integer field of its rows (``?owner=`` on leads) takes an
    integer, as the rows show it."""
    mistyped = []
    for method, path, operation in operations(schema):
        if method != "get" or "200" not in operation["responses"]:
            continue
        # Not a JSON body (a file download): no rows, no filters.
        if "application/json" not in operation["responses"]["200"].get("content", {}):
            continue
        page = resolve(
            schema, operation["responses"]["200"]["content"]["application/json"]["schema"]
        )
        results = page.get("properties", {}).get("results")
        if results is None:
            continue
        row = resolve(schema, results["items"]).get("properties", {})
        for parameter in operation.get("parameters", []):
            field = row.get(parameter["name"], {})
            if (
                parameter["in"] == "query"
                and field.get("type") == "integer"
                and parameter["schema"].get("type") != "integer"
            ):
                mistyped.append(f"{path}?{parameter['name']}")
    assert mistyped == []
    leads = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/leads/"]["get"]["parameters"]}
    assert leads["owner"]["type"] == leads["campaign"]["type"] == "integer"


def test_every_member_operation_takes_the_organization_header(schema):
    missing, public = [], []
    for method, path, operation in operations(schema):
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if (method, path) in PUBLIC:
            if "X-Organization" in headers:
                public.append(f"{method} {path}")
        elif "X-Organization" not in headers:
            missing.append(f"{method} {path}")
    assert missing == [] and public == []
    header = next(
        p
        for p in schema["paths"]["/api/v1/leads/"]["get"]["parameters"]
        if p["name"] == "X-Organization"
    )
    assert header["required"] is False
    assert header["schema"] == {"type": "string"}


def test_every_error_body_is_typed(schema):
    components = schema["components"]["schemas"]
    for name in ("Error", "ValidationError"):
        assert components[name]["required"] == ["detail", "code"]
        assert components[name]["properties"]["code"] == {"type": "string"}
    untyped = []
    for method, path, operation in operations(schema):
        for status, response in operation["responses"].items():
            if not status.startswith("4"):
                continue
            for media in response.get("content", {"": {}}).values():
                shape = resolve(schema, media.get("schema", {}))
                if not {"detail", "code"} <= set(shape.get("properties", {})):
                    untyped.append(f"{method} {path} {status}")
        for status in ("400", "401", "403", "404", "429"):
            assert status in operation["responses"], f"{method} {path} {status}"
        content = operation["responses"]["400"]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/ValidationError"}
    assert untyped == []


def test_throttled_answers_declare_retry_after_and_rate_limit_headers(schema):
    for method, path, operation in operations(schema):
        headers = operation["responses"]["429"]["headers"]
        assert headers["Retry-After"]["required"] is True, f"{method} {path}"
        assert headers["Retry-After"]["schema"]["type"] == "integer"
        assert {"RateLimit", "RateLimit-Policy"} <= set(headers), f"{method} {path}"


def test_paginated_lists_document_the_codes_of_their_parameters(schema):
    lists = 0
    for _method, path, operation in operations(schema):
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if "cursor" not in names:
            continue
        lists += 1
        bad_request = operation["responses"]["400"]
        examples = bad_request["content"]["application/json"]["examples"]
        assert {"invalid_cursor", "invalid_page_size"} <= set(examples), path
        assert "invalid_cursor" in bad_request["description"]
        if "ordering" in names:
            assert "invalid_ordering" in examples, path
    assert lists > 10


def test_deletes_document_one_answer(schema):
    for _method, path, operation in operations(schema):
        if _method != "delete":
            continue
        success = [status for status in operation["responses"] if status.startswith("2")]
        assert len(success) == 1, path
        if success == ["204"]:
            assert "content" not in operation["responses"]["204"], path


def test_token_and_api_key_security_schemes(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }
    member_operations = [
        operation for method, path, operation in operations(schema) if (method, path) not in PUBLIC
    ]
    assert all({"tokenAuth": []} in operation["security"] for operation in member_operations)
    classes = [
        import_string(path) for path in settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    ]
    from collab_hub.schema import ApiKeyScheme

    if not any(
        isinstance(ApiKeyScheme.target_class, type) and issubclass(cls, ApiKeyScheme.target_class)
        for cls in classes
    ):
        pytest.skip("organization API keys authenticate no request yet")
    assert schemes["apiKeyAuth"] == {"type": "http", "scheme": "bearer"} | {
        "description": schemes["apiKeyAuth"]["description"]
    }
    assert all({"apiKeyAuth": []} in operation["security"] for operation in member_operations)
