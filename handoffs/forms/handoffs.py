"""Browser forms of the handoff pages. They check the shape of input; the services in
``handoffs.services.handoffs`` apply the rules (and say no with a ``DomainError``, shown on
the form or as a message).

Forms that choose tenant rows (CS owner, stakeholder contact) extend ``TenantFormMixin``:
their querysets are declared unscoped and narrowed to the member's organization, so a
foreign id posted by hand is "not one of the available choices".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import DepartmentKind, Membership
from collab_hub.tenancy import TenantFormMixin
from handoffs.models import DiscrepancyKind, Handoff, HandoffStatus
from handoffs.services.handoffs import ROLE_MAX, TEXT_MAX, TITLE_MAX
from leads.forms.fields import MemberChoiceField
from leads.models import Contact

if TYPE_CHECKING:
    _ContactChoiceField = forms.ModelChoiceField[Contact]
else:
    _ContactChoiceField = forms.ModelChoiceField


def cs_members() -> Any:
    """Active members of customer success (the CS owners to choose from). Unscoped: the
    form's ``TenantFormMixin`` narrows it to the organization."""
    return (
        Membership.objects.filter(is_active=True, department__kind=DepartmentKind.CS)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def _package_field(name: str, *, rows: int = 4) -> Any:
    """A package text field labelled and explained as the model field is."""
    field: Any = Handoff._meta.get_field(name)
    return forms.CharField(
        label=capfirst(field.verbose_name),
        required=False,
        max_length=TEXT_MAX,
        help_text=field.help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


# The inbox's tabs: key → (label, the filters it applies).
TABS: dict[str, tuple[Any, dict[str, Any]]] = {
    "all": (_("All"), {}),
    "to_accept": (_("To accept"), {"status": HandoffStatus.SUBMITTED}),
    "overdue": (_("Overdue"), {"overdue": True}),
    "returned": (_("Returned to sales"), {"status": HandoffStatus.RETURNED}),
    "mine": (_("Mine"), {"mine": True}),
}


class InboxFilterForm(forms.Form):
    """The inbox's tab and status select (GET); a bad value is dropped, not an error."""

    tab = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[(key, label) for key, (label, _filters) in TABS.items()],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *HandoffStatus.choices],
    )

    def filters(self) -> dict[str, Any]:
        """The ``selectors.handoffs.inbox`` keyword arguments the GET asks for."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        tab = data.get("tab") if "tab" not in self.errors else ""
        filters: dict[str, Any] = dict(TABS[tab][1]) if tab else {}
        status = data.get("status") if "status" not in self.errors else ""
        if status:
            filters["status"] = status
        # The selector's own flags, as links elsewhere may pass them (``?mine=1``).
        for flag in ("mine", "overdue"):
            if self.data.get(flag) == "1":
                filters[flag] = True
        return filters

    @property
    def active_tab(self) -> str:
        data = getattr(self, "cleaned_data", {})
        return str(data.get("tab") or "all")


class HandoffForm(TenantFormMixin, forms.Form):
    """The package's text (sales, while it holds the handoff) and the CS owner (members who
    may ``handoffs.assign``). The view drops the fields the member may not change."""

    customer_goals = _package_field("customer_goals")
    commercial_terms = _package_field("commercial_terms")
    implementation_notes = _package_field("implementation_notes", rows=6)
    risks = _package_field("risks", rows=3)
    cs_owner = MemberChoiceField(
        label=_("CS owner"),
        queryset=cs_members(),
        help_text=_("The CS member who accepts and onboards this customer."),
    )

    TEXT_FIELDS = ("customer_goals", "commercial_terms", "implementation_notes", "risks")

    def __init__(self, *args: Any, text: bool = True, assign: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not text:
            for name in self.TEXT_FIELDS:
                del self.fields[name]
        if not assign:
            del self.fields["cs_owner"]


class ContactChoiceField(_ContactChoiceField):
    def label_from_instance(self, obj: Contact) -> str:
        name = str(obj)
        return f"{name} <{obj.email}>" if name != obj.email else name


class StakeholderForm(TenantFormMixin, forms.Form):
    """Name one of the customer company's contacts with their role."""

    contact = ContactChoiceField(
        label=_("Contact"), queryset=Contact.objects.order_by("first_name", "last_name", "pk")
    )
    role = forms.CharField(
        label=_("Role"),
        max_length=ROLE_MAX,
        help_text=_("Their part in the project: sponsor, admin, champion, end user…"),
    )

    def __init__(self, *args: Any, handoff: Handoff, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["contact"]
        field.queryset = field.queryset.filter(company_id=handoff.deal.company_id)


class ChecklistAddForm(forms.Form):
    title = forms.CharField(label=_("New item"), max_length=TITLE_MAX)
    required = forms.BooleanField(label=_("Required before submitting"), required=False)


class ChecklistItemForm(forms.Form):
    """Tick or untick an item: an unticked checkbox posts nothing (``done`` is False)."""

    done = forms.BooleanField(required=False)


class SubmitForm(forms.Form):
    note = forms.CharField(
        label=_("Answer to CS's questions (optional)"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnForm(forms.Form):
    questions = forms.CharField(
        label=_("Your questions for sales"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sales gets the handoff back with these and submits it again."),
    )


class AcceptForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=TEXT_MAX)


class SignoffForm(forms.Form):
    """CS's answer on one promise: deliverable or not (a note is then required)."""

    deliverable = forms.TypedChoiceField(
        label=_("Can CS deliver it?"),
        choices=[("yes", _("Deliverable")), ("no", _("Not deliverable"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when it cannot be delivered: it becomes a discrepancy."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("deliverable") is False and not data.get("note", "").strip():
            self.add_error("note", _("Say why it cannot be delivered."))
        return data


class DiscrepancyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DiscrepancyKind.choices)
    description = forms.CharField(
        label=_("What surprised you?"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sales is told and answers here."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Sales' answer"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ResolveForm(forms.Form):
    """``resolved=1`` resolves the discrepancy, ``resolved=0`` reopens it."""

    resolved = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1"
    )
