"""Recording what happened and telling the right people.

``record_event`` is the one entry point every other service calls. It stores the event,
creates the recipients' notifications in one bulk insert, and hands further delivery
(email now, webhooks later) to Celery once the surrounding transaction has committed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import can
from collab_hub.exceptions import DomainError, NotAllowed
from collab_hub.notifications import registry, selectors
from collab_hub.notifications.models import ActivityEvent, Comment, Notification

if TYPE_CHECKING:
    from accounts.models import Membership, Organization

# "@ana@example.com" mentions the member with that email (emails are the one unique handle).
# The "@" must not continue a word or an address ("foo@bob@acme.test" is no mention), and the
# address must not run on into more word characters; trailing punctuation is not part of it.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
MENTION_RE = re.compile(rf"(?<![\w@])@([A-Za-z0-9._%+'-]+@{_LABEL}(?:\.{_LABEL})+)(?![\w@])")


@dataclass(frozen=True)
class NewEvent:
    """One event for ``record_events``: what ``record_event`` takes, less the organization."""

    verb: str
    actor: Membership | None = None
    target: models.Model | None = None
    payload: dict[str, Any] | None = None
    recipients: Iterable[Membership] = ()


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

    ``payload`` must be JSON-serializable; ``target`` (any model instance) is stored as a
    generic reference plus its name at this moment (``target_label``).
    ``actor`` must belong to ``organization`` (ValueError otherwise: a programming error).
    Recipients outside ``organization``, inactive memberships or users, and the actor
    themself are skipped; each recipient is notified once. The database decides who is
    active, not the (possibly stale) instances passed in. Queries, however many recipients:
    the event insert, one SELECT of the eligible recipients, one bulk insert of the
    notifications (plus one to evaluate ``recipients`` if it is a queryset). When anyone was
    notified, ``deliver_event`` (email) is dispatched with ``transaction.on_commit``.
    ``verb`` must be a registered event type (ValueError otherwise). Finally the handlers
    subscribed to ``verb`` run, in this transaction (``registry.subscribe``).
    """
    new = NewEvent(verb=verb, actor=actor, target=target, payload=payload, recipients=recipients)
    return record_events(organization=organization, events=[new])[0]


@transaction.atomic
def record_events(*, organization: Organization, events: Sequence[NewEvent]) -> list[ActivityEvent]:
    """``record_event`` for many events of one organization, in the same number of queries
    as for one: one INSERT of the events, one SELECT of the eligible recipients of them all,
    one INSERT of every notification. The rules of ``record_event`` apply to each event
    (checked before anything is stored); delivery and subscribers run per event. For jobs
    that flag many records at once (SLA breaches, overdue complaints)."""
    from accounts.models import Membership

    for new in events:
        if new.actor is not None and new.actor.organization_id != organization.pk:
            raise ValueError("The actor of an event must belong to the event's organization.")
        if registry.event_type(new.verb) is None:
            raise ValueError(f"{new.verb!r} is no registered event type (see <app>/events.py).")
    stored = ActivityEvent.objects.bulk_create(
        [
            ActivityEvent(
                organization=organization,
                actor=new.actor,
                verb=new.verb,
                target_type=(
                    ContentType.objects.get_for_model(new.target)
                    if new.target is not None
                    else None
                ),
                target_id=new.target.pk if new.target is not None else None,
                target_label=str(new.target)[:255] if new.target is not None else "",
                payload=new.payload or {},
            )
            for new in events
        ]
    )
    wanted: list[set[int]] = []
    for new in events:
        candidates = {
            membership.pk
            for membership in new.recipients
            if membership is not None and membership.organization_id == organization.pk
        }
        if new.actor is not None:
            candidates.discard(new.actor.pk)
        wanted.append(candidates)
    everyone = set().union(*wanted)
    eligible = (
        set(
            Membership.objects.for_org(organization)
            .filter(pk__in=everyone, is_active=True, user__is_active=True)
            .values_list("pk", flat=True)
        )
        if everyone
        else set()
    )
    notifications = [
        Notification(
            organization=organization,
            recipient_id=recipient_id,
            event=event,
            created_at=event.created_at,
        )
        for event, candidates in zip(stored, wanted, strict=True)
        for recipient_id in sorted(candidates & eligible)
    ]
    if notifications:
        Notification.objects.bulk_create(notifications)
        from collab_hub.notifications.tasks import deliver_event

        for event_id in sorted({notification.event_id for notification in notifications}):
            transaction.on_commit(partial(deliver_event.delay, event_id))
    for event, new in zip(stored, events, strict=True):
        registry.publish(event, new.target)
    return stored


def mark_read(*, membership: Membership, ids: Iterable[int] | None = None) -> int:
    """Mark the member's notifications read (all unread ones when ``ids`` is None).

    Returns how many changed. Other members' notifications are never touched; ids that
    cannot exist (not positive, or beyond a 64-bit key) are ignored rather than sent to the
    database, which would fail on them.
    """
    qs = Notification.objects.visible_to(membership).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=[pk for pk in ids if 0 < pk < 2**63])
    return qs.update(read_at=timezone.now())


def unread_count(*, membership: Membership) -> int:
    """How many of the member's notifications are unread (kept here for existing callers)."""
    return selectors.unread_count(membership=membership)


def mentioned_members(*, organization: Organization, body: str) -> list[Membership]:
    """Active members of ``organization`` whose email is @mentioned in ``body`` (one query).

    Emails match case-insensitively; an address that belongs to no active member of
    ``organization`` (e.g. someone of another organization) mentions nobody.
    """
    from accounts.models import Membership

    emails = {match.lower() for match in MENTION_RE.findall(body)}
    if not emails:
        return []
    return list(
        Membership.objects.for_org(organization)
        .annotate(email_lower=Lower("user__email"))
        .filter(is_active=True, user__is_active=True, email_lower__in=emails)
        .select_related("user")
        .order_by("pk")
    )


@transaction.atomic
def post_comment(*, author: Membership, target: models.Model, body: str) -> Comment:
    """Add a comment to ``target``'s thread and notify the members it @mentions.

    Precondition: the caller found ``target`` through a scoped queryset (the author can see
    it). Raises ``NotAllowed`` (403) when the author may not comment or ``target``'s kind has
    no discussion, ``DomainError`` (400, code ``empty`` or ``too_long``) for a blank body or
    one longer than ``Comment.body``'s ``max_length``. Mentioned members
    who cannot see ``target`` (record visibility) are neither recorded nor notified. Emits
    ``comment.posted`` notifying only the mentioned members (never the author), which
    dispatches their email on commit.
    """
    if not can(author, "comments.create", target):
        raise NotAllowed(_("You cannot comment here."))
    if not getattr(type(target), "commentable", False):
        raise NotAllowed(_("This kind of record has no discussion."), code="not_commentable")
    body = body.strip()
    if not body:
        raise DomainError(_("Write something first."), code="empty")
    limit = Comment._meta.get_field("body").max_length or 10_000
    if len(body) > limit:
        raise DomainError(
            _("A comment can be at most %(limit)d characters long.") % {"limit": limit},
            code="too_long",
        )
    comment = Comment.objects.create(
        organization=author.organization,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        author=author,
        body=body,
    )
    mentioned = [
        member
        for member in mentioned_members(organization=author.organization, body=body)
        if selectors.is_visible_to(membership=member, obj=target)
    ]
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
