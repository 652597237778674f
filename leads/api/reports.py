"""Reports of the sales ↔ marketing flow: ``leads/report/`` (lead quality per source or
campaign) and ``leads/scorecard/`` (both sides of the SLA for a month). Managers and admins
(``reports.view``); figures as ``leads.selectors.reports`` defines them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.policy import can
from collab_hub.api import (
    ReadOnlySerializer,
    TenantSerializer,
    activate_user_language,
    api_membership,
)
from leads.models import LeadSource, RejectionReason
from leads.selectors import reports

# Dates outside these years are refused (400) rather than sent to the database.
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2999, 12, 1)
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


# --- Input ---------------------------------------------------------------------------------


class ReportQuerySerializer(TenantSerializer):
    start = serializers.DateField(
        required=False, help_text=_("First day (YYYY-MM-DD); default: 90 days before end.")
    )
    end = serializers.DateField(
        required=False,
        help_text=_("Day after the last one (YYYY-MM-DD, not included); default: tomorrow."),
    )
    group_by = serializers.ChoiceField(
        choices=[("source", _("Source")), ("campaign", _("Campaign"))], default="source"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return validate_range(attrs, self.context["organization"])


def validate_range(attrs: dict[str, Any], organization: Any) -> dict[str, Any]:
    """Fill in the default range and refuse impossible ones (shared with the page's form)."""
    default_start, default_end = reports.default_range(organization)
    end = attrs.get("end") or (
        attrs["start"] + timedelta(days=reports.DEFAULT_RANGE_DAYS)
        if attrs.get("start")
        else default_end
    )
    start = attrs.get("start") or (
        end - timedelta(days=reports.DEFAULT_RANGE_DAYS) if attrs.get("end") else default_start
    )
    for name, value in (("start", start), ("end", end)):
        if not MIN_DATE <= value <= MAX_DATE:
            raise serializers.ValidationError(
                {name: _("Choose a date between 1970 and 2999.")}, code="out_of_range"
            )
    if end <= start:
        raise serializers.ValidationError(
            {"end": _("The end must come after the start.")}, code="end_before_start"
        )
    if (end - start).days > reports.MAX_RANGE_DAYS:
        raise serializers.ValidationError(
            {"end": _("Choose a range of at most two years.")}, code="range_too_long"
        )
    return {**attrs, "start": start, "end": end}


class ScorecardQuerySerializer(TenantSerializer):
    month = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=7,
        help_text=_("YYYY-MM; default (or blank): the current month."),
    )

    def validate_month(self, value: str) -> date | None:
        return parse_month(value) if value.strip() else None


def parse_month(value: str) -> date:
    """``"2026-11"`` → ``date(2026, 11, 1)``; ValidationError for anything else."""
    match = MONTH_RE.match(value.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise serializers.ValidationError(_("Give a month as YYYY-MM, e.g. 2026-11."))
    if not MIN_DATE.year <= int(match.group(1)) <= MAX_DATE.year:
        raise serializers.ValidationError(_("Choose a month between 1970 and 2999."))
    return date(int(match.group(1)), int(match.group(2)), 1)


# --- Output --------------------------------------------------------------------------------

RejectionReasonCountsSerializer = type(
    "RejectionReasonCountsSerializer",
    (ReadOnlySerializer,),
    {
        "__doc__": "How many leads were rejected for each reason (every reason code present).",
        **{
            code: serializers.IntegerField(help_text=str(label))
            for code, label in RejectionReason.choices
        },
    },
)


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)


def _rate(help_text: Any) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


class LeadQualityRowSerializer(ReadOnlySerializer):
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a declared field, moved off the class by DRF's metaclass
        choices=LeadSource.choices,
        allow_null=True,
        help_text=_("The source of this row (grouped by source); null otherwise."),
    )
    campaign = serializers.IntegerField(
        allow_null=True,
        help_text=_("The campaign of this row (grouped by campaign); null for no campaign."),
    )
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, moved off the class by DRF's metaclass
    is_total = serializers.BooleanField()
    leads = serializers.IntegerField(help_text=_("Leads created in the range."))
    mqls = serializers.IntegerField(help_text=_("Of those, ever marketing qualified."))
    accepted = serializers.IntegerField()
    accepted_rate = _rate(_("Accepted ÷ MQLs, in percent."))
    rejected = serializers.IntegerField()
    resubmitted = serializers.IntegerField(
        help_text=_("Leads marketing corrected after a rejection and handed to sales again.")
    )
    rejection_reasons = RejectionReasonCountsSerializer()
    converted = serializers.IntegerField()
    won = serializers.IntegerField(help_text=_("Leads whose deal is won."))
    won_rate = _rate(_("Won ÷ leads, in percent."))
    revenue_won = _money(help_text=_("Sum of the won deals' values."))
    cost = _money(
        allow_null=True, help_text=_("Cost of the campaigns behind the row; null without any.")
    )
    cost_per_won = _money(allow_null=True, help_text=_("Cost ÷ won customers."))
    median_response_seconds = serializers.FloatField(
        allow_null=True, help_text=_("Median time from MQL to sales' accept or reject.")
    )
    breached = serializers.IntegerField(help_text=_("MQLs that missed the response SLA."))
    sla_breach_rate = _rate(_("Breached ÷ MQLs, in percent."))


class LeadQualityReportSerializer(ReadOnlySerializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text=_("Not included."))
    group_by = serializers.ChoiceField(choices=["source", "campaign"])
    currency = serializers.CharField()
    rows = LeadQualityRowSerializer(many=True)
    totals = LeadQualityRowSerializer()


class TierDeliverySerializer(ReadOnlySerializer):
    tier = serializers.IntegerField(allow_null=True, help_text=_("Null: MQLs with no tier."))
    name = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    response_sla_hours = serializers.IntegerField(allow_null=True)
    target_per_rep = serializers.IntegerField(allow_null=True)
    reps = serializers.IntegerField()
    target = serializers.IntegerField(allow_null=True)
    delivered = serializers.IntegerField()
    delivered_per_rep = serializers.FloatField(allow_null=True)
    delivered_rate = _rate(_("Delivered ÷ target, in percent."))


class DeliveryTotalsSerializer(ReadOnlySerializer):
    reps = serializers.IntegerField()
    target = serializers.IntegerField()
    delivered = serializers.IntegerField(help_text=_("Every MQL of the month, with a tier or not."))
    delivered_in_tiers = serializers.IntegerField(help_text=_("MQLs of a tier (with a target)."))
    delivered_per_rep = serializers.FloatField(allow_null=True)
    delivered_rate = _rate(_("MQLs of a tier ÷ target, in percent."))


class MarketingSideSerializer(ReadOnlySerializer):
    tiers = TierDeliverySerializer(many=True)
    totals = DeliveryTotalsSerializer()


class RepResponseSerializer(ReadOnlySerializer):
    membership = serializers.IntegerField(allow_null=True, help_text=_("Null: no owner."))
    name = serializers.CharField()
    is_rep = serializers.BooleanField(help_text=_("A current sales rep."))
    received = serializers.IntegerField()
    in_sla = serializers.IntegerField(help_text=_("First response within the tier's SLA."))
    pending = serializers.IntegerField(help_text=_("Unanswered and not yet due."))
    in_sla_rate = _rate(_("In SLA ÷ (received − pending), in percent."))
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejection_reasons = RejectionReasonCountsSerializer()
    resubmitted = serializers.IntegerField(
        help_text=_("MQLs of the month marketing resubmitted after a rejection.")
    )
    breached = serializers.IntegerField()
    median_response_seconds = serializers.FloatField(allow_null=True)


class SalesSideSerializer(ReadOnlySerializer):
    reps = RepResponseSerializer(many=True)
    totals = RepResponseSerializer()


class ScorecardSerializer(ReadOnlySerializer):
    month = serializers.DateField(help_text=_("First day of the month."))
    end = serializers.DateField(help_text=_("First day of the next month."))
    marketing = MarketingSideSerializer()
    sales = SalesSideSerializer()


# --- Views ---------------------------------------------------------------------------------


class ReportView(APIView):
    """Base of the report endpoints: the caller's membership, and ``reports.view``."""

    permission_classes = [IsAuthenticated]

    def perform_authentication(self, request: Any) -> None:
        super().perform_authentication(request)
        if request.user and request.user.is_authenticated:
            activate_user_language(request)
            self.membership = api_membership(request)
            request.membership = self.membership

    def check_permissions(self, request: Any) -> None:
        super().check_permissions(request)
        if not can(self.membership, "reports.view"):
            self.permission_denied(request, message=str(_("Reports are for managers and admins.")))


class LeadQualityReportView(ReportView):
    """Lead quality per source or per campaign for the leads created in ``[start, end)``:
    volume, MQLs, accepted %, rejection reasons, converted, won, revenue won, cost per won
    customer, median response time and SLA breach rate, with a totals row."""

    @extend_schema(parameters=[ReportQuerySerializer], responses=LeadQualityReportSerializer)
    def get(self, request: Any) -> Response:
        organization = self.membership.organization
        params = ReportQuerySerializer(
            data=request.query_params, context={"organization": organization}
        )
        params.is_valid(raise_exception=True)
        rows, totals = reports.split_totals(
            reports.lead_quality_report(
                organization=organization,
                start=params.validated_data["start"],
                end=params.validated_data["end"],
                group_by=params.validated_data["group_by"],
            )
        )
        body = {
            "start": params.validated_data["start"],
            "end": params.validated_data["end"],
            "group_by": params.validated_data["group_by"],
            "currency": organization.currency,
            "rows": rows,
            "totals": totals,
        }
        return Response(LeadQualityReportSerializer(body).data)


class ScorecardView(ReportView):
    """The two-sided SLA for a month: marketing's MQLs delivered per tier against reps ×
    the tier's monthly target, and each sales rep's responses (within SLA, accepted,
    rejected with reasons, breaches, median response time)."""

    @extend_schema(parameters=[ScorecardQuerySerializer], responses=ScorecardSerializer)
    def get(self, request: Any) -> Response:
        organization = self.membership.organization
        params = ScorecardQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        month = params.validated_data.get("month") or reports.local_today(organization)
        scorecard = reports.sla_scorecard(organization=organization, month=month)
        return Response(ScorecardSerializer(scorecard).data)


ROUTES: list = []
URLS = [
    path("leads/report/", LeadQualityReportView.as_view(), name="api-lead-report"),
    path("leads/scorecard/", ScorecardView.as_view(), name="api-lead-scorecard"),
]
