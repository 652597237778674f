"""Who may do what in the sales ↔ customer-success flow (DESIGN §5), registered by
``HandoffsConfig``.

A handoff carries the deal's commercial terms: sales, CS, every manager and admins read
handoffs and upsell signals. Account health is read by every member (the company page).
"""

from accounts.models import DepartmentKind
from accounts.policy import ALL_KINDS, Allow, admin_only, department, everyone

SALES, CS = DepartmentKind.SALES, DepartmentKind.CS

RULES: dict[str, Allow] = {
    # Read handoffs, their discrepancies and upsell signals: sales, CS, managers.
    "handoffs.view": Allow(kinds=(SALES, CS), managers_of=ALL_KINDS),
    # Fill in and submit the handoff package (goals, terms, stakeholders, notes): sales.
    "handoffs.submit": department(SALES, managers_of=(SALES,)),
    # Tick and add checklist items: both sides of the handoff.
    "handoffs.checklist": department(SALES, CS, managers_of=(SALES, CS)),
    # Accept or return a handoff, sign off promises, record and resolve discrepancies, run
    # onboarding and go-live: CS.
    "handoffs.review": department(CS, managers_of=(CS,)),
    # Give a handoff to another CS member: CS managers and admins.
    "handoffs.assign": Allow(managers_of=(CS,)),
    # Answer a discrepancy CS recorded: sales.
    "handoffs.answer": department(SALES, managers_of=(SALES,)),
    # Raise an upsell signal: CS.
    "upsell.raise": department(CS, managers_of=(CS,)),
    # Accept (open the expansion deal) or dismiss an upsell signal, change the credit split:
    # sales.
    "upsell.answer": department(SALES, managers_of=(SALES,)),
    # Set a customer's health score: CS.
    "health.set": department(CS, managers_of=(CS,)),
    # Read account health: every member.
    "health.view": everyone,
    # Checklist templates, SLA and credit settings: admins.
    "handoffs.configure": admin_only,
}
