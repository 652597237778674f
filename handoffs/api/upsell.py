"""Upsell signals: CS routes expansion potential back to sales (DESIGN §3.3, §4).

``upsell-signals/`` lists them (newest first), CS raises one (POST, honouring
``Idempotency-Key``: routed to the company's sales owner, else a sales manager), and sales
answers: ``accept/`` opens the expansion deal (kind ``expansion``, source ``cs``) and links
it, ``dismiss/`` needs a reason, ``credit-split/`` changes the CS share of an accepted one's
credit. The conversion report is ``upsell-signals/report/`` (``handoffs.api.reports``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from collab_hub.api import (
    IdFilter,
    ServiceViewSet,
    TenantModelSerializer,
    TenantSerializer,
)
from handoffs.models import (
    PERCENT_MAX,
    PERCENT_MIN,
    Confidence,
    UpsellKind,
    UpsellSignal,
    UpsellStatus,
)
from handoffs.services import upsell as services
from leads.models import REVENUE_MAX, Company

# Close dates outside these years are refused (400) rather than sent to the database.
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2999, 12, 31)
HUNDRED = Decimal("100")


def _percent(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=PERCENT_MIN, max_value=PERCENT_MAX, **kwargs
    )


class UpsellSignalSerializer(TenantModelSerializer):
    """An upsell signal as integrations see it; CS writes company, kind, estimated_value,
    confidence and note when raising it, the rest follows from the answers."""

    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), help_text=_("The customer company.")
    )
    kind = serializers.ChoiceField(choices=UpsellKind.choices)
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    estimated_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), max_value=REVENUE_MAX
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX)
    status = serializers.ChoiceField(
        choices=UpsellStatus.choices,
        read_only=True,
        help_text=_("open until sales accepts (deal set) or dismisses it (dismiss_reason)."),
    )
    cs_credit_percent = _percent(
        read_only=True,
        allow_null=True,
        help_text=_("The CS member's share of the expansion deal's credit; null without one."),
    )
    sales_credit_percent = serializers.SerializerMethodField(
        help_text=_("100 − cs_credit_percent: the sales owner's share; null without a deal.")
    )

    class Meta:
        model = UpsellSignal
        fields = [
            "id", "company", "kind", "estimated_value", "confidence", "note", "status",
            "raised_by", "routed_to", "deal", "cs_credit_percent", "sales_credit_percent",
            "dismiss_reason", "answered_by", "answered_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "raised_by", "routed_to", "deal", "dismiss_reason", "answered_by", "answered_at",
            "created_at", "updated_at",
        ]  # fmt: skip

    @extend_schema_field(_percent(read_only=True, allow_null=True))
    def get_sales_credit_percent(self, obj: UpsellSignal) -> str | None:
        if obj.deal_id is None or obj.cs_credit_percent is None:
            return None
        return str((HUNDRED - obj.cs_credit_percent).quantize(Decimal("0.01")))


class AcceptSignalSerializer(TenantSerializer):
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("The expansion deal's name (default: the kind and the company)."),
    )
    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=REVENUE_MAX,
        required=False,
        allow_null=True,
        help_text=_("The deal's value (default: the signal's estimated value)."),
    )
    close_date = serializers.DateField(required=False, allow_null=True)
    cs_credit_percent = _percent(
        required=False,
        allow_null=True,
        help_text=_("The CS share of the deal's credit (default: the organization's)."),
    )

    def validate_close_date(self, value: date | None) -> date | None:
        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            raise serializers.ValidationError(
                _("Choose a date between 1970 and 2999."), code="out_of_range"
            )
        return value


class DismissSignalSerializer(TenantSerializer):
    reason = serializers.CharField(
        allow_blank=True,
        max_length=services.REASON_MAX,
        help_text=_("Why sales does not pursue it; required (400 reason_required when empty)."),
    )


class CreditSplitSerializer(TenantSerializer):
    cs_credit_percent = _percent(help_text=_("The CS share, 0–100; sales gets the rest."))


class UpsellSignalFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=UpsellStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=UpsellKind.choices)
    confidence = django_filters.MultipleChoiceFilter(choices=Confidence.choices)
    company = IdFilter(field_name="company_id")
    routed_to = IdFilter(field_name="routed_to_id")
    raised_by = IdFilter(field_name="raised_by_id")

    class Meta:
        model = UpsellSignal
        fields = ["status", "kind", "confidence", "company", "routed_to", "raised_by"]


_ANSWERED_409 = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=_("Answered already (upsell_accepted, upsell_dismissed)."),
)


class UpsellSignalViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ServiceViewSet,
):
    """Upsell signals, newest first. CS raises them; sales accepts (an expansion deal is
    opened) or dismisses them with a reason. Sales, CS and managers read them."""

    queryset = UpsellSignal.objects.all()
    serializer_class = UpsellSignalSerializer
    filterset_class = UpsellSignalFilter
    ordering_fields = ["created_at", "updated_at", "estimated_value", "answered_at", "id"]
    ordering = ["-created_at"]
    create_service = services.raise_signal
    data_arg = None
    write_policy = "upsell.raise"
    policy = {
        "list": "handoffs.view",
        "retrieve": "handoffs.view",
        "accept": "upsell.answer",
        "dismiss": "upsell.answer",
        "credit_split": "upsell.answer",
    }

    def _answer(self, signal: UpsellSignal) -> Response:
        return Response(
            UpsellSignalSerializer(
                UpsellSignal.objects.get(pk=signal.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        request=AcceptSignalSerializer,
        responses={
            200: OpenApiResponse(
                UpsellSignalSerializer, _("Accepted: deal is the new expansion deal's id.")
            ),
            409: _ANSWERED_409,
        },
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Any, pk: Any = None) -> Response:
        """Open the expansion deal (kind ``expansion``, source ``cs``, owned by the caller)
        and link it; the CS member who raised the signal is told."""
        signal = self.get_object()
        data = AcceptSignalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.accept_signal(by=self.membership, signal=signal, **data.validated_data)
        )

    @extend_schema(
        request=DismissSignalSerializer, responses={200: UpsellSignalSerializer, 409: _ANSWERED_409}
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Any, pk: Any = None) -> Response:
        """Decline the opportunity, saying why; the CS member who raised it is told."""
        signal = self.get_object()
        data = DismissSignalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.dismiss_signal(by=self.membership, signal=signal, **data.validated_data)
        )

    @extend_schema(
        request=CreditSplitSerializer,
        responses={
            200: UpsellSignalSerializer,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=_("No expansion deal yet (upsell_open) or dismissed."),
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="credit-split")
    def credit_split(self, request: Any, pk: Any = None) -> Response:
        """Change the CS share of the expansion deal's credit (sales gets the rest)."""
        signal = self.get_object()
        data = CreditSplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.set_credit_split(by=self.membership, signal=signal, **data.validated_data)
        )


ROUTES = [("upsell-signals", UpsellSignalViewSet, "upsell-signal")]
URLS: list[Any] = []
