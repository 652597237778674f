"""Fields, widgets and choice lists shared by the leads flow's forms."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from accounts.models import DepartmentKind, Membership


class MemberChoiceField(forms.ModelChoiceField):
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

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)
