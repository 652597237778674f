"""CSV import of leads as a background job (DESIGN §6): ``POST /api/v1/leads/import/``
(multipart field ``file``) → 202 and the import batch (``queued → running → done |
failed``); ``GET /api/v1/leads/imports/`` and ``/leads/imports/<id>/`` → the batches, their
progress and report; ``POST /api/v1/leads/imports/<id>/resume/`` continues a failed one."""

from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
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


class ImportRepeatSerializer(ImportErrorSerializer):
    first_row = serializers.IntegerField(
        help_text=_("The earlier row with the same email (this later row's values won).")
    )


class ImportBatchSerializer(ReadOnlyModelSerializer):
    """An import: its status and progress, what was read of the file, and its report (in
    detail, the invalid and repeated rows' messages)."""

    url = serializers.SerializerMethodField(help_text=_("The import's page."))
    created = serializers.IntegerField(source="created_count")
    updated = serializers.IntegerField(source="updated_count")
    repeated_rows = serializers.IntegerField(
        source="repeated_count",
        help_text=_("Rows whose email an earlier row of the file had (the later row wins)."),
    )
    invalid_rows = serializers.IntegerField(source="error_count")
    progress = serializers.IntegerField(help_text=_("Percent of the file's records done."))
    total_records = serializers.IntegerField(
        allow_null=True,
        help_text=_("Records after the header (blank ones included); null until counted."),
    )
    records_done = serializers.IntegerField(
        help_text=_("Records committed so far; a resumed import continues after them.")
    )
    columns = serializers.DictField(
        child=serializers.CharField(), help_text=_("Each understood column → the lead field.")
    )
    ignored_columns = serializers.ListField(
        child=serializers.CharField(), help_text=_("Columns of the file that were not understood.")
    )
    errors = ImportErrorSerializer(many=True)  # type: ignore[assignment]  # a declared field, moved off the class by DRF's metaclass
    repeated = ImportRepeatSerializer(many=True)
    error_rows_not_shown = serializers.SerializerMethodField(
        help_text=_("Invalid rows beyond the first 1000, counted but without messages.")
    )
    failure = serializers.CharField(help_text=_("Why a failed import stopped."))

    class Meta:
        model = ImportBatch
        fields = [
            "id", "url", "file_name", "status", "uploaded_by", "created_at", "started_at",
            "finished_at", "heartbeat_at", "progress", "total_records", "records_done", "rows",
            "created", "updated", "repeated_rows", "invalid_rows", "qualified", "encoding",
            "delimiter", "columns", "ignored_columns", "errors", "repeated",
            "error_rows_not_shown", "failure",
        ]  # fmt: skip

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, batch: ImportBatch) -> str:
        return batch.get_absolute_url()

    @extend_schema_field(OpenApiTypes.INT)
    def get_error_rows_not_shown(self, batch: ImportBatch) -> int:
        return imports.error_rows_not_shown(batch)


class ImportBatchListSerializer(ImportBatchSerializer):
    class Meta(ImportBatchSerializer.Meta):
        fields = [f for f in ImportBatchSerializer.Meta.fields if f not in ("errors", "repeated")]


def _accepted(batch: ImportBatch) -> Response:
    batch.refresh_from_db()
    response = Response(ImportBatchSerializer(batch).data, status=202)
    response["Location"] = reverse("lead-import-detail", args=[batch.pk])
    return response


class LeadImportViewSet(TenantViewSet):
    """Upload a CSV of leads (marketing, managers, admins). The file is checked as a whole
    (a file that cannot be read is a 400 with the reason) and stored; the answer is 202 with
    the import batch, which imports in the background (small files before the answer).
    Every row is then created, updated (same email in the organization), reported as
    repeated in the file, or reported invalid with its row number, column and message."""

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
            202: OpenApiResponse(
                ImportBatchSerializer,
                _("Stored and queued (or already done, for a small file): the import batch."),
            ),
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
        batch = imports.start_import(by=self.membership, file=file, file_name=file.name or "")
        return _accepted(batch)


class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The organization's imports, newest first: status, progress and report; the detail
    carries the invalid and repeated rows."""

    queryset = ImportBatch.objects.select_related("uploaded_by")
    serializer_class = ImportBatchSerializer
    ordering_fields = ["created_at", "id"]
    policy = {"resume": "leads.import"}

    def get_serializer_class(self):
        return ImportBatchListSerializer if self.action == "list" else ImportBatchSerializer

    @extend_schema(
        request=None,
        responses={
            202: OpenApiResponse(ImportBatchSerializer, _("Queued again: the import batch.")),
            409: OpenApiResponse(
                OpenApiTypes.OBJECT, _("The import has not failed (code import_not_failed).")
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def resume(self, request: Any, pk: Any = None) -> Response:
        """Continue a failed import from its last committed row (nothing is imported twice)."""
        batch = imports.resume_import(by=self.membership, batch=self.get_object())
        return _accepted(batch)


ROUTES = [("leads/imports", ImportBatchViewSet, "lead-import")]
URLS = [
    path(
        "leads/import/",
        LeadImportViewSet.as_view({"post": "create"}),
        name="api-lead-import",
    )
]
