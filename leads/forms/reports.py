"""The report pages' range form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from leads.api.reports import validate_range
from leads.forms.fields import DateInput


class ReportRangeForm(forms.Form):
    """The report's date range (``end`` not included) and grouping; blank: last 90 days.

    ``organization`` decides the range's limits (the same check as the reports API)."""

    # ISO values in every language: <input type=date> shows nothing for "04.09.2026".
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Before (not included)"), required=False, widget=DateInput())
    group_by = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[("source", _("Source")), ("campaign", _("Campaign"))],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        try:
            checked = validate_range(
                {"start": data.get("start"), "end": data.get("end")}, self.organization
            )
        except serializers.ValidationError as error:
            # validate_range names the field; a bare message would be the form's own error.
            detail = error.detail if isinstance(error.detail, dict) else {None: error.detail}
            for field, messages in detail.items():
                for message in messages if isinstance(messages, list) else [messages]:
                    self.add_error(field, str(message))
            return data
        data.update(start=checked["start"], end=checked["end"])
        data["group_by"] = data.get("group_by") or "source"
        return data
