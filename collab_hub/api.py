"""The API base and router.

Every app's viewsets subclass ``TenantViewSet`` and are registered in ``build_router``,
under ``/api/v1/``. The active membership of an API request is resolved here, after DRF
authenticated the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, viewsets
from rest_framework.routers import DefaultRouter

from collab_hub.tenancy import HEADER, SESSION_KEY, memberships_of

if TYPE_CHECKING:
    from accounts.models import Membership


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


def build_router() -> DefaultRouter:
    from accounts import api as accounts_api
    from collab_hub.notifications import api as notifications_api

    router = DefaultRouter()
    router.register("departments", accounts_api.DepartmentViewSet, basename="department")
    router.register("members", accounts_api.MemberViewSet, basename="member")
    router.register("invitations", accounts_api.InvitationViewSet, basename="invitation")
    router.register("events", notifications_api.EventViewSet, basename="event")
    router.register("notifications", notifications_api.NotificationViewSet, basename="notification")
    router.register("comments", notifications_api.CommentViewSet, basename="comment")
    return router
