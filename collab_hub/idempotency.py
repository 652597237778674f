"""``Idempotency-Key`` for every POST of the API (draft-ietf-httpapi-idempotency-key-header).

A client that may retry a POST (a timeout, a dropped connection) sends a unique key with it.
The first request with a key is processed and its answer (status and body) stored; a retry
with the same key and the same request gets that answer again, marked
``Idempotent-Replayed: true``, however many times it comes, without anything being done
again (no second row, no second event, no second webhook). The same key with another
request (method, path or body) is refused with 422; the same key while the first request is
still being processed with 409. Keys are honoured for at least ``KEY_RETENTION`` (24 hours)
and deleted by a beat job after ``KEY_EXPIRY`` (48 hours).

Keys belong to a client within an organization (``IdempotencyRecord.scope``): a person
(``user:<id>``), an organization API key (``api_key:<id>``), or the public capture form
(``capture``), so two integrations never collide on a key. Which answers are kept: a success
(2xx) and a validation answer (400), which the same request would get again; anything else
(403, 404, 409, a 5xx, an exception) releases the key, so a retry is processed afresh.

The in-flight detection is the unique constraint on (organization, scope, key): the record is
inserted first, in its own committed transaction (``ATOMIC_REQUESTS`` is off), so a
concurrent retry's insert fails and finds the record still without an answer. The answer is
stored in the same transaction as the request's effects, so either both are kept or neither.

``TenantViewSet.initial`` calls ``honour_key``, so every create and every POST action of the
API base honours the header; the capture view (``leads.api.capture``) calls
``run_idempotently`` itself. Like ``collab_hub.api``, this module imports no app at import
time (the model is looked up when used).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from collab_hub.exceptions import DomainError

if TYPE_CHECKING:
    from accounts.models import IdempotencyRecord, Organization

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# The draft asks servers to publish how long a key is honoured: at least this long.
KEY_RETENTION = timedelta(hours=24)
# Records older than this are deleted by the beat job (and may be reused after that).
KEY_EXPIRY = timedelta(hours=48)
# A record still without an answer after this long belongs to a request whose process died
# between the insert and the answer; a retry may then take the key over.
STALE_IN_FLIGHT = timedelta(minutes=2)
MAX_KEY_LENGTH = 255
# Error answers stored like successes: the same request would get them again (validation).
STORED_ERROR_STATUSES = frozenset({400})
CAPTURE_SCOPE = "capture"


class IdempotencyKeyInvalid(DomainError):
    """The ``Idempotency-Key`` header is not a usable string (400)."""

    default_code = "idempotency_key_invalid"


class IdempotencyKeyReused(DomainError):
    """The key was used before with a different request (422)."""

    status_code = 422
    default_code = "idempotency_key_reused"


class IdempotencyRequestInFlight(DomainError):
    """A request with this key is still being processed (409)."""

    status_code = 409
    default_code = "idempotency_request_in_flight"


def _in_flight() -> IdempotencyRequestInFlight:
    return IdempotencyRequestInFlight(
        _("A request with this Idempotency-Key is still being processed. Retry in a moment.")
    )


# --- The header --------------------------------------------------------------------------


def parse_key(raw: str | None) -> str | None:
    """The key of an ``Idempotency-Key`` header, or None when absent.

    The draft defines the field as a Structured Field String (``"8e03978e-…"``, RFC 8941);
    the quoted form is unquoted here, and a bare value is accepted as well, as most clients
    send it that way. Raises ``IdempotencyKeyInvalid`` for an empty, over-long or
    non-printable key.
    """
    if raw is None:
        return None
    value = raw.strip()
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        value = _unquote(value[1:-1])
    if not value:
        raise IdempotencyKeyInvalid(_("The Idempotency-Key must not be empty."))
    if len(value) > MAX_KEY_LENGTH:
        raise IdempotencyKeyInvalid(
            _("The Idempotency-Key must be at most %(max)d characters.") % {"max": MAX_KEY_LENGTH}
        )
    if not all(" " <= char <= "~" for char in value):
        raise IdempotencyKeyInvalid(
            _("The Idempotency-Key may only contain printable ASCII characters.")
        )
    return value


def _unquote(inner: str) -> str:
    """The content of a Structured Field String (``\\"`` and ``\\\\`` are its escapes)."""
    key: list[str] = []
    escaped = False
    for char in inner:
        if escaped:
            if char not in '"\\':
                raise IdempotencyKeyInvalid(_("The Idempotency-Key is not a valid string."))
            key.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            raise IdempotencyKeyInvalid(_("The Idempotency-Key is not a valid string."))
        else:
            key.append(char)
    if escaped:
        raise IdempotencyKeyInvalid(_("The Idempotency-Key is not a valid string."))
    return "".join(key)


# --- Fingerprints ------------------------------------------------------------------------


def plain_body(data: Any) -> Any:
    """A request's parsed body as plain data: form bodies (``QueryDict``) become a dict of
    strings (a list where a field repeats); JSON bodies stay as they are."""
    if hasattr(data, "lists"):
        return {key: values[0] if len(values) == 1 else values for key, values in data.lists()}
    return data


def _file_digest(value: Any) -> Any:
    """An uploaded file counts by its content (a CSV import), anything else by its text."""
    if isinstance(value, File):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    return str(value)


def body_fingerprint(data: Any) -> str:
    """SHA-256 of the canonical form of a parsed body (sorted keys, no insignificant
    whitespace): the same fields and values give the same fingerprint however they were
    spelled on the wire (JSON spacing, key order, form encoding). The capture form's
    fingerprint (its records predate the method and path being part of it)."""
    canonical = json.dumps(
        plain_body(data),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_file_digest,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def request_fingerprint(*, method: str, path: str, data: Any) -> str:
    """The fingerprint of an API request: its method, path (with the query string) and
    body (``body_fingerprint``'s canonical form)."""
    return body_fingerprint({"method": method.upper(), "path": path, "body": plain_body(data)})


# --- Claiming, answering, releasing ------------------------------------------------------


@dataclass(frozen=True)
class StoredResponse:
    """An answer: a stored one being replayed, or the first one just stored."""

    status: int
    body: Any
    replayed: bool


def _record_model() -> type[IdempotencyRecord]:
    from accounts.models import IdempotencyRecord

    return IdempotencyRecord


def claim(
    *, organization: Organization, scope: str, key: str, fingerprint: str
) -> int | StoredResponse:
    """Insert the key's record in its own transaction (the request is now in flight) and
    return its id; or answer from the record a previous request left.

    Precondition: outside a transaction, so concurrent requests see the insert. Raises
    ``IdempotencyKeyReused`` (422) for another fingerprint, ``IdempotencyRequestInFlight``
    (409) while the first request runs. An expired record, or one whose request died in
    flight more than ``STALE_IN_FLIGHT`` ago, is taken over.
    """
    model = _record_model()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                created = model.objects.create(
                    organization=organization, scope=scope, key=key, fingerprint=fingerprint
                )
                return created.pk
        except IntegrityError:
            pass
        record = model.objects.for_org(organization).filter(scope=scope, key=key).first()
        if record is None:
            # The first request failed and gave its key back meanwhile: claim it again.
            continue
        now = timezone.now()
        if record.created_at < now - KEY_EXPIRY:
            # Expired but not swept yet: the key may be used afresh.
            model.objects.filter(pk=record.pk, created_at=record.created_at).delete()
            continue
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                _(
                    "This Idempotency-Key was already used with a different request. "
                    "Use a new key for a new request."
                )
            )
        # A record is completed with its status in one update (see ``_complete``).
        if record.completed_at is None or record.response_status is None:
            if record.created_at < now - STALE_IN_FLIGHT:
                # Its process died before answering; conditional, so one retry takes over.
                model.objects.filter(pk=record.pk, completed_at__isnull=True).delete()
                continue
            raise _in_flight()
        return StoredResponse(record.response_status, record.response_body, replayed=True)
    raise _in_flight()


def _complete(record_id: int, status: int, body: Any) -> None:
    _record_model().objects.filter(pk=record_id).update(
        response_status=status, response_body=body, completed_at=timezone.now()
    )


def _release(record_id: int) -> None:
    _record_model().objects.filter(pk=record_id, completed_at__isnull=True).delete()


def as_json(data: Any) -> Any:
    """``data`` as the JSON renderer writes it (DRF's encoder), read back: what is stored is
    exactly what the first answer said."""
    return json.loads(json.dumps(data, cls=JSONEncoder))


# A body ``work`` may answer with when its answer is not JSON data: kept, never stored.
UNSTORED = object()


class _Undo(Exception):
    """Leaves the work's transaction with an error answer, so its effects are rolled back."""

    def __init__(self, status: int, body: Any):
        super().__init__(status)
        self.status, self.body = status, body


def run_idempotently(
    *,
    organization: Organization,
    scope: str,
    key: str,
    fingerprint: str,
    work: Callable[[], tuple[int, Any]],
    on_error: Callable[[Exception], tuple[int, Any]] | None = None,
) -> StoredResponse:
    """Run ``work`` (returning ``(status, JSON body)``) at most once per ``key`` of the
    client ``scope`` within ``organization``, and answer every retry with the first answer.

    Precondition: called outside a transaction (see ``claim``, whose 422 and 409 it raises).
    ``work`` runs in a transaction; a body of ``UNSTORED`` is answered and not stored (the
    key is released); a 2xx answer is stored in that transaction, with its
    effects. Any other answer rolls the work back; a 400 is stored then (a validation answer
    the same request would get again), anything else releases the key. When ``work`` raises,
    ``on_error`` (if given) turns the exception into an answer, treated the same way; without
    it, or when it raises, the key is released and the exception propagates.
    """
    claimed = claim(organization=organization, scope=scope, key=key, fingerprint=fingerprint)
    if isinstance(claimed, StoredResponse):
        return claimed
    try:
        try:
            with transaction.atomic():
                status, body = work()
                if body is UNSTORED:
                    _release(claimed)
                    return StoredResponse(status, None, replayed=False)
                body = as_json(body)
                if not 200 <= status < 300:
                    raise _Undo(status, body)
                _complete(claimed, status, body)
                return StoredResponse(status, body, replayed=False)
        except _Undo as undone:
            status, body = undone.status, undone.body
        except Exception as error:
            if on_error is None:
                raise
            status, body = on_error(error)
            body = as_json(body)
    except BaseException:
        _release(claimed)
        raise
    if status in STORED_ERROR_STATUSES:
        _complete(claimed, status, body)
    else:
        _release(claimed)
    return StoredResponse(status, body, replayed=False)


def delete_expired_records(*, now: datetime | None = None) -> int:
    """Delete idempotency records older than ``KEY_EXPIRY`` (48 hours), every organization
    and client. Returns how many were deleted. Keys are honoured for at least
    ``KEY_RETENTION``. Run hourly by the beat job
    ``accounts.tasks.delete_expired_idempotency_keys``."""
    cutoff = (now or timezone.now()) - KEY_EXPIRY
    deleted, _per_model = _record_model().objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- The API base ------------------------------------------------------------------------


def client_scope(request: Any) -> str:
    """Whose keys a request uses: the organization API key it authenticated with
    (``api_key:<id>``), else its user (``user:<id>``; session and personal tokens)."""
    from accounts import models as account_models

    api_key_model = getattr(account_models, "ApiKey", None)
    auth = getattr(request, "auth", None)
    if api_key_model is not None and isinstance(auth, api_key_model):
        return f"api_key:{auth.pk}"
    return f"user:{request.user.pk}"


def honour_key(view: Any, request: Any) -> None:
    """Make ``view``'s POST handler idempotent when the request carries ``Idempotency-Key``.

    Called by ``TenantViewSet.initial``, after authentication, permissions and throttles,
    so the organization (``view.membership``) and the client are known and a refused caller
    never reaches a stored answer. An unusable key is a 400 here. The handler the view would
    call for POST (a create or a POST action) is replaced, for this request only, by one that
    runs it through ``run_idempotently`` and answers a retry from the stored answer, marked
    ``Idempotent-Replayed: true``; every answer repeats the ``Idempotency-Key`` header.
    """
    if request.method != "POST" or getattr(view, "membership", None) is None:
        return
    # A viewset may opt out (``honours_idempotency_key = False``) where keeping a record of
    # the request would itself be a leak (anonymous feedback answers, naturally idempotent).
    if not getattr(view, "honours_idempotency_key", True):
        return
    raw = request.headers.get(HEADER)
    key = parse_key(raw)
    if key is None:
        return
    handler = getattr(view, "post", None)
    if handler is None:
        return

    def idempotent_handler(request: Any, *args: Any, **kwargs: Any) -> Any:
        fingerprint = request_fingerprint(
            method=request.method, path=request.get_full_path(), data=request.data
        )
        answered: dict[str, Any] = {}

        def work() -> tuple[int, Any]:
            response = handler(request, *args, **kwargs)
            answered["response"] = response
            if not isinstance(response, Response):
                # Not a JSON answer (none of the API's POSTs is): answered, never stored.
                return response.status_code, UNSTORED
            return response.status_code, response.data

        def on_error(error: Exception) -> tuple[int, Any]:
            # The API's error answer, as DRF would give it (raises for an unhandled one).
            response = view.handle_exception(error)
            answered["response"] = response
            return response.status_code, response.data

        outcome = run_idempotently(
            organization=view.membership.organization,
            scope=client_scope(request),
            key=key,
            fingerprint=fingerprint,
            work=work,
            on_error=on_error,
        )
        if outcome.replayed:
            response = Response(outcome.body, status=outcome.status)
            response[REPLAYED_HEADER] = "true"
        else:
            response = answered["response"]
        response[HEADER] = raw
        return response

    view.post = idempotent_handler


# --- Schema ------------------------------------------------------------------------------

_HEADER_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    # What parse_key accepts: printable ASCII, no surrounding spaces (a header's are trimmed).
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": "^[!-~]([ -~]*[!-~])?$",
    },
    "description": (
        'Optional. A unique key per request (a UUID; a Structured Field string such as "…" '
        "or the bare value). A retry with the same key and the same request gets the first "
        "answer again, with `Idempotent-Replayed: true`; the same key with another request "
        "is a 422; while the first request runs, a 409. Keys are kept per client for at "
        "least 24 hours (48 at most)."
    ),
}
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def _idempotent_operations(generator: Any) -> set[str] | None:
    """Paths (placeholders blanked) whose POST a ``TenantViewSet`` serves, or None when the
    generator does not say."""
    from collab_hub.api import TenantViewSet

    endpoints = getattr(generator, "endpoints", None)
    if endpoints is None:
        return None
    paths = set()
    for path, _regex, method, callback in endpoints:
        view_class = getattr(callback, "cls", None)
        if (
            method == "POST"
            and view_class
            and issubclass(view_class, TenantViewSet)
            and getattr(view_class, "honours_idempotency_key", True)
        ):
            paths.add(_PLACEHOLDER.sub("{}", path))
    return paths


def document_idempotency_key(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every POST the API base serves declares the
    ``Idempotency-Key`` header and its 422 (key reused with another request); 409 (in
    flight) is among every write's documented errors already."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        "Error",
        {
            "type": "object",
            "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
            "additionalProperties": True,
        },
    )
    honoured = _idempotent_operations(generator)
    for path, path_item in result.get("paths", {}).items():
        operation = path_item.get("post")
        if operation is None:
            continue
        if honoured is not None and _PLACEHOLDER.sub("{}", path) not in honoured:
            continue
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("in") == "header" and p.get("name") == HEADER for p in parameters):
            parameters.append(dict(_HEADER_PARAMETER))
        operation.setdefault("responses", {}).setdefault(
            "422",
            {
                "description": "This Idempotency-Key was already used with another request.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        )
    return result
