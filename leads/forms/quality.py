"""Forms of the lead-quality complaint pages: filing one (sales) and answering it
(marketing)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab_hub.tenancy import TenantFormMixin
from leads.models import Campaign, ImportBatch, Lead, RejectionReason


class ComplaintForm(TenantFormMixin, forms.Form):
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("Campaign"), queryset=Campaign.objects.order_by("name"), required=False
    )
    import_batch = forms.ModelChoiceField(
        label=gettext_lazy("Import"), queryset=ImportBatch.objects.all(), required=False
    )
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=RejectionReason.choices)
    note = forms.CharField(
        label=gettext_lazy("What is wrong with these leads?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Any lead the filer can see; the service checks that each comes from the chosen
    # campaign or import.
    example_leads = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Example leads"),
        queryset=Lead.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (data.get("campaign") is None) == (data.get("import_batch") is None):
            raise forms.ValidationError(
                _("Name the campaign or the import the leads came from (one of them).")
            )
        return data


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    action_taken = forms.CharField(
        label=gettext_lazy("Action taken"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
