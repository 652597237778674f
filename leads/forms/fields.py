"""Fields, widgets and choice lists shared by the leads flow's forms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet

from accounts.models import DepartmentKind, Membership

if TYPE_CHECKING:
    _MembershipChoiceField = forms.ModelChoiceField[Membership]
else:
    # Django's form fields are generic only in the stubs: not subscriptable at run time.
    _MembershipChoiceField = forms.ModelChoiceField


class MemberChoiceField(_MembershipChoiceField):
    """A choice of members, each shown by their display name."""

    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.display_name


def sales_members() -> QuerySet[Membership]:
    """Active members of sales departments, as a choice list. Unscoped: a form with
    ``TenantFormMixin`` narrows it to the member's organization."""
    return (
        Membership.objects.filter(is_active=True, department__kind=DepartmentKind.SALES)
        .select_related("user", "department")
        .order_by("user__full_name", "user__email")
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)
