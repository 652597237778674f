"""The funnel's configuration: ``tiers/``, ``scoring-rules/`` (admins write) and
``campaigns/`` (marketing writes); everyone in the organization reads (DESIGN §4, §5)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import mixins, serializers

from collab_hub.api import (
    SEARCH_FILTER_BACKENDS,
    IdFilter,
    ServiceViewSet,
    TenantModelSerializer,
)
from leads.models import Campaign, CampaignChannel, ScoringRule, Tier
from leads.services import campaigns, config

# --- Bounded decimals -----------------------------------------------------------------------


class BoundedDecimalField(serializers.DecimalField):
    """A model's decimal with its bounds (``MinValueValidator``/``MaxValueValidator``) in the
    schema too: decimals travel as strings, on which OpenAPI has no minimum or maximum, so
    the pattern says them instead (``BoundedDecimalSchema``)."""


def decimal_pattern(low: Decimal | None, high: Decimal | None, places: int, whole: int) -> str:
    """A pattern that every string it matches is a number within ``low``..``high`` with at
    most ``places`` decimals (it may match fewer: a schema-valid value is always accepted).
    ``whole`` is the column's limit of digits before the point; ``high`` is at least 1."""
    if high is not None and high < 1:
        raise ValueError("decimal_pattern takes a maximum of at least 1")
    sign = "" if low is not None and low >= 0 else "-?"
    fraction = rf"(?:\.\d{{0,{places}}})?" if places else ""
    exact = ""
    if high is not None:
        digits = len(str(int(high)))
        # 999.99 allows any three digits; 1000.00 allows three, and 1000 itself.
        if high == Decimal(10) ** digits - Decimal(1).scaleb(-places):
            whole = min(whole, digits)
        else:
            whole = min(whole, digits - 1)
            if high == Decimal(10) ** (digits - 1):
                exact = rf"|{int(high)}(?:\.0{{0,{places}}})?" if places else f"|{int(high)}"
    point_first = rf"|\.\d{{1,{places}}}" if places else ""
    return rf"^{sign}(?:\d{{1,{whole}}}{fraction}{point_first}{exact})$"


class BoundedDecimalSchema(OpenApiSerializerFieldExtension):
    target_class = BoundedDecimalField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        field = self.target
        if "pattern" in schema and field.max_whole_digits:
            schema["pattern"] = decimal_pattern(
                field.min_value, field.max_value, field.decimal_places, field.max_whole_digits
            )
        return schema


class BoundedModelSerializer(TenantModelSerializer):
    serializer_field_mapping = {
        **TenantModelSerializer.serializer_field_mapping,
        models.DecimalField: BoundedDecimalField,
    }


# --- Tiers ----------------------------------------------------------------------------------


class TierSerializer(BoundedModelSerializer):
    industries = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=200,
        help_text=_("Empty matches every industry."),
    )
    countries = serializers.ListField(
        child=serializers.RegexField(r"^[A-Za-z]{2}$", max_length=2),
        required=False,
        max_length=300,
        help_text=_("ISO 3166 alpha-2 codes; empty matches every country."),
    )

    class Meta:
        model = Tier
        fields = [
            "id", "rank", "name", "industries", "countries", "min_employees", "max_employees",
            "min_annual_revenue", "acquisition_playbook", "value_proposition",
            "response_sla_hours", "monthly_mql_target_per_rep", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["updated_at"]
        # Rank uniqueness is checked below with the organization in view.
        validators: list = []

    def validate_countries(self, value: list[str]) -> list[str]:
        return [code.upper() for code in value]

    def validate_rank(self, value: int) -> int:
        membership = self.context.get("membership")
        if membership is not None:
            clash = Tier.objects.for_org(membership.organization).filter(rank=value)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError(_("Another tier already has this rank."))
        return value

    def validate(self, attrs):
        low = attrs.get("min_employees", getattr(self.instance, "min_employees", None))
        high = attrs.get("max_employees", getattr(self.instance, "max_employees", None))
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"max_employees": _("The maximum must not be below the minimum.")}
            )
        return attrs


class TierViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ServiceViewSet,
):
    """Ideal-customer tiers, best (rank 1) first. Admins write; a change re-tiers every lead
    in the background. DELETE refuses a tier that leads have (409 ``tier_in_use``)."""

    queryset = Tier.objects.all()
    serializer_class = TierSerializer
    ordering_fields = ["rank", "name", "id"]
    ordering = ["rank"]
    create_service = config.create_tier
    update_service = config.update_tier
    destroy_service = config.delete_tier
    instance_arg = "tier"
    write_policy = "tiers.manage"


# --- Scoring rules --------------------------------------------------------------------------


class ScoringRuleSerializer(TenantModelSerializer):
    class Meta:
        model = ScoringRule
        fields = ["id", "field", "operator", "value", "points", "is_active", "updated_at"]
        read_only_fields = ["updated_at"]

    def validate(self, attrs):
        def current(name):
            return attrs.get(name, getattr(self.instance, name, ""))

        errors = config.check_rule(current("field"), current("operator"), current("value"))
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ScoringRuleFilter(django_filters.FilterSet):
    class Meta:
        model = ScoringRule
        fields = ["field", "is_active"]


class ScoringRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ServiceViewSet,
):
    """Scoring rules: a lead's score is the sum of the points of the active rules it meets
    (points −1000..1000; the score is kept within ±1,000,000). Admins write; a change
    re-scores every lead in the background. DELETE switches the rule off (``is_active:
    false``, its history stays readable) and answers 204; the rule is still listed."""

    queryset = ScoringRule.objects.all()
    serializer_class = ScoringRuleSerializer
    filterset_class = ScoringRuleFilter
    ordering_fields = ["field", "points", "id"]
    ordering = ["field", "id"]
    create_service = config.create_scoring_rule
    update_service = config.update_scoring_rule
    destroy_service = config.deactivate_scoring_rule
    instance_arg = "rule"
    write_policy = "scoring.manage"


# --- Campaigns ------------------------------------------------------------------------------


class CampaignSerializer(BoundedModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id", "name", "channel", "cost", "starts_on", "ends_on", "owner", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "owner", "created_at", "updated_at"]

    def validate(self, attrs):
        starts = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts and ends and ends < starts:
            raise serializers.ValidationError(
                {"ends_on": _("The campaign cannot end before it starts.")}
            )
        return attrs


class CampaignFilter(django_filters.FilterSet):
    channel = django_filters.MultipleChoiceFilter(choices=CampaignChannel.choices)
    owner = IdFilter(field_name="owner_id")
    starts_after = django_filters.DateFilter(field_name="starts_on", lookup_expr="gte")
    starts_before = django_filters.DateFilter(field_name="starts_on", lookup_expr="lte")

    class Meta:
        model = Campaign
        fields = ["channel", "owner"]


class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ServiceViewSet,
):
    """Marketing campaigns (name, channel, cost, dates). Marketing, managers and admins
    write; campaigns are kept, not deleted, so their cost stays in the reports."""

    queryset = Campaign.objects.all()
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    filter_backends = SEARCH_FILTER_BACKENDS
    search_fields = ["name"]
    ordering_fields = ["name", "starts_on", "cost", "created_at", "id"]
    ordering = ["-id"]
    create_service = campaigns.create_campaign
    update_service = campaigns.update_campaign
    instance_arg = "campaign"
    write_policy = "campaigns.manage"


ROUTES = [
    ("tiers", TierViewSet, "tier"),
    ("scoring-rules", ScoringRuleViewSet, "scoring-rule"),
    ("campaigns", CampaignViewSet, "campaign"),
]
URLS: list = []
