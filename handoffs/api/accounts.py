"""A customer's account health and CS owner (DESIGN §3.3, §4), nested under the leads flow's
``companies/`` as plain URLs (``URLS``; leads knows nothing of handoffs):

* ``companies/<id>/health/``: GET the score (red/amber/green), note and the last 50 changes;
  POST ``{score, note}`` to set it (CS);
* ``companies/<id>/cs-owner/``: POST ``{cs_owner}`` (CS managers and admins).

Another organization's company, or one the member may not see, is a 404.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.models import Membership
from collab_hub.api import ReadOnlySerializer, TenantSerializer, TenantViewSet
from handoffs.models import HEALTH_MAX, HEALTH_MIN, CustomerAccount, HealthBand, health_band
from handoffs.selectors.handoffs import account_of, health_history
from handoffs.services import accounts as services
from leads.models import Company

HISTORY_LIMIT = 50


def _band(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=HealthBand.choices,
        allow_null=True,
        help_text=_("red below 40, amber below 70, green from 70; null without a score."),
        **kwargs,
    )


class HealthChangeSerializer(ReadOnlySerializer):
    score = serializers.IntegerField()
    band = _band()
    note = serializers.CharField(allow_blank=True)
    by = serializers.IntegerField(
        allow_null=True, help_text=_("Membership id of the CS member who set it.")
    )
    at = serializers.DateTimeField()


class AccountHealthSerializer(ReadOnlySerializer):
    """The customer's current health and its history, newest first."""

    company = serializers.IntegerField()
    cs_owner = serializers.IntegerField(
        allow_null=True, help_text=_("Membership id of the customer's CS owner.")
    )
    score = serializers.IntegerField(allow_null=True, help_text=_("0–100; null until set."))
    band = _band()
    note = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField(
        allow_null=True, help_text=_("When the score was last set.")
    )
    history = HealthChangeSerializer(many=True, help_text=_("The last 50 scores, newest first."))


class SetHealthSerializer(TenantSerializer):
    score = serializers.IntegerField(min_value=HEALTH_MIN, max_value=HEALTH_MAX)
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX)


class SetCsOwnerSerializer(TenantSerializer):
    cs_owner = serializers.PrimaryKeyRelatedField(
        queryset=Membership.objects.all(), help_text=_("Membership id of an active CS member.")
    )


def _health(company: Company) -> dict[str, Any]:
    account = account_of(company)
    score = account.health_score if account is not None else None
    return {
        "company": company.pk,
        "cs_owner": account.cs_owner_id if account is not None else None,
        "score": score,
        "band": health_band(score) or None,
        "note": account.health_note if account is not None else "",
        "updated_at": account.health_updated_at if account is not None else None,
        "history": [
            {
                "score": change.score,
                "band": change.band,
                "note": change.note,
                "by": change.by_id,
                "at": change.at,
            }
            for change in health_history(company, limit=HISTORY_LIMIT)
        ],
    }


class CompanyAccountViewSet(TenantViewSet):
    """A customer company's account (plain URLs: ``pk`` is the company's)."""

    queryset = CustomerAccount.objects.all()
    serializer_class = AccountHealthSerializer
    policy = {"retrieve": "health.view", "create": "health.set", "cs_owner": "handoffs.assign"}

    def _company(self, pk: Any) -> Company:
        company = Company.objects.visible_to(self.membership).filter(pk=pk).first()
        if company is None:
            raise NotFound(_("No such company."))
        return company

    def _answer(self, company: Company, code: int = status.HTTP_200_OK) -> Response:
        return Response(AccountHealthSerializer(_health(company)).data, status=code)

    @extend_schema(request=None, responses=AccountHealthSerializer)
    def retrieve(self, request: Any, pk: Any = None) -> Response:
        """The customer's health: score, band, note, CS owner and the last 50 scores."""
        return self._answer(self._company(pk))

    @extend_schema(request=SetHealthSerializer, responses={201: AccountHealthSerializer})
    def create(self, request: Any, pk: Any = None) -> Response:
        """Set the customer's health score with a note (CS); kept in its history. Turning
        red tells the sales owner (else the sales managers) and the CS owner."""
        company = self._company(pk)
        data = SetHealthSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_health(by=self.membership, company=company, **data.validated_data)
        return self._answer(company, status.HTTP_201_CREATED)

    @extend_schema(request=SetCsOwnerSerializer, responses={200: AccountHealthSerializer})
    def cs_owner(self, request: Any, pk: Any = None) -> Response:
        """Make a CS member the customer's CS owner (CS managers, admins); the handoffs of
        its deals won later go to them. The new owner is told."""
        company = self._company(pk)
        data = SetCsOwnerSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.set_cs_owner(by=self.membership, company=company, **data.validated_data)
        return self._answer(company)


ROUTES: list[Any] = []
URLS = [
    path(
        "companies/<int:pk>/health/",
        CompanyAccountViewSet.as_view({"get": "retrieve", "post": "create"}, detail=False),
        name="api-company-health",
    ),
    path(
        "companies/<int:pk>/cs-owner/",
        CompanyAccountViewSet.as_view({"post": "cs_owner"}, detail=False),
        name="api-company-cs-owner",
    ),
]
