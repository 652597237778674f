"""The Django admin, scoped like every other layer: organization admins see and change their
own organization only, and every save and delete goes through the services.

``TenantAdminSite`` is the site (``collab_hub.apps.CollabHubAdminConfig``); every app's
``admin.py`` registers its models with a ``TenantAdmin`` subclass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from collab_hub.exceptions import DomainError
from collab_hub.tenancy import TenantModel

if TYPE_CHECKING:
    from accounts.models import Organization


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
    """Rows of ``related`` that an organization's forms may point at: never the API keys'
    integration memberships or their service users (a lead's owner is a person)."""
    from django.contrib.auth import get_user_model

    if issubclass(related, TenantModel):
        rows = related.objects.for_org(organization)
        return rows.people() if hasattr(rows, "people") else rows
    if related is get_user_model():
        return related.objects.filter(
            memberships__organization=organization, memberships__is_integration=False
        ).distinct()
    if related._meta.label == "accounts.Organization":
        return related.objects.filter(pk=organization.pk)
    return related._default_manager.all()
