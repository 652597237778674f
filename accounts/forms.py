from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.core import context as allauth_context
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Department, DepartmentKind, Invitation, Role

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


class SignupForm(forms.Form):
    """allauth sign-up, plus the organization the new user founds (unless invited)."""

    organization_name = forms.CharField(
        label=_("Organization name"),
        max_length=200,
        required=False,
        help_text=_("Your company. You become its admin and can invite colleagues."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    invitation_token = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["organization_name", "email", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # allauth 65 has no adapter hook for sign-up initial data (the adapter's
        # get_signup_form_initial_data is only called for social sign-ups), so the visitor who
        # opened an invitation link gets its address and token here, from the session.
        request = allauth_context.request
        if not self.is_bound and request is not None:
            invitation = pending_invitation(request.session.get(PENDING_INVITATION_KEY))
            if invitation is not None:
                self.initial.setdefault("email", invitation.email)
                self.initial["invitation_token"] = invitation.token

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        name = (cleaned.get("organization_name") or "").strip()
        cleaned["organization_name"] = name
        cleaned["invitation"] = pending_invitation(cleaned.get("invitation_token"))
        if not name and cleaned["invitation"] is None:
            self.add_error("organization_name", _("Name your organization."))
        return cleaned

    def signup(self, request: HttpRequest, user: User) -> None:
        request.session.pop(PENDING_INVITATION_KEY, None)
        invitation = self.cleaned_data.get("invitation")
        if invitation is not None and invitation.email.lower() == user.email.lower():
            services.accept_invitation(invitation=invitation, user=user)
        if self.cleaned_data.get("organization_name"):
            services.create_organization(name=self.cleaned_data["organization_name"], owner=user)


class OrganizationForm(forms.Form):
    """Found a new organization (signed-in users without one, or a second one)."""

    name = forms.CharField(
        label=_("Organization name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
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
