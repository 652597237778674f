"""Admin screens of the sales ↔ customer-success flow. ``TenantAdmin`` scopes every list and
choice to the admin's organization, and every write goes through ``handoffs.services``.

Organization admins configure the flow here: the handoff settings (CS acceptance SLA, the
days sales has to answer an upsell signal, the CS share of an expansion deal's credit) and
the checklist template of each tier. Handoffs, discrepancies, upsell signals and customer
accounts are read-mostly: their state changes through the pages and the API (the status
machine, sign-offs, answers), never by editing a field here.
"""

from django.contrib import admin
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab_hub.admin import OrganizationAdminAccess, TenantAdmin
from collab_hub.exceptions import DomainError
from handoffs.models import (
    HEALTH_AMBER_FROM,
    HEALTH_GREEN_FROM,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    CustomerAccount,
    Discrepancy,
    Handoff,
    HandoffSettings,
    HandoffStatus,
    HandoffStatusChange,
    HealthBand,
    HealthChange,
    Stakeholder,
    UpsellSignal,
)
from handoffs.services import config

# --- Configuration -------------------------------------------------------------------------


@admin.register(HandoffSettings)
class HandoffSettingsAdmin(TenantAdmin):
    """One row per organization (created on first use), changed through
    ``update_handoff_settings``; the bounds are the model's (and the service's)."""

    deletes = False
    list_display = ["__str__", "acceptance_sla_hours", "upsell_response_days", "cs_credit_percent"]
    fields = ["acceptance_sla_hours", "upsell_response_days", "cs_credit_percent"]

    def save_with_service(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in config.SETTINGS_FIELDS}
        saved = config.update_handoff_settings(by=request.membership, data=data)
        obj.pk = saved.pk
        form.instance = saved

    def has_add_permission(self, request):
        organization = getattr(request, "organization", None)
        return (
            super().has_add_permission(request)
            and not HandoffSettings.objects.filter(organization=organization).exists()
        )


class InlineAccess(OrganizationAdminAccess):
    """``OrganizationAdminAccess`` with the inlines' signatures (they also get the parent)."""

    def has_add_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


class ChecklistTemplateItemInline(InlineAccess, admin.TabularInline):
    """The template's items; saved with the template through ``set_template_items``."""

    model = ChecklistTemplateItem
    fields = ["title", "required", "position"]
    extra = 3
    ordering = ["position", "pk"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(TenantAdmin):
    """The checklist a handoff of the tier starts with ("admin-configured per tier"); the
    template without a tier is the default. Changes apply to handoffs opened later."""

    delete_service = config.delete_checklist_template
    instance_arg = "template"
    inlines = [ChecklistTemplateItemInline]
    list_display = ["name", "tier", "items_count", "required_count"]
    list_display_links = ["name"]
    fields = ["name", "tier"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("tier")
            .annotate(
                items_total=Count("items", distinct=True),
                items_required=Count("items", filter=Q(items__required=True), distinct=True),
            )
        )

    @admin.display(description=_("items"), ordering="items_total")
    def items_count(self, obj):
        return obj.items_total

    @admin.display(description=_("required"), ordering="items_required")
    def required_count(self, obj):
        return obj.items_required

    def save_with_service(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in config.TEMPLATE_FIELDS}
        if change:
            saved = config.update_checklist_template(by=request.membership, template=obj, data=data)
        else:
            saved = config.create_checklist_template(by=request.membership, data=data)
        obj.pk = saved.pk
        form.instance = saved

    def save_related(self, request, form, formsets, change):
        """The inline's rows, as the template's whole checklist, through one service call."""
        for formset in formsets:
            # Read by the change message; the service, not the formset, saves the rows.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if hasattr(request, "_admin_service_error"):
            return
        items = []
        for formset in formsets:
            for inline_form in formset.forms:
                data = getattr(inline_form, "cleaned_data", None) or {}
                if not data or data.get("DELETE"):
                    continue
                pk = inline_form.instance.pk
                if pk is None and not inline_form.has_changed():
                    continue
                items.append(
                    {
                        "id": pk,
                        "title": data.get("title", ""),
                        "required": data.get("required", False),
                        "position": data.get("position") or 0,
                    }
                )
        try:
            config.set_template_items(by=request.membership, template=form.instance, items=items)
        except DomainError as error:
            request._admin_service_error = error
            transaction.set_rollback(True)


# --- Read-mostly records -------------------------------------------------------------------


class ReadOnlyInline(InlineAccess, admin.TabularInline):
    """A record's related rows, shown, never edited here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChecklistInline(ReadOnlyInline):
    model = ChecklistItem
    fields = ["title", "required", "done_at", "done_by"]


class StakeholderInline(ReadOnlyInline):
    model = Stakeholder
    fields = ["contact", "role"]


class DiscrepancyInline(ReadOnlyInline):
    model = Discrepancy
    fields = ["kind", "description", "raised_by", "answer", "resolved", "created_at"]


class StatusHistoryInline(ReadOnlyInline):
    model = HandoffStatusChange
    fields = ["from_status", "to_status", "by", "at", "note"]
    verbose_name = _("status change")
    verbose_name_plural = _("status history")


class OverdueFilter(admin.SimpleListFilter):
    title = _("acceptance SLA")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Within the SLA"))]

    def queryset(self, request, queryset):
        overdue = Q(status=HandoffStatus.SUBMITTED, accept_due_at__lt=timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


@admin.register(Handoff)
class HandoffAdmin(TenantAdmin):
    """Handoffs, read-only: the status machine, the package and sign-offs change on the
    handoff's page and through the API (``handoffs.services.handoffs``), never here."""

    saves = False
    deletes = False
    list_display = ["deal", "status", "sales_owner", "cs_owner", "accept_due_at", "overdue"]
    list_filter = [
        "status",
        OverdueFilter,
        ("sales_owner", admin.RelatedOnlyFieldListFilter),
        ("cs_owner", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["deal__name", "deal__company__name"]
    list_select_related = ["deal__company", "sales_owner__user", "cs_owner__user"]
    date_hierarchy = "created_at"
    fields = [
        "deal", "status", "sales_owner", "cs_owner", "customer_goals", "commercial_terms",
        "implementation_notes", "risks", "questions", "submitted_at", "accept_due_at",
        "accepted_at", "accepted_by", "onboarding_at", "live_at", "created_at",
    ]  # fmt: skip
    inlines = [StakeholderInline, ChecklistInline, DiscrepancyInline, StatusHistoryInline]

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue


@admin.register(Discrepancy)
class DiscrepancyAdmin(TenantAdmin):
    """Surprises CS recorded; answered and resolved on the handoff's page."""

    saves = False
    deletes = False
    list_display = ["handoff", "kind", "short_description", "raised_by", "answered", "resolved"]
    list_filter = ["kind", "resolved"]
    search_fields = ["description", "handoff__deal__name"]
    list_select_related = ["handoff__deal", "raised_by__user"]
    date_hierarchy = "created_at"
    fields = [
        "handoff", "kind", "description", "promise", "raised_by", "created_at", "answer",
        "answered_by", "answered_at", "resolved", "resolved_by", "resolved_at",
    ]  # fmt: skip

    @admin.display(description=_("description"))
    def short_description(self, obj):
        text = obj.description
        return text if len(text) <= 80 else text[:79] + "…"

    @admin.display(description=_("answered"), boolean=True)
    def answered(self, obj):
        return bool(obj.answer)


@admin.register(UpsellSignal)
class UpsellSignalAdmin(TenantAdmin):
    """Expansion opportunities CS raised; sales accepts or dismisses them on their page."""

    saves = False
    deletes = False
    list_display = [
        "company", "kind", "estimated_value", "confidence", "status", "raised_by", "routed_to",
        "deal", "created_at",
    ]  # fmt: skip
    list_filter = [
        "status",
        "kind",
        "confidence",
        ("routed_to", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["company__name", "note"]
    list_select_related = ["company", "raised_by__user", "routed_to__user", "deal"]
    date_hierarchy = "created_at"
    fields = [
        "company", "kind", "estimated_value", "confidence", "note", "status", "raised_by",
        "routed_to", "deal", "cs_credit_percent", "dismiss_reason", "answered_by",
        "answered_at", "created_at",
    ]  # fmt: skip


class HealthHistoryInline(ReadOnlyInline):
    model = HealthChange
    fields = ["score", "note", "by", "at"]
    ordering = ["-at", "-pk"]


class HealthBandFilter(admin.SimpleListFilter):
    title = _("health")
    parameter_name = "band"

    def lookups(self, request, model_admin):
        return HealthBand.choices

    def queryset(self, request, queryset):
        if self.value() == HealthBand.RED:
            return queryset.filter(health_score__lt=HEALTH_AMBER_FROM)
        if self.value() == HealthBand.AMBER:
            return queryset.filter(
                health_score__gte=HEALTH_AMBER_FROM, health_score__lt=HEALTH_GREEN_FROM
            )
        if self.value() == HealthBand.GREEN:
            return queryset.filter(health_score__gte=HEALTH_GREEN_FROM)
        return queryset


@admin.register(CustomerAccount)
class CustomerAccountAdmin(TenantAdmin):
    """Each customer's CS owner and health, with the history of scores CS set (on the
    company page, through ``set_health``)."""

    saves = False
    deletes = False
    list_display = ["company", "cs_owner", "health_score", "band", "health_updated_at"]
    list_filter = [HealthBandFilter, ("cs_owner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["company__name"]
    list_select_related = ["company", "cs_owner__user"]
    fields = ["company", "cs_owner", "health_score", "health_note", "health_updated_at"]
    inlines = [HealthHistoryInline]

    @admin.display(description=_("health"))
    def band(self, obj):
        return HealthBand(obj.health_band).label if obj.health_band else "—"
