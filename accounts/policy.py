"""Who may do what: the one answer to "may this membership do X (to Y)".

DESIGN §5 as a table. Views, API permissions, services and the admin all ask ``can``; no
other module compares roles or department kinds. Each later flow adds its actions to
``RULES`` here, so the permission matrix test covers them.

Reading shared objects (departments, members, roadmap, tiers, goals, collateral) needs only
an active membership; record visibility (all / department / own) is applied by the tenancy
queryset, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from accounts.models import DepartmentKind, Role

if TYPE_CHECKING:
    from accounts.models import Membership

Rule = Callable[["Membership", Any], bool]

ALL_KINDS = tuple(DepartmentKind.values)


def admin_only(membership: Membership, obj: Any = None) -> bool:
    return membership.role == Role.ADMIN


def managers(membership: Membership, obj: Any = None) -> bool:
    return membership.role in (Role.MANAGER, Role.ADMIN)


def department(*kinds: str, managers_of: tuple[str, ...] = ()) -> Rule:
    """Members of ``kinds``, managers of ``managers_of`` departments, and admins."""

    def rule(membership: Membership, obj: Any = None) -> bool:
        if membership.role == Role.ADMIN:
            return True
        kind = membership.department.kind
        if membership.role == Role.MANAGER and kind in managers_of:
            return True
        return kind in kinds

    return rule


def everyone(membership: Membership, obj: Any = None) -> bool:
    return True


RULES: dict[str, Rule] = {
    # Organization configuration (settings, departments, members, invitations) — admins.
    "organization.configure": admin_only,
    "departments.manage": admin_only,
    "members.manage": admin_only,
    "invitations.manage": admin_only,
    # Reading the organization's people and departments — every member.
    "members.view": everyone,
    # Company dashboard and every report — managers and admins.
    "reports.view": managers,
    # Discussion on records a member can see.
    "comments.create": everyone,
    # --- Sales ↔ marketing (leads/) ---
    # Configuration of the funnel: ideal-customer tiers, scoring, MQL settings — admins.
    "tiers.manage": admin_only,
    "scoring.manage": admin_only,
    "lead_settings.manage": admin_only,
    "campaigns.manage": department(DepartmentKind.MARKETING, managers_of=ALL_KINDS),
    # Create leads: marketing and sales; import and qualify: marketing; managers all three.
    "leads.create": department(
        DepartmentKind.MARKETING, DepartmentKind.SALES, managers_of=ALL_KINDS
    ),
    "leads.import": department(DepartmentKind.MARKETING, managers_of=ALL_KINDS),
    "leads.qualify": department(DepartmentKind.MARKETING, managers_of=ALL_KINDS),
    "leads.update": department(
        DepartmentKind.MARKETING, DepartmentKind.SALES, managers_of=ALL_KINDS
    ),
    "leads.disqualify": department(
        DepartmentKind.MARKETING, DepartmentKind.SALES, managers_of=ALL_KINDS
    ),
    # Accept / reject / convert MQLs and manage deals: sales, sales managers, admins.
    "leads.respond": department(DepartmentKind.SALES, managers_of=(DepartmentKind.SALES,)),
    "deals.manage": department(DepartmentKind.SALES, managers_of=(DepartmentKind.SALES,)),
    "leads.reassign": department(managers_of=(DepartmentKind.SALES, DepartmentKind.MARKETING)),
    # Collateral: marketing curates, sales uses; content requests go sales → marketing.
    "collateral.manage": department(
        DepartmentKind.MARKETING, managers_of=(DepartmentKind.MARKETING,)
    ),
    "collateral.use": department(DepartmentKind.SALES, managers_of=(DepartmentKind.SALES,)),
    "content_requests.create": department(
        DepartmentKind.SALES, managers_of=(DepartmentKind.SALES,)
    ),
    "content_requests.handle": department(
        DepartmentKind.MARKETING, managers_of=(DepartmentKind.MARKETING,)
    ),
    # Lead-quality complaints: sales files, marketing answers.
    "complaints.file": department(DepartmentKind.SALES, managers_of=(DepartmentKind.SALES,)),
    "complaints.answer": department(
        DepartmentKind.MARKETING, managers_of=(DepartmentKind.MARKETING,)
    ),
}


def require(membership: Membership | None, action: str, obj: Any = None) -> None:
    """Raise ``NotAllowed`` (HTTP 403) unless ``can(membership, action, obj)``: the first line
    of every service that changes state."""
    from django.utils.translation import gettext as _

    from collab_hub.exceptions import NotAllowed

    if not can(membership, action, obj):
        raise NotAllowed(_("Your role does not allow this action."))


def can(membership: Membership | None, action: str, obj: Any = None) -> bool:
    """True when ``membership`` may perform ``action`` (optionally on ``obj``).

    An inactive or missing membership may do nothing. An unknown action is a programming
    error (KeyError), so a typo can never silently allow or deny.
    """
    rule = RULES[action]
    if membership is None or not membership.is_active:
        return False
    if obj is not None and getattr(obj, "organization_id", membership.organization_id) != (
        membership.organization_id
    ):
        return False
    return rule(membership, obj)
