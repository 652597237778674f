"""Browser pages: the surprise-rate report and the upsell-conversion report (managers and
admins, ``reports.view``; 403 otherwise). Thin: the period form checks the range (the leads
reports' limits and defaults), ``handoffs.selectors.reports`` computes every figure, the
charts read them from ``json_script``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from collab_hub.tenancy import TenantRequest, require_page, tenant_view
from handoffs.forms.reports import PeriodForm
from handoffs.selectors import reports
from leads.selectors.reports import default_range


def _period(request: TenantRequest) -> tuple[PeriodForm, date, date]:
    """The form and the period it asks for (the last 90 days when blank or invalid)."""
    organization = request.organization
    form = PeriodForm(request.GET or None, organization=organization)
    start, end = default_range(organization)
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    if not form.errors:
        # Show the period actually reported, defaults filled in.
        form = PeriodForm(initial={"start": start, "end": end}, organization=organization)
    return form, start, end


def _render(request: TenantRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"{template}#report" if request.htmx else template, context)


@tenant_view
def surprise_report(request: TenantRequest) -> HttpResponse:
    """The surprise rate of the handoffs accepted in the period: overall, per sales owner,
    and its monthly trend as a chart."""
    require_page(request, "reports.view")
    form, start, end = _period(request)
    report = reports.surprise_rate(organization_id=request.organization.pk, start=start, end=end)
    labels = [date_format(row.month, "YEAR_MONTH_FORMAT") for row in report.by_month]
    context = {
        "form": form,
        "start": start,
        "end": end,
        "report": report,
        "chart_data": {
            **reports.surprise_chart_data(report, labels),
            "rate_label": _("Surprise rate (%)"),
            "accepted_label": _("Handoffs accepted"),
        },
    }
    return _render(request, "handoffs/reports/surprise.html", context)


@tenant_view
def upsell_report(request: TenantRequest) -> HttpResponse:
    """The conversion of the upsell signals raised in the period: raised → accepted → won,
    value won, median time to accept, per CS member and per sales owner with the credited
    value, and the funnel as a chart."""
    require_page(request, "reports.view")
    form, start, end = _period(request)
    report = reports.upsell_conversion(
        organization_id=request.organization.pk, start=start, end=end
    )
    steps = {"raised": _("Raised"), "accepted": _("Accepted"), "won": _("Won")}
    context = {
        "form": form,
        "start": start,
        "end": end,
        "report": report,
        "chart_data": {
            **reports.conversion_chart_data(report, steps),
            "label": _("Signals"),
        },
    }
    return _render(request, "handoffs/reports/upsell.html", context)
