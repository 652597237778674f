"""The promise guard (DESIGN §3.2, §4): ``deals/<id>/promises/`` (a deal's promises, and
sales promising a feature on it) and ``promises/`` (every promise, product's ``approve/`` and
``decline/``).

A promise of a planned, in-progress or shipped request is ``confirmed`` at once; otherwise it
is ``pending`` until product decides. The leads flow's ``deals/`` knows nothing of this: the
nested list is mounted here, as a plain URL (``URLS``).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from collab_hub.api import (
    IdFilter,
    ReadOnlyModelSerializer,
    TenantSerializer,
    TenantViewSet,
)
from leads.models import Deal
from roadmap import services
from roadmap.models import FeatureRequest, FeatureStatus, Promise, PromiseStatus


class PromiseSerializer(ReadOnlyModelSerializer):
    """A feature promised on a deal, with the request's live roadmap status."""

    status = serializers.ChoiceField(
        choices=PromiseStatus.choices,
        help_text=_(
            "confirmed (the request is planned, in progress or shipped, or product approved), "
            "pending (product decides), declined, at_risk (the request moved back)."
        ),
    )
    feature_status = serializers.ChoiceField(
        source="feature_request.status",
        choices=FeatureStatus.choices,
        help_text=_("The promised request's status today."),
    )
    feature_title = serializers.CharField(source="feature_request.title")

    class Meta:
        model = Promise
        fields = [
            "id", "deal", "feature_request", "status", "note", "feature_status",
            "feature_title", "made_by", "decided_by", "decided_at", "decline_reason",
            "created_at", "updated_at",
        ]  # fmt: skip


class RecordPromiseSerializer(TenantSerializer):
    feature_request = serializers.PrimaryKeyRelatedField(queryset=FeatureRequest.objects.all())
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text=_("What was promised.")
    )


class ApprovePromiseSerializer(TenantSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DeclinePromiseSerializer(TenantSerializer):
    reason = serializers.CharField(
        max_length=5000, help_text=_("Why product declines; the deal's owner reads it.")
    )


class PromiseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PromiseStatus.choices)
    deal = IdFilter(field_name="deal_id")
    feature_request = IdFilter(field_name="feature_request_id")

    class Meta:
        model = Promise
        fields = ["status", "deal", "feature_request"]


class DealPromiseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PromiseStatus.choices)
    feature_request = IdFilter(field_name="feature_request_id")

    class Meta:
        model = Promise
        fields = ["status", "feature_request"]


_DECIDED_409 = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=_("Only a pending or at-risk promise is decided (code promise_<current status>)."),
)


class PromiseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Every promise of the organization, newest first. Product approves or declines the
    pending (and at-risk) ones; ``?status=pending`` is its queue."""

    queryset = Promise.objects.select_related("feature_request")
    serializer_class = PromiseSerializer
    filterset_class = PromiseFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at"]
    policy = {"approve": "roadmap.manage", "decline": "roadmap.manage"}

    def _answer(self, promise: Promise) -> Response:
        row = self.get_queryset().get(pk=promise.pk)
        return Response(PromiseSerializer(row).data)

    @extend_schema(
        request=ApprovePromiseSerializer, responses={200: PromiseSerializer, 409: _DECIDED_409}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Any, pk: Any = None) -> Response:
        """``pending | at_risk → confirmed`` (product); the deal's owner is told."""
        promise = self.get_object()
        data = ApprovePromiseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.approve_promise(by=self.membership, promise=promise, **data.validated_data)
        )

    @extend_schema(
        request=DeclinePromiseSerializer, responses={200: PromiseSerializer, 409: _DECIDED_409}
    )
    @action(detail=True, methods=["post"])
    def decline(self, request: Any, pk: Any = None) -> Response:
        """``pending | at_risk → declined`` with a reason (product); the deal's owner is
        told."""
        promise = self.get_object()
        data = DeclinePromiseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.decline_promise(by=self.membership, promise=promise, **data.validated_data)
        )


class DealPromiseViewSet(TenantViewSet):
    """``deals/<id>/promises/``: a deal's promises and sales promising a feature on it.
    Mounted as a plain URL (``URLS``): ``pk`` is the deal's."""

    queryset = Promise.objects.select_related("feature_request")
    serializer_class = PromiseSerializer
    filterset_class = DealPromiseFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at"]
    policy = {"create": "roadmap.promise"}

    def _deal(self, pk: Any) -> Deal:
        deal = Deal.objects.visible_to(self.membership).filter(pk=pk).first()
        if deal is None:
            raise NotFound(_("No such deal."))
        return deal

    @extend_schema(responses=PromiseSerializer(many=True))
    def list(self, request: Any, pk: Any = None) -> Response:
        """The deal's promises with their requests' live status, newest first."""
        deal = self._deal(pk)
        queryset = self.filter_queryset(self.get_queryset().filter(deal=deal))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(PromiseSerializer(page, many=True).data)

    @extend_schema(
        request=RecordPromiseSerializer,
        responses={
            201: OpenApiResponse(
                PromiseSerializer,
                _("Recorded: confirmed, or pending until product approves or declines it."),
            ),
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=_(
                    "A closed deal (deal_closed), a merged request (feature_merged), or the "
                    "feature already promised on the deal (duplicate_promise)."
                ),
            ),
        },
    )
    def create(self, request: Any, pk: Any = None) -> Response:
        """Promise a feature on an open deal (sales): ``confirmed`` when the request is
        planned, in progress or shipped, else ``pending`` and product is asked to decide."""
        deal = self._deal(pk)
        data = RecordPromiseSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        promise = services.record_promise(by=self.membership, deal=deal, **data.validated_data)
        row = self.get_queryset().get(pk=promise.pk)
        return Response(PromiseSerializer(row).data, status=status.HTTP_201_CREATED)


ROUTES = [("promises", PromiseViewSet, "promise")]
URLS = [
    path(
        "deals/<int:pk>/promises/",
        DealPromiseViewSet.as_view({"get": "list", "post": "create"}, detail=False),
        name="api-deal-promises",
    )
]
