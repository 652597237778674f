"""Event types of cross-department feedback, registered by ``FeedbackConfig``.

No event is recorded for an answer: an anonymous round's events and notifications must not
say who answered, nor when (a time could be matched against the results).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from collab_hub.notifications.registry import EventType

EVENT_TYPES = [
    EventType(
        "round.created",
        _("%(actor)s created the feedback round %(target)s"),
        _("A manager or admin set up a round (draft until it opens)."),
        {
            "opens_at": "2026-12-07T08:00:00+00:00",
            "closes_at": "2026-12-14T17:00:00+00:00",
            "departments": [1, 2, 3],
            "anonymous": True,
            "min_responses": 3,
        },
    ),
    EventType(
        "round.updated",
        _("%(actor)s changed the feedback round %(target)s"),
        _("A draft round's name, dates, departments or settings changed: {field: [old, new]}."),
        {"changes": {"closes_at": ["2026-12-14T17:00:00+00:00", "2026-12-16T17:00:00+00:00"]}},
    ),
    EventType(
        "round.opened",
        _("The feedback round %(target)s is open"),
        _(
            "The round opened (a manager opened it, or its start came); every participant "
            "is asked to rate the other departments before it closes."
        ),
        {"closes_at": "2026-12-14T17:00:00+00:00", "participants": 24},
    ),
    EventType(
        "round.reminder",
        _("The feedback round %(target)s closes soon"),
        _(
            "Sent once per round, before it closes, to the participants who have not rated "
            "every other department yet."
        ),
        {"closes_at": "2026-12-14T17:00:00+00:00", "reminded": 9},
    ),
    EventType(
        "round.closed",
        _("The feedback round %(target)s is closed"),
        _(
            "The round closed (on time, or early by a manager): its results are final. The "
            "participants and the managers are told."
        ),
        {"responses": 61, "participants": 24, "completed": 19},
    ),
    EventType(
        "action_item.created",
        _("%(actor)s created the action item %(target)s"),
        _("An action item came out of a round's results; its owner is told."),
        {
            "round": 4,
            "from_department": 1,
            "to_department": 2,
            "owner": 7,
            "due_date": "2027-01-15",
        },
    ),
    EventType(
        "action_item.updated",
        _("%(actor)s updated the action item %(target)s"),
        _("Title, description, owner, due date or status changed: {field: [old, new]}."),
        {"changes": {"status": ["open", "done"]}},
    ),
    EventType(
        "action_item.overdue",
        _("The action item %(target)s is overdue"),
        _("An open action item passed its due date (reported once); its owner is told."),
        {"due_date": "2027-01-15", "owner": 7},
    ),
]
