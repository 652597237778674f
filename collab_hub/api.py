"""The API base: tenant viewsets, the policy permission, and the route registry.

Every app's viewsets subclass ``TenantViewSet``; each app mounts them under ``/api/v1/`` by
calling ``register_api`` from its ``AppConfig.ready`` (``collab_hub/urls.py`` builds the
router from the registry). The active membership of an API request is resolved here, after
DRF authenticated the caller. This module imports no app: apps import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, viewsets
from rest_framework.routers import DefaultRouter

from collab_hub.tenancy import HEADER, SESSION_KEY, memberships_of

if TYPE_CHECKING:
    from accounts.models import Membership


class IdFilter(django_filters.NumberFilter):
    """Filter by a related row's id; anything but a positive 64-bit integer is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


def activate_user_language(request: Any) -> None:
    """Token users are known only after DRF authenticated them, after the middleware chose a
    language from the browser: their profile language wins here, as it does in the browser."""
    from django.utils import translation

    language = getattr(request.user, "language", "")
    if language:
        translation.activate(language)
        request._request.LANGUAGE_CODE = language


def api_membership(request: Any) -> Membership:
    """The membership an API request acts as.

    ``X-Organization: <slug>`` picks the organization; a slug the user is not a member of
    is a 404 (indistinguishable from a missing organization). Without the header: the
    session's active organization for browser sessions, else the user's only membership.
    """
    memberships = memberships_of(request.user)
    slug = request.META.get(HEADER, "").strip()
    if slug:
        membership = memberships.filter(organization__slug=slug).first()
        if membership is None:
            raise exceptions.NotFound(_("No such organization."))
        return membership
    session = getattr(request._request, "session", None)
    if session is not None and session.get(SESSION_KEY) is not None:
        membership = memberships.filter(organization_id=session[SESSION_KEY]).first()
        if membership is not None:
            return membership
    found = list(memberships[:2])
    if not found:
        raise exceptions.PermissionDenied(_("You are not a member of any organization."))
    if len(found) > 1:
        raise exceptions.ParseError(
            _("You belong to several organizations: send the X-Organization header (its slug).")
        )
    return found[0]


class PolicyPermission(permissions.BasePermission):
    """Asks ``accounts.policy.can`` for the action named in the viewset's ``policy`` map.

    ``policy = {"create": "departments.manage", "destroy": ...}``: actions not named are
    open to every member (reads); writes must be named, or they are refused, so a new
    endpoint is closed until someone decides who may use it.
    """

    message = _("Your role does not allow this action.")

    def _action_rule(self, view: Any) -> str | None:
        action = getattr(view, "action", None)
        policy = getattr(view, "policy", {})
        if action in policy:
            return policy[action]
        if action in ("list", "retrieve", "metadata") or action in getattr(
            view, "open_actions", ()
        ):
            return None
        return "organization.configure" if action else None

    def has_permission(self, request: Any, view: Any) -> bool:
        from accounts.policy import can

        rule = self._action_rule(view)
        return rule is None or can(view.membership, rule)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        from accounts.policy import can

        rule = self._action_rule(view)
        return rule is None or can(view.membership, rule, obj)


class TenantViewSet(viewsets.GenericViewSet):
    """Base of every organization-scoped API viewset.

    Subclasses set ``queryset`` (unscoped, with its joins); this class owns
    ``get_queryset`` and applies ``visible_to(membership)`` to it, so a foreign row is a 404
    and never appears in a list. Defining ``get_queryset`` in a subclass is an error at
    import time; use ``queryset`` and filter backends instead.
    """

    membership: Membership
    permission_classes = [permissions.IsAuthenticated, PolicyPermission]
    # Ids are integers; anything else is a 404 before a query is made.
    lookup_value_regex = "[0-9]+"
    policy: ClassVar[dict[str, str]] = {}
    open_actions: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise ImproperlyConfigured(
                f"{cls.__name__} overrides get_queryset; tenant scoping lives in TenantViewSet."
            )

    def perform_authentication(self, request: Any) -> None:
        super().perform_authentication(request)
        if request.user and request.user.is_authenticated:
            activate_user_language(request)
            self.membership = api_membership(request)
            request.membership = self.membership

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        return self.queryset.all().visible_to(self.membership)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["membership"] = getattr(self, "membership", None)
        return context


# --- Routes ---------------------------------------------------------------------------------

# (prefix, viewset, basename, app) of every app's viewsets, and the app's plain API views.
_routes: list[tuple[str, type, str, str]] = []
_urls: list[Any] = []


def register_api(
    routes: Iterable[tuple[str, type, str]], *, urls: Iterable[Any] = (), app: str
) -> None:
    """Mount ``app``'s viewsets (``(prefix, viewset, basename)``) and plain URL patterns under
    ``/api/v1/`` (from its ``AppConfig.ready``). A prefix or basename another app already uses
    is an ``ImproperlyConfigured`` error at start-up."""
    for prefix, viewset, basename in routes:
        for taken_prefix, _viewset, taken_basename, owner in _routes:
            if prefix == taken_prefix or basename == taken_basename:
                raise ImproperlyConfigured(
                    f"API route {prefix!r} ({basename}) of {app!r} clashes with {owner!r}."
                )
        if not issubclass(viewset, TenantViewSet):
            raise ImproperlyConfigured(f"{viewset.__name__} of {app!r} is not a TenantViewSet.")
        _routes.append((prefix, viewset, basename, app))
    _urls.extend(urls)


def build_router() -> DefaultRouter:
    """A router with every registered viewset (``collab_hub/urls.py`` mounts it)."""
    router = DefaultRouter()
    for prefix, viewset, basename, _app in _routes:
        router.register(prefix, viewset, basename=basename)
    return router


def api_urls() -> list[Any]:
    """The apps' plain API views (capture, reports …), mounted before the router."""
    return list(_urls)


# Error statuses any operation may answer (DESIGN §4), documented once for every operation.
_ERROR_RESPONSES = {
    "400": _("Invalid input: field messages, or detail and code."),
    "401": _("Not authenticated."),
    "403": _("Allowed to see, not to act."),
    "404": _("Missing, or in another organization."),
    "429": _("Throttled; see the Retry-After header."),
}
_WRITE_ERROR_RESPONSES = {
    "409": _("Illegal state transition or conflicting request; see code."),
    "415": _("Unsupported or malformed request body."),
}


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool):
    """drf-spectacular post-processing hook: add the shared error shape to every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = {
        "type": "object",
        "description": "An error. Validation errors map field names to lists of messages.",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string"},
        },
        "additionalProperties": True,
    }
    reference = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            errors = dict(_ERROR_RESPONSES)
            if method in ("post", "put", "patch", "delete"):
                errors.update(_WRITE_ERROR_RESPONSES)
            responses = operation.setdefault("responses", {})
            for status_code, description in errors.items():
                responses.setdefault(
                    status_code,
                    {
                        "description": str(description),
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result


def _json_or_page(request: Any, status: int, detail: Any, code: str, page: Any) -> Any:
    """Error pages: JSON under /api/ (integrations parse it), Django's HTML page elsewhere."""
    from django.http import JsonResponse

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(detail), "code": code}, status=status)
    return page()


def api_bad_request(request: Any, exception: Exception | None = None) -> Any:
    from django.views.defaults import bad_request

    return _json_or_page(
        request, 400, _("Bad request."), "bad_request", lambda: bad_request(request, exception)
    )


def api_permission_denied(request: Any, exception: Exception | None = None) -> Any:
    from django.views.defaults import permission_denied

    return _json_or_page(
        request,
        403,
        _("Permission denied."),
        "permission_denied",
        lambda: permission_denied(request, exception),
    )


def api_not_found(request: Any, exception: Exception | None = None) -> Any:
    from django.views.defaults import page_not_found

    return _json_or_page(
        request, 404, _("Not found."), "not_found", lambda: page_not_found(request, exception)
    )


def api_server_error(request: Any) -> Any:
    from django.views.defaults import server_error

    return _json_or_page(
        request, 500, _("Server error."), "server_error", lambda: server_error(request)
    )
