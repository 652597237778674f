"""Event types of the sales ↔ customer-success flow, registered by ``HandoffsConfig``.

Payload examples show the fields each event carries; ids are of the same organization.
Every event is about a record with a page: a handoff, a discrepancy (its handoff's page), an
upsell signal or a customer account (its company's page).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from collab_hub.notifications.registry import EventType

_MOVE = {"from": "draft", "to": "submitted", "note": ""}

EVENT_TYPES = [
    # --- Handoffs
    EventType(
        "handoff.opened",
        _("A handoff was opened for %(target)s"),
        _(
            "A deal was won for the first time: its handoff opened as a draft with the "
            "deal's owner as sales owner and a CS owner (the company's, else the next CS "
            "member in turn). Both are told."
        ),
        {"deal": 12, "sales_owner": 7, "cs_owner": 9, "checklist_items": 4, "promises": 2},
    ),
    EventType(
        "handoff.updated",
        _("%(actor)s updated %(target)s"),
        _(
            "The package changed (goals, terms, notes, risks, CS owner, stakeholders): "
            "{field: [old, new]}."
        ),
        {"changes": {"risks": ["", "Legacy data in two CRMs."]}},
    ),
    EventType(
        "handoff.submitted",
        _("%(actor)s submitted %(target)s to CS"),
        _(
            "Sales submitted the package (again, after answering CS's questions); the CS "
            "owner (else CS's managers) is told; acceptance is due by accept_due_at."
        ),
        {**_MOVE, "accept_due_at": "2026-12-08T09:00:00+00:00"},
    ),
    EventType(
        "handoff.returned",
        _("%(actor)s returned %(target)s to sales with questions"),
        _("CS sent the package back with questions; the sales owner is told."),
        {"from": "submitted", "to": "returned", "questions": "Which SSO provider?"},
    ),
    EventType(
        "handoff.accepted",
        _("%(actor)s accepted %(target)s"),
        _(
            "CS accepted the handoff, every promise signed off; the sales owner is told. "
            "late says whether it was past the acceptance SLA."
        ),
        {"from": "submitted", "to": "accepted", "late": False, "discrepancies": 1},
    ),
    EventType(
        "handoff.onboarding_started",
        _("%(actor)s started onboarding %(target)s"),
        _("CS started the customer's onboarding; the sales owner is told."),
        {"from": "accepted", "to": "onboarding"},
    ),
    EventType(
        "handoff.live",
        _("%(target)s went live"),
        _("The customer is live; the sales owner is told."),
        {"from": "onboarding", "to": "live"},
    ),
    EventType(
        "handoff.overdue",
        _("%(target)s is past its acceptance SLA"),
        _(
            "A submitted handoff was neither accepted nor returned in time (flagged once). "
            "Notifies nobody: CS's managers hear of it in that run's handoff.overdue_digest."
        ),
        {"accept_due_at": "2026-12-08T09:00:00+00:00", "cs_owner": 9},
    ),
    EventType(
        "handoff.overdue_digest",
        _("Handoffs past their acceptance SLA: %(count)s"),
        _(
            "One per run and organization, for CS's managers (its admins when CS has no "
            "manager): the handoffs that just became overdue (at most 50 listed)."
        ),
        {
            "count": 1,
            "handoffs": [{"id": 3, "label": "Handoff: Initech renewal", "url": "/handoffs/3/"}],
        },
        link=lambda event: reverse("handoffs:handoff_list") + "?status=submitted",
        in_activity=False,
    ),
    EventType(
        "handoff.promise_signed_off",
        _("%(actor)s signed off a promise of %(target)s"),
        _(
            "CS said whether one promise of the deal can be delivered; not deliverable "
            "records an undeliverable_promise discrepancy."
        ),
        {"promise": 21, "feature_request": 42, "deliverable": False, "note": "Not in 2027."},
    ),
    # --- Discrepancies
    EventType(
        "discrepancy.recorded",
        _("%(actor)s recorded a surprise: %(target)s"),
        _("CS recorded a discrepancy in a handoff; the sales owner is told."),
        {"handoff": 3, "kind": "wrong_terms", "promise": None},
    ),
    EventType(
        "discrepancy.answered",
        _("%(actor)s answered the surprise %(target)s"),
        _("Sales answered a discrepancy; the CS member who recorded it is told."),
        {"handoff": 3, "answer": "The discount was approved by the CFO."},
    ),
    EventType(
        "discrepancy.resolved",
        _("%(actor)s resolved the surprise %(target)s"),
        _("A discrepancy was marked resolved (or reopened: resolved false)."),
        {"handoff": 3, "resolved": True},
    ),
    # --- Upsell signals
    EventType(
        "upsell.raised",
        _("%(actor)s raised an upsell signal: %(target)s"),
        _(
            "CS saw expansion potential; the signal is routed to the company's sales owner "
            "(owner of its latest won deal, else the sales managers), who is told."
        ),
        {
            "company": 5,
            "kind": "seats",
            "estimated_value": "12000.00",
            "confidence": "high",
            "routed_to": 7,
        },
    ),
    EventType(
        "upsell.accepted",
        _("%(actor)s accepted the upsell signal %(target)s"),
        _(
            "Sales accepted a signal: an expansion deal (source cs) was opened and linked, "
            "with the credit split; the CS member who raised it is told."
        ),
        {"deal": 31, "cs_credit_percent": "30.00"},
    ),
    EventType(
        "upsell.dismissed",
        _("%(actor)s dismissed the upsell signal %(target)s"),
        _("Sales dismissed a signal, with a reason; the CS member who raised it is told."),
        {"reason": "They are consolidating vendors this year."},
    ),
    EventType(
        "upsell.credit_changed",
        _("%(actor)s changed the credit split of %(target)s"),
        _("The CS share of the expansion deal's credit changed: [old, new] in percent."),
        {"cs_credit_percent": ["30.00", "50.00"]},
    ),
    EventType(
        "upsell.unanswered",
        _("The upsell signal %(target)s is waiting for an answer"),
        _(
            "A signal stayed open longer than the organization allows (flagged once). "
            "Notifies nobody: the sales managers hear of it in upsell.unanswered_digest."
        ),
        {"routed_to": 7, "raised_at": "2026-12-01T09:00:00+00:00"},
    ),
    EventType(
        "upsell.unanswered_digest",
        _("Upsell signals waiting for sales: %(count)s"),
        _(
            "One per run and organization, for the sales managers: the signals that just "
            "passed the answer window (at most 50 listed)."
        ),
        {
            "count": 1,
            "signals": [{"id": 4, "label": "More seats — Initech", "url": "/upsell/4/"}],
        },
        link=lambda event: reverse("handoffs:upsell_list") + "?status=open",
        in_activity=False,
    ),
    # --- Account health
    EventType(
        "account.health_changed",
        _("%(actor)s set the health of %(target)s"),
        _(
            "CS set a customer's health score (0–100; red below 40, amber below 70). A "
            "customer turning red tells its sales owner."
        ),
        {"from": 72, "to": 35, "band": "red", "note": "Champion left the company."},
    ),
    EventType(
        "account.cs_owner_changed",
        _("%(actor)s changed the CS owner of %(target)s"),
        _("The customer's CS owner changed; the new owner is told."),
        {"from": 9, "to": 11},
    ),
]
