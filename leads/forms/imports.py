"""The lead import's upload form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        allow_empty_file=True,
        help_text=gettext_lazy(
            "Comma, semicolon, tab or | separated, as Excel, LibreOffice or Google Sheets save "
            "it (UTF-8, UTF-16 or Windows encodings). The first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )
