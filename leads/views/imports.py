"""Browser pages: upload a CSV of leads, past imports, one import's report and its errors
as a CSV download.

Everyone in the organization may read imports (sales files quality complaints about them);
only who may ``leads.import`` (marketing, managers, admins) sees and uses the upload form.
"""

from __future__ import annotations

import csv
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.policy import can
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import TenantRequest, scoped, tenant_object_or_404, tenant_view
from leads.api.imports import LeadImportThrottle
from leads.forms import ImportForm
from leads.models import ImportBatch
from leads.services import imports

PAGE_SIZE = 50


def _batch_rows() -> QuerySet[ImportBatch]:
    """Imports with their uploader. Unscoped: read them through ``scoped`` /
    ``tenant_object_or_404``."""
    return ImportBatch.objects.select_related("uploaded_by__user")


def _throttled(request: TenantRequest) -> int | None:
    """Seconds to wait when the member uploaded too many files lately (as the API counts)."""
    throttle = LeadImportThrottle()
    if throttle.allow_request(request, None):
        return None
    return int((throttle.wait() or 0) + 0.999)


@tenant_view
def lead_import(request: TenantRequest) -> HttpResponse:
    """The upload form; a successful import goes to its report."""
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
                batch = imports.import_leads(
                    by=request.membership, file=upload, file_name=upload.name or ""
                )
            except DomainError as error:
                form.add_error("file", error.message)
                status = 400
            else:
                _report_messages(request, batch)
                return redirect("leads:lead_import_detail", pk=batch.pk)
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "columns": imports.accepted_columns(),
        "recent": scoped(request, _batch_rows()).defer("errors")[:5],
    }
    return render(request, "leads/imports/upload.html", context, status=status)


def _report_messages(request: TenantRequest, batch: ImportBatch) -> None:
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
    if batch.ignored_columns:
        messages.warning(
            request,
            ngettext(
                "This column was not understood and was ignored: %(columns)s.",
                "These columns were not understood and were ignored: %(columns)s.",
                len(batch.ignored_columns),
            )
            % {"columns": ", ".join(batch.ignored_columns)},
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
    """Past imports, newest first."""
    batches = scoped(request, _batch_rows()).defer("errors").order_by("-created_at", "-pk")
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "can_import": can(request.membership, "leads.import")}
    return render(request, "leads/imports/list.html", context)


@tenant_view
def lead_import_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """One import's report: counts and every stored invalid row."""
    batch = tenant_object_or_404(request, _batch_rows(), pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    context = {
        "batch": batch,
        "not_shown": imports.error_rows_not_shown(batch),
        "can_import": can(request.membership, "leads.import"),
    }
    return render(request, "leads/imports/detail.html", context)


def _cell(value: object) -> str:
    """A value safe to open in a spreadsheet: text a spreadsheet would run as a formula is
    prefixed with an apostrophe (column names and values come from uploaded files)."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@tenant_view
def lead_import_errors(request: TenantRequest, pk: int) -> HttpResponse:
    """The invalid rows of an import as a CSV file, in the separator the reader's Excel
    expects (``;`` in Polish, ``,`` otherwise), UTF-8 with a BOM so Excel reads accents."""
    batch = tenant_object_or_404(request, _batch_rows(), pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    delimiter = ";" if (get_language() or "").startswith("pl") else ","
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stem = PurePath(batch.file_name).stem or "import"
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{stem}-errors.csv"
    )
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=delimiter)
    writer.writerow([_("Row"), _("Column"), _("Message")])
    for entry in batch.errors or []:
        writer.writerow([entry["row"], _cell(entry["column"]), _cell(entry["message"])])
    not_shown = imports.error_rows_not_shown(batch)
    if not_shown:
        writer.writerow(
            ["", "", _("… and %(count)d more rows with errors.") % {"count": not_shown}]
        )
    return response


urlpatterns = [
    path("leads/import/", lead_import, name="lead_import"),
    path("leads/imports/", lead_import_list, name="lead_import_list"),
    path("leads/imports/<int:pk>/", lead_import_detail, name="lead_import_detail"),
    path("leads/imports/<int:pk>/errors.csv", lead_import_errors, name="lead_import_errors"),
]
