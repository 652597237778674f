from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import redirect
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import (
    ApiKey,
    ApiKeyStatus,
    Department,
    Invitation,
    Membership,
    Organization,
    User,
)
from collab_hub.admin import OrganizationAdminAccess, TenantAdmin
from collab_hub.exceptions import DomainError


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Platform staff only: users span organizations."""

    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal: list[str] = []
    list_filter = ["is_active", "is_staff"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Organization)
class OrganizationAdmin(OrganizationAdminAccess, admin.ModelAdmin):
    """Superusers see every organization; an organization's admins edit their own."""

    list_display = ["name", "slug", "currency", "timezone", "created_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(pk=request.organization.pk) if self._allowed(request) else qs.none()

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, "slug"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        """An organization's admins change it through ``update_organization`` (validated,
        recorded). Platform staff founding or fixing another organization save directly."""
        membership = getattr(request, "membership", None)
        if not change or membership is None or membership.organization_id != obj.pk:
            return super().save_model(request, obj, form, change)
        try:
            services.update_organization(
                by=membership,
                organization=obj,
                data={name: form.cleaned_data[name] for name in form.changed_data},
            )
        except DomainError as error:
            request._admin_service_error = error

    def response_change(self, request, obj):
        error = getattr(request, "_admin_service_error", None)
        if error is not None:
            self.message_user(request, error.message, level=messages.ERROR)
            return redirect(request.get_full_path())
        return super().response_change(request, obj)


@admin.register(Department)
class DepartmentAdmin(TenantAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def save_with_service(self, request, obj, form, change):
        if change:
            services.update_department(
                by=request.membership, department=obj, name=obj.name, kind=obj.kind
            )
        else:
            form.instance = services.create_department(
                by=request.membership, kind=obj.kind, name=obj.name
            )
            obj.pk = form.instance.pk

    def delete_with_service(self, request, obj):
        services.delete_department(by=request.membership, department=obj)


@admin.register(Membership)
class MembershipAdmin(TenantAdmin):
    """Members join through invitations; here admins change department, role, activity."""

    list_display = ["user", "department", "role", "is_active", "created_at"]
    list_filter = ["role", "department", "is_active"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "department"]
    fields = ["user", "department", "role", "email_notifications", "is_active"]

    # Members are deactivated, never deleted: their history stays attributed.
    deletes = False

    def get_queryset(self, request):
        # API keys' integration memberships are managed with their keys (API keys page).
        people: Any = super().get_queryset(request)
        return people.filter(is_integration=False)

    def get_readonly_fields(self, request, obj=None):
        return ["user"]

    def has_add_permission(self, request):
        # People join through invitations (sent here or on the People page).
        return False

    def save_with_service(self, request, obj, form, change):
        previous = Membership.objects.get(pk=obj.pk)
        services.set_email_notifications(membership=obj, enabled=obj.email_notifications)
        role, department, active = obj.role, obj.department, obj.is_active
        obj.role, obj.department, obj.is_active = (
            previous.role,
            previous.department,
            previous.is_active,
        )
        services.change_membership(
            by=request.membership,
            membership=obj,
            role=role,
            department=department,
            is_active=active,
        )


@admin.register(Invitation)
class InvitationAdmin(TenantAdmin):
    """Invitations are sent from here or the People page; sent ones are read-only."""

    list_display = ["email", "department", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "department"]
    search_fields = ["email"]
    list_select_related = ["department"]
    fields = [
        "email",
        "department",
        "role",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "invited_by",
    ]
    readonly_fields = ["expires_at", "accepted_at", "accepted_by", "invited_by"]
    # Revoked (action below), never deleted.
    deletes = False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return self.fields
        return self.readonly_fields

    def save_with_service(self, request, obj, form, change):
        if change:
            return
        form.instance = services.invite_member(
            by=request.membership, email=obj.email, department=obj.department, role=obj.role
        )
        obj.pk = form.instance.pk

    @admin.action(description=_("Revoke selected invitations"))
    def revoke(self, request, queryset):
        revoked = 0
        for invitation in queryset.filter(accepted_at__isnull=True):
            services.revoke_invitation(by=request.membership, invitation=invitation)
            revoked += 1
        self.message_user(request, _("%(count)d invitations revoked.") % {"count": revoked})

    actions = ["revoke"]


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=capfirst(_("scopes")),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every key reads; tick the areas it may also write."),
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scopes: Any = self.fields["scopes"]
        scopes.choices = [(scope, scope) for scope in services.api_key_scopes()]


@admin.register(ApiKey)
class ApiKeyAdmin(TenantAdmin):
    """Organization API keys: created here (the key is shown once, in a message), renamed,
    re-scoped, and revoked (action below), all through the services as in the API."""

    form = ApiKeyForm
    list_display = [
        "name",
        "prefix",
        "scopes",
        "status",
        "expires_at",
        "last_used_at",
        "created_by",
        "revoked_at",
    ]
    search_fields = ["name", "prefix"]
    list_select_related = ["created_by__user"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    # Revoked (action below), never deleted: events keep pointing at the key.
    deletes = False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "scopes", "expires_at"]
        return ["name", "prefix", "scopes", "expires_at", *self.readonly_fields[1:]]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.revoked_at is not None:
            return ["name", "scopes", "expires_at", *self.readonly_fields]
        return self.readonly_fields

    @admin.display(description=_("status"))
    def status(self, obj):
        return ApiKeyStatus(obj.status).label

    def save_with_service(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("name", "scopes", "expires_at")}
        if change:
            services.update_api_key(by=request.membership, api_key=obj, data=data)
            return
        issued = services.create_api_key(by=request.membership, **data)
        form.instance = issued.api_key
        obj.pk = issued.api_key.pk
        self.message_user(
            request,
            _("The key of %(name)s, shown this once (copy it now; only its hash is kept): %(key)s")
            % {"name": issued.api_key.name, "key": issued.key},
            level=messages.WARNING,
        )

    @admin.action(description=_("Revoke selected API keys"))
    def revoke(self, request, queryset):
        revoked = 0
        for api_key in queryset.filter(revoked_at__isnull=True):
            services.revoke_api_key(by=request.membership, api_key=api_key)
            revoked += 1
        self.message_user(request, _("%(count)d API keys revoked.") % {"count": revoked})

    actions = ["revoke"]
