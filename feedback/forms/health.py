"""The collaboration-health page's period form: the reports' period (the same limits and
defaults as the API), as the handoff reports take it."""

from __future__ import annotations

from handoffs.forms.reports import PeriodForm


class HealthPeriodForm(PeriodForm):
    """``start`` and ``end`` (not included); blank: the last 90 days."""
