from celery import shared_task

from accounts import emails


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=20)
def send_invitation(invitation_id: int) -> bool:
    """Mail the invitation link; returns False when it is gone or no longer pending."""
    return emails.send_invitation(invitation_id=invitation_id)
