"""Action items: what a department pair will do about a round's results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, Membership
from accounts.policy import can, require
from collab_hub.changes import apply_changes
from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.services import NewEvent, record_event, record_events
from feedback.models import (
    OPEN_ACTION_STATUSES,
    ActionItem,
    ActionStatus,
    FeedbackRound,
    RoundStatus,
)

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
ITEM_FIELDS = ("title", "description", "owner", "due_date", "status")
BATCH = 500


def _clean(data: dict[str, Any], organization_id: int) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "title" in data:
        title = str(data["title"] or "").strip()
        if not title or len(title) > TITLE_MAX:
            raise DomainError(
                _("An action item needs a title of at most %(n)d characters.") % {"n": TITLE_MAX},
                code="invalid_title",
                field="title",
            )
        cleaned["title"] = title
    if "description" in data:
        text = str(data["description"] or "").strip()
        if len(text) > DESCRIPTION_MAX:
            raise DomainError(
                _("At most %(n)d characters.") % {"n": DESCRIPTION_MAX},
                code="invalid_description",
                field="description",
            )
        cleaned["description"] = text
    if "owner" in data:
        owner = data["owner"]
        if owner is not None and (
            not isinstance(owner, Membership)
            or owner.organization_id != organization_id
            or not owner.is_active
        ):
            raise DomainError(
                _("The owner must be an active member."), code="invalid_owner", field="owner"
            )
        cleaned["owner"] = owner
    if "due_date" in data:
        due = data["due_date"]
        if isinstance(due, datetime) or (due is not None and not isinstance(due, date)):
            raise DomainError(_("Enter a date."), code="invalid_due_date", field="due_date")
        cleaned["due_date"] = due
    if "status" in data:
        if data["status"] not in ActionStatus.values:
            raise DomainError(_("Unknown status."), code="invalid_status", field="status")
        cleaned["status"] = data["status"]
    return cleaned


@transaction.atomic
def create_action_item(
    *,
    by: Membership,
    feedback_round: FeedbackRound,
    from_department: Department,
    to_department: Department,
    title: str,
    owner: Membership | None = None,
    due_date: date | None = None,
    description: str = "",
) -> ActionItem:
    """An action item for a department pair of a round that has opened (409
    ``round_draft`` before); the pair must be two different departments of the round.
    Policy ``feedback.manage``; the owner is told (``action_item.created``)."""
    require(by, "feedback.manage", feedback_round)
    if feedback_round.status == RoundStatus.DRAFT:
        raise IllegalTransition(_("The round has not opened yet."), code="round_draft")
    ids = set(feedback_round.departments.values_list("pk", flat=True))
    if (
        from_department.pk not in ids
        or to_department.pk not in ids
        or from_department.pk == to_department.pk
    ):
        raise DomainError(
            _("Choose two different departments of the round."),
            code="invalid_departments",
            field="to_department",
        )
    cleaned = _clean(
        {"title": title, "owner": owner, "due_date": due_date, "description": description},
        feedback_round.organization_id,
    )
    item = ActionItem.objects.create(
        organization_id=feedback_round.organization_id,
        round=feedback_round,
        from_department=from_department,
        to_department=to_department,
        created_by=by,
        **cleaned,
    )
    record_event(
        organization=by.organization,
        actor=by,
        verb="action_item.created",
        target=item,
        payload={
            "round": feedback_round.pk,
            "from_department": from_department.pk,
            "to_department": to_department.pk,
            "owner": item.owner_id,
            "due_date": item.due_date.isoformat() if item.due_date else None,
        },
        recipients=[item.owner] if item.owner else [],
    )
    return item


@transaction.atomic
def update_action_item(*, by: Membership, item: ActionItem, data: dict[str, Any]) -> ActionItem:
    """Change an item: its owner may move its status; managers (``feedback.manage``) change
    anything. Done or dropped stamps ``completed_at``; a new due date may be reported
    overdue again. Emits ``action_item.updated``; a new owner is told."""
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=item.pk)
    )
    cleaned = _clean(data, item.organization_id)
    if not can(by, "feedback.manage", item):
        if item.owner_id != by.pk or set(cleaned) - {"status"}:
            raise NotAllowed(_("Only its owner or a manager may change this action item."))
        require(by, "feedback.view", item)
    previous_owner = item.owner_id
    changes = apply_changes(item, cleaned, ITEM_FIELDS)
    if not changes:
        return item
    if "status" in changes:
        item.completed_at = None if item.status in OPEN_ACTION_STATUSES else timezone.now()
    if "due_date" in changes:
        item.overdue_notified_at = None
    item.save()
    recipients = []
    if item.owner is not None and item.owner_id != previous_owner:
        recipients.append(item.owner)
    record_event(
        organization=item.organization,
        actor=by,
        verb="action_item.updated",
        target=item,
        payload={"changes": changes},
        recipients=recipients,
    )
    return item


def _overdue(today: date) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(
        status__in=OPEN_ACTION_STATUSES,
        overdue_notified_at__isnull=True,
        due_date__lt=today,
        owner__isnull=False,
    )


def flag_overdue_action_items(*, now: datetime | None = None) -> int:
    """Tell each owner, once per due date, about their open items past it (one
    ``action_item.overdue`` per item). Claimed with ``SKIP LOCKED`` and one UPDATE, so
    overlapping runs never notify twice. Returns how many were flagged."""
    now = now or timezone.now()
    with transaction.atomic():
        items = list(
            _overdue(timezone.localdate(now))
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("organization", "owner")
            .order_by("due_date", "pk")[:BATCH]
        )
        if not items:
            return 0
        ActionItem.objects.filter(pk__in=[item.pk for item in items]).update(
            overdue_notified_at=now, updated_at=timezone.now()
        )
        by_organization: dict[int, list[ActionItem]] = {}
        for item in items:
            by_organization.setdefault(item.organization_id, []).append(item)
        for batch in by_organization.values():
            record_events(
                organization=batch[0].organization,
                events=[
                    NewEvent(
                        verb="action_item.overdue",
                        target=item,
                        payload={
                            "due_date": item.due_date.isoformat() if item.due_date else None,
                            "owner": item.owner_id,
                        },
                        recipients=[item.owner] if item.owner else [],
                    )
                    for item in batch
                ],
            )
    return len(items)
