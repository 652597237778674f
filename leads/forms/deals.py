"""Forms of the deal pages: the board's filters, losing a deal, a new deal, a contact, and
the collateral a deal used (from the library, or sales' own material)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.policy import can
from collab_hub.tenancy import TenantFormMixin
from leads.forms.fields import DateInput, MemberChoiceField, sales_members
from leads.models import Collateral, Company, Contact, Deal, DealKind, LostReason
from leads.services.deals import FEATURE_REQUEST_ID_MAX


class BoardFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    owner = forms.ChoiceField(
        label=gettext_lazy("Deals"),
        required=False,
        choices=[("", gettext_lazy("Everyone's")), ("me", gettext_lazy("Mine"))],
    )


class FeatureRequestIdsField(forms.Field):
    """Ids of feature requests, posted as repeated ``feature_request_ids`` values by a panel
    in the ``deal.lose`` slot (the roadmap's picker); the lose form itself shows no input."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": gettext_lazy("Choose feature requests from the list.")}

    def to_python(self, value: Any) -> list[int]:
        values = [value] if isinstance(value, str) else list(value or ())
        ids: list[int] = []
        for item in values:
            item = str(item).strip()
            if not item:
                continue
            if not item.isdigit() or not 1 <= int(item) <= FEATURE_REQUEST_ID_MAX:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            if int(item) not in ids:
                ids.append(int(item))
        if len(ids) > 50:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


class LoseForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Why was it lost?"), choices=LostReason.choices)
    features = forms.CharField(
        label=gettext_lazy("Missing features"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One per line; required when a missing feature lost the deal."),
    )
    feature_request_ids = FeatureRequestIdsField(required=False)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def feature_names(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("features", "").splitlines()]

    def feature_ids(self) -> list[int]:
        """The feature requests chosen by id (a ``deal.lose`` panel re-checks them)."""
        cleaned = getattr(self, "cleaned_data", None) or {}
        return list(cleaned.get("feature_request_ids") or [])

    def feature_requests(self) -> list[int | str]:
        """What ``lose_deal`` takes as ``feature_requests``: the names, then the ids."""
        return [*self.feature_names(), *self.feature_ids()]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("reason") == LostReason.MISSING_FEATURE
            and not any(self.feature_names())
            and not self.feature_ids()
        ):
            self.add_error("features", _("Name at least one missing feature."))
        return data


class DealForm(TenantFormMixin, forms.Form):
    """A deal sales opens directly: an existing company (from its page) or a company name
    (an existing company with that domain or name is reused). The owner can be chosen only
    by who may ``leads.reassign``; for everyone else the field is left out (the deal is
    theirs)."""

    company = forms.ModelChoiceField(
        queryset=Company.objects.all(), required=False, widget=forms.HiddenInput
    )
    company_name = forms.CharField(label=gettext_lazy("Company"), required=False, max_length=200)
    company_domain = forms.CharField(
        label=gettext_lazy("Company web domain"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("e.g. acme.com — finds the company if it already exists."),
    )
    name = forms.CharField(
        label=gettext_lazy("Deal name"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Empty: the company's name."),
    )
    value = forms.DecimalField(
        label=gettext_lazy("Annual value"), min_value=0, max_digits=14, decimal_places=2
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=DealKind.choices)
    close_date = forms.DateField(
        label=gettext_lazy("Expected close"),
        required=False,
        widget=DateInput(),
    )
    owner = MemberChoiceField(
        label=gettext_lazy("Owner"),
        queryset=sales_members(),
        required=False,
        empty_label=gettext_lazy("Me"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can(self.membership, "leads.reassign"):
            del self.fields["owner"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("company") and not (
            data.get("company_name", "").strip() or data.get("company_domain", "").strip()
        ):
            self.add_error("company_name", _("Name the company the deal is with."))
        return data


class ContactForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), required=False, max_length=100)
    last_name = forms.CharField(label=gettext_lazy("Last name"), required=False, max_length=100)
    email = forms.EmailField(label=gettext_lazy("Email"))
    title = forms.CharField(label=gettext_lazy("Job title"), required=False, max_length=200)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=50)


class UseCollateralForm(TenantFormMixin, forms.Form):
    collateral = forms.ModelChoiceField(queryset=Collateral.objects.all())


class OwnMaterialForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What did you use?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    missing = forms.CharField(
        label=gettext_lazy("What was missing from the library?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Marketing gets this as a content request."),
    )


class ContactChoiceField(forms.ModelChoiceField):
    """A contact, shown with the company it works at."""

    def label_from_instance(self, obj: Contact) -> str:
        return f"{obj} — {obj.company.name}"


class DealEditForm(TenantFormMixin, forms.Form):
    """Correct a deal: name, value, kind, expected close, company, main contact, owner.

    A closed deal's value and kind are fixed (a sales manager reopens it to change them), so
    those fields are left out for it; the owner field is there for who may reassign deals
    and for the owner handing their own deal over.
    """

    name = forms.CharField(label=gettext_lazy("Deal name"), max_length=200)
    value = forms.DecimalField(
        label=gettext_lazy("Annual value"), min_value=0, max_digits=14, decimal_places=2
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=DealKind.choices)
    close_date = forms.DateField(
        label=gettext_lazy("Expected close"),
        required=False,
        widget=DateInput(),
    )
    company = forms.ModelChoiceField(
        label=gettext_lazy("Company"), queryset=Company.objects.order_by("name")
    )
    contact = ContactChoiceField(
        label=gettext_lazy("Main contact"),
        queryset=Contact.objects.select_related("company").order_by("last_name", "first_name"),
        required=False,
        empty_label=gettext_lazy("No contact"),
        help_text=gettext_lazy("Someone at the deal's company."),
    )
    owner = MemberChoiceField(
        label=gettext_lazy("Owner"), queryset=sales_members(), empty_label=None
    )

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": deal.name,
                "value": deal.value,
                "kind": deal.kind,
                "close_date": deal.close_date,
                "company": deal.company_id,
                "contact": deal.contact_id,
                "owner": deal.owner_id,
            },
        )
        super().__init__(*args, **kwargs)
        self.deal = deal
        if not deal.is_open:
            del self.fields["value"]
            del self.fields["kind"]
        if not (can(self.membership, "leads.reassign") or deal.owner_id == self.membership.pk):
            del self.fields["owner"]
