"""Event types of the sales ↔ marketing flow, registered by ``LeadsConfig``.

Payload examples show the fields each event carries; ids are of the same organization.
"""

from django.utils.translation import gettext_lazy as _

from collab_hub.notifications.registry import EventType

_FIELDS = {"fields": ["industry", "phone"]}
_CHANGES = {"changes": {"industry": ["", "Software"]}}

EVENT_TYPES = [
    # --- Leads
    EventType(
        "lead.created",
        _("%(actor)s added the lead %(target)s"),
        _("A lead was created by hand, through the API or by the capture form."),
        {"status": "new", "source": "website", "score": 35},
    ),
    EventType(
        "lead.imported",
        _("%(actor)s imported leads from %(target)s"),
        _("A CSV import finished; the totals say what happened to its rows."),
        {
            "file_name": "expo-2026.csv",
            "rows": 120,
            "created": 100,
            "updated": 15,
            "invalid": 5,
            "qualified": 12,
        },
    ),
    EventType(
        "lead.updated",
        _("%(actor)s updated the lead %(target)s"),
        _("A lead's fields were changed."),
        {"status": "new", **_FIELDS},
    ),
    EventType(
        "lead.qualified",
        _("%(actor)s handed the lead %(target)s to sales"),
        _("Marketing qualified a lead (new → mql); its sales owner must answer by the SLA."),
        {"status": "mql", "sla_due_at": "2026-12-03T09:00:00+00:00", "owner": 14},
    ),
    EventType(
        "lead.accepted",
        _("%(actor)s accepted the lead %(target)s"),
        _("Sales accepted an MQL (mql → accepted)."),
        {"status": "accepted"},
    ),
    EventType(
        "lead.rejected",
        _("%(actor)s rejected the lead %(target)s"),
        _("Sales rejected an MQL with a reason code and a note that marketing sees."),
        {
            "status": "rejected",
            "reason": "no_budget",
            "reason_label": "No budget",
            "note": "Budget frozen until Q3.",
        },
    ),
    EventType(
        "lead.converted",
        _("%(actor)s converted the lead %(target)s into a deal"),
        _("An accepted lead became a contact and a deal."),
        {"status": "converted", "deal": 311},
    ),
    EventType(
        "lead.disqualified",
        _("%(actor)s disqualified the lead %(target)s"),
        _("A lead was taken out of the funnel."),
        {"status": "disqualified", "note": "Student, not a buyer."},
    ),
    EventType(
        "lead.sla_breached",
        _("The lead %(target)s waited past its response deadline"),
        _("An MQL was not answered by its SLA deadline (flagged once)."),
        {"status": "mql", "sla_due_at": "2026-12-03T09:00:00+00:00", "owner": 14},
    ),
    # --- Deals, companies, contacts
    EventType(
        "deal.opened",
        _("%(actor)s opened the deal %(target)s"),
        _("A deal was opened, by hand or by converting a lead."),
        {"stage": "qualification", "value": "24000.00", "source": "marketing"},
    ),
    EventType(
        "deal.updated",
        _("%(actor)s changed the deal %(target)s"),
        _("A deal's fields were changed; values are [old, new]."),
        {"changes": {"value": ["0.00", "24000.00"]}},
    ),
    EventType(
        "deal.advanced",
        _("%(actor)s moved the deal %(target)s to another stage"),
        _("A deal moved between open stages."),
        {"from": "qualification", "to": "proposal", "direction": "forward", "value": "24000.00"},
    ),
    EventType(
        "deal.won",
        _("%(actor)s won the deal %(target)s"),
        _("A deal was won."),
        {"from": "negotiation", "value": "24000.00", "kind": "new"},
    ),
    EventType(
        "deal.lost",
        _("%(actor)s marked the deal %(target)s as lost"),
        _("A deal was lost, with a reason; missing_feature names the features it lacked."),
        {
            "from": "proposal",
            "value": "24000.00",
            "reason": "missing_feature",
            "reason_label": "Missing feature",
            "note": "Needs SSO.",
            "missing_features": ["SSO"],
        },
    ),
    EventType(
        "company.created",
        _("%(actor)s added the company %(target)s"),
        _("A company was added."),
    ),
    EventType(
        "company.updated",
        _("%(actor)s changed the company %(target)s"),
        _("A company's fields were changed; values are [old, new]."),
        _CHANGES,
    ),
    EventType(
        "contact.created",
        _("%(actor)s added the contact %(target)s"),
        _("A contact was added."),
    ),
    EventType(
        "contact.updated",
        _("%(actor)s changed the contact %(target)s"),
        _("A contact's fields were changed; values are [old, new]."),
        {"changes": {"title": ["", "CFO"]}},
    ),
    # --- Collateral and content requests
    EventType(
        "collateral.shared",
        _("%(actor)s shared %(target)s in the collateral library"),
        _("Marketing added a file or link to the collateral library."),
        {"kind": "file", "tiers": [2], "stages": ["proposal"]},
    ),
    EventType(
        "collateral.updated",
        _("%(actor)s updated the collateral %(target)s"),
        _("A collateral item was changed."),
        {"fields": ["title"]},
    ),
    EventType(
        "collateral.archived",
        _("%(actor)s archived the collateral %(target)s"),
        _("A collateral item was archived; its usage history stays."),
    ),
    EventType(
        "collateral.used",
        _("%(actor)s used %(target)s on a deal"),
        _("Sales recorded the use of a collateral item on a deal."),
        {"deal": 311, "deal_name": "Acme — platform", "stage": "proposal"},
    ),
    EventType(
        "content.requested",
        _("%(actor)s asked marketing for %(target)s"),
        _("Sales asked marketing for material."),
        {"status": "open", "deal": 311, "due_date": "2026-12-10"},
    ),
    EventType(
        "content.own_material",
        _("%(actor)s used their own material on a deal and asked marketing for %(target)s"),
        _("Sales used self-made material on a deal; marketing gets a request for it."),
        {"status": "open", "deal": 311, "deal_name": "Acme — platform", "stage": "proposal"},
    ),
    EventType(
        "content.started",
        _("%(actor)s started working on the content request %(target)s"),
        _("Marketing started on a content request."),
        {"status": "in_progress", "deal": 311},
    ),
    EventType(
        "content.completed",
        _("%(actor)s delivered the content request %(target)s"),
        _("Marketing delivered a content request, possibly with a collateral item."),
        {"status": "done", "deal": 311, "collateral": 52, "note": "Added to the library."},
    ),
    EventType(
        "content.declined",
        _("%(actor)s declined the content request %(target)s"),
        _("Marketing declined a content request, with a reason."),
        {"status": "declined", "deal": 311, "reason": "We have this already."},
    ),
    # --- Configuration
    EventType(
        "campaign.created",
        _("%(actor)s created the campaign %(target)s"),
        _("A marketing campaign was created."),
        {"channel": "events", "cost": "12000.00"},
    ),
    EventType(
        "campaign.updated",
        _("%(actor)s changed the campaign %(target)s"),
        _("A campaign was changed."),
        {"fields": ["cost"]},
    ),
    EventType(
        "tier.created",
        _("%(actor)s added the tier %(target)s"),
        _("An admin added an ideal-customer tier; leads are re-tiered."),
        {"rank": 1},
    ),
    EventType(
        "tier.updated",
        _("%(actor)s changed the tier %(target)s"),
        _("An admin changed a tier; leads are re-tiered."),
        {"rank": 1, "fields": ["countries"]},
    ),
    EventType(
        "tier.deleted",
        _("%(actor)s removed the tier %(target)s"),
        _("An admin removed a tier that no lead had."),
        {"rank": 3, "name": "Mid-market"},
    ),
    EventType(
        "scoring_rule.created",
        _("%(actor)s added the scoring rule %(target)s"),
        _("An admin added a scoring rule; leads are re-scored."),
        {"points": 10},
    ),
    EventType(
        "scoring_rule.updated",
        _("%(actor)s changed the scoring rule %(target)s"),
        _("An admin changed a scoring rule; leads are re-scored."),
        {"points": 15, "fields": ["points"]},
    ),
    EventType(
        "scoring_rule.deactivated",
        _("%(actor)s switched off the scoring rule %(target)s"),
        _("An admin switched a scoring rule off; leads are re-scored."),
        {"points": 15},
    ),
    EventType(
        "lead_settings.updated",
        _("%(actor)s changed the lead settings"),
        _("An admin changed the MQL threshold, automatic qualification or complaint days."),
        {"changes": {"mql_threshold": [50, 60]}},
    ),
    # --- Lead-quality complaints
    EventType(
        "complaint.filed",
        _("%(actor)s filed a lead-quality complaint (%(target)s)"),
        _("Sales complained about the quality of leads; marketing must answer by the due date."),
        {
            "reason": "not_icp",
            "reason_label": "Not our ideal customer",
            "campaign": 7,
            "import_batch": None,
            "examples": [1021, 1022],
            "due_at": "2026-12-05T09:00:00+00:00",
        },
    ),
    EventType(
        "complaint.answered",
        _("%(actor)s answered the lead-quality complaint (%(target)s)"),
        _("Marketing answered a lead-quality complaint."),
        {"answer": "Filter fixed.", "action_taken": "Excluded students.", "late": False},
    ),
    EventType(
        "complaint.overdue",
        _("The lead-quality complaint (%(target)s) is overdue"),
        _("A complaint was not answered by its due date (flagged once)."),
        {"due_at": "2026-12-05T09:00:00+00:00", "filed_by": 14},
    ),
]
