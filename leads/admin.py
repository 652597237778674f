"""Admin screens of the leads flow: organization admins configure tiers, scoring, campaigns
and the MQL settings of their own organization (TenantAdmin scopes everything)."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from collab_hub.tenancy import TenantAdmin
from leads.models import Campaign, LeadSettings, ScoringRule, Tier
from leads.services import scoring


class ListField(forms.CharField):
    """A JSON list edited as comma-separated text ("software, fintech")."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [item.strip() for item in text.split(",") if item.strip()]


class TierForm(forms.ModelForm):
    industries = ListField(
        label=_("industries"), required=False, help_text=_("Comma-separated; empty matches all.")
    )
    countries = ListField(
        label=_("countries"),
        required=False,
        help_text=_("Comma-separated ISO codes, e.g. PL, DE; empty matches all."),
    )

    class Meta:
        model = Tier
        fields = [
            "rank", "name", "industries", "countries", "min_employees", "max_employees",
            "min_annual_revenue", "value_proposition", "acquisition_playbook",
            "response_sla_hours", "monthly_mql_target_per_rep",
        ]  # fmt: skip

    def clean_countries(self):
        codes = [code.upper() for code in self.cleaned_data["countries"]]
        bad = [code for code in codes if len(code) != 2 or not code.isalpha()]
        if bad:
            raise forms.ValidationError(
                _("Use two-letter country codes: %(codes)s") % {"codes": ", ".join(bad)}
            )
        return codes

    def clean_rank(self):
        rank = self.cleaned_data["rank"]
        organization_id = self.instance.organization_id or getattr(
            getattr(self, "request", None), "organization", None
        )
        clash = Tier.objects.filter(organization_id=organization_id, rank=rank).exclude(
            pk=self.instance.pk
        )
        if organization_id and clash.exists():
            raise forms.ValidationError(_("Another tier already has this rank."))
        return rank


class RescoresOnSave:
    """Tiers and scoring rules change every lead's score or tier: re-score in the background."""

    def save_with_service(self, request, obj, form, change):
        super().save_with_service(request, obj, form, change)
        scoring.scoring_changed(organization_id=obj.organization_id)

    def delete_with_service(self, request, obj):
        organization_id = obj.organization_id
        super().delete_with_service(request, obj)
        scoring.scoring_changed(organization_id=organization_id)


@admin.register(Tier)
class TierAdmin(RescoresOnSave, TenantAdmin):
    form = TierForm
    list_display = [
        "rank",
        "name",
        "response_sla_hours",
        "monthly_mql_target_per_rep",
        "matching_leads",
    ]
    list_display_links = ["name"]
    ordering = ["rank"]
    readonly_fields = ["matching_leads"]
    fieldsets = [
        (None, {"fields": ["rank", "name", "matching_leads"]}),
        (_("Criteria (empty matches everything)"),
         {"fields": ["industries", "countries", ("min_employees", "max_employees"),
                     "min_annual_revenue"]}),
        (_("How we win this tier"), {"fields": ["value_proposition", "acquisition_playbook"]}),
        (_("Service levels"), {"fields": ["response_sla_hours", "monthly_mql_target_per_rep"]}),
    ]  # fmt: skip

    change_form_template = "admin/leads/tier/change_form.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request
        return form

    def get_urls(self):
        from django.urls import path

        return [
            path(
                "match-count/",
                self.admin_site.admin_view(self.match_count_view),
                name="leads_tier_match_count",
            ),
            *super().get_urls(),
        ]

    def match_count_view(self, request):
        """Live count for the change form: the leads the criteria being typed would match."""
        from django.http import HttpResponse, HttpResponseForbidden

        if not self.has_view_permission(request):
            return HttpResponseForbidden()
        form = TierForm(request.GET)
        form.request = request
        form.is_valid()
        criteria = Tier(organization=request.organization)
        for name in (
            "industries",
            "countries",
            "min_employees",
            "max_employees",
            "min_annual_revenue",
        ):
            if name not in form.errors:
                setattr(criteria, name, form.cleaned_data.get(name))
        count = scoring.leads_matching(criteria).count()
        return HttpResponse(str(count))

    @admin.display(description=_("matching leads"))
    def matching_leads(self, obj):
        count = scoring.leads_matching(obj).count() if obj is not None and obj.pk else 0
        return format_html('<span id="tier-match-count">{}</span>', count)


@admin.register(ScoringRule)
class ScoringRuleAdmin(RescoresOnSave, TenantAdmin):
    list_display = ["field", "operator", "value", "points", "is_active"]
    list_filter = ["field", "is_active"]
    list_editable = ["points", "is_active"]


@admin.register(Campaign)
class CampaignAdmin(TenantAdmin):
    list_display = ["name", "channel", "cost", "starts_on", "ends_on", "owner"]
    list_filter = ["channel"]
    search_fields = ["name"]
    date_hierarchy = "starts_on"
    list_select_related = ["owner__user"]


@admin.register(LeadSettings)
class LeadSettingsAdmin(TenantAdmin):
    list_display = ["__str__", "mql_threshold", "auto_qualify", "complaint_response_days"]
    fields = ["mql_threshold", "auto_qualify", "complaint_response_days"]

    def has_add_permission(self, request):
        # One row per organization: created on first use, edited here.
        organization = getattr(request, "organization", None)
        return (
            super().has_add_permission(request)
            and not LeadSettings.objects.filter(organization=organization).exists()
        )

    def has_delete_permission(self, request, obj=None):
        return False
