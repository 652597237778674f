"""Forms of the upsell pages: the pipeline's filters, raising a signal, and sales' answers
(accept with the expansion deal's terms, dismiss with a reason, change the credit split).

They check the shape of input; ``handoffs.services.upsell`` applies the rules and says no
with a ``DomainError`` (shown on the form). The company choice extends ``TenantFormMixin``:
a foreign company id posted by hand is "not one of the available choices".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from collab_hub.tenancy import TenantFormMixin
from handoffs.models import PERCENT_MAX, PERCENT_MIN, Confidence, UpsellKind, UpsellStatus
from leads.forms.fields import DateInput
from leads.models import REVENUE_MAX, Company, Deal, DealStage


def customers() -> Any:
    """Companies with a won deal (customers CS looks after), by name. Unscoped: the form's
    ``TenantFormMixin`` narrows it to what the member may see."""
    won = Deal.objects.filter(company=OuterRef("pk"), stage=DealStage.WON)
    return Company.objects.filter(Exists(won)).order_by("name", "pk")


class UpsellFilterForm(forms.Form):
    """The pipeline's filters (GET); a bad value is dropped, not an error."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *UpsellStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *UpsellKind.choices]
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        return {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if value not in (None, "", False) and name not in self.errors
        }


class SignalForm(TenantFormMixin, forms.Form):
    """CS raises an upsell signal at a customer."""

    company = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=customers(),
        help_text=_("Companies with a won deal."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=UpsellKind.choices)
    estimated_value = forms.DecimalField(
        label=_("Estimated value"),
        min_value=0,
        max_value=REVENUE_MAX,
        max_digits=14,
        decimal_places=2,
        help_text=_("Annual revenue the expansion could bring."),
    )
    confidence = forms.ChoiceField(
        label=_("Confidence"), choices=Confidence.choices, initial=Confidence.MEDIUM
    )
    note = forms.CharField(
        label=_("What did you see?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who asked, what they need, by when: what sales needs to call them."),
    )


class AcceptForm(forms.Form):
    """Sales takes the signal: the expansion deal's name, value, close date and the CS share
    of its credit."""

    name = forms.CharField(
        label=_("Deal name"),
        required=False,
        max_length=200,
        help_text=_("Blank: the kind and the company."),
    )
    value = forms.DecimalField(
        label=_("Deal value"), min_value=0, max_value=REVENUE_MAX, max_digits=14, decimal_places=2
    )
    close_date = forms.DateField(label=_("Expected close"), required=False, widget=DateInput())
    cs_credit_percent = forms.DecimalField(
        label=_("CS share of the credit (%)"),
        min_value=PERCENT_MIN,
        max_value=PERCENT_MAX,
        max_digits=5,
        decimal_places=2,
        help_text=_("Credited to the CS member who raised it; the rest to the deal's owner."),
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why dismiss it?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The CS member who raised it reads this."),
    )


class CreditForm(forms.Form):
    cs_credit_percent = forms.DecimalField(
        label=_("CS share of the credit (%)"),
        min_value=PERCENT_MIN,
        max_value=PERCENT_MAX,
        max_digits=5,
        decimal_places=2,
    )
