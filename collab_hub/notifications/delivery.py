"""Channels a notification travels through after the in-app inbox (email now)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from collab_hub.notifications import selectors
from collab_hub.notifications.models import Notification


def email_notifications(*, event_id: int) -> int:
    """Send each un-emailed notification of the event to recipients who opted in.

    Skips recipients with ``email_notifications`` off and deactivated memberships or users.
    Each notification is claimed by a conditional UPDATE (``emailed_at``) in a transaction
    that commits only once its mail was handed to the mail server, so:

    * a retried or duplicated task never mails the same person twice (a concurrent one waits
      for the row lock, then finds the notification claimed);
    * a failed send (any exception, e.g. a transient ``OSError`` from SMTP) or a worker killed
      mid-send rolls the claim back, and the retry sends the mail.

    Each mail is rendered in the recipient's language. Returns how many mails were sent;
    raises what sending raised, after releasing that notification's claim.
    """
    pending = (
        Notification.objects.filter(
            event_id=event_id,
            emailed_at__isnull=True,
            recipient__email_notifications=True,
            recipient__is_active=True,
            recipient__user__is_active=True,
        )
        .select_related("event__actor__user", "event__organization", "recipient__user")
        .order_by("pk")
    )
    base_url = settings.SITE_URL.rstrip("/")
    # Every recipient's mail links to the same record: find its page once.
    record_path: str | None = None
    first = next(iter(pending[:1]), None)
    if first is not None:
        record_path = selectors.record_url(first.event)
    sent = 0
    for notification in pending:
        with transaction.atomic():
            claimed = Notification.objects.filter(
                pk=notification.pk, emailed_at__isnull=True
            ).update(emailed_at=timezone.now())
            if claimed != 1:
                continue
            user = notification.recipient.user
            with translation.override(user.language or settings.LANGUAGE_CODE):
                context = {
                    "notification": notification,
                    "event": notification.event,
                    "user": user,
                    "record_url": base_url + record_path if record_path else "",
                    "inbox_url": base_url + reverse("notifications"),
                    "profile_url": base_url + reverse("profile"),
                }
                # A subject is one line: a target name with a line break must not break it.
                subject = " ".join(
                    render_to_string("notifications/email_subject.txt", context).split()
                )
                body = render_to_string("notifications/email_body.txt", context)
            send_mail(subject, body, None, [user.email])
        sent += 1
    return sent
