"""Throttles that tell the client how much is left: ``RateLimit-Policy`` and ``RateLimit``.

The header syntax follows draft-ietf-httpapi-ratelimit-headers-10 (27 September 2025), the
latest revision at the time of writing: both fields are Structured Field lists (RFC 8941)
of items named after the throttle's scope::

    RateLimit-Policy: "user";q=1200;w=60
    RateLimit: "user";r=1187;t=41

``q`` is the quota (requests) per window of ``w`` seconds; ``r`` the requests remaining and
``t`` the seconds until the oldest counted request leaves the window (more quota). A view
with several throttles (capture: per form and per address) lists one item per throttle.
Throttled answers (429) carry the same fields and ``Retry-After`` (seconds).

Every throttle of the API extends ``RateLimitHeadersMixin``: the default classes
(``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]`` names ``AnonRateThrottle`` and
``UserRateThrottle`` from here), ``ScopedRateThrottle`` for views that set a
``throttle_scope``, and any ``SimpleRateThrottle`` subclass an app adds with the mixin first.
The mixin records each decision on the request; ``RateLimitHeadersMiddleware`` writes the
fields on the response, whatever its status. Rates are read from
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` on every request (DRF reads them once, at import).

The counters live in the default cache: with local memory each process counts on its own,
so production needs the shared cache (``REDIS_URL``); ``collab_hub.checks`` warns otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from rest_framework import throttling
from rest_framework.settings import api_settings

DRAFT = "draft-ietf-httpapi-ratelimit-headers-10"
# Where the decisions of one request's throttles are kept (on Django's request).
_STATE = "_rate_limits"
RATE_LIMIT_HEADERS = ("RateLimit-Policy", "RateLimit")


@dataclass(frozen=True)
class ServiceLimit:
    """One throttle's decision for one request."""

    policy: str
    quota: int
    window: int
    remaining: int
    reset: int

    def policy_item(self) -> str:
        return f"{_sf_string(self.policy)};q={self.quota};w={self.window}"

    def limit_item(self) -> str:
        return f"{_sf_string(self.policy)};r={self.remaining};t={self.reset}"


def _sf_string(value: str) -> str:
    """A Structured Field string (RFC 8941 §3.3.3): printable ASCII, quotes escaped."""
    printable = "".join(char for char in value if " " <= char <= "~")
    return '"' + printable.replace("\\", "\\\\").replace('"', '\\"') + '"'


def recorded_limits(request: Any) -> list[ServiceLimit]:
    """The decisions recorded on ``request`` (Django's or DRF's) so far."""
    django_request = getattr(request, "_request", request)
    limits: list[ServiceLimit] = getattr(django_request, _STATE, [])
    return limits


class RateLimitHeadersMixin:
    """Put before a ``SimpleRateThrottle`` (sub)class: its decisions become the
    ``RateLimit``/``RateLimit-Policy`` fields of the response, and its rate is read from the
    settings on every request (``default_rate`` when the scope has none, if the class sets
    one)."""

    scope: str | None
    rate: str | None
    num_requests: int
    duration: int
    history: list[float]
    now: float

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        scope = self.scope or ""
        if scope in rates:
            rate = rates[scope]
            return None if rate is None else str(rate)
        default: str | None = getattr(self, "default_rate", None)
        if default:
            return default
        raise ImproperlyConfigured(f"No default throttle rate set for {scope!r} scope")

    def allow_request(self, request: Any, view: Any) -> bool:
        # Any: the import page (leads/views/imports.py) asks with Django's request, no view.
        allowed: bool = super().allow_request(request, view)  # type: ignore[misc]
        # Counted only when a rate applies and the throttle chose a key (not for OPTIONS…).
        if getattr(self, "rate", None) is not None and getattr(self, "key", None) is not None:
            self._record(request, allowed)
        return allowed

    def _record(self, request: Any, allowed: bool) -> None:
        remaining = max(0, self.num_requests - len(self.history)) if allowed else 0
        if self.history:
            # The oldest counted request leaves the window then, giving one more request.
            reset = math.ceil(self.history[-1] + self.duration - self.now)
        else:
            reset = self.duration
        limit = ServiceLimit(
            policy=self.scope or type(self).__name__,
            quota=self.num_requests,
            window=int(self.duration),
            remaining=remaining,
            reset=max(0, reset),
        )
        django_request = getattr(request, "_request", request)
        limits = [known for known in recorded_limits(request) if known.policy != limit.policy]
        setattr(django_request, _STATE, [*limits, limit])


class AnonRateThrottle(RateLimitHeadersMixin, throttling.AnonRateThrottle):
    """Anonymous requests per client address (scope ``anon``)."""


class UserRateThrottle(RateLimitHeadersMixin, throttling.UserRateThrottle):
    """Requests per user, or per address when anonymous (scope ``user``)."""


class ScopedRateThrottle(RateLimitHeadersMixin, throttling.ScopedRateThrottle):
    """Requests per user (or address) to views with ``throttle_scope = "<scope>"``."""


class RateLimitHeadersMiddleware:
    """Writes the recorded throttle decisions as ``RateLimit-Policy``/``RateLimit`` (and
    ``Retry-After`` on a 429 that lacks it), and lets cross-origin scripts read them where
    the view already exposes headers (public capture)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        limits = recorded_limits(request)
        if not limits:
            return response
        response["RateLimit-Policy"] = ", ".join(limit.policy_item() for limit in limits)
        response["RateLimit"] = ", ".join(limit.limit_item() for limit in limits)
        if response.status_code == 429 and not response.has_header("Retry-After"):
            exhausted = [limit.reset for limit in limits if limit.remaining == 0]
            response["Retry-After"] = str(max(exhausted or [1]))
        exposed = response.get("Access-Control-Expose-Headers")
        if exposed:
            names = [name.strip() for name in exposed.split(",")]
            extra = [name for name in RATE_LIMIT_HEADERS if name not in names]
            if extra:
                response["Access-Control-Expose-Headers"] = ", ".join([*names, *extra])
        return response
