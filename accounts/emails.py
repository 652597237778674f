"""Mails about accounts (invitations).

An invitee has no account yet, so the invitation is written in the inviter's language (the
team's working language, most likely), falling back to the site default.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Invitation
from collab_hub.notifications.selectors import absolute_url


def send_invitation(*, invitation_id: int) -> bool:
    invitation = (
        Invitation.objects.select_related("organization", "department", "invited_by__user")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_pending:
        return False
    context = {
        "invitation": invitation,
        # The same address as every other mail's links (SITE_URL: what ``make run`` serves).
        "url": absolute_url(reverse("invitation_accept", args=[invitation.token])),
    }
    inviter = invitation.invited_by.user if invitation.invited_by else None
    with translation.override((inviter and inviter.language) or settings.LANGUAGE_CODE):
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation_body.txt", context)
    send_mail(subject, body, None, [invitation.email])
    return True
