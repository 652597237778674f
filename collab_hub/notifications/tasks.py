"""Delivery of notifications beyond the in-app inbox. Thin, idempotent, retried."""

from celery import shared_task

from collab_hub.notifications import delivery


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=20,
)
def deliver_event(event_id: int) -> int:
    """Email the event's notifications to recipients who want email; returns how many sent."""
    return delivery.email_notifications(event_id=event_id)
