"""The roadmap's sidebar entries, registered by ``RoadmapConfig`` (``navigation``)."""

from django.utils.translation import gettext_lazy as _

from collab_hub.navigation import NavEntry

NAVIGATION = [
    NavEntry(
        _("Roadmap"),
        "roadmap:roadmap_list",
        icon="roadmap",
        order=20,
        active=(
            "roadmap:feature_request_detail",
            "roadmap:feature_request_create",
            "roadmap:feature_request_edit",
            "roadmap:company_demand",
        ),
    ),
    NavEntry(_("Shared roadmap"), "roadmap:roadmap_board", icon="target", order=21, sub=True),
    NavEntry(
        _("Promises to decide"),
        "roadmap:promise_queue",
        icon="check",
        order=22,
        sub=True,
        permission="roadmap.manage",
    ),
    NavEntry(
        _("Lost & winnable revenue"),
        "roadmap:impact_report",
        icon="activity",
        order=23,
        sub=True,
    ),
]
