"""Browser pages: the lead-quality report and the two-sided SLA scorecard (managers and
admins, ``reports.view``; 403 otherwise). Thin: a form checks the range, the selectors in
``leads.selectors.reports`` compute every figure, charts read them from ``json_script``."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from rest_framework import serializers

from accounts.policy import can
from collab_hub.tenancy import TenantRequest, tenant_view
from leads.api.reports import parse_month
from leads.forms import ReportRangeForm
from leads.selectors import reports


def _require_reports(request: TenantRequest) -> None:
    if not can(request.membership, "reports.view"):
        raise PermissionDenied


@tenant_view
def lead_quality_report(request: TenantRequest) -> HttpResponse:
    """Lead quality per source or campaign over a date range: the table, two charts, and per
    campaign a way to file a quality complaint."""
    _require_reports(request)
    organization = request.organization
    form = ReportRangeForm(request.GET or None, organization=organization)
    start, end = reports.default_range(organization)
    group_by = "source"
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        group_by = form.cleaned_data["group_by"]
    if not form.errors:
        # Show the range actually reported, defaults filled in.
        form = ReportRangeForm(
            initial={"start": start, "end": end, "group_by": group_by}, organization=organization
        )
    rows, totals = reports.split_totals(
        reports.lead_quality_report(
            organization=organization, start=start, end=end, group_by=group_by
        )
    )
    context = {
        "form": form,
        "start": start,
        "end": end,
        "group_by": group_by,
        "rows": rows,
        "totals": totals,
        "reasons": _reason_columns(),
        "chart_data": reports.lead_quality_chart_data(rows),
        "can_file": can(request.membership, "complaints.file"),
    }
    template = "leads/reports/lead_quality.html"
    if request.htmx:
        template += "#report"
    return render(request, template, context)


def _reason_columns() -> list[tuple[str, str]]:
    from leads.models import RejectionReason

    return list(RejectionReason.choices)


@tenant_view
def lead_scorecard(request: TenantRequest) -> HttpResponse:
    """Both sides of the sales ↔ marketing SLA for a month (``?month=YYYY-MM``, default the
    current one): MQLs delivered per tier against target, and each rep's responses."""
    _require_reports(request)
    organization = request.organization
    month = reports.local_today(organization).replace(day=1)
    error = None
    if request.GET.get("month"):
        try:
            month = parse_month(request.GET["month"])
        except serializers.ValidationError as exc:
            error = exc.detail[0]
    scorecard = reports.sla_scorecard(organization=organization, month=month)
    first = month.replace(day=1)
    context = {
        "scorecard": scorecard,
        "month": month,
        "month_value": f"{month:%Y-%m}",
        "previous_month": _shift(first, -1),
        "next_month": _shift(first, 1),
        "month_error": error,
        "reasons": _reason_columns(),
        "chart_data": reports.scorecard_chart_data(scorecard),
        # "No tiers yet" links those who may to the admin's add-tier page.
        "can_manage_tiers": can(request.membership, "tiers.manage"),
    }
    return render(request, "leads/reports/scorecard.html", context)


def _shift(first: date, months: int) -> str:
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


urlpatterns = [
    path("reports/lead-quality/", lead_quality_report, name="lead_quality_report"),
    path("reports/scorecard/", lead_scorecard, name="lead_scorecard"),
]
