"""``collaboration-health/``: collaboration health per department pair over a period —
the survey half (only cells above each round's anonymity floor), the operational signals
with their raw values, scores and formulas, and the health per month. Managers and admins
(``feedback.results``; 403 otherwise); figures as ``feedback.selectors.health`` defines
them; the period as the reports take it (``?start=&end=``, ISO dates, ``end`` not included,
default the last 90 days; 400 on a bad or reversed range).

A plain URL (no router): ``collab_hub.api`` mounts it before the routers.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import DepartmentKind
from accounts.policy import can
from collab_hub.api import ReadOnlySerializer
from feedback.selectors import health
from handoffs.api.reports import PeriodQuerySerializer
from leads.api.reports import ReportView

# --- Output --------------------------------------------------------------------------------


def _score(help_text: Any) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


class HealthDepartmentSerializer(ReadOnlySerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=DepartmentKind.choices)


class HealthSignalSerializer(ReadOnlySerializer):
    key = serializers.ChoiceField(
        choices=[(key, key) for keys in health.PAIR_SIGNALS.values() for key in keys],
        help_text=_("Stable identifier of the signal."),
    )
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, moved off the class by DRF's metaclass
    value = serializers.FloatField(
        allow_null=True, help_text=_("The raw figure in ``unit``; null: nothing to measure.")
    )
    unit = serializers.ChoiceField(
        choices=[("percent", "percent"), ("hours", "hours"), ("days", "days")]
    )
    count = serializers.IntegerField(help_text=_("How many items the figure rests on."))
    target = serializers.FloatField(
        allow_null=True, help_text=_("A time signal's target T, in ``unit``; null for rates.")
    )
    score = _score(_("0–100, by ``formula``; null without a value."))
    formula = serializers.CharField(help_text=_("How the value and the score are computed."))


class HealthSurveySerializer(ReadOnlySerializer):
    rating = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        allow_null=True,
        help_text=_(
            "Mean overall rating (1–5) of both directions' cells shown (at or above each "
            "round's minimum) over the rounds closed in the period; null: none."
        ),
    )
    score = _score(_("(rating − 1) ÷ 4 × 100."))
    responses = serializers.IntegerField(help_text=_("Responses in those shown cells."))


class HealthMonthSerializer(ReadOnlySerializer):
    month = serializers.DateField(help_text=_("First day of the month (organization's zone)."))
    health = _score(_("The pair's health over that month."))
    survey = _score(_("Survey score of the rounds closed that month."))
    operational = _score(_("Mean of the signal scores of that month."))


class PairHealthSerializer(ReadOnlySerializer):
    departments = HealthDepartmentSerializer(many=True)
    health = _score(
        _(
            "Mean of the survey score and the operational score (either alone when the "
            "other is missing); null: neither."
        )
    )
    band = serializers.ChoiceField(
        choices=[("good", "good"), ("fair", "fair"), ("poor", "poor")],
        allow_null=True,
        help_text=_("good ≥ 70, fair ≥ 40, else poor."),
    )
    survey = HealthSurveySerializer()
    operational = _score(_("Mean of the signal scores."))
    signals = HealthSignalSerializer(many=True)
    trend = HealthMonthSerializer(many=True, help_text=_("Every month the period touches."))


class CollaborationHealthSerializer(ReadOnlySerializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text=_("Not included."))
    pairs = PairHealthSerializer(many=True)


# --- View ----------------------------------------------------------------------------------


class CollaborationHealthView(ReportView):
    """Collaboration health of every department pair over ``[start, end)``:
    marketing–sales, sales–product, sales–CS, then any other pair with survey figures."""

    def check_permissions(self, request: Any) -> None:
        # The report base asks for ``reports.view``; health is ``feedback.results``.
        super(ReportView, self).check_permissions(request)
        if not can(self.membership, "feedback.results"):
            self.permission_denied(
                request, message=str(_("Collaboration health is for managers and admins."))
            )

    @extend_schema(parameters=[PeriodQuerySerializer], responses=CollaborationHealthSerializer)
    def get(self, request: Any) -> Response:
        params = PeriodQuerySerializer(
            data=request.query_params, context={"organization": self.membership.organization}
        )
        params.is_valid(raise_exception=True)
        report = health.collaboration_health(
            self.membership.organization_id,
            params.validated_data["start"],
            params.validated_data["end"],
        )
        return Response(CollaborationHealthSerializer(report).data)


ROUTES: list[Any] = []
URLS = [
    path(
        "collaboration-health/",
        CollaborationHealthView.as_view(),
        name="api-collaboration-health",
    ),
]
