"""Browser pages: upload a CSV of leads, past imports, one import's progress and report
(polled with htmx while it runs), resuming a failed import, and its errors as a CSV
download.

Everyone in the organization may read imports (sales files quality complaints about them);
only who may ``leads.import`` (marketing, managers, admins) sees and uses the upload form
and the resume button.
"""

from __future__ import annotations

import csv
import io
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.policy import can
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import TenantRequest, scoped, tenant_object_or_404, tenant_view
from leads.api.imports import LeadImportThrottle
from leads.forms import ImportForm
from leads.models import ImportBatch, ImportStatus
from leads.services import imports

PAGE_SIZE = 50
# The HTTP names of the encodings an import reads (``imports.detect_encoding``).
CHARSETS = {
    "utf-8-sig": "utf-8",
    "utf-16": "utf-16",
    "utf-32": "utf-32",
    "cp1250": "windows-1250",
    "cp1252": "windows-1252",
}
# Seconds between two looks at a running import's progress.
POLL_SECONDS = 2


def _batch_rows() -> QuerySet[ImportBatch]:
    """Imports with their uploader. Unscoped: read them through ``scoped`` /
    ``tenant_object_or_404``."""
    return ImportBatch.objects.select_related("uploaded_by__user")


def _see_other(url: str) -> HttpResponse:
    """303: the browser GETs the import's page after a POST (a reload does not repost)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _throttled(request: TenantRequest) -> int | None:
    """Seconds to wait when the member uploaded too many files lately (as the API counts)."""
    throttle = LeadImportThrottle()
    if throttle.allow_request(request, None):
        return None
    return int((throttle.wait() or 0) + 0.999)


@tenant_view
def lead_import(request: TenantRequest) -> HttpResponse:
    """The upload form. A stored file goes to its import's page, where the progress shows:
    an htmx upload is answered 202 with ``HX-Redirect``, a plain form post 303."""
    if not can(request.membership, "leads.import"):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        wait = _throttled(request)
        if wait is not None:
            form.add_error(
                "file",
                _("Too many imports in a short time; try again in %(minutes)d minutes.")
                % {"minutes": max(1, wait // 60)},
            )
            status = 429
        else:
            upload = form.cleaned_data["file"]
            try:
                batch = imports.start_import(
                    by=request.membership, file=upload, file_name=upload.name or ""
                )
            except DomainError as error:
                form.add_error("file", error.message)
                status = 400
            else:
                batch.refresh_from_db()
                if batch.is_finished:
                    _report_messages(request, batch)
                else:
                    messages.info(
                        request,
                        _("%(file)s is uploaded and being imported; this page shows the progress.")
                        % {"file": batch.file_name},
                    )
                if request.htmx:
                    response = HttpResponse(status=202)
                    response["HX-Redirect"] = batch.get_absolute_url()
                    return response
                return _see_other(batch.get_absolute_url())
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "columns": imports.accepted_columns(),
        "recent": scoped(request, _batch_rows()).defer("errors", "repeated")[:5],
    }
    return render(request, "leads/imports/upload.html", context, status=status)


def _report_messages(request: TenantRequest, batch: ImportBatch) -> None:
    if batch.status == ImportStatus.FAILED:
        messages.error(
            request, _("%(file)s could not be imported to the end.") % {"file": batch.file_name}
        )
        return
    messages.success(
        request,
        _("%(file)s imported: %(created)s created, %(updated)s updated, %(invalid)s with errors.")
        % {
            "file": batch.file_name,
            "created": batch.created_count,
            "updated": batch.updated_count,
            "invalid": batch.error_count,
        },
    )
    if batch.qualified:
        messages.info(
            request,
            ngettext(
                "%(count)d lead reached the MQL threshold and went to sales.",
                "%(count)d leads reached the MQL threshold and went to sales.",
                batch.qualified,
            )
            % {"count": batch.qualified},
        )


@tenant_view
def lead_import_list(request: TenantRequest) -> HttpResponse:
    """Past and running imports, newest first."""
    batches = (
        scoped(request, _batch_rows()).defer("errors", "repeated").order_by("-created_at", "-pk")
    )
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "can_import": can(request.membership, "leads.import")}
    return render(request, "leads/imports/list.html", context)


@tenant_view
def lead_import_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """One import: its progress while queued or running (the page polls its ``report``
    partial every ``POLL_SECONDS`` and stops once done or failed), then the report."""
    batch = tenant_object_or_404(request, _batch_rows(), pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    context = {
        "batch": batch,
        "not_shown": imports.error_rows_not_shown(batch),
        "can_import": can(request.membership, "leads.import"),
        "poll_seconds": POLL_SECONDS,
        "encoding_name": imports.ENCODING_NAMES.get(batch.encoding, batch.encoding),
    }
    template = "leads/imports/detail.html"
    return render(request, f"{template}#report" if request.htmx else template, context)


@tenant_view
def lead_import_resume(request: TenantRequest, pk: int) -> HttpResponse:
    """Continue a failed import from its last committed row (POST)."""
    batch = tenant_object_or_404(request, _batch_rows(), pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not can(request.membership, "leads.import"):
        raise PermissionDenied
    try:
        imports.resume_import(by=request.membership, batch=batch)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.info(
            request, _("The import continues from row %(row)d.") % {"row": batch.records_done + 2}
        )
    return _see_other(batch.get_absolute_url())


def _cell(value: object) -> str:
    """A value safe to open in a spreadsheet: text a spreadsheet would run as a formula is
    prefixed with an apostrophe (column names and values come from uploaded files)."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def error_file_format(batch: ImportBatch) -> tuple[str, str]:
    """``(delimiter, encoding)`` of the errors download: the uploaded file's, so the
    spreadsheet that saved it opens the errors the same way (Polish Excel: ``;`` and
    Windows-1250). UTF-8 gets a byte-order mark (Excel needs it to read accents). A file
    with a single column (no delimiter to copy) or an import from before files were kept:
    ``;`` for Polish readers, ``,`` otherwise, in UTF-8."""
    single_column = len(batch.columns) + len(batch.ignored_columns) <= 1
    if batch.delimiter and not single_column:
        delimiter = batch.delimiter
    else:
        delimiter = ";" if (get_language() or "").startswith("pl") else ","
    encoding = batch.encoding or "utf-8"
    if encoding in ("utf-8", "utf-8-sig"):
        encoding = "utf-8-sig"
    return delimiter, encoding


@tenant_view
def lead_import_errors(request: TenantRequest, pk: int) -> HttpResponse:
    """The invalid and repeated rows of an import as a CSV file, in the uploaded file's
    delimiter and encoding (``error_file_format``)."""
    batch = tenant_object_or_404(request, _batch_rows(), pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    delimiter, encoding = error_file_format(batch)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow([_("Row"), _("Column"), _("Message")])
    entries = sorted([*(batch.errors or []), *(batch.repeated or [])], key=lambda e: e["row"])
    for entry in entries:
        writer.writerow([entry["row"], _cell(entry["column"]), _cell(entry["message"])])
    not_shown = imports.error_rows_not_shown(batch)
    if not_shown:
        writer.writerow(
            ["", "", _("… and %(count)d more rows with errors.") % {"count": not_shown}]
        )
    # Characters the file's encoding lacks (a Polish message in a Windows-1252 file) are
    # written as "?" rather than failing the download.
    body = text.getvalue().encode(encoding, errors="replace")
    charset = CHARSETS.get(encoding, encoding)
    response = HttpResponse(body, content_type=f"text/csv; charset={charset}")
    stem = PurePath(batch.file_name).stem or "import"
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{stem}-errors.csv"
    )
    return response


urlpatterns = [
    path("leads/import/", lead_import, name="lead_import"),
    path("leads/imports/", lead_import_list, name="lead_import_list"),
    path("leads/imports/<int:pk>/", lead_import_detail, name="lead_import_detail"),
    path("leads/imports/<int:pk>/resume/", lead_import_resume, name="lead_import_resume"),
    path("leads/imports/<int:pk>/errors.csv", lead_import_errors, name="lead_import_errors"),
]
