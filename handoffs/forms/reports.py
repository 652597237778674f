"""The report pages' period form: the leads reports' range (the same limits and defaults as
the API), without their grouping."""

from __future__ import annotations

from typing import Any

from leads.forms import ReportRangeForm


class PeriodForm(ReportRangeForm):
    """``start`` and ``end`` (not included); blank: the last 90 days."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["group_by"]
