"""Tenant isolation in one place.

Every business model inherits ``TenantModel`` (a non-null ``organization`` and a scoped
queryset). The active organization and membership are resolved once per request:

* browser: ``ActiveOrganizationMiddleware`` (from the session; the organization switcher
  writes it);
* API: ``collab_hub.api.TenantViewSet`` after DRF authenticated the caller (token users
  are only known then), from the ``X-Organization`` header or the single membership. It
  lives in ``collab_hub/api.py`` because DRF views cannot be imported while models load,
  and this module is imported by every model.

``TenantQuerySet.visible_to`` is the one scoping rule; ``TenantViewSet``, ``TenantViewMixin``
and ``TenantAdmin`` are the only places that apply it, and subclasses cannot override the
scoping (``TenantViewSet`` refuses a subclass that defines ``get_queryset``). A foreign
object is always a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from collab_hub.exceptions import DomainError

if TYPE_CHECKING:
    from accounts.models import Membership, Organization

SESSION_KEY = "active_organization_id"
HEADER = "HTTP_X_ORGANIZATION"


class Visibility(models.TextChoices):
    ALL = "all", _("Everyone in the organization")
    DEPARTMENT = "department", _("The owner's department")
    OWN = "own", _("Only the owner or assignee")


class TenantQuerySet(models.QuerySet):
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
            return hide_rows_about_invisible_records(qs, membership)
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
        visible = model.objects.visible_to(membership).values("pk")
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


class ActiveOrganizationMiddleware:
    """Sets ``request.membership`` and ``request.organization`` for browser requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = session_membership(request)
        request.membership = membership  # type: ignore[attr-defined]
        request.organization = membership.organization if membership else None  # type: ignore[attr-defined]
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


class TenantViewMixin:
    """For template views: requires sign-in and an active membership, scopes ``get_queryset``.

    A foreign or invisible object is a 404 through the scoped queryset, like in the API.
    """

    model: type[TenantModel] | None = None
    queryset: models.QuerySet | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if getattr(request, "membership", None) is None:
            return redirect("no_organization")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_queryset(self) -> models.QuerySet:
        base = self.queryset if self.queryset is not None else self.model.objects.all()
        return base.all().visible_to(self.request.membership)


# --- Django admin ---------------------------------------------------------------------------


class TenantAdminSite(admin.AdminSite):
    """The admin for platform staff and for each organization's admins (their own data only)."""

    site_header = _("Collab Hub administration")
    site_title = _("Collab Hub admin")
    index_title = _("Configure your organization")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not user.is_active:
            return False
        if user.is_superuser or user.is_staff:
            return True
        return _is_org_admin(request)


def _is_org_admin(request: HttpRequest) -> bool:
    from accounts.policy import can

    membership = getattr(request, "membership", None)
    return membership is not None and can(membership, "organization.configure")


class OrganizationAdminAccess:
    """Who may use an admin page: superusers, and the admins of the active organization."""

    def _allowed(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or _is_org_admin(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request) and getattr(request, "organization", None) is not None

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)


class TenantAdmin(OrganizationAdminAccess, admin.ModelAdmin):
    """ModelAdmin for tenant models: organization admins see and edit their organization only.

    Superusers see every organization's rows. For everyone else the changelist is filtered
    to the active organization, new rows get it on save, and foreign-key choices are limited
    to rows of that organization.
    """

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        if not _is_org_admin(request):
            return qs.none()
        return qs.filter(organization=request.organization)

    def get_list_display(self, request: HttpRequest):
        columns = tuple(super().get_list_display(request))
        return (*columns, "organization") if request.user.is_superuser else columns

    def get_list_filter(self, request: HttpRequest):
        filters = tuple(super().get_list_filter(request))
        return (*filters, "organization") if request.user.is_superuser else filters

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.organization = request.organization
        try:
            self.save_with_service(request, obj, form, change)
        except DomainError as error:
            request._admin_service_error = error  # type: ignore[attr-defined]

    def save_with_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Persist through the domain's service; plain configuration rows just save."""
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not hasattr(request, "_admin_service_error"):
            super().save_related(request, form, formsets, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            self.delete_with_service(request, obj)
        except DomainError as error:
            request._admin_service_error = error  # type: ignore[attr-defined]

    def delete_with_service(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)

    def _service_refused(self, request: HttpRequest) -> HttpResponse | None:
        error = getattr(request, "_admin_service_error", None)
        if error is None:
            return None
        self.message_user(request, error.message, level=messages.ERROR)
        return redirect(request.get_full_path())

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None):
        return self._service_refused(request) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request: HttpRequest, obj: Any):
        return self._service_refused(request) or super().response_change(request, obj)

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: Any):
        return self._service_refused(request) or super().response_delete(
            request, obj_display, obj_id
        )

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        organization = getattr(request, "organization", None)
        related = db_field.related_model
        if organization is not None and not request.user.is_superuser:
            kwargs["queryset"] = scoped_choices(related, organization)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs: Any):
        organization = getattr(request, "organization", None)
        if organization is not None and not request.user.is_superuser:
            kwargs["queryset"] = scoped_choices(db_field.related_model, organization)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def scoped_choices(related: type[models.Model], organization: Organization) -> models.QuerySet:
    """Rows of ``related`` that an organization's forms may point at."""
    from django.contrib.auth import get_user_model

    if issubclass(related, TenantModel):
        return related.objects.for_org(organization)
    if related is get_user_model():
        return related.objects.filter(memberships__organization=organization).distinct()
    if related._meta.label == "accounts.Organization":
        return related.objects.filter(pk=organization.pk)
    return related._default_manager.all()


def tenant_view(view):
    """Decorator for function views: signed in, with an active organization."""
    from functools import wraps

    from django.contrib.auth.decorators import login_required

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "membership", None) is None:
            return redirect("no_organization")
        return view(request, *args, **kwargs)

    return login_required(wrapper)
