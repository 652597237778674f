"""The roadmap's rules are DESIGN §5's rows for sales ↔ product."""

from accounts.models import DepartmentKind
from tests.accounts.test_policy import ADMINS, ALL, assert_pinned, members_of

SALES, CS, PRODUCT = (
    DepartmentKind.SALES.value,
    DepartmentKind.CS.value,
    DepartmentKind.PRODUCT.value,
)


def test_the_roadmap_rules_follow_the_design():
    assert_pinned(
        "roadmap",
        {
            "roadmap.view": ALL,
            "roadmap.create": members_of(SALES, CS, PRODUCT) | ADMINS,
            "roadmap.demand": members_of(SALES, CS) | ADMINS,
            "roadmap.manage": members_of(PRODUCT) | ADMINS,
            "roadmap.promise": members_of(SALES) | ADMINS,
            "roadmap.configure": ADMINS,
        },
    )
