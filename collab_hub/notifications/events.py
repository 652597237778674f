"""Event types of the activity core, registered by ``NotificationsConfig``."""

from django.utils.translation import gettext_lazy as _

from collab_hub.notifications.registry import EventType

EVENT_TYPES = [
    EventType(
        "comment.posted",
        _("%(actor)s commented on %(target)s"),
        _("Someone commented on a record; mentioned members are notified."),
        {"comment_id": 812, "excerpt": "@ana@example.com can you call them today?"},
        # Only the mentioned members are notified, so that is what their inbox says.
        notice=_("%(actor)s mentioned you on %(target)s"),
    ),
]
