from celery import shared_task

from accounts import emails
from collab_hub import idempotency


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=20)
def send_invitation(invitation_id: int) -> bool:
    """Mail the invitation link; returns False when it is gone or no longer pending."""
    return emails.send_invitation(invitation_id=invitation_id)


@shared_task(acks_late=True)
def delete_expired_idempotency_keys() -> int:
    """Beat job: forget ``Idempotency-Key`` records older than 48 hours (every API client's
    and the capture forms'; keys are honoured for at least 24). Returns how many were
    deleted; safe to run any time."""
    return idempotency.delete_expired_records()
