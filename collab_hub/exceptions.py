"""Domain errors raised by services, and the one API exception handler that maps them.

Services raise these; the API answers with DESIGN §4's status codes and browser views show
the message. ``code`` is a stable machine-readable reason integrations may rely on.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A business rule said no. Subclasses choose the HTTP status.

    ``field`` names the input the rule is about (``"email"``): the API then answers with a
    field message as well, like a validation error, and forms show it on that field.
    """

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, message: Any, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field


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
    """DRF's handler, plus domain errors and Django validation errors as JSON."""
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": str(exc.message), "code": exc.code}
        if exc.field:
            body[exc.field] = [str(exc.message)]
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # A validation error raised without a field (a filter's, a parser's) is a bare list:
        # every error under /api/ keeps the documented shape, detail and code.
        response.data = {"detail": " ".join(str(item) for item in response.data), "code": "invalid"}
    wait = getattr(exc, "wait", None)
    if response is not None and isinstance(exc, exceptions.Throttled) and wait:
        response.data["detail"] = _("Too many requests; retry in %(seconds)d seconds.") % {
            "seconds": int(wait + 0.999)
        }
    return response
