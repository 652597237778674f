"""Background jobs of the sales ↔ customer-success flow: thin, idempotent, calling services."""

from celery import shared_task

from handoffs.services import handoffs, upsell


@shared_task(acks_late=True)
def flag_overdue_handoffs() -> int:
    """Beat job: submitted handoffs past the CS acceptance SLA are reported to CS's managers
    (once per submission, claimed by a conditional UPDATE)."""
    return handoffs.flag_overdue_handoffs()


@shared_task(acks_late=True)
def flag_unanswered_signals() -> int:
    """Beat job: upsell signals sales left open past the organization's answer window are
    reported to the sales managers (once each)."""
    return upsell.flag_unanswered_signals()
