"""Reports of the sales ↔ customer-success flow: ``handoffs/report/`` (the surprise rate:
overall, per sales owner, per month) and ``upsell-signals/report/`` (the conversion of
upsell signals: overall, per CS member, per sales owner with credited value). Managers and
admins (``reports.view``; 403 otherwise); figures as ``handoffs.selectors.reports`` defines
them; the period as the leads reports take it (``?start=&end=``, ISO dates, ``end`` not
included, default the last 90 days; 400 on a bad or reversed range).

Plain URLs: ``collab_hub.api`` mounts them before the router, so ``handoffs/report/`` and
``upsell-signals/report/`` are never read as the detail route of an object called "report".
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from collab_hub.api import ReadOnlySerializer, TenantSerializer
from handoffs.selectors import reports
from leads.api.reports import ReportView, validate_range

# --- Input ---------------------------------------------------------------------------------


class PeriodQuerySerializer(TenantSerializer):
    start = serializers.DateField(
        required=False, help_text=_("First day (YYYY-MM-DD); default: 90 days before end.")
    )
    end = serializers.DateField(
        required=False,
        help_text=_("Day after the last one (YYYY-MM-DD, not included); default: tomorrow."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return validate_range(attrs, self.context["organization"])


# --- Output --------------------------------------------------------------------------------


def _rate(help_text: Any) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, read_only=True, help_text=help_text)


def _money(help_text: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=2, help_text=help_text)


class SurpriseFiguresSerializer(ReadOnlySerializer):
    accepted = serializers.IntegerField(
        help_text=_("Handoffs accepted in the period, still accepted, onboarding or live.")
    )
    with_discrepancy = serializers.IntegerField(
        help_text=_("Of those, handoffs with at least one discrepancy (resolved or not).")
    )
    rate = _rate(_("With a discrepancy ÷ accepted, in percent; null when none was accepted."))


class SurpriseOwnerSerializer(SurpriseFiguresSerializer):
    sales_owner = serializers.IntegerField(
        allow_null=True, help_text=_("Membership id of the sales owner; null: no owner.")
    )
    name = serializers.CharField()


class SurpriseMonthSerializer(SurpriseFiguresSerializer):
    month = serializers.DateField(
        help_text=_("First day of the month of acceptance (the organization's time zone).")
    )


class SurpriseReportSerializer(SurpriseFiguresSerializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text=_("Not included."))
    by_sales_owner = SurpriseOwnerSerializer(many=True)
    by_month = SurpriseMonthSerializer(
        many=True, help_text=_("Every month the period touches, empty ones too.")
    )


class ConversionFiguresSerializer(ReadOnlySerializer):
    raised = serializers.IntegerField(help_text=_("Signals raised in the period."))
    accepted = serializers.IntegerField(help_text=_("Of those, accepted by sales (now)."))
    dismissed = serializers.IntegerField()
    open = serializers.IntegerField(help_text=_("Still waiting for sales' answer."))
    won = serializers.IntegerField(help_text=_("Accepted, and their expansion deal is won."))
    value_won = _money(_("Sum of the won expansion deals' values."))
    acceptance_rate = _rate(_("Accepted ÷ raised, in percent."))
    win_rate = _rate(_("Won ÷ accepted, in percent."))


class ConversionRowSerializer(ConversionFiguresSerializer):
    membership = serializers.IntegerField(
        allow_null=True, help_text=_("Membership id; null: nobody.")
    )
    name = serializers.CharField()
    credited_value_won = _money(
        _(
            "Value won credited to this member: a CS member gets value × CS share ÷ 100, a "
            "sales owner value × (100 − CS share) ÷ 100."
        )
    )


class ConversionReportSerializer(ConversionFiguresSerializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text=_("Not included."))
    currency = serializers.SerializerMethodField(help_text=_("ISO 4217 code of the values."))
    median_seconds_to_accept = serializers.FloatField(
        allow_null=True,
        help_text=_("Median of answered − raised over the accepted signals; null without any."),
    )
    by_cs_member = ConversionRowSerializer(
        many=True, help_text=_("Grouped by the CS member who raised the signal.")
    )
    by_sales_owner = ConversionRowSerializer(
        many=True,
        help_text=_("Grouped by the expansion deal's owner, else who the signal was routed to."),
    )

    @extend_schema_field(OpenApiTypes.STR)
    def get_currency(self, report: Any) -> str:
        return str(self.context["currency"])


# --- Views ---------------------------------------------------------------------------------


class _PeriodReportView(ReportView):
    def period(self, request: Any) -> dict[str, Any]:
        params = PeriodQuerySerializer(
            data=request.query_params, context={"organization": self.membership.organization}
        )
        params.is_valid(raise_exception=True)
        return {"start": params.validated_data["start"], "end": params.validated_data["end"]}


class SurpriseReportView(_PeriodReportView):
    """The surprise rate of the handoffs accepted in ``[start, end)``: overall, per sales
    owner and per month of acceptance."""

    @extend_schema(parameters=[PeriodQuerySerializer], responses=SurpriseReportSerializer)
    def get(self, request: Any) -> Response:
        report = reports.surprise_rate(
            organization_id=self.membership.organization_id, **self.period(request)
        )
        return Response(SurpriseReportSerializer(report).data)


class UpsellReportView(_PeriodReportView):
    """The conversion of the upsell signals raised in ``[start, end)``: raised, accepted,
    dismissed, open, won, value won, median time to accept; per CS member and per sales
    owner with the credited value won."""

    @extend_schema(parameters=[PeriodQuerySerializer], responses=ConversionReportSerializer)
    def get(self, request: Any) -> Response:
        report = reports.upsell_conversion(
            organization_id=self.membership.organization_id, **self.period(request)
        )
        context = {"currency": self.membership.organization.currency}
        return Response(ConversionReportSerializer(report, context=context).data)


ROUTES: list[Any] = []
URLS = [
    path("handoffs/report/", SurpriseReportView.as_view(), name="api-handoff-report"),
    path("upsell-signals/report/", UpsellReportView.as_view(), name="api-upsell-report"),
]
