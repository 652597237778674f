"""Forms of the collateral library and content requests: the library's filters, an asset
(upload or link, tagged by tier and stage), asking for material, and marketing's complete /
decline answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab_hub.tenancy import TenantFormMixin
from leads import files
from leads.forms.fields import DateInput
from leads.models import Collateral, Deal, DealStage, Tier

# Largest collateral upload accepted from the page (bytes); the API has the same limit.
MAX_UPLOAD_BYTES = 25 * 1024 * 1024

STAGE_CHOICES = [(stage.value, stage.label) for stage in DealStage]


class LibraryFilterForm(TenantFormMixin, forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    tier = forms.ModelChoiceField(
        label=gettext_lazy("Tier"),
        queryset=Tier.objects.order_by("rank"),
        required=False,
        empty_label=gettext_lazy("Any tier"),
    )
    stage = forms.ChoiceField(
        label=gettext_lazy("Deal stage"),
        required=False,
        choices=[("", gettext_lazy("Any stage")), *STAGE_CHOICES],
    )
    archived = forms.BooleanField(label=gettext_lazy("Archived"), required=False)


class CollateralForm(TenantFormMixin, forms.Form):
    """An asset: a file, a link or both (``has_file``: the asset being edited keeps a file),
    tagged by tier and deal stage."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        help_text=gettext_lazy(
            "Up to 25 MB: PDF, images (PNG, JPEG, GIF, WebP), Word, Excel or PowerPoint "
            "(.docx, .xlsx, .pptx), ZIP, text or CSV. PDF and images open in the browser, "
            "the others download."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{ext}" for ext in files.allowed_extensions())}
        ),
    )
    url = forms.URLField(
        label=gettext_lazy("Link"),
        required=False,
        assume_scheme="https",
        max_length=200,
        help_text=gettext_lazy("Upload a file, give a link, or both."),
    )
    tiers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Tiers"),
        queryset=Tier.objects.order_by("rank"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None: for every tier."),
    )
    stages = forms.MultipleChoiceField(
        label=gettext_lazy("Deal stages"),
        choices=STAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None: for every stage."),
    )

    def __init__(self, *args: Any, has_file: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_file = has_file

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20}
            )
        # The type allow-list is the service's rule (``leads.files.check_upload``); the view
        # shows its refusal on this field.
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("file") and not data.get("url") and not self.has_file:
            self.add_error("url", _("Upload a file or give a link."))
        return data


class ContentRequestForm(TenantFormMixin, forms.Form):
    title = forms.CharField(label=gettext_lazy("What do you need?"), max_length=200)
    need = forms.CharField(
        label=gettext_lazy("Details: for whom, why, what it must say"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    due_date = forms.DateField(
        label=gettext_lazy("Needed by"),
        required=False,
        widget=DateInput(),
    )
    deal = forms.ModelChoiceField(
        queryset=Deal.objects.all(), required=False, widget=forms.HiddenInput
    )
    tier = forms.ModelChoiceField(
        label=gettext_lazy("Tier"),
        queryset=Tier.objects.all(),
        required=False,
        help_text=gettext_lazy("With a deal: the deal's tier unless you choose one."),
    )
    stage = forms.ChoiceField(
        label=gettext_lazy("Deal stage"),
        required=False,
        choices=[("", "—"), *STAGE_CHOICES],
    )


class CompleteForm(TenantFormMixin, forms.Form):
    collateral = forms.ModelChoiceField(queryset=Collateral.objects.all(), required=False)
    note = forms.CharField(required=False, max_length=5000)


class DeclineForm(TenantFormMixin, forms.Form):
    """Takes ``membership=`` like the other content-request action forms (it chooses no rows)."""

    reason = forms.CharField(
        max_length=5000,
        error_messages={"required": gettext_lazy("Say why the request is declined.")},
    )
