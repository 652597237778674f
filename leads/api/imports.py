"""CSV import of leads: ``POST /api/v1/leads/import/`` (multipart field ``file``) → the
report; ``GET /api/v1/lead-imports/`` and ``/lead-imports/<id>/`` → past imports and their
stored reports (DESIGN §4)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.response import Response

from collab_hub.api import (
    ReadOnlyModelSerializer,
    ReadOnlySerializer,
    TenantSerializer,
    TenantViewSet,
)
from collab_hub.parsers import MultiPartParser
from leads.api.capture import ConfiguredRateThrottle
from leads.models import ImportBatch
from leads.services import imports


class LeadImportThrottle(ConfiguredRateThrottle):
    """Imports per user: each one may write a hundred thousand rows."""

    scope = "lead_import"
    default_rate = "20/hour"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.method in ("GET", "HEAD", "OPTIONS") or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ImportUploadSerializer(TenantSerializer):
    # An empty file reaches the import, which says so in its own words.
    file = serializers.FileField(
        allow_empty_file=True,
        help_text=_(
            "A CSV file: comma, semicolon, tab or | separated; UTF-8 (with or without BOM), "
            "UTF-16, Windows-1250 or Windows-1252. The first row names the columns."
        ),
    )


class ImportErrorSerializer(ReadOnlySerializer):
    row = serializers.IntegerField(help_text=_("Spreadsheet row number; the header is row 1."))
    column = serializers.CharField(
        allow_blank=True, help_text=_("The column's name in the file; empty for the whole row.")
    )
    message = serializers.CharField()


class ImportBatchSerializer(ReadOnlyModelSerializer):
    """A past import as stored: counts and, in detail, the invalid rows' messages."""

    created = serializers.IntegerField(source="created_count")
    updated = serializers.IntegerField(source="updated_count")
    invalid_rows = serializers.IntegerField(source="error_count")
    errors = ImportErrorSerializer(many=True)  # type: ignore[assignment]  # a declared field, moved off the class by DRF's metaclass
    error_rows_not_shown = serializers.SerializerMethodField(
        help_text=_("Invalid rows beyond the first 1000, counted but without messages.")
    )

    class Meta:
        model = ImportBatch
        fields = [
            "id", "file_name", "uploaded_by", "created_at", "rows", "created", "updated",
            "invalid_rows", "errors", "error_rows_not_shown",
        ]  # fmt: skip

    @extend_schema_field(OpenApiTypes.INT)
    def get_error_rows_not_shown(self, batch: ImportBatch) -> int:
        return imports.error_rows_not_shown(batch)


class ImportBatchListSerializer(ImportBatchSerializer):
    class Meta(ImportBatchSerializer.Meta):
        fields = [f for f in ImportBatchSerializer.Meta.fields if f != "errors"]


class ImportReportSerializer(ImportBatchSerializer):
    """The answer to an upload: the stored report plus what was understood of the file."""

    batch = serializers.IntegerField(source="pk", help_text=_("The import's id."))
    ignored_columns = serializers.ListField(
        child=serializers.CharField(), help_text=_("Columns of the file that were not understood.")
    )
    columns = serializers.DictField(
        child=serializers.CharField(), help_text=_("Each understood column → the lead field.")
    )
    encoding = serializers.CharField()
    delimiter = serializers.CharField()
    qualified = serializers.IntegerField(
        help_text=_("Leads qualified at once (the organization qualifies automatically).")
    )

    class Meta(ImportBatchSerializer.Meta):
        fields = [
            "batch", *ImportBatchSerializer.Meta.fields, "ignored_columns", "columns",
            "encoding", "delimiter", "qualified",
        ]  # fmt: skip


class LeadImportViewSet(TenantViewSet):
    """Upload a CSV of leads (marketing, managers, admins). Every row is created, updated
    (same email in the organization) or reported with its row number, column and message;
    a file that cannot be read as a whole is a 400 with the reason."""

    queryset = ImportBatch.objects.all()
    serializer_class = ImportUploadSerializer
    parser_classes = [MultiPartParser]
    throttle_classes = [LeadImportThrottle]
    policy = {"create": "leads.import"}

    @extend_schema(
        operation_id="leads_import",
        tags=["leads"],
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            201: OpenApiResponse(ImportReportSerializer, _("Imported; the report.")),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                _(
                    "No file, or a file that cannot be imported (empty, not text, unknown "
                    "columns, no email column): detail and code."
                ),
            ),
        },
    )
    def create(self, request: Any) -> Response:
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        batch = imports.import_leads(by=self.membership, file=file, file_name=file.name or "")
        return Response(ImportReportSerializer(batch).data, status=201)


class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Past imports of the organization, newest first; the detail carries the errors."""

    queryset = ImportBatch.objects.all()
    serializer_class = ImportBatchSerializer
    ordering_fields = ["created_at", "id"]

    def get_serializer_class(self):
        return ImportBatchListSerializer if self.action == "list" else ImportBatchSerializer


ROUTES = [("lead-imports", ImportBatchViewSet, "lead-import")]
URLS = [
    path(
        "leads/import/",
        LeadImportViewSet.as_view({"post": "create"}),
        name="api-lead-import",
    )
]
