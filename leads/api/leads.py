"""Leads: list, search, create, update, upsert by email, batches, and the lifecycle actions
(DESIGN §4)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
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
)
from leads.models import Campaign, Lead, LeadStatus, LeadTransition, RejectionReason
from leads.selectors import leads as lead_selectors
from leads.services import bulk, lifecycle


class LeadSerializer(TenantModelSerializer):
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), allow_null=True, required=False
    )
    # Empty until the lead is rejected.
    rejection_reason = serializers.ChoiceField(
        choices=RejectionReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Lead
        fields = [
            "id", "email", "first_name", "last_name", "company_name", "title", "phone",
            "industry", "country", "employees", "annual_revenue", "source", "campaign",
            "status", "score", "tier", "owner", "marketing_owner", "sla_due_at",
            "sla_breached_at", "qualified_at", "responded_at", "rejection_reason",
            "rejection_note", "resubmissions", "resubmitted_at", "deal", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "status", "score", "tier", "owner", "marketing_owner", "sla_due_at",
            "sla_breached_at", "qualified_at", "responded_at", "rejection_reason",
            "rejection_note", "resubmissions", "resubmitted_at", "deal", "created_at",
            "updated_at",
        ]  # fmt: skip
        # The service checks the email is new in the organization and the country a code
        # (a refusal names its field, like a validation error).
        validators: list = []


class TransitionSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = LeadTransition
        fields = ["from_status", "to_status", "by", "at", "reason", "note"]


class LeadDetailSerializer(ReadOnlySerializerMixin, LeadSerializer):
    """A lead with its status history (responses only)."""

    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "transitions"]


class QualifySerializer(TenantSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Membership.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("A sales member; omitted: the next sales rep in turn."),
    )


class RejectSerializer(TenantSerializer):
    reason = serializers.ChoiceField(choices=RejectionReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class NoteSerializer(TenantSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ResubmitSerializer(TenantSerializer):
    note = serializers.CharField(
        max_length=5000, help_text=_("What marketing corrected; sales reads it. Required.")
    )


class ConvertSerializer(TenantSerializer):
    deal_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)


@extend_schema_field(LeadSerializer(many=True))
class BatchItemsField(serializers.ListField):
    """The batch's leads: each item is validated on its own (``LeadSerializer``), so one
    invalid item is that item's result, not the request's 400."""

    child = serializers.JSONField()


class BatchSerializer(TenantSerializer):
    mode = serializers.ChoiceField(
        choices=[("create", _("create")), ("upsert", _("upsert"))],
        default="create",
        help_text=_(
            "create: every item is a new lead (a known email is refused, as POST /leads/ "
            "refuses it); upsert: each item creates or updates by email, as leads/upsert/."
        ),
    )
    leads = BatchItemsField(min_length=1, max_length=bulk.BATCH_LIMIT)


class BatchItemResultSerializer(ReadOnlySerializer):
    index = serializers.IntegerField(help_text=_("Position of the item in the request, from 0."))
    status = serializers.IntegerField(
        help_text=_("201 created, 200 updated (or known and unchanged), 400 refused.")
    )
    id = serializers.IntegerField(allow_null=True, help_text=_("The lead's id; null when 400."))
    # A declared field, moved off the class by DRF's metaclass (``Serializer.errors`` stays).
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(),
        help_text=_("Field (or non_field_errors) to messages, as a 400 of POST /leads/ has."),
    )


class BatchResultSerializer(ReadOnlySerializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    invalid = serializers.IntegerField()
    results = BatchItemResultSerializer(many=True)


class LeadFilter(django_filters.FilterSet):
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices)
    tier = IdFilter(field_name="tier_id")
    owner = IdFilter(field_name="owner_id")
    campaign = IdFilter(field_name="campaign_id")

    class Meta:
        model = Lead
        fields = ["status", "tier", "owner", "source", "campaign"]


class LeadViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ServiceViewSet,
):
    """Leads of the organization. Lifecycle actions answer 409 when the lead's status does
    not allow them. ``?search=`` looks in name, email and company, ignoring case and accents."""

    queryset = Lead.objects.select_related("tier", "campaign")
    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    filter_backends = SEARCH_FILTER_BACKENDS
    # The same lookup as the pages' search (leads.selectors.leads.search_leads).
    search_fields = [f"{name}__search_contains" for name in lead_selectors.SEARCH_FIELDS]
    ordering_fields = ["created_at", "score", "sla_due_at", "id"]
    create_service = lifecycle.create_lead
    update_service = lifecycle.update_lead
    instance_arg = "lead"
    policy = {
        "create": "leads.create",
        "upsert": "leads.create",
        "batch": "leads.create",
        "update": "leads.update",
        "partial_update": "leads.update",
        "qualify": "leads.qualify",
        "accept": "leads.respond",
        "reject": "leads.respond",
        "convert": "leads.respond",
        "disqualify": "leads.disqualify",
        "resubmit": "leads.resubmit",
    }

    def get_serializer_class(self):
        if self.action == "retrieve":
            return LeadDetailSerializer
        return super().get_serializer_class()

    def create_arguments(self, data):
        # create_lead also serves capture and imports, where no member acts.
        return {"organization": self.membership.organization, "data": data}

    @extend_schema(
        request=LeadSerializer,
        responses={
            201: OpenApiResponse(LeadSerializer, _("A new email: the lead was created.")),
            200: OpenApiResponse(
                LeadSerializer, _("A known email: the values given were written.")
            ),
        },
    )
    @action(detail=False, methods=["post"])
    def upsert(self, request):
        """Create or update the lead with this email (ignoring case), by the CSV import's
        rule: values given overwrite, empty ones never erase."""
        data = LeadSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        lead, created = bulk.upsert_lead(by=self.membership, data=data.validated_data)
        body = LeadSerializer(self.response_row(lead), context=self.get_serializer_context())
        return Response(body.data, status=201 if created else 200)

    @extend_schema(request=BatchSerializer, responses=BatchResultSerializer)
    @action(detail=False, methods=["post"])
    def batch(self, request):
        """Create (or, ``mode: upsert``, create or update) up to 100 leads. The answer is 200
        with a result per item: valid items are written even when others are refused."""
        context = self.get_serializer_context()
        batch = BatchSerializer(data=request.data, context=context)
        batch.is_valid(raise_exception=True)
        items = batch.validated_data["leads"]
        results: list[dict] = [{"index": i, "status": 400, "id": None} for i in range(len(items))]
        valid: list[tuple[int, dict]] = []
        for index, item in enumerate(items):
            data = LeadSerializer(data=item, context=context)
            if data.is_valid():
                valid.append((index, data.validated_data))
            else:
                results[index]["errors"] = data.errors
        outcomes = bulk.write_leads(
            by=self.membership,
            items=[data for _index, data in valid],
            upsert=batch.validated_data["mode"] == "upsert",
        )
        for (index, _data), outcome in zip(valid, outcomes, strict=True):
            results[index].update(
                status=outcome.status,
                id=outcome.lead.pk if outcome.lead else None,
                errors=outcome.errors,
            )
        statuses = [result["status"] for result in results]
        body = {
            "created": statuses.count(201),
            "updated": statuses.count(200),
            "invalid": statuses.count(400),
            "results": results,
        }
        return Response(BatchResultSerializer(body).data)

    def _act(self, request, serializer_class, service):
        lead = self.get_object()
        data = serializer_class(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        lead = service(by=self.membership, lead=lead, **data.validated_data)
        return Response(LeadSerializer(lead, context=self.get_serializer_context()).data)

    @extend_schema(request=QualifySerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def qualify(self, request, pk=None):
        """``new → mql``: hand the lead to sales (owner given, or the next rep in turn)."""
        return self._act(request, QualifySerializer, lifecycle.qualify_lead)

    @extend_schema(request=NoteSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """``mql → accepted``."""
        return self._act(request, NoteSerializer, lifecycle.accept_lead)

    @extend_schema(request=RejectSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """``mql → rejected`` with a reason code; marketing sees reason and note."""
        return self._act(request, RejectSerializer, lifecycle.reject_lead)

    @extend_schema(request=ResubmitSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """``rejected → mql``: marketing corrected the lead (PATCH it first) and hands it to
        sales again with a note; a fresh response deadline starts. 409 unless rejected."""
        return self._act(request, ResubmitSerializer, lifecycle.resubmit_lead)

    @extend_schema(request=NoteSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def disqualify(self, request, pk=None):
        """Any open status → ``disqualified``."""
        return self._act(request, NoteSerializer, lifecycle.disqualify_lead)

    @extend_schema(request=ConvertSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """``accepted → converted``: company and contact found or created, a deal opened."""
        lead = self.get_object()
        data = ConvertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lifecycle.convert_lead(by=self.membership, lead=lead, **data.validated_data)
        lead.refresh_from_db()
        return Response(LeadSerializer(lead, context=self.get_serializer_context()).data)


ROUTES = [("leads", LeadViewSet, "lead")]
URLS: list = []
