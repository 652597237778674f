"""Background jobs of cross-department feedback: thin, idempotent, calling services."""

from celery import shared_task

from feedback.services import actions, rounds


@shared_task(acks_late=True)
def advance_rounds() -> dict[str, int]:
    """Beat job: open rounds whose start came, send the one reminder before closing, close
    rounds whose end came — each exactly once (claimed under row locks)."""
    return {
        "opened": rounds.open_due_rounds(),
        "reminded": rounds.send_due_reminders(),
        "closed": rounds.close_due_rounds(),
    }


@shared_task(acks_late=True)
def flag_overdue_action_items() -> int:
    """Beat job: open action items past their due date are reported to their owners once."""
    return actions.flag_overdue_action_items()
