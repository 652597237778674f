"""Recording what happened and telling the right people.

``record_event`` is the one entry point every other service calls. It stores the event,
creates the recipients' notifications in one bulk insert, and hands further delivery
(email now, webhooks later) to Celery once the surrounding transaction has committed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import can
from collab_hub.exceptions import NotAllowed
from collab_hub.notifications.models import ActivityEvent, Comment, Notification

if TYPE_CHECKING:
    from accounts.models import Membership, Organization

# "@ana@example.com" mentions the member with that email (emails are the one unique handle).
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


@transaction.atomic
def record_event(
    *,
    organization: Organization,
    verb: str,
    actor: Membership | None = None,
    target: models.Model | None = None,
    payload: dict[str, Any] | None = None,
    recipients: Iterable[Membership] = (),
) -> ActivityEvent:
    """Store an activity event and notify ``recipients``.

    Recipients outside ``organization``, inactive ones and the actor themself are skipped,
    each recipient is notified once. Queries: one insert for the event, one bulk insert for
    the notifications (plus one to evaluate ``recipients`` if it is a queryset). Delivery
    beyond the in-app inbox is dispatched with ``transaction.on_commit``.
    """
    event = ActivityEvent.objects.create(
        organization=organization,
        actor=actor,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=target.pk if target is not None else None,
        target_label=str(target)[:255] if target is not None else "",
        payload=payload or {},
    )
    seen: set[int] = set()
    notifications = []
    for membership in recipients:
        if (
            membership.organization_id != organization.pk
            or not membership.is_active
            or (actor is not None and membership.pk == actor.pk)
            or membership.pk in seen
        ):
            continue
        seen.add(membership.pk)
        notifications.append(
            Notification(
                organization=organization,
                recipient=membership,
                event=event,
                created_at=event.created_at,
            )
        )
    if notifications:
        Notification.objects.bulk_create(notifications)
        from collab_hub.notifications.tasks import deliver_event

        transaction.on_commit(lambda: deliver_event.delay(event.pk))
    return event


def mark_read(*, membership: Membership, ids: Iterable[int] | None = None) -> int:
    """Mark the member's notifications read (all unread ones when ``ids`` is None).

    Returns how many changed. Other members' notifications are never touched.
    """
    qs = Notification.objects.visible_to(membership).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def unread_count(*, membership: Membership) -> int:
    return Notification.objects.visible_to(membership).filter(read_at__isnull=True).count()


def mentioned_members(*, organization: Organization, body: str) -> list[Membership]:
    """Active members of ``organization`` whose email is @mentioned in ``body``."""
    from accounts.models import Membership

    emails = {match.lower() for match in MENTION_RE.findall(body)}
    if not emails:
        return []
    return list(
        Membership.objects.for_org(organization)
        .filter(is_active=True, user__email__in=emails)
        .select_related("user")
    )


@transaction.atomic
def post_comment(*, author: Membership, target: models.Model, body: str) -> Comment:
    """Add a comment to ``target``'s thread and notify the members it @mentions.

    Precondition: the caller found ``target`` through a scoped queryset (the author can see
    it). Emits ``comment.posted``; only the mentioned members are notified.
    """
    if not can(author, "comments.create", target):
        raise NotAllowed(_("You cannot comment here."))
    if not getattr(type(target), "commentable", False):
        raise NotAllowed(_("This kind of record has no discussion."), code="not_commentable")
    comment = Comment.objects.create(
        organization=author.organization,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        author=author,
        body=body.strip(),
    )
    mentioned = mentioned_members(organization=author.organization, body=body)
    if mentioned:
        comment.mentions.set(mentioned)
    record_event(
        organization=author.organization,
        actor=author,
        verb="comment.posted",
        target=target,
        payload={"comment_id": comment.pk, "excerpt": comment.body[:200]},
        recipients=mentioned,
    )
    return comment
