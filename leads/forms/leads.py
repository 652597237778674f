"""Forms of the lead pages: the list's filters, a new lead, qualify / reject / disqualify /
convert, and campaigns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from collab_hub.tenancy import TenantFormMixin
from leads.forms.fields import CountryField, DateInput, MemberChoiceField, sales_members
from leads.models import Campaign, Lead, LeadSource, LeadStatus, RejectionReason, Tier

if TYPE_CHECKING:
    _LeadModelForm = forms.ModelForm[Lead]
    _CampaignModelForm = forms.ModelForm[Campaign]
else:
    # ModelForm is generic only in the stubs: not subscriptable at run time.
    _LeadModelForm = _CampaignModelForm = forms.ModelForm


class LeadFilterForm(TenantFormMixin, forms.Form):
    """The lead list's filters (GET). Invalid values are ignored rather than failing the page."""

    search = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, email or company")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *LeadStatus.choices]
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        required=False,
        queryset=Tier.objects.order_by("rank"),
        empty_label=_("Any tier"),
    )
    owner = MemberChoiceField(
        label=_("Sales owner"),
        required=False,
        queryset=sales_members(),
        empty_label=_("Anyone"),
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any source")), *LeadSource.choices]
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        required=False,
        queryset=Campaign.objects.order_by("name"),
        empty_label=_("Any campaign"),
    )
    created_after = forms.DateField(label=_("Created from"), required=False, widget=DateInput())
    created_before = forms.DateField(label=_("Created until"), required=False, widget=DateInput())

    def filters(self) -> dict[str, Any]:
        """The valid filters; a field with a bad value is dropped, the others still apply."""
        self.is_valid()
        return {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if value not in (None, "")
        }


class LeadForm(TenantFormMixin, _LeadModelForm):
    """A lead typed in by hand (marketing or sales), or its details corrected (with
    ``instance=``: the edit page). The country is picked from localized names and stored as
    its ISO code."""

    country = CountryField(label=_("Country"))

    class Meta:
        model = Lead
        fields = [
            "email", "first_name", "last_name", "company_name", "title", "phone",
            "industry", "country", "employees", "annual_revenue", "source", "campaign",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        if isinstance(country, CountryField) and self.instance.pk:
            country.keep_choice(self.instance.country)
        # TenantFormMixin has scoped the campaigns; the form only orders them.
        campaign = self.fields["campaign"]
        if isinstance(campaign, forms.ModelChoiceField) and campaign.queryset is not None:
            campaign.queryset = campaign.queryset.order_by("name")

    def validate_unique(self) -> None:
        # lifecycle.create_lead checks the email (unique in the whole organization, including
        # leads this member cannot see) and the country; the view shows its answer per field.
        pass


class QualifyForm(TenantFormMixin, forms.Form):
    """Hand leads to sales: a chosen sales owner, or the next rep in turn (also the bulk
    action of the lead list)."""

    owner = MemberChoiceField(
        label=_("Sales owner"),
        required=False,
        queryset=sales_members(),
        empty_label=_("Next rep in turn"),
    )


class RejectForm(forms.Form):
    """Sales turns an MQL down: a reason from the contract list, and a note for marketing."""

    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", _("Choose a reason…")), *RejectionReason.choices]
    )
    note = forms.CharField(
        label=_("Note for marketing"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConvertForm(forms.Form):
    deal_name = forms.CharField(
        label=_("Deal name"),
        required=False,
        max_length=200,
        help_text=_("Empty: the company's name."),
    )
    value = forms.DecimalField(
        label=_("Annual value"), required=False, min_value=0, max_digits=14, decimal_places=2
    )


class CampaignForm(_CampaignModelForm):
    """A campaign's name, channel, cost and dates (the model checks the end is not before the
    start)."""

    class Meta:
        model = Campaign
        fields = ["name", "channel", "cost", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}


class ResubmitForm(forms.Form):
    """Marketing hands a corrected rejected lead back to sales, saying what changed."""

    note = forms.CharField(
        label=_("What did you correct?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sales reads this beside the reason it rejected the lead."),
    )
