"""Tenant isolation in one place.

Every business model inherits ``TenantModel`` (a non-null ``organization`` and a scoped
queryset). The active organization and membership are resolved once per request:

* browser: ``ActiveOrganizationMiddleware`` (from the session; the organization switcher
  writes it);
* API: ``collab_hub.api.TenantViewSet`` after DRF authenticated the caller (token users
  are only known then), from the ``X-Organization`` header or the single membership. It
  lives in ``collab_hub/api.py`` because DRF views cannot be imported while models load,
  and this module is imported by every model.

``TenantQuerySet.visible_to`` is the one scoping rule, applied in one mechanism per layer:
``TenantViewSet`` and the tenant serializer base in the API (a subclass defining
``get_queryset`` is refused at import), ``scoped``/``tenant_object_or_404`` and
``TenantFormMixin`` for browser pages and their forms, ``collab_hub.admin.TenantAdmin`` in
the admin, and the
selectors for reads they share. A foreign object is always a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from collab_hub.exceptions import DomainError

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from accounts.models import Membership, Organization

SESSION_KEY = "active_organization_id"
HEADER = "HTTP_X_ORGANIZATION"


class Visibility(models.TextChoices):
    ALL = "all", _("Everyone in the organization")
    DEPARTMENT = "department", _("The owner's department")
    OWN = "own", _("Only the owner or assignee")


_M = TypeVar("_M", bound="TenantModel")


class TenantQuerySet(models.QuerySet[_M]):
    def for_org(self, organization: Organization | int) -> Self:
        """Rows of one organization: the first filter every tenant query starts with."""
        return self.filter(organization=organization)

    def visible_to(self, membership: Membership) -> Self:
        """Rows of the membership's organization this member may see.

        Applies the organization's record-visibility setting for the model's
        ``visibility_kind``: ``all`` (default), ``department`` (rows whose owner is in the
        member's department) or ``own`` (rows the member owns or is assigned). Managers and
        admins always see every row of their organization.
        """
        qs = self.for_org(membership.organization_id)
        model: type[TenantModel] = self.model
        if model.private_to:
            # Personal rows (notifications): only ever their recipient's, managers included.
            return qs.filter(**{model.private_to: membership.pk})
        if model.about_other_records:
            # Comments and events follow the visibility of the record they are about.
            return hide_rows_about_invisible_records(qs, membership)  # type: ignore[no-any-return]
        kind = model.visibility_kind
        if kind is None or membership.is_manager:
            return qs
        mode = membership.organization.visibility_for(kind)
        if mode == Visibility.DEPARTMENT:
            return qs.filter(
                _any_equal(
                    [f"{f}__department" for f in model.owner_fields], membership.department_id
                )
            )
        if mode == Visibility.OWN:
            return qs.filter(_any_equal(list(model.owner_fields), membership.pk))
        return qs


def hide_rows_about_invisible_records(qs: Any, membership: Membership) -> Any:
    """Drop rows whose ``target_type``/``target_id`` record the member may not see under the
    organization's record-visibility setting. Managers see all; with every kind at "all" this
    adds no condition at all."""
    if membership.is_manager:
        return qs
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    for model in apps.get_models():
        kind = getattr(model, "visibility_kind", None)
        if not kind or membership.organization.visibility_for(kind) == Visibility.ALL:
            continue
        content_type = ContentType.objects.get_for_model(model)
        visible = model._default_manager.all().visible_to(membership).values("pk")  # type: ignore[attr-defined]
        qs = qs.exclude(Q(target_type=content_type) & ~Q(target_id__in=visible))
    return qs


def _any_equal(lookups: list[str], value: Any) -> Q:
    """``lookup1 = value OR lookup2 = value …``; a model must name at least one lookup."""
    if not lookups:
        raise ImproperlyConfigured("A model with a visibility_kind must declare owner_fields.")
    condition = Q()
    for lookup in lookups:
        condition |= Q(**{lookup: value})
    return condition


class TenantModel(models.Model):
    """Abstract base of every organization-owned row."""

    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organization"),
        editable=False,
    )

    # Name of the record-visibility setting that applies (None: always visible to members).
    visibility_kind: ClassVar[str | None] = None
    # Membership foreign keys naming the owner/assignees, used by "department" and "own".
    owner_fields: ClassVar[tuple[str, ...]] = ()
    # Membership foreign key of rows that belong to one person only (e.g. notifications).
    private_to: ClassVar[str | None] = None
    # Whether members can discuss rows of this model (comments with @mentions).
    commentable: ClassVar[bool] = False
    # Rows that point at another record (target_type/target_id) and are visible only when
    # that record is (comments, activity events).
    about_other_records: ClassVar[bool] = False

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


# --- Request resolution ---------------------------------------------------------------------


def memberships_of(user: Any) -> models.QuerySet[Membership]:
    """Active memberships of a user, with what the navigation and policy need joined in."""
    from accounts.models import Membership

    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organization", "department", "user")
        .order_by("created_at", "pk")
    )


def session_membership(request: HttpRequest) -> Membership | None:
    """The membership the browser session works in: the chosen one, else the first."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    chosen = request.session.get(SESSION_KEY)
    memberships = memberships_of(user)
    if chosen is not None:
        membership = memberships.filter(organization_id=chosen).first()
        if membership is not None:
            return membership
    return memberships.first()


def activate_organization(request: HttpRequest, organization: Organization) -> None:
    """Make ``organization`` the session's active one (the organization switcher)."""
    request.session[SESSION_KEY] = organization.pk


class TenantRequest(HttpRequest):
    """The type of a browser request inside ``@tenant_view`` (and of the admin's): signed
    in, with the active membership and its organization set by the middleware. For typing
    only; requests are never built from it."""

    membership: Membership
    organization: Organization
    # Set by django-htmx's middleware: ``request.htmx`` is truthy for htmx requests.
    htmx: HtmxDetails


class ActiveOrganizationMiddleware:
    """Sets ``request.membership`` and ``request.organization`` for browser requests (None
    for anonymous users and people without an organization)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = session_membership(request)
        setattr(request, "membership", membership)  # noqa: B010
        setattr(request, "organization", membership.organization if membership else None)  # noqa: B010
        return self.get_response(request)


def tenancy_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the active membership and the organizations to switch between."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"membership": None, "organization": None}
    return {
        "membership": membership,
        "organization": membership.organization,
        # Evaluated only by the templates that render the switcher.
        "my_memberships": memberships_of(request.user),
    }


# --- Browser views --------------------------------------------------------------------------


def scoped(
    request: TenantRequest, source: type[TenantModel] | models.QuerySet[Any]
) -> models.QuerySet[Any]:
    """The rows of a model (or of a queryset with its joins) that the page's member may see.

    The one way browser views and forms reach tenant rows: ``visible_to(request.membership)``
    is applied here, never by hand in a view.
    """
    queryset: Any = source._default_manager.all() if isinstance(source, type) else source.all()
    scoped_rows: models.QuerySet[Any] = queryset.visible_to(request.membership)
    return scoped_rows


def tenant_object_or_404(
    request: TenantRequest, source: type[TenantModel] | models.QuerySet[Any], pk: Any
) -> Any:
    """The row ``pk`` the page's member may see, else ``Http404`` (missing, another
    organization's, or hidden by record visibility: one answer for all three)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(scoped(request, source), pk=pk)


def require_page(request: TenantRequest, action: str, obj: Any = None) -> None:
    """A page's policy check: ``PermissionDenied`` (the 403 page) unless the page's member
    may take ``action`` (on ``obj``). Look the record up with ``tenant_object_or_404``
    first, so another organization's record is a 404, not a 403."""
    from django.core.exceptions import PermissionDenied

    from accounts.policy import can

    if not can(request.membership, action, obj):
        raise PermissionDenied


def next_url(request: TenantRequest, default: str) -> str:
    """Where a form posted from another page returns: its ``next`` field when it names
    this site, else ``default``."""
    from django.utils.http import url_has_allowed_host_and_scheme

    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return str(candidate)
    return default


class TenantFormMixin:
    """For browser forms: every choice of tenant rows is scoped to what the member may see.

    Declare choice fields with an unscoped queryset (``Tier.objects.order_by("rank")``); the
    form takes ``membership=`` and narrows each ``ModelChoiceField`` and
    ``ModelMultipleChoiceField`` over a ``TenantModel`` to ``visible_to(membership)``, so a
    foreign or invisible id posted by hand is "not one of the available choices".
    """

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        self.membership = membership
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = getattr(self, "fields", {})
        for field in fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and issubclass(queryset.model, TenantModel):
                field.queryset = queryset.visible_to(membership)

    def add_domain_error(self, error: DomainError) -> None:
        """Show a service's refusal on the field it names, else above the form: the rules
        live in the service, the form shows their answer where the member typed."""
        fields: dict[str, Any] = getattr(self, "fields", {})
        field = error.field if error.field in fields else None
        self.add_error(field, str(error.message))  # type: ignore[attr-defined]


def tenant_view(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Decorator for function views: signed in, with an active organization. Inside, type
    the request as ``TenantRequest``: ``request.membership`` is set."""
    from django.contrib.auth.decorators import login_required

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "membership", None) is None:
            return redirect("no_organization")
        return view(request, *args, **kwargs)

    return login_required(wrapper)
