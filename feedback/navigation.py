"""The feedback's sidebar entries, registered by ``FeedbackConfig`` (``navigation``): after the
handoffs' (30…)."""

from django.utils.translation import gettext_lazy as _

from collab_hub.navigation import NavEntry

NAVIGATION = [
    NavEntry(
        _("Feedback"),
        "feedback:round_list",
        icon="feedback",
        order=40,
        permission="feedback.view",
        active=(
            "feedback:round_create",
            "feedback:round_detail",
            "feedback:round_edit",
            "feedback:round_answer",
            "feedback:round_results",
            "feedback:department_view",
        ),
    ),
    NavEntry(
        _("Action items"),
        "feedback:action_board",
        icon="check",
        order=41,
        sub=True,
        permission="feedback.view",
        active=("feedback:action_item_create", "feedback:action_item_detail"),
    ),
    NavEntry(
        _("Collaboration health"),
        "feedback:collaboration_health",
        icon="activity",
        order=42,
        sub=True,
        permission="feedback.results",
    ),
]
