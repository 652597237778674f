"""Event types of the sales ↔ product flow, registered by ``RoadmapConfig``.

Payload examples show the fields each event carries; ids are of the same organization.
Every event is about a record with a page: a feature request, a demand or a promise (the
last two link to their feature request's page).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from collab_hub.notifications.registry import EventType

EVENT_TYPES = [
    # --- Feature requests
    EventType(
        "feature.created",
        _("%(actor)s proposed the feature request %(target)s"),
        _(
            "A feature request was created by hand, or from a deal lost for a feature no "
            "request had yet (then without an actor's choice of title: the name sales typed)."
        ),
        {"status": "new", "title": "Single sign-on"},
    ),
    EventType(
        "feature.updated",
        _("%(actor)s updated the feature request %(target)s"),
        _("Title, description, owner, target release or effort changed: {field: [old, new]}."),
        {"changes": {"effort": [None, 8], "target_release": ["", "2026.2"]}},
    ),
    EventType(
        "feature.status_changed",
        _("%(actor)s moved the feature request %(target)s to a new status"),
        _(
            "Product moved a request along new → under_review → planned → in_progress → "
            "shipped, or declined it. Everyone who raised demand and the owners of waiting "
            "and lost deals are told; when shipped, reengage lists those deals with values."
        ),
        {
            "from": "in_progress",
            "to": "shipped",
            "note": "Released in 2026.2.",
            "reengage": [
                {
                    "deal": 12,
                    "name": "Initech renewal",
                    "company": "Initech",
                    "kind": "lost",
                    "value": "24000.00",
                    "owner": 7,
                }
            ],
        },
    ),
    EventType(
        "feature.merged",
        _("%(actor)s merged the feature request %(target)s into another"),
        _(
            "A duplicate request was merged: its demands moved to the other request "
            "(duplicates of the same company and deal ended); its requesters are told."
        ),
        {"into": 42, "into_title": "Single sign-on", "moved_demands": 3, "duplicate_demands": 1},
    ),
    # --- Demand
    EventType(
        "demand.raised",
        _("%(actor)s raised demand: %(target)s"),
        _(
            "Sales or CS recorded that a customer needs a feature: blocking an open deal, "
            "or an expansion or retention need with its value. The request's owner (else "
            "product) is told."
        ),
        {
            "feature_request": 42,
            "company": 5,
            "deal": 12,
            "kind": "blocking",
            "value": "24000.00",
        },
    ),
    # --- Promises
    EventType(
        "promise.recorded",
        _("%(actor)s promised %(target)s"),
        _(
            "Sales promised a feature on a deal. Confirmed at once when the request is "
            "planned, in progress or shipped; otherwise pending, and product is asked to "
            "approve or decline it."
        ),
        {"status": "pending", "deal": 12, "feature_request": 42, "feature_status": "new"},
    ),
    EventType(
        "promise.approved",
        _("%(actor)s approved the promise %(target)s"),
        _("Product confirmed a pending or at-risk promise; the deal's owner is told."),
        {"from": "pending", "deal": 12, "feature_request": 42, "note": ""},
    ),
    EventType(
        "promise.declined",
        _("%(actor)s declined the promise %(target)s"),
        _(
            "Product declined a pending or at-risk promise, with a reason; the deal's owner "
            "is told."
        ),
        {
            "from": "pending",
            "deal": 12,
            "feature_request": 42,
            "reason": "Not on this year's roadmap.",
        },
    ),
    EventType(
        "promise.at_risk",
        _("The promise %(target)s is at risk"),
        _(
            "The promised request was declined or moved back out of planned, in progress or "
            "shipped; the deal's owner and the promise's maker are told."
        ),
        {"feature_request": 42, "deal": 12, "status": "under_review"},
    ),
]
