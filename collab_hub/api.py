"""The API base: tenant viewsets and serializers, the policy permission, the route registry.

Every app's viewsets subclass ``TenantViewSet`` (``ServiceViewSet`` when they write); each app
mounts them under ``/api/v1/`` by calling ``register_api`` from its ``AppConfig.ready``
(``collab_hub/urls.py`` builds the router from the registry). The active membership of an API
request is resolved here, after DRF authenticated the caller. This module imports no app:
apps import it.

Failing closed, layer by layer:

* ``TenantViewSet`` owns ``get_queryset`` (``visible_to(membership)``): a foreign row is a 404.
* ``TenantSerializer``/``TenantModelSerializer``: every writable related field over a tenant
  model chooses among ``visible_to(context["membership"])`` (none without one), nested
  serializers included. Declare such fields with an unscoped queryset
  (``PrimaryKeyRelatedField(queryset=Tier.objects.all())``); a foreign or hidden id is then
  "object does not exist", exactly like a missing one. Serializers that only render
  responses extend ``ReadOnlySerializer``/``ReadOnlyModelSerializer``.
* ``TenantFilterBackend`` (``collab_hub/filters.py``, the default filter backend) does the
  same for ``ModelChoiceFilter``/``ModelMultipleChoiceFilter``.
* ``PolicyPermission`` refuses write actions the viewset's ``policy`` does not name.
* ``ServiceViewSet``: create, update and destroy call the services named on the class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters, mixins, permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from collab_hub import idempotency
from collab_hub.filters import OrderingFilter, TenantFilterBackend, visible_choices
from collab_hub.tenancy import HEADER, SESSION_KEY, memberships_of

if TYPE_CHECKING:
    from accounts.models import Membership


class IdFilter(django_filters.NumberFilter):  # type: ignore[misc]  # django-filter is untyped
    """Filter by a related row's id; anything but a positive 64-bit integer is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


# Filter backends of a viewset with ``?search=`` (the defaults have no SearchFilter).
SEARCH_FILTER_BACKENDS = [TenantFilterBackend, filters.SearchFilter, OrderingFilter]


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

    A request authenticated by an organization API key must also have the scope: ``read``
    for a GET, ``<area>:write`` for any other method, the area being the app that registered
    the viewset (``area_of``); else 403 ``insufficient_scope``
    (``accounts.authentication.require_scope``).
    """

    message = _("Your role does not allow this action.")

    @staticmethod
    def area_of(view: Any) -> str:
        """The app that registered the view's viewset (``register_api``), else the app whose
        module defines it (a viewset mounted as a plain URL)."""
        from django.apps import apps

        for _prefix, viewset, _basename, app in _routes:
            if type(view) is viewset:
                return app
        config = apps.get_containing_app_config(type(view).__module__)
        return config.label if config is not None else ""

    def _action_rule(self, view: Any) -> str | None:
        action = getattr(view, "action", None)
        policy = getattr(view, "policy", {})
        if action in policy:
            rule: str = policy[action]
            return rule
        if action in ("list", "retrieve", "metadata") or action in getattr(
            view, "open_actions", ()
        ):
            return None
        return "organization.configure" if action else None

    def has_permission(self, request: Any, view: Any) -> bool:
        from accounts.authentication import require_scope
        from accounts.policy import can

        require_scope(request, area=self.area_of(view))
        rule = self._action_rule(view)
        return rule is None or can(view.membership, rule)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        from accounts.policy import can

        rule = self._action_rule(view)
        return rule is None or can(view.membership, rule, obj)


class TenantViewSet(viewsets.GenericViewSet[Any]):
    """Base of every organization-scoped API viewset.

    Subclasses set ``queryset`` (unscoped, with its joins); this class owns
    ``get_queryset`` and applies ``visible_to(membership)`` to it, so a foreign row is a 404
    and never appears in a list. Defining ``get_queryset`` in a subclass is an error at
    import time; use ``queryset`` and filter backends instead. So is a ``filter_backends``
    with django-filter's plain backend instead of ``TenantFilterBackend``.
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
        for backend in cls.filter_backends:
            # A plain DjangoFilterBackend would let ?department=<foreign id> confirm the id.
            if issubclass(backend, DjangoFilterBackend) and not issubclass(
                backend, TenantFilterBackend
            ):
                raise ImproperlyConfigured(
                    f"{cls.__name__} filters with {backend.__name__}; use TenantFilterBackend."
                )

    def perform_authentication(self, request: Any) -> None:
        super().perform_authentication(request)
        if request.user and request.user.is_authenticated:
            activate_user_language(request)
            self.membership = api_membership(request)
            request.membership = self.membership

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Every create and POST action honours Idempotency-Key, once the caller is known and
        # allowed: the organization and the client scope the key.
        idempotency.honour_key(self, request)

    def get_queryset(self) -> models.QuerySet[Any]:
        # The class attribute as declared (read on the class: the stubs see a descriptor).
        base: Any = type(self).queryset
        if getattr(self, "swagger_fake_view", False):
            empty: models.QuerySet[Any] = base.none()
            return empty
        scoped: models.QuerySet[Any] = base.all().visible_to(self.membership)
        return scoped

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["membership"] = getattr(self, "membership", None)
        return context


# --- Writes through services ---------------------------------------------------------------

# Which endpoint each service attribute serves, and the policy actions it covers.
_SERVICE_ENDPOINTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "create_service": ("create", ("create",)),
    "update_service": ("update", ("update", "partial_update")),
    "destroy_service": ("destroy", ("destroy",)),
}
# The DRF mixins' defaults, which would write through serializer.save() and skip the service.
_SAVING_DEFAULTS = {
    "perform_create": mixins.CreateModelMixin.perform_create,
    "perform_update": mixins.UpdateModelMixin.perform_update,
    "perform_destroy": mixins.DestroyModelMixin.perform_destroy,
}


def _endpoint_calls_perform(viewset: type, endpoint: str) -> bool:
    """Whether ``viewset``'s endpoint is a mixin's, which writes through ``perform_<endpoint>``
    (a hand-written ``create`` that calls its own service is not)."""
    standard = {
        "create": (mixins.CreateModelMixin.create,),
        "update": (mixins.UpdateModelMixin.update,),
        "destroy": (mixins.DestroyModelMixin.destroy, SoftDestroyModelMixin.destroy),
    }[endpoint]
    return getattr(viewset, endpoint, None) in standard


class ServiceViewSet(TenantViewSet):
    """A tenant viewset whose create, update and destroy call the services named on the class.

    The DRF mixins still say which endpoints exist; the writes go through the services::

        class TierViewSet(ListModelMixin, RetrieveModelMixin, CreateModelMixin,
                          UpdateModelMixin, DestroyModelMixin, ServiceViewSet):
            create_service = config.create_tier    # create_tier(by=, data=validated_data)
            update_service = config.update_tier    # update_tier(by=, tier=, data=validated_data)
            destroy_service = config.delete_tier   # delete_tier(by=, tier=) → 204
            instance_arg = "tier"
            write_policy = "tiers.manage"

    * ``instance_arg``: the keyword the update and destroy services take the row under.
    * ``data_arg``: the keyword they take ``validated_data`` under (``data=``); ``None``
      passes the fields as keyword arguments (``create_department(by=, kind=, name=)``).
      ``create_arguments``/``update_arguments`` build the keywords when a service wants
      something else (defaults, a constant, the organization).
    * ``write_policy``: the rule for every write a service is named for (create, update and
      partial_update, destroy); entries in ``policy`` win over it. A service named without a
      rule is an ``ImproperlyConfigured`` error at import, and a write endpoint nobody named
      (a custom action) stays refused by ``PolicyPermission``.
    * ``response_row``: the row the response shows after a create or update (override to
      re-read it with the list's annotations).

    Services are plain functions (no ``staticmethod`` needed: they are called on the class).
    Whatever the order of the bases, the DRF mixins' ``perform_*`` (``serializer.save()``)
    never run, and an endpoint without its service is an error at import.
    """

    create_service: ClassVar[Callable[..., Any] | None] = None
    update_service: ClassVar[Callable[..., Any] | None] = None
    destroy_service: ClassVar[Callable[..., Any] | None] = None
    instance_arg: ClassVar[str] = ""
    data_arg: ClassVar[str | None] = "data"
    write_policy: ClassVar[str | None] = None
    # The ``policy`` the class wrote itself (``policy`` adds the rules write_policy derives).
    _declared_policy: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, default in _SAVING_DEFAULTS.items():
            if getattr(cls, name) is default:
                setattr(cls, name, getattr(ServiceViewSet, name))
        # A subclass of a subclass derives its rules again from its own write_policy.
        declared = cls.__dict__.get("policy", cls._declared_policy)
        cls._declared_policy = dict(declared)
        derived: dict[str, str] = {}
        for attribute, (endpoint, actions) in _SERVICE_ENDPOINTS.items():
            service = getattr(cls, attribute)
            has_endpoint = callable(getattr(cls, endpoint, None))
            if service is None:
                perform = getattr(cls, f"perform_{endpoint}", None)
                if _endpoint_calls_perform(cls, endpoint) and perform is getattr(
                    ServiceViewSet, f"perform_{endpoint}"
                ):
                    raise ImproperlyConfigured(
                        f"{cls.__name__} has a {endpoint} endpoint but names no {attribute}."
                    )
                continue
            if not has_endpoint:
                raise ImproperlyConfigured(
                    f"{cls.__name__} names {attribute} but has no {endpoint} endpoint "
                    "(add the DRF mixin)."
                )
            if endpoint != "create" and not cls.instance_arg:
                raise ImproperlyConfigured(
                    f"{cls.__name__} names {attribute}: say which keyword takes the row "
                    "(instance_arg)."
                )
            for action in actions:
                rule = declared.get(action, cls.write_policy)
                if rule is None:
                    raise ImproperlyConfigured(
                        f"{cls.__name__} names {attribute} but no rule for {action!r}: "
                        "set write_policy or policy."
                    )
                derived[action] = rule
        cls.policy = {**declared, **derived}

    def data_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        """``validated_data`` as the services take it: ``data=`` or one keyword per field."""
        return {self.data_arg: data} if self.data_arg else dict(data)

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        """Keywords of ``create_service`` besides ``by``."""
        return self.data_arguments(data)

    def update_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        """Keywords of ``update_service`` besides ``by`` and the row."""
        return self.data_arguments(data)

    def response_row(self, row: Any) -> Any:
        """The row a create or update answers with."""
        return row

    def perform_create(self, serializer: Any) -> None:
        service = type(self).create_service
        assert service is not None  # checked at import
        row = service(by=self.membership, **self.create_arguments(serializer.validated_data))
        serializer.instance = self.response_row(row)

    def perform_update(self, serializer: Any) -> None:
        service = type(self).update_service
        assert service is not None  # checked at import
        row = service(
            by=self.membership,
            **{self.instance_arg: serializer.instance},
            **self.update_arguments(serializer.validated_data),
        )
        serializer.instance = self.response_row(row)

    def perform_destroy(self, instance: Any) -> Any:
        service = type(self).destroy_service
        assert service is not None  # checked at import
        return service(by=self.membership, **{self.instance_arg: instance})


class SoftDestroyModelMixin:
    """``DELETE`` that keeps the row (deactivate, revoke), for a ``ServiceViewSet``: the
    destroy service returns the row and the answer is 200 with it, not 204.

    drf-spectacular documents every DELETE as 204; say what it answers with
    ``@extend_schema_view(destroy=extend_schema(responses={200: TheSerializer}))``.
    """

    def destroy(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        row = self.perform_destroy(self.get_object())  # type: ignore[attr-defined]
        return Response(self.get_serializer(row).data)  # type: ignore[attr-defined]


# --- Serializers ----------------------------------------------------------------------------


def _scope_related_fields(fields: Iterable[Any], membership: Membership | None) -> None:
    """Narrow every writable related field (nested ones too) to the member's rows."""
    for field in fields:
        if field.read_only:
            continue
        if isinstance(field, serializers.ManyRelatedField):
            _scope_related_fields([field.child_relation], membership)
        elif isinstance(field, serializers.RelatedField):
            # (The stubs type RelatedField.queryset as a manager descriptor.)
            related: Any = field
            if related.queryset is not None:
                related.queryset = visible_choices(related.queryset, membership)
        elif isinstance(field, serializers.Serializer):
            # A nested tenant serializer scopes its own fields (with the root's context).
            if not isinstance(field, TenantSerializerMixin):
                _scope_related_fields(field.fields.values(), membership)
        elif isinstance(getattr(field, "child", None), serializers.Field):
            # ListSerializer (many=True), ListField, DictField.
            _scope_related_fields([field.child], membership)


class TenantSerializerMixin:
    """Related fields choose only among the rows the member may see (fail closed).

    Every writable ``PrimaryKeyRelatedField``, ``SlugRelatedField``… over a tenant model —
    declared, generated by ``ModelSerializer``, ``many=True``, or inside a nested serializer —
    gets ``visible_to(self.context["membership"])``; without a membership in the context it
    chooses among none. Another organization's id, or one the organization's record
    visibility hides from the member, is "Invalid pk … object does not exist", like a
    missing id.
    """

    @cached_property
    def fields(self) -> Any:
        fields = super().fields  # type: ignore[misc]
        _scope_related_fields(fields.values(), self.context.get("membership"))  # type: ignore[attr-defined]
        return fields


class TenantSerializer(TenantSerializerMixin, serializers.Serializer[Any]):
    """Base of the API's input serializers (action bodies, query parameters)."""


class TenantModelSerializer(TenantSerializerMixin, serializers.ModelSerializer[Any]):
    """Base of the API's model serializers that accept writes."""


class ReadOnlySerializerMixin:
    """For serializers that only render responses: every field is read-only, so one can
    never write, and the schema marks every field ``readOnly``."""

    @cached_property
    def fields(self) -> Any:
        fields = super().fields  # type: ignore[misc]
        for field in fields.values():
            field.read_only = True
        return fields


class ReadOnlySerializer(ReadOnlySerializerMixin, serializers.Serializer[Any]):
    """Base of the API's output-only serializers."""


class ReadOnlyModelSerializer(ReadOnlySerializerMixin, serializers.ModelSerializer[Any]):
    """Base of the API's output-only model serializers."""


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


def _json_or_page(request: Any, status: int, detail: Any, code: str, page: Any) -> Any:
    """Error pages: JSON under /api/ (integrations parse it), Django's HTML page elsewhere."""
    from django.http import JsonResponse

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(detail), "code": code}, status=status)
    return page()


def api_bad_request(request: Any, exception: Exception | None = None) -> Any:
    from django.views.defaults import bad_request

    return _json_or_page(
        request,
        400,
        _("Bad request."),
        "bad_request",
        lambda: bad_request(request, exception or Exception()),
    )


def api_permission_denied(request: Any, exception: Exception | None = None) -> Any:
    from django.views.defaults import permission_denied

    return _json_or_page(
        request,
        403,
        _("Permission denied."),
        "permission_denied",
        lambda: permission_denied(request, exception or Exception()),
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


def api_unknown_path(request: Any, path: str = "") -> Any:
    """The last pattern under ``/api/``: a path no API route matches (an unknown resource, a
    non-numeric id) is a JSON 404, with ``DEBUG`` on too, where Django would answer its HTML
    debug page instead of ``handler404``.

    A GET or HEAD without the trailing slash of an existing route is redirected, as Django's
    ``APPEND_SLASH`` does for pages; other methods get the 404 naming the right path (a
    redirect would turn the POST into a GET).
    """
    from django.conf import settings
    from django.http import HttpResponsePermanentRedirect, JsonResponse
    from django.urls import Resolver404, resolve

    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        try:
            match = resolve(f"{request.path_info}/", getattr(request, "urlconf", None))
        except Resolver404:
            match = None
        if match is not None and match.func is not api_unknown_path:
            target = f"{request.path}/"
            if request.method in ("GET", "HEAD"):
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
            return JsonResponse(
                {
                    "detail": str(_("Not found. Did you mean %(path)s?") % {"path": target}),
                    "code": "not_found",
                },
                status=404,
            )
    return JsonResponse({"detail": str(_("Not found.")), "code": "not_found"}, status=404)


# No session form posts here; without the exemption a POST with a session cookie would get
# Django's HTML CSRF page instead of the JSON 404.
api_unknown_path.csrf_exempt = True  # type: ignore[attr-defined]
