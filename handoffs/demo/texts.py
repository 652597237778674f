"""What the people of the handoffs demo write: checklists, packages, questions, surprises,
signals and health notes (``handoffs.demo``)."""

from __future__ import annotations

from handoffs.models import DiscrepancyKind

# The checklist of each tier (by rank; the last one is the default for companies without a
# tier): (name, [(item, required before submitting)]).
TEMPLATES: list[tuple[str, list[tuple[str, bool]]]] = [
    ("Enterprise onboarding", [
        ("Signed order form and MSA attached", True),
        ("Security questionnaire answered", True),
        ("Executive sponsor introduced to CS", False),
        ("Identity provider (SSO) details collected", False),
        ("Data migration scope agreed: systems and years of history", False),
        ("Integrations listed, with an owner on the customer's side", False),
        ("Kick-off meeting booked", False),
    ]),
    ("Mid-market onboarding", [
        ("Signed order form attached", True),
        ("Customer admin named", True),
        ("Import files (CSV) received", False),
        ("Success criteria written down with the customer", False),
        ("Kick-off meeting booked", False),
        ("Training dates agreed", False),
    ]),
    ("Small-business quick start", [
        ("Signed order form attached", True),
        ("Customer admin named", True),
        ("Welcome call booked", False),
        ("Self-serve import done or scheduled", False),
        ("Onboarding guide sent", False),
    ]),
    ("Standard onboarding", [
        ("Signed order form attached", True),
        ("Customer admin named", True),
        ("Kick-off meeting booked", False),
        ("Data import planned", False),
        ("Training dates agreed", False),
    ]),
]  # fmt: skip
GOALS = {
    "logistics": "Replace the spreadsheets between sales, dispatch and finance with one record "
    "per shipment contract, with promised delivery windows visible to the account team. "
    "Start with the Poland–Germany routes.",
    "fintech": "One pipeline for new merchant accounts from the first call to go-live, with "
    "the compliance checks tracked per account; halve the time to onboard a merchant.",
    "software": "Sales, CS and product on one customer record; customers' feature requests "
    "tied to revenue; no more surprises at renewal.",
    "retail": "Coordinate supplier deals and store openings across regions; a weekly "
    "pipeline review per region without manual reports.",
    "energy": "Follow B2B energy contracts from offer to switch-over; the account team sees "
    "every open issue of a customer before a renewal call.",
    "healthcare": "Follow each clinic's rollout from contract to trained staff, with a clean "
    "audit trail for their compliance team.",
    "manufacturing": "Quotes, orders and after-sales service per distributor in one place; "
    "spot distributors at risk early.",
    "travel": "Corporate accounts and group bookings handled by one team; no renewal missed.",
}
DEFAULT_GOAL = "One shared view of every customer from first call to renewal."
DISCOUNTS = [
    "10 % discount in the first year (approved by the sales manager).",
    "No discount; two extra training sessions included.",
    "5 % discount for a two-year commitment.",
]
RENEWALS = [
    "renews automatically for 12 months, 60 days' notice",
    "renegotiated 90 days before the end of the term",
]
NOTES = [
    "Data: three years of history to import from their current CRM (CSV export, about "
    "40,000 rows).",
    "Integrations: their ERP for invoices; e-mail and calendar through Microsoft 365.",
    "Timeline: kick-off within two weeks of signature, go-live in six weeks.",
    "Single sign-on wanted in a second phase; passwords to start with.",
    "They want a sandbox for the first two weeks before inviting the whole team.",
    "Training: two remote sessions for admins, one recorded session for end users.",
]
RISKS = [
    "The champion leaves in Q1; the new head of operations was not in the calls.",
    "They compared us with a cheaper competitor; expect pushback on price at renewal.",
    "Their IT team is small: the integration may slip.",
    "Their data is messy: duplicates across two regional CRMs.",
    "",
]
ROLES = {
    "head of operations": "Executive sponsor",
    "coo": "Executive sponsor",
    "cfo": "Budget owner",
    "finance director": "Budget owner, signs the renewal",
    "it director": "Technical lead: SSO and integrations",
    "cto": "Technical lead: SSO and integrations",
    "procurement manager": "Contract and invoicing",
}
DEFAULT_ROLE = "Champion and day-to-day admin"
QUESTIONS = [
    "The terms say 25 seats but the signed order form says 30: which is right? And who on "
    "their side owns the data import? No IT contact is named.",
    "Which identity provider do they use, and was single sign-on promised for the first "
    "phase? The notes and the proposal disagree.",
]
ANSWERS_TO_QUESTIONS = [
    "30 seats is right (the order form was updated in the last round); their IT lead is now "
    "a stakeholder.",
    "Azure AD; SSO is the second phase, confirmed with their CTO on a call today. Notes updated.",
]
# A surprise of each kind CS records, with what sales answers to it.
SURPRISES: dict[str, list[tuple[str, str]]] = {
    DiscrepancyKind.MISSING_INFORMATION: [
        ("The handoff does not say they need a data import from two regional CRMs; we "
         "learned it at the kick-off.",
         "They brought it up only in the last call; I'll send you their export files today."),
        ("Nobody on their side can set up the integration: the package names no IT contact.",
         "Their IT director is a stakeholder now; I'll introduce you this week."),
    ],
    DiscrepancyKind.WRONG_TERMS: [
        ("The order form has a 15 % discount and quarterly billing; the handoff says 10 % "
         "and annual.",
         "My mistake: the order form is what counts. I told their finance team."),
        ("The contract says 40 seats, the handoff 25.",
         "40 is right: they added a team in the last round. Package corrected."),
    ],
    DiscrepancyKind.OTHER: [
        ("The customer expects on-site training in the first week; nothing in the package "
         "mentions it.",
         "I offered it in the final call; I'll pay the travel from the sales budget."),
        ("They were told onboarding takes one week; for their size our plan is four.",
         "We said about a week for the first logins, not for the whole rollout; I'll "
         "clarify with the sponsor."),
    ],
    DiscrepancyKind.UNDELIVERABLE_PROMISE: [
        ("Promised for the go-live, but the feature is not on the roadmap for this quarter: "
         "we cannot deliver it.",
         "Understood; I told the sponsor and offered the CSV export as a workaround."),
    ],
}  # fmt: skip
# CS's sign-off of a promise product moved back, and sales' answer to the discrepancy.
UNDELIVERABLE = (
    "Product moved it back to review after the promise: we cannot deliver it for the go-live.",
    "Understood; I told their sponsor it slipped and offered a discount until it ships.",
)
# (kind, confidence, estimated value, note, outcome).
SIGNALS: list[tuple[str, str, int, str, str]] = [
    ("seats", "high", 18000, "Their second warehouse team (40 people) wants access after "
     "seeing the pilot.", "won"),
    ("upgrade", "medium", 24000, "They asked twice about the audit log and SSO: the "
     "Enterprise plan covers both.", "won"),
    ("cross_sell", "medium", 9000, "Finance wants the reporting add-on for month-end.",
     "accepted"),
    ("renewal", "high", 36000, "Renewal in four months; the sponsor wants a two-year term "
     "with more seats.", "split"),
    ("seats", "low", 6000, "A sister company might join; nothing concrete yet.", "dismissed"),
    ("upgrade", "low", 12000, "The new COO likes the forecasting view in the demo.",
     "dismissed"),
    ("cross_sell", "medium", 7500, "Their support team asked for the ticketing integration.",
     "dismissed"),
    ("seats", "medium", 15000, "Two more regional teams start in January.", "overdue"),
    ("renewal", "medium", 20000, "Renewal in three months; they want a price lock.", "open"),
    ("upgrade", "high", 30000, "They need EU data residency for a new client: Enterprise "
     "plan.", "open"),
]  # fmt: skip
DISMISS_REASONS = [
    "Already in talks with the group's procurement: it is part of the frame agreement.",
    "Their budget is frozen until the next fiscal year; we asked last month.",
    "They are trialling a competitor's add-on; we follow up at the renewal.",
]
HEALTH_NOTES = {
    "green": [
        "Weekly active users up; the sponsor is happy with the reports.",
        "Smooth onboarding: every team uses it.",
        "Good quarterly review; they asked about more seats.",
    ],
    "amber": [
        "Usage dropped after their reorganisation; a refresher training is planned.",
        "Two escalations this month about the import.",
    ],
}
AT_RISK = [
    (76, "Good start: all admins trained."),
    (61, "Usage down since their integration slipped."),
    (44, "Escalation: they are missing the reporting they were promised."),
    (32, "The sponsor asked about cancellation terms; the renewal is at risk."),
]
RETENTION_FEATURES = ["Advanced reporting dashboards", "Custom fields on deals"]
