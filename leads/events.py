"""Event types of the sales ↔ marketing flow, registered by ``LeadsConfig``.

Payload examples show the fields each event carries; ids are of the same organization.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from collab_hub.notifications.registry import EventType

if TYPE_CHECKING:
    from collab_hub.notifications.models import ActivityEvent


def _sla_digest_link(event: ActivityEvent) -> str:
    """Sales answers in the queue; marketing follows its MQLs in the lead list."""
    if (event.payload or {}).get("audience") == "sales":
        return reverse("leads:mql_queue")
    return reverse("leads:lead_list") + "?status=mql"


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
            "updated": 13,
            "repeated": 2,
            "invalid": 5,
            "qualified": 12,
        },
    ),
    EventType(
        "lead.import_finished",
        _("The import %(target)s finished"),
        _(
            "A CSV import running in the background finished; its uploader is notified. "
            "The totals say what happened to its rows."
        ),
        {
            "file_name": "expo-2026.csv",
            "rows": 120,
            "created": 100,
            "updated": 13,
            "repeated": 2,
            "invalid": 5,
            "qualified": 12,
        },
    ),
    EventType(
        "lead.import_failed",
        _("The import %(target)s stopped before the end"),
        _(
            "A CSV import failed (an error, or its worker stopped); its uploader is notified "
            "and may resume it from the last committed row."
        ),
        {
            "file_name": "expo-2026.csv",
            "reason": "The import stopped responding (its worker was stopped or lost).",
            "records_done": 40000,
            "total_records": 100000,
        },
    ),
    EventType(
        "lead.updated",
        _("%(actor)s updated the lead %(target)s"),
        _(
            "A lead's fields were changed; changes are [old, new], labels name the rows "
            "a changed campaign points to."
        ),
        {
            "status": "new",
            **_FIELDS,
            "changes": {"industry": ["", "Software"], "campaign": [3, 7]},
            "labels": {"campaign": ["Expo 2026", "Webinar May"]},
        },
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
        "lead.resubmitted",
        _("%(actor)s resubmitted the lead %(target)s to sales"),
        _(
            "Marketing corrected a rejected lead and handed it to sales again "
            "(rejected → mql), with a note; the SLA starts again."
        ),
        {
            "status": "mql",
            "note": "Phone number fixed; the budget is approved now.",
            "sla_due_at": "2026-12-03T09:00:00+00:00",
            "owner": 14,
            "previous_reason": "bad_contact_data",
            "previous_reason_label": "Bad contact data",
            "previous_note": "The phone number is wrong.",
            "resubmissions": 1,
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
        _(
            "An MQL was not answered by its SLA deadline (flagged once). Notifies nobody: "
            "people hear of it in that run's lead.sla_digest."
        ),
        {"status": "mql", "sla_due_at": "2026-12-03T09:00:00+00:00", "owner": 14},
    ),
    EventType(
        "lead.sla_digest",
        _("Leads past their response deadline: %(count)s"),
        _(
            "One per breach run and group of recipients: the MQLs that just missed their "
            "deadline, for their owners and the sales managers (audience sales) or marketing "
            "(audience marketing); lists at most 50, count says how many."
        ),
        {
            "audience": "sales",
            "count": 2,
            "leads": [
                {"id": 1021, "label": "Jane Doe", "url": "/leads/1021/"},
                {"id": 1022, "label": "Ola Nowak", "url": "/leads/1022/"},
            ],
        },
        link=_sla_digest_link,
        in_activity=False,
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
        _(
            "A deal's fields were changed; values are [old, new], labels name the rows a "
            "changed owner, company or contact points to."
        ),
        {
            "changes": {"value": ["0.00", "24000.00"], "owner": [14, 15]},
            "labels": {"owner": ["Sam Rep", "Sue Rep"]},
        },
    ),
    EventType(
        "deal.reopened",
        _("%(actor)s reopened the deal %(target)s"),
        _(
            "A sales manager reopened a won or lost deal, with a reason; it is back in an "
            "open stage and no longer counts as won or lost."
        ),
        {
            "from": "won",
            "to": "negotiation",
            "value": "24000.00",
            "reason": "Signed the wrong entity.",
        },
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
        _(
            "A deal was lost, with a reason; with missing_feature, missing_features names the "
            "features it lacked and feature_request_ids lists the ids of the organization's "
            "feature requests chosen instead of a name (e.g. [42])."
        ),
        {
            "from": "proposal",
            "value": "24000.00",
            "reason": "missing_feature",
            "reason_label": "Missing feature",
            "note": "Needs SSO.",
            "missing_features": ["SSO"],
            "feature_request_ids": [],
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
        _(
            "A complaint was not answered by its due date (flagged once). Notifies nobody: "
            "the marketing managers hear of it in that run's complaint.overdue_digest."
        ),
        {"due_at": "2026-12-05T09:00:00+00:00", "filed_by": 14},
    ),
    EventType(
        "complaint.overdue_digest",
        _("Lead-quality complaints past their answer date: %(count)s"),
        _(
            "One per run and organization, for the marketing managers: the complaints that "
            "just became overdue (at most 50 listed, count says how many)."
        ),
        {
            "count": 1,
            "complaints": [
                {
                    "id": 31,
                    "label": "Not our ideal customer — Expo 2026",
                    "url": "/quality/complaints/31/",
                }
            ],
        },
        link=lambda event: reverse("leads:quality_complaints"),
        in_activity=False,
    ),
]
