from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from allauth.core import context as allauth_context
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import STANDARD_DEPARTMENTS, Department, DepartmentKind, Invitation, Role

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User
from collab_hub.tenancy import TenantFormMixin

# Session key holding the token of the invitation a visitor opened before signing up.
PENDING_INVITATION_KEY = "pending_invitation_token"


def pending_invitation(token: str | None) -> Invitation | None:
    if not token:
        return None
    invitation = Invitation.objects.select_related("organization").filter(token=token).first()
    return invitation if invitation is not None and invitation.is_pending else None


def founder_department_choices() -> list[tuple[str, Any]]:
    """The departments a new organization starts with, for its founder to pick from."""
    return [("", _("Choose your department")), *((k.value, k.label) for k in STANDARD_DEPARTMENTS)]


class SignupForm(forms.Form):
    """allauth sign-up: the person's name, plus the organization the new user founds and
    their department in it (unless invited: then the invitation decides both, and the
    invited address is the account's email whatever the form sends)."""

    full_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("How your colleagues see you: first and last name."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Tell us your name.")},
    )
    organization_name = forms.CharField(
        label=_("Organization name"),
        max_length=200,
        required=False,
        help_text=_("Your company. You become its admin and can invite colleagues."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    department = forms.ChoiceField(
        label=_("Your department"),
        choices=founder_department_choices,
        required=False,
        help_text=_(
            "The organization starts with these four departments; you can move yourself later."
        ),
    )
    invitation_token = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = [
        "full_name", "organization_name", "department", "email", "password1", "password2"
    ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation: Invitation | None = None
        if self.is_bound:
            self.invitation = pending_invitation(self.data.get("invitation_token"))
            if self.invitation is not None:
                # The invited address is fixed: whatever email is posted, the account is made
                # for the address the invitation was sent to (its link proves that inbox).
                data = cast(Any, self.data).copy()
                data["email"] = self.invitation.email
                self.data = data
        else:
            # allauth 65 has no adapter hook for sign-up initial data (the adapter's
            # get_signup_form_initial_data is only called for social sign-ups), so the
            # visitor who opened an invitation link gets its address and token here, from
            # the session.
            request = allauth_context.request
            if request is not None:
                self.invitation = pending_invitation(request.session.get(PENDING_INVITATION_KEY))
            if self.invitation is not None:
                self.initial["email"] = self.invitation.email
                self.initial["invitation_token"] = self.invitation.token
        email = self.fields.get("email")
        if self.invitation is not None and email is not None:
            email.widget.attrs["readonly"] = True
            email.help_text = _("The address your invitation was sent to.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        name = (cleaned.get("organization_name") or "").strip()
        cleaned["organization_name"] = name
        cleaned["invitation"] = self.invitation
        cleaned["full_name"] = (cleaned.get("full_name") or "").strip()
        if self.invitation is None:
            # One message per problem: a name that is too long already has its error.
            if not name and "organization_name" not in self.errors:
                self.add_error("organization_name", _("Name your organization."))
            if not cleaned.get("department") and "department" not in self.errors:
                self.add_error("department", _("Choose the department you work in."))
        return cleaned

    def signup(self, request: HttpRequest, user: User) -> None:
        request.session.pop(PENDING_INVITATION_KEY, None)
        if self.cleaned_data.get("full_name"):
            user.full_name = self.cleaned_data["full_name"]
            user.save(update_fields=["full_name"])
        invitation = self.cleaned_data.get("invitation")
        if invitation is not None and invitation.email.lower() == user.email.lower():
            services.accept_invitation(invitation=invitation, user=user)
        elif self.cleaned_data.get("organization_name"):
            services.create_organization(
                name=self.cleaned_data["organization_name"],
                owner=user,
                department_kind=self.cleaned_data["department"],
            )


class OrganizationForm(forms.Form):
    """Found a new organization (signed-in users without one, or a second one)."""

    name = forms.CharField(
        label=_("Organization name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        error_messages={"required": _("Name your organization.")},
    )
    department = forms.ChoiceField(
        label=_("Your department"),
        choices=founder_department_choices,
        help_text=_(
            "The organization starts with these four departments; you can move yourself later."
        ),
        error_messages={"required": _("Choose the department you work in.")},
    )


class InvitationForm(TenantFormMixin, forms.Form):
    """Invite a colleague by email into one of the organization's departments."""

    email = forms.EmailField(label=_("Email address"))
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class MembershipForm(TenantFormMixin, forms.Form):
    """An admin changes a member's department, role or active flag."""

    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Deactivated members cannot sign in to this organization; history stays."),
    )


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=DepartmentKind.choices,
        help_text=_("Decides which actions its members may take."),
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Follow my browser")), *settings.LANGUAGES],
    )
    email_notifications = forms.BooleanField(
        label=_("Email me my notifications"),
        required=False,
        help_text=_("For the active organization. You always see them in the app."),
    )
