"""DESIGN §5 as a matrix: every action × department kind × role."""

import pytest

from accounts.models import DepartmentKind, Role
from accounts.policy import RULES, can
from tests.factories import member_of

KINDS = [k.value for k in DepartmentKind]
ROLES = [r.value for r in Role]
ALL = {(kind, role) for kind in KINDS for role in ROLES}
ADMINS = {(kind, Role.ADMIN) for kind in KINDS}
MANAGERS = {(kind, role) for kind in KINDS for role in (Role.MANAGER, Role.ADMIN)}


def members_of(*kinds):
    """Every role in these departments (managers and admins included)."""
    return {(kind, role) for kind in kinds for role in ROLES}


def managers_in(*kinds):
    return {(kind, role) for kind in kinds for role in (Role.MANAGER, Role.ADMIN)}


SALES, MARKETING = DepartmentKind.SALES.value, DepartmentKind.MARKETING.value

# Who may do what: the set of (department kind, role) allowed for each action (DESIGN §5).
EXPECTED = {
    "organization.configure": ADMINS,
    "departments.manage": ADMINS,
    "members.manage": ADMINS,
    "invitations.manage": ADMINS,
    "members.view": ALL,
    "reports.view": MANAGERS,
    "comments.create": ALL,
    "tiers.manage": ADMINS,
    "scoring.manage": ADMINS,
    "lead_settings.manage": ADMINS,
    "campaigns.manage": members_of(MARKETING) | MANAGERS,
    "leads.create": members_of(MARKETING, SALES) | MANAGERS,
    "leads.import": members_of(MARKETING) | MANAGERS,
    "leads.qualify": members_of(MARKETING) | MANAGERS,
    "leads.update": members_of(MARKETING, SALES) | MANAGERS,
    "leads.disqualify": members_of(MARKETING, SALES) | MANAGERS,
    "leads.respond": members_of(SALES) | ADMINS,
    "deals.manage": members_of(SALES) | ADMINS,
    "leads.reassign": managers_in(SALES, MARKETING) | ADMINS,
    "collateral.manage": members_of(MARKETING) | ADMINS,
    "collateral.use": members_of(SALES) | ADMINS,
    "content_requests.create": members_of(SALES) | ADMINS,
    "content_requests.handle": members_of(MARKETING) | ADMINS,
    "complaints.file": members_of(SALES) | ADMINS,
    "complaints.answer": members_of(MARKETING) | ADMINS,
}


def test_the_matrix_names_every_action_in_the_policy():
    assert set(EXPECTED) == set(RULES)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_policy_matrix(org, kind, role):
    membership = member_of(org, kind, role)
    allowed = {action for action in RULES if can(membership, action)}
    expected = {action for action, who in EXPECTED.items() if (kind, role) in who}
    assert allowed == expected


def test_an_inactive_member_may_do_nothing(alice):
    alice.is_active = False
    assert not any(can(alice, action) for action in RULES)


def test_nobody_acts_on_another_organizations_object(alice, charlie):
    assert can(alice, "departments.manage", alice.department)
    assert not can(alice, "departments.manage", charlie.department)


def test_an_unknown_action_is_a_programming_error(alice):
    with pytest.raises(KeyError):
        can(alice, "leads.teleport")
