"""The handoffs rules are DESIGN §5's rows for sales ↔ customer success: sales submits the
handoff and answers upsell signals, CS accepts or returns it, records discrepancies and
raises signals; marketing and product do none of it."""

from accounts.models import DepartmentKind
from tests.accounts.test_policy import ADMINS, ALL, MANAGERS, assert_pinned, managers_in, members_of

SALES, CS = DepartmentKind.SALES.value, DepartmentKind.CS.value


def test_the_handoffs_rules_follow_the_design():
    assert_pinned(
        "handoffs",
        {
            # Handoffs carry the deal's terms: sales, CS and every manager read them.
            "handoffs.view": members_of(SALES, CS) | MANAGERS,
            "handoffs.submit": members_of(SALES) | ADMINS,
            "handoffs.checklist": members_of(SALES, CS) | ADMINS,
            "handoffs.review": members_of(CS) | ADMINS,
            "handoffs.assign": managers_in(CS) | ADMINS,
            "handoffs.answer": members_of(SALES) | ADMINS,
            "upsell.raise": members_of(CS) | ADMINS,
            "upsell.answer": members_of(SALES) | ADMINS,
            "health.set": members_of(CS) | ADMINS,
            "health.view": ALL,
            "handoffs.configure": ADMINS,
        },
    )


def test_marketing_and_product_members_do_nothing_in_handoffs_but_read_health():
    from accounts.policy import rules_of
    from tests.accounts.test_policy import declared

    for kind in (DepartmentKind.MARKETING.value, DepartmentKind.PRODUCT.value):
        member = (kind, "member")
        allowed = {
            action for action, rule in rules_of("handoffs").items() if member in declared(rule)
        }
        assert allowed == {"health.view"}, kind
