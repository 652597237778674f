"""Who may do what: the one answer to "may this membership do X (to Y)".

DESIGN §5 as a registry of rules. Views, API permissions, services and the admin all ask
``can`` (or ``require``); no other module compares roles or department kinds.

Each app keeps its rules in ``<app>/policy.py`` as a ``RULES`` mapping of action name →
``Allow`` and registers them when it loads::

    class RoadmapConfig(AppConfig):
        def ready(self) -> None:
            from accounts.policy import register_rules
            from roadmap.policy import RULES

            register_rules(RULES, app=self.label)

An action name registered twice is an error at start-up (``ImproperlyConfigured``), and the
permission-matrix test enumerates the registry, so a new app's rules are tested without
anyone editing the test.

Reading shared objects (departments, members, roadmap, tiers, goals, collateral) needs only
an active membership; record visibility (all / department / own) is applied by the tenancy
queryset, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from accounts.models import DepartmentKind, Role

if TYPE_CHECKING:
    from accounts.models import Membership

ALL_KINDS: tuple[str, ...] = tuple(DepartmentKind.values)


@dataclass(frozen=True)
class Allow:
    """Who may take an action, by department kind and role. Admins always may.

    ``kinds``: every member (any role) of departments of these kinds; ``managers_of``:
    managers of departments of these kinds; ``everyone``: every active member.
    """

    kinds: tuple[str, ...] = ()
    managers_of: tuple[str, ...] = ()
    everyone: bool = False

    def permits(self, kind: str, role: str) -> bool:
        """Whether a member of a ``kind`` department with ``role`` may take the action."""
        if self.everyone or role == Role.ADMIN:
            return True
        if role == Role.MANAGER and kind in self.managers_of:
            return True
        return kind in self.kinds

    def __call__(self, membership: Membership, obj: Any = None) -> bool:
        return self.permits(membership.department.kind, membership.role)


# The shapes DESIGN §5 uses, by name.
admin_only = Allow()
managers = Allow(managers_of=ALL_KINDS)
everyone = Allow(everyone=True)


def department(*kinds: str, managers_of: tuple[str, ...] = ()) -> Allow:
    """Members of ``kinds``, managers of ``managers_of`` departments, and admins."""
    return Allow(kinds=tuple(kinds), managers_of=tuple(managers_of))


# The organization itself: configuration, people and the cross-flow views.
RULES: dict[str, Allow] = {
    # Organization configuration (settings, departments, members, invitations) — admins.
    "organization.configure": admin_only,
    "departments.manage": admin_only,
    "members.manage": admin_only,
    "invitations.manage": admin_only,
    # Organization API keys for integrations (create, change, revoke, list) — admins.
    "api_keys.manage": admin_only,
    # Reading the organization's people and departments — every member.
    "members.view": everyone,
    # Company dashboard and every report — managers and admins.
    "reports.view": managers,
}

_registry: dict[str, Allow] = {}
_owners: dict[str, str] = {}


def register_rules(rules: Mapping[str, Allow], *, app: str) -> None:
    """Add ``app``'s rules to the registry (from its ``AppConfig.ready``).

    Raises ``ImproperlyConfigured`` for an action name another app (or this one) already
    registered, or a rule that is not an ``Allow``: the matrix test must be able to read it.
    """
    for action, rule in rules.items():
        if action in _registry:
            raise ImproperlyConfigured(
                f"Policy action {action!r} of {app!r} is already registered by {_owners[action]!r}."
            )
        if not isinstance(rule, Allow):
            raise ImproperlyConfigured(f"Policy action {action!r} of {app!r} is not an Allow.")
        _registry[action] = rule
        _owners[action] = app


def unregister_app_rules(app: str) -> None:
    """Remove ``app``'s rules (tests that register a rule set twice)."""
    for action in [action for action, owner in _owners.items() if owner == app]:
        del _registry[action]
        del _owners[action]


def rules() -> Mapping[str, Allow]:
    """Every registered action and its rule (read-only)."""
    return MappingProxyType(_registry)


def rules_of(app: str) -> dict[str, Allow]:
    """The actions ``app`` registered, with their rules."""
    return {action: _registry[action] for action, owner in _owners.items() if owner == app}


def require(membership: Membership | None, action: str, obj: Any = None) -> None:
    """Raise ``NotAllowed`` (HTTP 403) unless ``can(membership, action, obj)``: the first line
    of every service that changes state."""
    from django.utils.translation import gettext as _

    from collab_hub.exceptions import NotAllowed

    if not can(membership, action, obj):
        raise NotAllowed(_("Your role does not allow this action."))


def can(membership: Membership | None, action: str, obj: Any = None) -> bool:
    """True when ``membership`` may perform ``action`` (optionally on ``obj``).

    An inactive or missing membership may do nothing; nobody acts on another organization's
    object. An unknown action is a programming error (KeyError), so a typo can never silently
    allow or deny.
    """
    rule = _registry[action]
    if membership is None or not membership.is_active:
        return False
    if obj is not None and getattr(obj, "organization_id", membership.organization_id) != (
        membership.organization_id
    ):
        return False
    return rule(membership, obj)
