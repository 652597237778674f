"""Background jobs of the leads flow: thin, idempotent, calling services."""

from celery import shared_task

from collab_hub import idempotency
from leads.services import imports, lifecycle, scoring


@shared_task(acks_late=True)
def rescore_leads(organization_id: int, after_pk: int = 0) -> int:
    """Re-score and re-tier every lead of the organization (primary key above ``after_pk``),
    chunk by chunk within this one run: a chunk re-queueing the next one nested a stack
    frame per chunk in eager mode, until ``RecursionError``. Safe to repeat (unchanged
    leads are not written). ``after_pk`` still resumes messages queued in the old shape.
    Returns the chunks handled."""
    return scoring.rescore_all_leads(organization_id=organization_id, after_pk=after_pk)


@shared_task(acks_late=True)
def flag_sla_breaches() -> int:
    """Beat job: mark MQLs past their response deadline as breached (once each) and notify."""
    return lifecycle.flag_sla_breaches()


@shared_task(acks_late=True)
def run_import(batch_id: int) -> bool:
    """Import a queued CSV batch to the end, from its committed offset (``acks_late``: a
    worker killed mid-import hands the message on; the batch's claim and offset make the
    redelivery, a retry or a second run harmless). Returns whether this run did the work
    (False: gone, done, failed, or running elsewhere)."""
    return imports.run_import(batch_id=batch_id) is not None


@shared_task(acks_late=True)
def fail_stalled_imports() -> int:
    """Beat job: imports whose worker stopped (no progress for ``STALLED_AFTER``) are marked
    failed, so their uploader is told and can resume them."""
    return imports.fail_stalled_imports()


@shared_task(acks_late=True)
def flag_overdue_complaints() -> int:
    """Beat job: tell the marketing managers about open lead-quality complaints past their
    answer date (once each, claimed by a conditional UPDATE)."""
    from leads.services import quality

    return quality.flag_overdue_complaints()


# Queued under its old name before the sweep moved to ``accounts.tasks`` (the records belong
# to the API base now): a message already in the broker still runs. Remove in a later release.
@shared_task(acks_late=True, name="leads.delete_expired_idempotency_keys")
def delete_expired_idempotency_keys() -> int:
    """Former name of ``accounts.tasks.delete_expired_idempotency_keys`` (the same job)."""
    return idempotency.delete_expired_records()
