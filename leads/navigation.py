"""The leads flow's sidebar entries, registered by ``LeadsConfig``."""

from django.utils.translation import gettext_lazy as _

from collab_hub.navigation import NavEntry

NAVIGATION = [
    NavEntry(
        _("Leads"),
        "leads:lead_list",
        icon="leads",
        order=10,
        active=(
            "leads:lead_detail",
            "leads:lead_create",
            "leads:lead_import",
            "leads:lead_import_list",
            "leads:lead_import_detail",
            "leads:campaign_list",
            "leads:campaign_create",
            "leads:campaign_edit",
        ),
    ),
    NavEntry(
        _("My MQL queue"),
        "leads:mql_queue",
        icon="check",
        order=11,
        sub=True,
        permission="leads.respond",
    ),
    NavEntry(
        _("Deals"),
        "leads:deal_board",
        icon="target",
        order=12,
        sub=True,
        active=("leads:deal_detail",),
    ),
    NavEntry(_("Collateral"), "leads:collateral_library", icon="departments", order=13, sub=True),
    NavEntry(
        _("Reports"),
        "leads:lead_quality_report",
        icon="activity",
        order=14,
        sub=True,
        permission="reports.view",
    ),
]
