"""Background jobs of the leads flow: thin, idempotent, calling services."""

from celery import shared_task

from leads.services import lifecycle, scoring
from leads.services.capture import delete_expired_idempotency_keys  # noqa: F401 (beat task)


@shared_task(acks_late=True)
def rescore_leads(organization_id: int, after_pk: int = 0) -> int:
    """Re-score the organization's leads chunk by chunk; each chunk is its own task, so a
    million leads never hold one transaction or one worker for long. Returns the chunks run
    by this call (1, or 0 when done)."""
    last = scoring.rescore_organization(organization_id=organization_id, after_pk=after_pk)
    if last is None:
        return 0
    rescore_leads.delay(organization_id, last)
    return 1


@shared_task(acks_late=True)
def flag_sla_breaches() -> int:
    """Beat job: mark MQLs past their response deadline as breached (once each) and notify."""
    return lifecycle.flag_sla_breaches()


@shared_task(acks_late=True)
def flag_overdue_complaints() -> int:
    """Beat job: tell the marketing managers about open lead-quality complaints past their
    answer date (once each, claimed by a conditional UPDATE)."""
    from leads.services import quality

    return quality.flag_overdue_complaints()
