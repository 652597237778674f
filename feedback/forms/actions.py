"""Browser forms of the action items: the item (create, and a manager's edit), the owner's
status buttons and the board's filters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, Membership
from collab_hub.tenancy import TenantFormMixin
from feedback.models import ActionStatus, FeedbackRound
from feedback.services.actions import DESCRIPTION_MAX, TITLE_MAX
from leads.forms.fields import DateInput, MemberChoiceField

if TYPE_CHECKING:
    _RoundChoiceField = forms.ModelChoiceField[FeedbackRound]
    _DepartmentChoiceField = forms.ModelChoiceField[Department]
else:
    _RoundChoiceField = forms.ModelChoiceField
    _DepartmentChoiceField = forms.ModelChoiceField


def active_members() -> Any:
    """Active people (no integrations), as owners to choose from. Unscoped: the form's
    ``TenantFormMixin`` narrows it to the organization."""
    return (
        Membership.objects.filter(is_active=True, is_integration=False, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


class ActionItemForm(TenantFormMixin, forms.Form):
    """What will be done, by whom, by when (and, when editing, its status)."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    owner = MemberChoiceField(label=_("Owner"), queryset=active_members(), required=False)
    due_date = forms.DateField(label=_("Due"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)

    def __init__(self, *args: Any, edit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not edit:
            del self.fields["status"]


class StatusForm(forms.Form):
    """The owner's status buttons."""

    status = forms.ChoiceField(choices=ActionStatus.choices)


class BoardFilterForm(TenantFormMixin, forms.Form):
    """The board's filters (GET); a bad value is dropped, not an error."""

    round = _RoundChoiceField(
        label=_("Round"),
        required=False,
        empty_label=_("Every round"),
        queryset=FeedbackRound.objects.order_by("-opens_at", "-pk"),
    )
    department = _DepartmentChoiceField(
        label=_("Department"),
        required=False,
        empty_label=_("Every department"),
        queryset=Department.objects.order_by("name", "pk"),
    )
    mine = forms.BooleanField(label=_("Mine only"), required=False)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: data.get(name)
            for name in ("round", "department", "mine")
            if name not in self.errors and data.get(name)
        }
