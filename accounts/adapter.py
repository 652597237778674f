from allauth.account.adapter import DefaultAccountAdapter

from accounts.forms import PENDING_INVITATION_KEY, pending_invitation


class AccountAdapter(DefaultAccountAdapter):
    """Pre-fills sign-up for a visitor who came through an invitation link."""

    def get_signup_form_initial_data(self, request):
        initial = super().get_signup_form_initial_data(request)
        invitation = pending_invitation(request.session.get(PENDING_INVITATION_KEY))
        if invitation is not None:
            initial["email"] = invitation.email
            initial["invitation_token"] = invitation.token
        return initial
