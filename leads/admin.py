"""Admin screens of the leads flow: organization admins configure tiers, scoring, campaigns
and the MQL settings of their own organization (TenantAdmin scopes everything)."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from collab_hub.admin import TenantAdmin
from leads.models import Campaign, LeadSettings, ScoringRule, Tier
from leads.services import campaigns, config, scoring
from leads.services.countries import clean_country


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
        # Declared form fields keep their label as written: capitalized like the model's fields.
        label=capfirst(_("industries")),
        required=False,
        help_text=_("Comma-separated; empty matches all."),
    )
    countries = ListField(
        label=capfirst(_("countries")),
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
        codes, bad = [], []
        for value in self.cleaned_data["countries"]:
            try:
                codes.append(clean_country(value))
            except forms.ValidationError:
                bad.append(value)
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


@admin.register(Tier)
class TierAdmin(TenantAdmin):
    """Tiers, through the same services as the API: a change re-tiers every lead, and a tier
    that leads have cannot be deleted (``tier_in_use``)."""

    create_service = config.create_tier
    update_service = config.update_tier
    delete_service = config.delete_tier
    instance_arg = "tier"
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
class ScoringRuleAdmin(TenantAdmin):
    """Scoring rules, through the same services as the API: every change re-scores the leads.
    Rules are switched off, never deleted (as ``DELETE /api/v1/scoring-rules/<id>/`` does)."""

    create_service = config.create_scoring_rule
    update_service = config.update_scoring_rule
    instance_arg = "rule"
    deletes = False
    list_display = ["field", "operator", "value", "points", "is_active"]
    list_filter = ["field", "is_active"]
    list_editable = ["points", "is_active"]
    actions = ["switch_off"]

    @admin.action(description=_("Switch off the selected scoring rules"))
    def switch_off(self, request, queryset):
        for rule in queryset.filter(is_active=True):
            config.deactivate_scoring_rule(by=request.membership, rule=rule)
        self.message_user(request, _("The selected rules are switched off; leads are re-scored."))


@admin.register(Campaign)
class CampaignAdmin(TenantAdmin):
    """Campaigns are kept, not deleted, so their cost stays in the reports (as in the API)."""

    create_service = campaigns.create_campaign
    update_service = campaigns.update_campaign
    instance_arg = "campaign"
    deletes = False
    fields = ["name", "channel", "cost", "starts_on", "ends_on"]
    list_display = ["name", "channel", "cost", "starts_on", "ends_on", "owner"]
    list_filter = ["channel"]
    search_fields = ["name"]
    date_hierarchy = "starts_on"
    list_select_related = ["owner__user"]


@admin.register(LeadSettings)
class LeadSettingsAdmin(TenantAdmin):
    deletes = False
    list_display = ["__str__", "mql_threshold", "auto_qualify", "complaint_response_days"]
    fields = ["mql_threshold", "auto_qualify", "complaint_response_days"]

    def save_with_service(self, request, obj, form, change):
        saved = config.update_lead_settings(by=request.membership, data=form.cleaned_data)
        obj.pk = saved.pk
        form.instance = saved

    def has_add_permission(self, request):
        # One row per organization: created on first use, edited here.
        organization = getattr(request, "organization", None)
        return (
            super().has_add_permission(request)
            and not LeadSettings.objects.filter(organization=organization).exists()
        )
