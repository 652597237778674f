"""Browser page: collaboration health per department pair (managers and admins,
``feedback.results``; 403 otherwise). Thin: the period form checks the range (the reports'
limits and defaults), ``feedback.selectors.health`` computes every figure — the survey part
only from cells above each round's anonymity floor — and the chart reads them from
``json_script``."""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format

from collab_hub.tenancy import TenantRequest, require_page, tenant_view
from feedback.forms.health import HealthPeriodForm
from feedback.selectors import health
from leads.selectors.reports import default_range

TEMPLATE = "feedback/health/health.html"


def _period(request: TenantRequest) -> tuple[HealthPeriodForm, date, date]:
    """The form and the period it asks for (the last 90 days when blank or invalid)."""
    organization = request.organization
    form = HealthPeriodForm(request.GET or None, organization=organization)
    start, end = default_range(organization)
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    if not form.errors:
        # Show the period actually reported, defaults filled in.
        form = HealthPeriodForm(initial={"start": start, "end": end}, organization=organization)
    return form, start, end


@tenant_view
def collaboration_health(request: TenantRequest) -> HttpResponse:
    """One card per department pair (health with its band, the survey and operational
    halves, every signal with its raw value, score and formula) and the health by month of
    every pair as a line chart."""
    require_page(request, "feedback.results")
    form, start, end = _period(request)
    report = health.collaboration_health(request.organization.pk, start, end)
    labels = [date_format(month, "YEAR_MONTH_FORMAT") for month in report.months]
    context = {
        "form": form,
        "start": start,
        "end": end,
        "report": report,
        "has_figures": any(pair.health is not None for pair in report.pairs),
        "chart_data": health.health_chart_data(report, labels),
    }
    return render(request, f"{TEMPLATE}#report" if request.htmx else TEMPLATE, context)
