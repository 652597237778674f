"""The permission matrix: every registered action × department kind × role.

The matrix enumerates the policy registry, so an app's rules are in it as soon as the app
registers them. Each app pins its own rules to DESIGN §5 in ``tests/<app>/test_policy.py``
(the organization's below), with ``assert_pinned``.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.models import DepartmentKind, Role
from accounts.policy import Allow, can, register_rules, rules, rules_of, unregister_app_rules
from tests.factories import member_of

KINDS = [k.value for k in DepartmentKind]
ROLES = [r.value for r in Role]
ALL = {(kind, role) for kind in KINDS for role in ROLES}
ADMINS = {(kind, Role.ADMIN.value) for kind in KINDS}
MANAGERS = {(kind, role) for kind in KINDS for role in (Role.MANAGER.value, Role.ADMIN.value)}


def members_of(*kinds):
    """Every role in these departments (managers and admins included)."""
    return {(kind, role) for kind in kinds for role in ROLES}


def managers_in(*kinds):
    return {(kind, role) for kind in kinds for role in (Role.MANAGER.value, Role.ADMIN.value)}


def declared(rule: Allow) -> set[tuple[str, str]]:
    """Who a rule's declaration lets in, worked out from its fields alone."""
    if rule.everyone:
        return set(ALL)
    return ADMINS | members_of(*rule.kinds) | managers_in(*rule.managers_of)


def assert_pinned(app: str, expected: dict[str, set]) -> None:
    """``app`` registers exactly the actions of ``expected``, each letting in exactly the
    (kind, role) pairs given there: the app's row of DESIGN §5."""
    registered = rules_of(app)
    assert set(registered) == set(expected)
    for action, who in expected.items():
        assert declared(registered[action]) == who, action


@pytest.fixture(scope="module")
def everybody(django_db_setup, django_db_blocker):
    """One membership per department kind × role, made once for the module and rolled back
    after it."""
    from django.db import transaction

    from tests.factories import organization_with_departments

    with django_db_blocker.unblock(), transaction.atomic():
        org = organization_with_departments(name="Matrix", slug="matrix")
        yield {(kind, role): member_of(org, kind, role) for kind in KINDS for role in ROLES}
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(rules()))
def test_policy_matrix(everybody, action):
    allowed = {pair for pair, membership in everybody.items() if can(membership, action)}
    assert allowed == declared(rules()[action])


def test_the_organizations_rules_follow_the_design():
    assert_pinned(
        "accounts",
        {
            "organization.configure": ADMINS,
            "departments.manage": ADMINS,
            "members.manage": ADMINS,
            "invitations.manage": ADMINS,
            "api_keys.manage": ADMINS,
            "members.view": ALL,
            "reports.view": MANAGERS,
        },
    )
    assert_pinned("notifications", {"comments.create": ALL})


def test_an_inactive_member_may_do_nothing(alice):
    alice.is_active = False
    assert not any(can(alice, action) for action in rules())


def test_nobody_acts_on_another_organizations_object(alice, charlie):
    assert can(alice, "departments.manage", alice.department)
    assert not can(alice, "departments.manage", charlie.department)


def test_an_unknown_action_is_a_programming_error(alice):
    with pytest.raises(KeyError):
        can(alice, "leads.teleport")


def test_an_action_registered_twice_is_an_error_at_start_up():
    with pytest.raises(ImproperlyConfigured, match="already registered by 'leads'"):
        register_rules({"leads.qualify": Allow()}, app="impostor")
    assert rules_of("impostor") == {}


def test_a_rule_must_be_declarative_so_the_matrix_can_read_it():
    try:
        with pytest.raises(ImproperlyConfigured, match="not an Allow"):
            register_rules({"impostor.act": lambda membership, obj=None: True}, app="impostor")
    finally:
        unregister_app_rules("impostor")
    assert "impostor.act" not in rules()
