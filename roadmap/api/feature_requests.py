"""Feature requests, the ranked roadmap, their demand and the "lost & winnable revenue"
figures (DESIGN §3.2, §4).

``feature-requests/`` lists the roadmap ranked by ``priority_score`` (or ``revenue_at_stake``,
``customers_count``…), every figure computed by the database (``roadmap.selectors``); the
actions ``status/`` {status, note} and ``merge/`` {into} and the nested
``feature-requests/<id>/demands/`` call the services, which answer 400/403/409 through
``collab_hub.exceptions``. Requests are never deleted: a duplicate is merged, an unwanted one
declined.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.models import Membership
from collab_hub.api import (
    SEARCH_FILTER_BACKENDS,
    IdFilter,
    ReadOnlyModelSerializer,
    ReadOnlySerializer,
    ReadOnlySerializerMixin,
    ServiceViewSet,
    TenantModelSerializer,
    TenantSerializer,
    TenantViewSet,
)
from leads.models import Company, Deal, DealSource, Tier
from roadmap import selectors, services
from roadmap.models import (
    Demand,
    DemandKind,
    DemandOutcome,
    FeatureRequest,
    FeatureStatus,
    FeatureStatusChange,
)

# Dates outside these years are refused (400) rather than sent to the database.
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2999, 12, 31)
# Rows of the impact figures answered at most (the biggest totals first).
IMPACT_LIMIT_MAX = 500
IMPACT_LIMIT_DEFAULT = 100


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=20, decimal_places=2, read_only=True, coerce_to_string=True, **kwargs
    )


# --- Feature requests ----------------------------------------------------------------------


class TierMixSerializer(ReadOnlySerializer):
    tier = serializers.CharField(
        allow_blank=True, help_text=_("The tier's name; empty: companies without a tier.")
    )
    customers = serializers.IntegerField()


class FeatureRequestSerializer(TenantModelSerializer):
    """A feature request as integrations see it (DESIGN §4 key fields first), with the
    revenue figures of its counted demands."""

    owner = serializers.PrimaryKeyRelatedField(
        queryset=Membership.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Membership id of a product member (the product owner)."),
    )
    status = serializers.ChoiceField(
        choices=FeatureStatus.choices,
        read_only=True,
        help_text=_("Changed only by the status/ action."),
    )
    revenue_at_stake = _money(
        help_text=_("blocking + lost + expansion + retention (active demands).")
    )
    priority_score = _money(
        help_text=_("revenue_at_stake × tier_weight ÷ max(effort, 1); the roadmap's ranking.")
    )
    customers_count = serializers.IntegerField(
        read_only=True, help_text=_("Distinct companies behind the counted demands.")
    )
    blocking = _money(help_text=_("Current value of the open deals waiting for it."))
    lost = _money(help_text=_("Value of the deals lost for lack of it."))
    expansion = _money()
    retention = _money()
    tier_weight = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        read_only=True,
        help_text=_("The highest weight among the tiers of the companies asking (default 1)."),
    )
    tier_mix = serializers.SerializerMethodField(
        help_text=_("Customers per tier, most first (counted demands).")
    )

    class Meta:
        model = FeatureRequest
        fields = [
            "id", "title", "description", "status", "owner", "effort", "merged_into",
            "revenue_at_stake", "priority_score", "customers_count", "blocking", "lost",
            "expansion", "retention", "tier_weight", "tier_mix", "target_release",
            "created_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["merged_into", "created_by", "created_at", "updated_at"]

    @extend_schema_field(TierMixSerializer(many=True))
    def get_tier_mix(self, obj: Any) -> list[dict[str, Any]]:
        mix = self.context.get("tier_mix")
        if mix is None:
            mix = selectors.tier_mix([obj.pk])
        return [{"tier": name, "customers": count} for name, count in mix.get(obj.pk, [])]


class StatusChangeSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = FeatureStatusChange
        fields = ["from_status", "to_status", "by", "at", "note"]


class FeatureRequestDetailSerializer(ReadOnlySerializerMixin, FeatureRequestSerializer):
    """A request with its status history (responses only)."""

    history = serializers.SerializerMethodField()

    class Meta(FeatureRequestSerializer.Meta):
        fields = [*FeatureRequestSerializer.Meta.fields, "history"]

    @extend_schema_field(StatusChangeSerializer(many=True))
    def get_history(self, obj: Any) -> Any:
        return StatusChangeSerializer(selectors.status_history(obj), many=True).data


class StatusSerializer(TenantSerializer):
    status = serializers.ChoiceField(
        choices=FeatureStatus.choices,
        help_text=_(
            "new → under_review → planned → in_progress → shipped, one step back, any open "
            "status → declined, declined → under_review; anything else is a 409."
        ),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class MergeSerializer(TenantSerializer):
    into = serializers.PrimaryKeyRelatedField(
        queryset=FeatureRequest.objects.all(),
        help_text=_("The request this one duplicates: its demands move there."),
    )


class ImpactQuerySerializer(TenantSerializer):
    start = serializers.DateField(
        required=False, help_text=_("Demands raised on or after this day (YYYY-MM-DD).")
    )
    end = serializers.DateField(
        required=False, help_text=_("Demands raised on or before this day (YYYY-MM-DD).")
    )
    tier = serializers.PrimaryKeyRelatedField(
        queryset=Tier.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Only demands of companies of this tier."),
    )
    # A declared field, moved off the class by DRF's metaclass (``Field.source`` stays).
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=DealSource.choices,
        required=False,
        allow_blank=True,
        help_text=_("Only demands on deals of this source (demands without a deal drop out)."),
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=IMPACT_LIMIT_MAX,
        default=IMPACT_LIMIT_DEFAULT,
        help_text=_("Features answered, biggest total first (the totals count them all)."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("start", "end"):
            value = attrs.get(name)
            if value is not None and not MIN_DATE <= value <= MAX_DATE:
                raise serializers.ValidationError(
                    {name: _("Choose a date between 1970 and 2999.")}, code="out_of_range"
                )
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError(
                {"end": _("The end must not come before the start.")}, code="end_before_start"
            )
        return attrs


class ImpactRowSerializer(ReadOnlySerializer):
    id = serializers.IntegerField(help_text=_("The feature request's id."))
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=FeatureStatus.choices)
    lost_customers = serializers.IntegerField(
        help_text=_("Customers lost for lack of it (deals lost).")
    )
    lost_revenue = _money(help_text=_("Their deals' value."))
    waiting_deals = serializers.IntegerField(help_text=_("Open deals waiting for it."))
    waiting_value = _money(help_text=_("Their current value."))
    expansion_value = _money()
    retention_value = _money()
    total = _money()


class ImpactTotalsSerializer(ReadOnlySerializer):
    lost_customers = serializers.IntegerField(
        help_text=_("Each company once, however many features it lacked.")
    )
    lost_revenue = _money(help_text=_("Each lost deal once."))
    waiting_deals = serializers.IntegerField()
    waiting_value = _money(help_text=_("Each waiting deal once."))
    expansion_value = _money()
    retention_value = _money()


class ImpactSerializer(ReadOnlySerializer):
    totals = ImpactTotalsSerializer()
    results = ImpactRowSerializer(many=True)


class FeatureRequestFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=FeatureStatus.choices)
    owner = IdFilter(field_name="owner_id")
    tier = IdFilter(
        method="filter_tier", label=_("Requests with counted demand from companies of this tier")
    )
    # Omitted, the list leaves merged requests out (FeatureRequestViewSet.list).
    merged = django_filters.BooleanFilter(
        field_name="merged_into",
        lookup_expr="isnull",
        exclude=True,
        label=_("true: only requests merged into another; omitted or false: the live roadmap"),
    )

    class Meta:
        model = FeatureRequest
        fields = ["status", "owner", "tier", "merged"]

    def filter_tier(self, qs: Any, name: str, value: Any) -> Any:
        if not value:
            return qs
        return selectors.asked_by_tier(qs, value)


def _with_figures(pk: int) -> Any:
    return selectors.with_revenue(FeatureRequest.objects.filter(pk=pk)).get()


class FeatureRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ServiceViewSet,
):
    """The roadmap: feature requests ranked by ``priority_score`` (highest first) unless
    ``?ordering=`` says otherwise; merged requests only with ``?merged=true``. ``?search=``
    looks in the title, ignoring case and accents. Sales, CS and product propose requests;
    only product changes them (``status/``, ``merge/``, PATCH). There is no DELETE."""

    queryset = selectors.with_revenue(FeatureRequest.objects.all())
    serializer_class = FeatureRequestSerializer
    filterset_class = FeatureRequestFilter
    filter_backends = SEARCH_FILTER_BACKENDS
    search_fields = ["title__search_contains"]
    ordering_fields = [
        "priority_score", "revenue_at_stake", "customers_count", "effort", "created_at", "id",
    ]  # fmt: skip
    ordering = ["-priority_score"]
    create_service = services.create_feature_request
    update_service = services.update_feature_request
    instance_arg = "feature_request"
    write_policy = "roadmap.manage"
    policy = {
        "create": "roadmap.create",
        "status": "roadmap.manage",
        "merge": "roadmap.manage",
    }
    open_actions = ("impact",)

    def get_serializer_class(self) -> Any:
        if self.action == "retrieve":
            return FeatureRequestDetailSerializer
        return super().get_serializer_class()

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "title": data.get("title", ""),
            "description": data.get("description", ""),
            "owner": data.get("owner"),
            "target_release": data.get("target_release", ""),
            "effort": data.get("effort"),
        }

    def response_row(self, row: Any) -> Any:
        # With its figures, as the list shows it.
        return _with_figures(row.pk)

    def list(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        if request.query_params.get("merged") in (None, ""):
            # The live roadmap: a merged request's demand moved to the one it was merged into.
            queryset = queryset.filter(merged_into__isnull=True)
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        # The tier mix of the whole page in one query.
        context = {**self.get_serializer_context(), "tier_mix": selectors.tier_mix(
            [row.pk for row in rows]
        )}  # fmt: skip
        data = FeatureRequestSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _answer(self, feature_request: FeatureRequest) -> Response:
        return Response(
            FeatureRequestSerializer(
                _with_figures(feature_request.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        request=StatusSerializer,
        responses={
            200: FeatureRequestSerializer,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=_(
                    "Not a move the status machine allows (code feature_<current status>), "
                    "already in that status (same_status), or merged (feature_merged)."
                ),
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Any, pk: Any = None) -> Response:
        """Move the request along the status machine (product). Everyone who raised demand
        and the owners of waiting and lost deals are notified; shipping lists the deals to
        re-engage. Leaving planned / in progress / shipped puts confirmed promises at risk."""
        feature_request = self.get_object()
        data = StatusSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        feature_request = services.change_status(
            by=self.membership, feature_request=feature_request, **data.validated_data
        )
        return self._answer(feature_request)

    @extend_schema(
        request=MergeSerializer,
        responses={
            200: OpenApiResponse(
                FeatureRequestSerializer, _("The request merged into, with its new figures.")
            ),
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=_(
                    "Either request already merged (feature_merged), or merged into itself "
                    "(same_request)."
                ),
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Any, pk: Any = None) -> Response:
        """Merge this duplicate into ``into`` (product): its demands and promises move there
        (a demand for the same company and deal is kept here as history, not counted twice);
        this request then points at ``into`` (``merged_into``) and no longer changes."""
        source = self.get_object()
        data = MergeSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        into = services.merge_feature_request(
            by=self.membership, source=source, into=data.validated_data["into"]
        )
        return self._answer(into)

    @extend_schema(
        request=None,
        responses=ImpactSerializer,
        parameters=[ImpactQuerySerializer],
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def impact(self, request: Any) -> Response:
        """Lost & winnable revenue per feature: customers lost for lack of it and their
        revenue, open deals waiting for it and their value, expansion and retention value;
        and the totals (each company and deal counted once). Filters apply to the demands."""
        query = ImpactQuerySerializer(
            data=request.query_params, context=self.get_serializer_context()
        )
        query.is_valid(raise_exception=True)
        params = query.validated_data
        tier = params.get("tier")
        figures = selectors.impact(
            self.membership.organization_id,
            start=params.get("start"),
            end=params.get("end"),
            tier=tier.pk if tier is not None else None,
            source=params.get("source") or "",
        )
        rows = list(figures.rows[: params["limit"]])
        return Response(ImpactSerializer({"totals": figures.totals, "results": rows}).data)


# --- Demand -------------------------------------------------------------------------------


class DemandSerializer(ReadOnlyModelSerializer):
    """A customer's need for a feature. ``value`` of a blocking demand is its deal's value
    today; ``ended_at``/``outcome`` are set once it no longer counts (kept as history)."""

    value = serializers.DecimalField(
        source="current_value",
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text=_("Revenue at stake; for a blocking demand, the deal's current value."),
    )
    kind = serializers.ChoiceField(choices=DemandKind.choices)
    outcome = serializers.ChoiceField(choices=DemandOutcome.choices, allow_blank=True)

    class Meta:
        model = Demand
        fields = [
            "id", "company", "deal", "kind", "value", "note", "feature_request", "raised_by",
            "department", "ended_at", "outcome", "created_at", "updated_at",
        ]  # fmt: skip


class RaiseDemandSerializer(TenantSerializer):
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all())
    deal = serializers.PrimaryKeyRelatedField(
        queryset=Deal.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Required for a blocking demand: the open deal of the company it blocks."),
    )
    kind = serializers.ChoiceField(
        choices=DemandKind.choices,
        help_text=_(
            "blocking (an open deal waits on it), expansion or retention (with a value); lost "
            "is recorded by losing the deal for a missing feature (400 here)."
        ),
    )
    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text=_("Required for expansion and retention; ignored for blocking."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DemandFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=DemandKind.choices)
    company = IdFilter(field_name="company_id")
    deal = IdFilter(field_name="deal_id")
    active = django_filters.BooleanFilter(
        field_name="ended_at",
        lookup_expr="isnull",
        label=_("true: the demands that count; false: ended ones (history)"),
    )

    class Meta:
        model = Demand
        fields = ["kind", "company", "deal", "active"]


class FeatureDemandViewSet(TenantViewSet):
    """``feature-requests/<id>/demands/``: the request's demands (active and ended), and
    raising one (sales and CS). Mounted as a plain URL (``URLS``): ``pk`` is the request's."""

    queryset = Demand.objects.all()
    serializer_class = DemandSerializer
    filterset_class = DemandFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at"]
    policy = {"create": "roadmap.demand"}

    def _feature_request(self, pk: Any) -> FeatureRequest:
        feature_request = FeatureRequest.objects.visible_to(self.membership).filter(pk=pk).first()
        if feature_request is None:
            raise NotFound(_("No such feature request."))
        return feature_request

    @extend_schema(responses=DemandSerializer(many=True))
    def list(self, request: Any, pk: Any = None) -> Response:
        """The request's demands, newest first; ``?active=true`` for those that count."""
        feature_request = self._feature_request(pk)
        # The request was found in the member's organization: its demands are that
        # organization's (with their current values).
        queryset = self.filter_queryset(selectors.demands_of(feature_request))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(DemandSerializer(page, many=True).data)

    @extend_schema(
        request=RaiseDemandSerializer,
        responses={
            201: DemandSerializer,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=_(
                    "The request was merged (feature_merged), or the deal already has an "
                    "active demand on it (duplicate_demand)."
                ),
            ),
        },
    )
    def create(self, request: Any, pk: Any = None) -> Response:
        """Raise a demand: a customer needs this feature (sales and CS). The request's owner
        (else product) is notified."""
        feature_request = self._feature_request(pk)
        data = RaiseDemandSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        demand = services.raise_demand(
            by=self.membership, feature_request=feature_request, **data.validated_data
        )
        row = selectors.demands_of(feature_request).get(pk=demand.pk)
        return Response(DemandSerializer(row).data, status=status.HTTP_201_CREATED)


ROUTES = [("feature-requests", FeatureRequestViewSet, "feature-request")]
URLS = [
    path(
        "feature-requests/<int:pk>/demands/",
        FeatureDemandViewSet.as_view({"get": "list", "post": "create"}, detail=False),
        name="api-feature-request-demands",
    )
]
