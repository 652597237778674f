"""Channels a notification travels through after the in-app inbox (email now)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from collab_hub.notifications.models import Notification


def email_notifications(*, event_id: int) -> int:
    """Send each un-emailed notification of the event to recipients who opted in.

    Each notification is claimed by a conditional UPDATE before its mail is sent, so a
    retried or duplicated task never mails the same person twice. Returns the mails sent.
    """
    pending = (
        Notification.objects.filter(
            event_id=event_id, emailed_at__isnull=True, recipient__email_notifications=True
        )
        .select_related("event", "event__actor__user", "recipient__user", "organization")
        .order_by("pk")
    )
    sent = 0
    for notification in pending:
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if claimed != 1:
            continue
        user = notification.recipient.user
        with translation.override(user.language or settings.LANGUAGE_CODE):
            context = {"notification": notification, "event": notification.event, "user": user}
            subject = render_to_string("notifications/email_subject.txt", context).strip()
            body = render_to_string("notifications/email_body.txt", context)
        try:
            send_mail(subject, body, None, [user.email])
        except OSError:
            # Release the claim so the retry sends it.
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent
