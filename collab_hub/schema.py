"""The OpenAPI schema at ``/api/schema/`` as generated clients and schema fuzzing need it.

``SPECTACULAR_SETTINGS`` (``collab_hub/settings.py``) names the generator, the hooks and the
security schemes here, so every operation of every app gets, without declaring anything:

* ``X-Organization``: an optional header parameter on every authenticated operation.
* Integer ids: path parameters the URL restricts to digits (``{id}``) and ``IdFilter`` query
  parameters (``?owner=``) are integers, so a generated client takes an ``int``.
* Typed errors: every 4xx is ``Error`` (``detail`` and ``code``, plus any field messages),
  a 400 is ``ValidationError`` (the same, the extra keys being field messages); a 400 of a
  paginated list names the codes ``invalid_cursor``, ``invalid_ordering`` and
  ``invalid_page_size``; a 429 declares ``Retry-After``, ``RateLimit`` and
  ``RateLimit-Policy``. An operation that declares an error as a bare object
  (``OpenApiTypes.OBJECT``) gets the shared shape; one with its own serializer keeps it.
* Security: ``tokenAuth`` (``Authorization: Token <token>``), ``cookieAuth`` (the browser
  session) and ``apiKeyAuth`` (``Authorization: Bearer <key>``, an organization API key)
  once an authentication class for keys is installed (``ApiKeyScheme``).

Request bodies follow each view's parser classes (JSON by default, multipart where a file is
uploaded): a body offered as JSON, form and multipart makes generated clients send every
field twice. ``tests/test_api_schema.py`` holds the schema to all of this.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator as BaseSchemaGenerator

from collab_hub.api import (
    IdFilter,
    ReadOnlyModelSerializer,
    ReadOnlySerializer,
    ReadOnlySerializerMixin,
    ServiceViewSet,
    SoftDestroyModelMixin,
    TenantModelSerializer,
    TenantSerializer,
    TenantSerializerMixin,
    TenantViewSet,
)
from collab_hub.tenancy import HEADER

# The header as clients send it (``HEADER`` is its WSGI name, ``HTTP_X_ORGANIZATION``).
ORGANIZATION_HEADER = HEADER.removeprefix("HTTP_").replace("_", "-").title()


class SchemaGenerator(BaseSchemaGenerator):
    """drf-spectacular's generator. ``DEFAULT_GENERATOR_CLASS`` names it so that this module,
    and with it the extensions below, is loaded before the first view is described."""


# --- Errors ---------------------------------------------------------------------------------

# Error statuses any operation may answer (DESIGN §4), documented once for every operation.
_ERROR_RESPONSES = {
    "400": _("Invalid input: detail, code and field messages."),
    "401": _("Not authenticated."),
    "403": _("Allowed to see, not to act."),
    "404": _("Missing, or in another organization."),
    "429": _("Throttled; retry after the seconds in the Retry-After header."),
}
_WRITE_ERROR_RESPONSES = {
    "409": _("Illegal state transition or conflicting request; see code."),
}
# Only where the operation takes a body.
_BODY_ERROR_RESPONSES = {
    "413": _("Request body too large."),
    "415": _("Unsupported or malformed request body."),
}
# Query parameters of a paginated list and the 400 code each answers when it is not usable.
_LIST_PARAMETER_CODES = {
    "cursor": "invalid_cursor",
    "ordering": "invalid_ordering",
    "page_size": "invalid_page_size",
}

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "An error: a human-readable `detail` and a stable, machine-readable `code`. Other "
        "keys may add context (field messages, the allowed values)."
    ),
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "required": ["detail", "code"],
    "additionalProperties": {},
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Invalid input: `detail` and `code` (`invalid`, or a specific code such as "
        "`invalid_cursor`), and for each invalid field its messages (a list of strings; "
        "an object or a list of objects for nested fields)."
    ),
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "allowed": {
            "type": "array",
            "items": {"type": "string"},
            "description": "With `invalid_ordering`: every ordering term the list accepts.",
        },
    },
    "required": ["detail", "code"],
    "additionalProperties": {},
}
_ERROR = {"$ref": "#/components/schemas/Error"}
_VALIDATION_ERROR = {"$ref": "#/components/schemas/ValidationError"}

# Response headers of a 429 (IETF draft-ietf-httpapi-ratelimit-headers, and RFC 9110).
RATE_LIMIT_HEADERS = {
    "Retry-After": {
        "description": "Seconds to wait before the next request.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit": {
        "description": (
            'The limit that was hit and what remains of it, e.g. `"user";r=0;t=42` '
            "(IETF RateLimit header fields draft)."
        ),
        "schema": {"type": "string"},
    },
    "RateLimit-Policy": {
        "description": 'The limits that apply, e.g. `"user";q=1200;w=60`.',
        "schema": {"type": "string"},
    },
}


def _is_bare_object(content: Any) -> bool:
    """``OpenApiTypes.OBJECT`` (or no schema): an error whose shape the operation left open."""
    schema = (content or {}).get("schema")
    return schema is None or (schema.get("type") == "object" and "properties" not in schema)


def _list_codes(operation: dict[str, Any]) -> list[str]:
    names = {p.get("name") for p in operation.get("parameters", ()) if p.get("in") == "query"}
    return [code for name, code in _LIST_PARAMETER_CODES.items() if name in names]


def _error_response(status_code: str, description: Any, codes: list[str]) -> dict[str, Any]:
    schema = _VALIDATION_ERROR if status_code == "400" else _ERROR
    media: dict[str, Any] = {"schema": schema}
    text = str(description)
    if codes and status_code == "400":
        text = f"{text} {_('Codes of the list parameters:')} {', '.join(codes)}."
        media["examples"] = {
            code: {"value": {"detail": "…", "code": code}, "summary": code} for code in codes
        }
    response: dict[str, Any] = {"description": text, "content": {"application/json": media}}
    if status_code == "429":
        response["headers"] = dict(RATE_LIMIT_HEADERS)
    return response


def _type_error_response(status_code: str, response: dict[str, Any]) -> None:
    """An error the operation declared itself: give a bare object the shared shape, and a
    429 its headers."""
    content = response.get("content") or {}
    json = content.get("application/json")
    if json is not None and _is_bare_object(json):
        json["schema"] = _VALIDATION_ERROR if status_code == "400" else _ERROR
    if status_code == "429":
        headers = response.setdefault("headers", {})
        for name, header in RATE_LIMIT_HEADERS.items():
            headers.setdefault(name, header)


def document_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: the shared error shapes on every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    components["ValidationError"] = VALIDATION_ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            errors = dict(_ERROR_RESPONSES)
            if method in ("post", "put", "patch", "delete"):
                errors.update(_WRITE_ERROR_RESPONSES)
            if "requestBody" in operation:
                errors.update(_BODY_ERROR_RESPONSES)
            codes = _list_codes(operation) if method == "get" else []
            responses = operation.setdefault("responses", {})
            for status_code, response in responses.items():
                if str(status_code).startswith("4"):
                    _type_error_response(str(status_code), response)
            for status_code, description in errors.items():
                responses.setdefault(status_code, _error_response(status_code, description, codes))
    return result


# --- Parameters -----------------------------------------------------------------------------


# List parameters whose empty value means "not given".
EMPTY_MEANS_NONE = {"search", "ordering"}

# A row's id, as the URL and the database take it.
INTEGER_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


def document_parameters(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: integer path ids, and ``X-Organization`` on
    every operation a member calls (not on the public token and capture endpoints)."""
    organization = {
        "in": "header",
        "name": ORGANIZATION_HEADER,
        "required": False,
        "schema": {"type": "string"},
        "description": str(
            _(
                "The slug of the organization to act in. Needed only by members of several "
                "organizations; one the caller is not a member of is a 404."
            )
        ),
    }
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            parameters = operation.setdefault("parameters", [])
            for parameter in parameters:
                schema = parameter.get("schema", {})
                # The routers' ids (``lookup_value_regex = "[0-9]+"``).
                if parameter.get("in") == "path" and schema.get("pattern") == "^[0-9]+$":
                    parameter["schema"] = dict(INTEGER_ID)
                # ``?search=`` searches nothing and ``?ordering=`` is the default order.
                if parameter.get("in") == "query" and parameter.get("name") in EMPTY_MEANS_NONE:
                    parameter["allowEmptyValue"] = True
            anonymous = all(not requirement for requirement in operation.get("security", [{}]))
            names = {(p.get("in"), p.get("name")) for p in parameters}
            if not anonymous and ("header", ORGANIZATION_HEADER) not in names:
                parameters.append(dict(organization))
            if not parameters:
                del operation["parameters"]
    return result


class TenantFilterSchema(DjangoFilterExtension):
    """django-filter's parameters as drf-spectacular describes them, with ``IdFilter``
    parameters (ids of related rows) typed as the integers they accept, and an empty value
    allowed where django-filter takes it as "no filter", as a form does (``?updated_after=``;
    not in a list of choices)."""

    target_class = "collab_hub.filters.TenantFilterBackend"
    match_subclasses = True
    priority = 1

    def resolve_filter_field(
        self, auto_schema: Any, model: Any, filterset_class: Any, field_name: str, filter_field: Any
    ) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        for parameter in parameters:
            # (A list of choices refuses an empty one: "Select a valid choice".)
            if parameter["schema"].get("type") != "array":
                parameter["allowEmptyValue"] = True
            if isinstance(filter_field, IdFilter):
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": filter_field.extra.get("min_value", 1),
                    "maximum": filter_field.extra.get("max_value", 2**63 - 1),
                }
        return parameters


# --- Security -------------------------------------------------------------------------------

API_KEY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "An organization API key (`api-keys/`, shown once): `Authorization: Bearer <key>`. "
        "The key acts for its organization with the scopes it was given."
    ),
}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """``Authorization: Bearer <key>`` for the organization API keys' authentication class
    (drf-spectacular documents it wherever the class authenticates; ``optional``: no warning
    while the class does not exist)."""

    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"
    optional = True
    match_subclasses = True

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return API_KEY_SCHEME


# --- Descriptions ---------------------------------------------------------------------------


def schema_doc_excludes() -> list[type]:
    """drf-spectacular's ``GET_LIB_DOC_EXCLUDES``: the bases in ``collab_hub.api`` document
    themselves, not the endpoints and components built on them, so their docstrings stay out
    of the schema."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    return [
        *get_lib_doc_excludes(),
        TenantViewSet,
        ServiceViewSet,
        SoftDestroyModelMixin,
        TenantSerializerMixin,
        TenantSerializer,
        TenantModelSerializer,
        ReadOnlySerializerMixin,
        ReadOnlySerializer,
        ReadOnlyModelSerializer,
    ]
