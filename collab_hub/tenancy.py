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
``TenantFormMixin`` for browser pages and their forms, ``TenantAdmin`` in the admin, and the
selectors for reads they share. A foreign object is always a 404.
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


def scoped(request: HttpRequest, source: type[TenantModel] | models.QuerySet) -> models.QuerySet:
    """The rows of a model (or of a queryset with its joins) that the page's member may see.

    The one way browser views and forms reach tenant rows: ``visible_to(request.membership)``
    is applied here, never by hand in a view.
    """
    queryset = source.objects.all() if isinstance(source, type) else source.all()
    return queryset.visible_to(request.membership)  # type: ignore[attr-defined]


def tenant_object_or_404(
    request: HttpRequest, source: type[TenantModel] | models.QuerySet, pk: Any
) -> Any:
    """The row ``pk`` the page's member may see, else ``Http404`` (missing, another
    organization's, or hidden by record visibility: one answer for all three)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(scoped(request, source), pk=pk)


class TenantFormMixin:
    """For browser forms: every choice of tenant rows is scoped to what the member may see.

    Declare choice fields with an unscoped queryset (``Tier.objects.order_by("rank")``); the
    form takes ``membership=`` and narrows each ``ModelChoiceField`` and
    ``ModelMultipleChoiceField`` over a ``TenantModel`` to ``visible_to(membership)``, so a
    foreign or invisible id posted by hand is "not one of the available choices".
    """

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        self.membership = membership
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            queryset = getattr(field, "queryset", None)
            if queryset is not None and issubclass(queryset.model, TenantModel):
                field.queryset = queryset.visible_to(membership)


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

    **Writes go through the services**, as they do from the pages and the API. Every subclass
    says how it saves and how it deletes, or the class definition fails:

    * ``create_service``/``update_service``/``delete_service`` name the services
      (``create(by=, data=)``, ``update(by=, <instance_arg>=, data=)``,
      ``delete(by=, <instance_arg>=)``; ``data`` is the form's cleaned fields), or the
      subclass overrides ``save_with_service``/``delete_with_service`` to call them;
    * ``saves = False`` / ``deletes = False``: the admin never adds or changes / deletes
      these rows (the permission is refused);
    * ``plain_configuration = True``: rows without side effects, saved and deleted directly.

    "Delete selected" deletes each row through the same service, all or nothing: a refusal
    (``DomainError``) deletes none and says why.
    """

    create_service: Any = None
    update_service: Any = None
    delete_service: Any = None
    # Keyword under which update and delete services take the row (``tier=``, ``rule=`` …).
    instance_arg: ClassVar[str] = ""
    saves: ClassVar[bool] = True
    deletes: ClassVar[bool] = True
    plain_configuration: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.plain_configuration:
            return
        own = cls.save_with_service is not TenantAdmin.save_with_service
        if cls.saves and not own and not (cls.create_service and cls.update_service):
            raise ImproperlyConfigured(
                f"{cls.__name__} must name create_service and update_service, override "
                "save_with_service, or declare saves = False or plain_configuration = True."
            )
        own = cls.delete_with_service is not TenantAdmin.delete_with_service
        if cls.deletes and not own and not cls.delete_service:
            raise ImproperlyConfigured(
                f"{cls.__name__} must name delete_service, override delete_with_service, "
                "or declare deletes = False or plain_configuration = True."
            )

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        if not _is_org_admin(request):
            return qs.none()
        return qs.filter(organization=request.organization)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.saves and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.saves and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.deletes and super().has_delete_permission(request, obj)

    def get_list_display(self, request: HttpRequest):
        columns = tuple(super().get_list_display(request))
        return (*columns, "organization") if request.user.is_superuser else columns

    def get_list_filter(self, request: HttpRequest):
        filters = tuple(super().get_list_filter(request))
        return (*filters, "organization") if request.user.is_superuser else filters

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        if "delete_selected" in actions and not self.plain_configuration:
            _function, name, description = actions["delete_selected"]
            actions["delete_selected"] = (_delete_selected_through_service, name, description)
        return actions

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.organization = request.organization
        try:
            self.save_with_service(request, obj, form, change)
        except DomainError as error:
            request._admin_service_error = error  # type: ignore[attr-defined]

    def save_with_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Persist through the named services (plain configuration rows just save)."""
        if self.plain_configuration:
            super().save_model(request, obj, form, change)
            return
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            saved = type(self).update_service(
                by=request.membership, **{self.instance_arg: obj}, data=data
            )
        else:
            data = {name: form.cleaned_data[name] for name in form.cleaned_data}
            saved = type(self).create_service(by=request.membership, data=data)
        # The admin goes on with the saved row (its id for the redirect, its m2m fields).
        obj.pk = saved.pk
        form.instance = saved

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not hasattr(request, "_admin_service_error"):
            super().save_related(request, form, formsets, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            self.delete_with_service(request, obj)
        except DomainError as error:
            request._admin_service_error = error  # type: ignore[attr-defined]

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        """Each row through ``delete_with_service``; a refusal propagates (all or nothing)."""
        for obj in queryset:
            self.delete_with_service(request, obj)

    def delete_with_service(self, request: HttpRequest, obj: Any) -> None:
        if self.plain_configuration:
            super().delete_model(request, obj)
            return
        type(self).delete_service(by=request.membership, **{self.instance_arg: obj})

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


def _delete_selected_through_service(
    modeladmin: TenantAdmin, request: HttpRequest, queryset: models.QuerySet
) -> HttpResponse | None:
    """Django's "delete selected" (confirmation page included), in one transaction: when a
    service refuses a row, nothing is deleted and the admin says why."""
    from django.contrib.admin.actions import delete_selected
    from django.db import transaction

    try:
        with transaction.atomic():
            return delete_selected(modeladmin, request, queryset)
    except DomainError as error:
        modeladmin.message_user(request, error.message, level=messages.ERROR)
        return None


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
