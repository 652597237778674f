"""Domain errors raised by services, and the one API exception handler that maps them.

Services raise these; the API answers with DESIGN §4's status codes and browser views show
the message. ``code`` is a stable machine-readable reason integrations may rely on.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from collab_hub.parsers import BODY_LIMIT_ERRORS, body_limit_error


class DomainError(Exception):
    """A business rule said no. Subclasses choose the HTTP status.

    ``field`` names the input the rule is about (``"email"``): the API then answers with a
    field message as well, like a validation error, and forms show it on that field.
    ``extra``: more keys of the API's error body, JSON-ready (``{"missing": [...]}``: what a
    refused submission lacks).
    """

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.extra = extra or {}


class NotAllowed(DomainError):
    """The membership may see the object but not perform the action (403)."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"


class IllegalTransition(DomainError):
    """The object's current state does not allow the action (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "illegal_transition"


class Conflict(DomainError):
    """The request conflicts with the current state of the data (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus domain errors and Django validation errors, all in one shape.

    Every error body has ``detail`` (a sentence) and ``code`` (stable, machine-readable):
    DRF's own codes (``not_authenticated``, ``authentication_failed``,
    ``permission_denied``, ``not_found``, ``method_not_allowed``, ``not_acceptable``,
    ``unsupported_media_type``, ``throttled``, ``parse_error``), a domain error's code, or
    ``invalid`` for a validation error, which keeps its field messages beside them.
    """
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {**exc.extra, "detail": str(exc.message), "code": exc.code}
        if exc.field:
            body[exc.field] = [str(exc.message)]
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, BODY_LIMIT_ERRORS):
        exc = body_limit_error(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_error_body(response.data)
    else:
        response.data = _error_body(exc, response.data)
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait:
        response.data["detail"] = _("Too many requests; retry in %(seconds)d seconds.") % {
            "seconds": int(wait + 0.999)
        }
    return response


def _error_body(exc: exceptions.APIException, data: Any) -> dict[str, Any]:
    """``{"detail", "code", …}`` for an API exception other than a validation error."""
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else str(exc.default_code)
    if isinstance(data, dict) and isinstance(data.get("detail"), str):
        # Already the documented shape (``InvalidQuery`` adds its own extras).
        return {**data, "code": str(data.get("code") or code)}
    summary = validation_error_body(data)
    summary["code"] = code
    return summary


# How many messages the ``detail`` of a validation error names before it says "and N more".
SUMMARY_MESSAGES = 5


def validation_error_body(errors: Any) -> dict[str, Any]:
    """A validation error in the documented shape: the field messages as DRF gives them
    (``{"email": ["Enter a valid email address."]}``), plus ``code: "invalid"`` and a
    ``detail`` that sums them up (``"email: Enter a valid email address."``).

    No key is lost: a list of messages without a field becomes the ``detail``; a list of
    objects (a ``many=True`` body) is kept under ``errors``, and the messages of a field
    named ``detail`` or ``code`` under ``fields``. A body already in the shape (``detail``
    and ``code`` strings) is kept as it is.
    """
    if isinstance(errors, dict):
        if isinstance(errors.get("detail"), str) and isinstance(errors.get("code"), str):
            return dict(errors)
        body = {key: value for key, value in errors.items() if key not in ("detail", "code")}
        clashing = {key: value for key, value in errors.items() if key in ("detail", "code")}
        if clashing:
            body["fields"] = clashing
    elif isinstance(errors, list) and all(isinstance(item, str) for item in errors):
        body = {}
    else:
        body = {"errors": errors}
    messages = _messages(errors)
    summary = "; ".join(
        f"{path}: {message}" if path else message for path, message in messages[:SUMMARY_MESSAGES]
    )
    if len(messages) > SUMMARY_MESSAGES:
        summary += " " + str(
            _("(and %(count)d more)") % {"count": len(messages) - SUMMARY_MESSAGES}
        )
    return {**body, "detail": summary or str(_("Invalid input.")), "code": "invalid"}


def _messages(errors: Any) -> list[tuple[str, str]]:
    """``(path, message)`` for every message in nested errors, in order, without recursion
    (``email``, ``items.2.email``; messages without a field have the empty path)."""
    found: list[tuple[str, str]] = []
    pending: list[tuple[str, Any]] = [("", errors)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                name = "" if key == "non_field_errors" else str(key)
                pending.append((_join(path, name), item))
        elif isinstance(value, list):
            # A list of messages belongs to its field; a list of objects is numbered.
            nested = any(isinstance(item, dict | list) for item in value)
            for index, item in reversed(list(enumerate(value))):
                pending.append((_join(path, str(index)) if nested else path, item))
        elif value is not None and str(value):
            found.append((path, str(value)))
    return found


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path and name else path or name
