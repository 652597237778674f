from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Invitation

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

    def clean(self):
        cleaned = super().clean()
        name = (cleaned.get("organization_name") or "").strip()
        cleaned["organization_name"] = name
        cleaned["invitation"] = pending_invitation(cleaned.get("invitation_token"))
        if not name and cleaned["invitation"] is None:
            self.add_error("organization_name", _("Name your organization."))
        return cleaned

    def signup(self, request, user):
        request.session.pop(PENDING_INVITATION_KEY, None)
        invitation = self.cleaned_data.get("invitation")
        if invitation is not None and invitation.email.lower() == user.email.lower():
            services.accept_invitation(invitation=invitation, user=user)
        if self.cleaned_data.get("organization_name"):
            services.create_organization(name=self.cleaned_data["organization_name"], owner=user)
