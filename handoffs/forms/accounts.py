"""Forms of a customer's account: its health score and its CS owner."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import DepartmentKind, Membership
from collab_hub.tenancy import TenantFormMixin
from handoffs.models import HEALTH_MAX, HEALTH_MIN
from leads.forms.fields import MemberChoiceField


class HealthForm(forms.Form):
    score = forms.IntegerField(
        label=_("Health score"),
        min_value=HEALTH_MIN,
        max_value=HEALTH_MAX,
        help_text=_("0–100: below 40 at risk, below 70 needs attention, from 70 healthy."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why this score: usage, tickets, sponsor, renewal."),
    )


def cs_members() -> QuerySet[Membership]:
    """Active members of customer-success departments. Unscoped: ``TenantFormMixin``
    narrows it to the organization."""
    return (
        Membership.objects.filter(is_active=True, department__kind=DepartmentKind.CS)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


class CsOwnerForm(TenantFormMixin, forms.Form):
    cs_owner = MemberChoiceField(label=_("CS owner"), queryset=cs_members())
