"""The organization's handoff settings, a customer's CS owner and its health score."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DepartmentKind, Membership, Organization, Role
from accounts.policy import can, require
from collab_hub.exceptions import DomainError
from collab_hub.notifications.services import record_event
from handoffs.models import (
    HEALTH_MAX,
    HEALTH_MIN,
    CustomerAccount,
    HandoffSettings,
    HealthBand,
    HealthChange,
    health_band,
)
from leads.models import Company, Deal, DealStage

NOTE_MAX = 5000


# --- People --------------------------------------------------------------------------------


def managers_of(organization_id: int, kind: str) -> list[Membership]:
    """Active managers of the organization's ``kind`` departments; its admins when there is
    no such manager, so a report always reaches someone who can act."""
    people = Membership.objects.for_org(organization_id).filter(is_active=True)
    managers = list(people.filter(department__kind=kind, role=Role.MANAGER).select_related("user"))
    return managers or list(people.filter(role=Role.ADMIN).select_related("user"))


def is_cs_member(membership: Membership | None, organization_id: int) -> bool:
    return (
        membership is not None
        and membership.organization_id == organization_id
        and membership.is_active
        and can(membership, "handoffs.review")
    )


def settings_for(organization: Organization | int) -> HandoffSettings:
    """The organization's settings row (created with the defaults on first use)."""
    org_id = organization if isinstance(organization, int) else organization.pk
    settings, _created = HandoffSettings.objects.get_or_create(organization_id=org_id)
    return settings


def next_cs_owner(organization_id: int) -> Membership | None:
    """Round robin over the active members of CS (not managers or admins, unless CS has no
    members): the one after the last assigned, by id. Locks the settings row, so two
    handoffs opened at once get different owners."""
    settings_for(organization_id)
    settings = HandoffSettings.objects.select_for_update().get(organization_id=organization_id)
    people = Membership.objects.for_org(organization_id).filter(
        is_active=True, department__kind=DepartmentKind.CS, is_integration=False
    )
    members = list(people.filter(role=Role.MEMBER).order_by("pk").values_list("pk", flat=True))
    candidates = members or list(people.order_by("pk").values_list("pk", flat=True))
    if not candidates:
        return None
    following = [pk for pk in candidates if pk > (settings.last_assigned_cs_id or 0)]
    chosen = following[0] if following else candidates[0]
    settings.last_assigned_cs_id = chosen
    settings.save(update_fields=["last_assigned_cs"])
    return Membership.objects.select_related("user", "department").get(pk=chosen)


def sales_owner_of(company: Company) -> Membership | None:
    """Who answers for a customer on sales' side: the owner of its most recently won deal
    (by ``closed_at``), when still an active member of sales; else None (the caller falls
    back to the sales managers). An older deal's owner is never chosen instead: whoever won
    the customer last knows it, and when they left the managers decide. One query."""
    deal = (
        Deal.objects.filter(company=company, stage=DealStage.WON)
        .order_by(F("closed_at").desc(nulls_last=True), "-pk")
        .select_related("owner__department", "owner__user")
        .first()
    )
    owner = deal.owner if deal is not None else None
    if (
        owner is not None
        and owner.is_active
        and owner.department.kind == DepartmentKind.SALES
        and can(owner, "upsell.answer")
    ):
        return owner
    return None


def account_for(company: Company) -> CustomerAccount:
    account, _created = CustomerAccount.objects.get_or_create(
        organization_id=company.organization_id, company=company
    )
    return account


def _clean_note(value: Any) -> str:
    note = str(value or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(
            _("A note has at most %(n)d characters.") % {"n": NOTE_MAX},
            code="invalid_note",
            field="note",
        )
    return note


# --- CS owner and health -------------------------------------------------------------------


@transaction.atomic
def set_cs_owner(*, by: Membership, company: Company, cs_owner: Membership) -> CustomerAccount:
    """Make ``cs_owner`` (an active member of CS) the customer's CS owner; their handoffs
    opened later go to them. Policy ``handoffs.assign``; the new owner is told."""
    require(by, "handoffs.assign", company)
    if not is_cs_member(cs_owner, company.organization_id):
        raise DomainError(
            _("The CS owner must be an active member of customer success."),
            code="invalid_cs_owner",
            field="cs_owner",
        )
    account = CustomerAccount.objects.select_for_update().get(pk=account_for(company).pk)
    if account.cs_owner_id == cs_owner.pk:
        return account
    previous = account.cs_owner_id
    account.cs_owner = cs_owner
    account.save(update_fields=["cs_owner", "updated_at"])
    record_event(
        organization=company.organization,
        actor=by,
        verb="account.cs_owner_changed",
        target=account,
        payload={"from": previous, "to": cs_owner.pk},
        recipients=[cs_owner],
    )
    return account


@transaction.atomic
def set_health(*, by: Membership, company: Company, score: Any, note: str = "") -> HealthChange:
    """Record the customer's health score (a whole number from 0 to 100) with a note, kept in
    its history. Policy ``health.set`` (CS). A customer that turns red (below 40) tells its
    sales owner (else the sales managers) and its CS owner."""
    require(by, "health.set", company)
    if isinstance(score, bool) or not isinstance(score, int | str):
        raise DomainError(
            _("A health score is a whole number from 0 to 100."),
            code="invalid_score",
            field="score",
        )
    try:
        value = int(score)
    except ValueError:
        value = -1
    if not HEALTH_MIN <= value <= HEALTH_MAX:
        raise DomainError(
            _("A health score is a whole number from 0 to 100."),
            code="invalid_score",
            field="score",
        )
    note = _clean_note(note)
    account = CustomerAccount.objects.select_for_update().get(pk=account_for(company).pk)
    previous = account.health_score
    now = timezone.now()
    change = HealthChange.objects.create(
        organization_id=company.organization_id,
        account=account,
        score=value,
        note=note,
        by=by,
        at=now,
    )
    account.health_score = value
    account.health_note = note
    account.health_updated_at = now
    account.save(update_fields=["health_score", "health_note", "health_updated_at", "updated_at"])
    band = health_band(value)
    recipients: list[Membership] = []
    if band == HealthBand.RED and health_band(previous) != HealthBand.RED:
        owner = sales_owner_of(company)
        recipients = (
            [owner] if owner else managers_of(company.organization_id, DepartmentKind.SALES)
        )
        if account.cs_owner_id and account.cs_owner is not None:
            recipients.append(account.cs_owner)
    record_event(
        organization=company.organization,
        actor=by,
        verb="account.health_changed",
        target=account,
        payload={"from": previous, "to": value, "band": band, "note": note},
        recipients=recipients,
    )
    return change
