"""The leads flow's rules are DESIGN §5's rows for sales ↔ marketing."""

from accounts.models import DepartmentKind
from tests.accounts.test_policy import ADMINS, MANAGERS, assert_pinned, managers_in, members_of

SALES, MARKETING = DepartmentKind.SALES.value, DepartmentKind.MARKETING.value


def test_the_leads_rules_follow_the_design():
    assert_pinned(
        "leads",
        {
            "tiers.manage": ADMINS,
            "scoring.manage": ADMINS,
            "lead_settings.manage": ADMINS,
            "campaigns.manage": members_of(MARKETING) | MANAGERS,
            "leads.create": members_of(MARKETING, SALES) | MANAGERS,
            "leads.import": members_of(MARKETING) | MANAGERS,
            "leads.qualify": members_of(MARKETING) | MANAGERS,
            "leads.update": members_of(MARKETING, SALES) | MANAGERS,
            "leads.resubmit": members_of(MARKETING) | ADMINS,
            "leads.disqualify": members_of(MARKETING, SALES) | MANAGERS,
            "leads.respond": members_of(SALES) | ADMINS,
            "deals.manage": members_of(SALES) | ADMINS,
            "deals.reopen": managers_in(SALES) | ADMINS,
            "leads.reassign": managers_in(SALES, MARKETING) | ADMINS,
            "collateral.manage": members_of(MARKETING) | ADMINS,
            "collateral.use": members_of(SALES) | ADMINS,
            "content_requests.create": members_of(SALES) | ADMINS,
            "content_requests.handle": members_of(MARKETING) | ADMINS,
            "complaints.file": members_of(SALES) | ADMINS,
            "complaints.answer": members_of(MARKETING) | ADMINS,
        },
    )
