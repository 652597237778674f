"""Delivery of notifications beyond the in-app inbox. Thin, idempotent, retried."""

from celery import shared_task

from collab_hub.notifications import delivery


# Transient failures (SMTP down: smtplib errors are OSErrors) are retried for about three
# days: 30 s doubling up to an hour, then hourly (30 + … + 1920 s ≈ 1 h, then 71 × 1 h).
# No jitter, so the schedule is what this comment says. A retry that waits in Redis longer
# than the broker's visibility timeout may run twice: harmless, each mail is claimed once.
@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=False,
    max_retries=78,
)
def deliver_event(event_id: int) -> int:
    """Email the event's notifications to the recipients who want email.

    Safe to run any number of times (each notification is claimed once, see
    ``delivery.email_notifications``); an event that is gone sends nothing. Returns how many
    mails were sent by this run.
    """
    return delivery.email_notifications(event_id=event_id)
