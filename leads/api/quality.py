"""Lead-quality complaints: sales files one on a campaign or an import (``complaints.file``),
marketing answers it once (``answer/``, ``complaints.answer``). Everyone in the
organization reads them."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from collab_hub.api import IdFilter, ReadOnlyModelSerializer, TenantSerializer, TenantViewSet
from leads.models import (
    Campaign,
    ComplaintStatus,
    ImportBatch,
    Lead,
    QualityComplaint,
    RejectionReason,
)
from leads.services import quality


class ComplaintSerializer(ReadOnlyModelSerializer):
    example_leads: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    is_overdue = serializers.SerializerMethodField(
        help_text=_("Open and past the date marketing must answer by.")
    )

    class Meta:
        model = QualityComplaint
        fields = [
            "id", "campaign", "import_batch", "reason", "note", "example_leads", "filed_by",
            "filed_at", "due_at", "status", "is_overdue", "answer", "action_taken",
            "answered_by", "answered_at",
        ]  # fmt: skip

    def get_is_overdue(self, obj: QualityComplaint) -> bool:
        return obj.status == ComplaintStatus.OPEN and obj.due_at < timezone.now()


class FileComplaintSerializer(TenantSerializer):
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The campaign the leads came from (or give import_batch)."),
    )
    import_batch = serializers.PrimaryKeyRelatedField(
        queryset=ImportBatch.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The CSV import the leads came from (or give campaign)."),
    )
    reason = serializers.ChoiceField(choices=RejectionReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    # Leads the member may see: under "own" record visibility another member's lead is as
    # unknown as a missing one.
    example_leads = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Lead.objects.all(),
        required=False,
        help_text=_("Up to 50 leads of that campaign or import that show the problem."),
    )

    def validate_example_leads(self, value: list[Lead]) -> list[Lead]:
        if len(value) > quality.MAX_EXAMPLES:
            raise serializers.ValidationError(
                _("Give at most %(count)d example leads.") % {"count": quality.MAX_EXAMPLES}
            )
        return value

    def validate(self, attrs):
        if (attrs.get("campaign") is None) == (attrs.get("import_batch") is None):
            raise serializers.ValidationError(
                _("Name the campaign or the import the leads came from (one of them)."),
                code="campaign_or_import",
            )
        return attrs


class AnswerComplaintSerializer(TenantSerializer):
    answer = serializers.CharField(max_length=5000, help_text=_("What marketing found."))
    action_taken = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text=_("What changes now.")
    )


class ComplaintFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ComplaintStatus.choices)
    campaign = IdFilter(field_name="campaign_id")
    import_batch = IdFilter(field_name="import_batch_id")
    reason = django_filters.ChoiceFilter(choices=RejectionReason.choices)

    class Meta:
        model = QualityComplaint
        fields = ["status", "campaign", "import_batch", "reason"]


class QualityComplaintViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantViewSet
):
    """Lead-quality complaints. Sales files (``POST``: campaign or import_batch, reason,
    note, example_leads); marketing answers once (``answer/``; a second answer is a 409)."""

    queryset = QualityComplaint.objects.prefetch_related(
        Prefetch("example_leads", queryset=Lead.objects.only("pk"))
    )
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    ordering_fields = ["filed_at", "due_at", "id"]
    policy = {"create": "complaints.file", "answer": "complaints.answer"}

    @extend_schema(request=FileComplaintSerializer, responses={201: ComplaintSerializer})
    def create(self, request, *args, **kwargs):
        data = FileComplaintSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        complaint = quality.file_complaint(by=self.membership, **data.validated_data)
        complaint = self.get_queryset().get(pk=complaint.pk)
        return Response(self.get_serializer(complaint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerComplaintSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """``open → answered``: marketing's answer and the action taken; the filer is told."""
        complaint = self.get_object()
        data = AnswerComplaintSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quality.answer_complaint(by=self.membership, complaint=complaint, **data.validated_data)
        complaint = self.get_queryset().get(pk=complaint.pk)
        return Response(self.get_serializer(complaint).data)


ROUTES = [("quality-complaints", QualityComplaintViewSet, "quality-complaint")]
URLS: list = []
