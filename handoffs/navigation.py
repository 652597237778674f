"""The handoffs' sidebar entries, registered by ``HandoffsConfig`` (``navigation``): after the
roadmap's (20…)."""

from django.utils.translation import gettext_lazy as _

from collab_hub.navigation import NavEntry

NAVIGATION = [
    NavEntry(
        _("Handoffs"),
        "handoffs:handoff_list",
        icon="handoffs",
        order=30,
        permission="handoffs.view",
        active=("handoffs:handoff_detail", "handoffs:handoff_edit"),
    ),
    NavEntry(
        _("Upsell signals"),
        "handoffs:upsell_list",
        icon="target",
        order=31,
        sub=True,
        permission="handoffs.view",
        active=("handoffs:upsell_detail", "handoffs:upsell_create"),
    ),
    NavEntry(
        _("Surprise rate"),
        "handoffs:surprise_report",
        icon="activity",
        order=32,
        sub=True,
        permission="reports.view",
    ),
    NavEntry(
        _("Upsell conversion"),
        "handoffs:upsell_report",
        icon="activity",
        order=33,
        sub=True,
        permission="reports.view",
    ),
]
