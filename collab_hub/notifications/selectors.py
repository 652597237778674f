"""Read queries for activity, notifications and threads, and how an event reads to people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from collab_hub.notifications import registry
from collab_hub.notifications.models import ActivityEvent, Comment, Notification
from collab_hub.notifications.registry import event_type

if TYPE_CHECKING:
    from accounts.models import Membership, Organization


def describe(event: ActivityEvent, *, to_recipient: bool = False) -> str:
    """One sentence saying what happened, in the active language ("Ana commented on Sales").

    ``to_recipient``: the sentence a notified member reads, when the event type has one of
    its own (``EventType.notice``: "Ana mentioned you on Sales").
    Reads ``event.actor.user``: select ``actor__user`` with the events to avoid a query each.
    """
    actor = event.actor.user.display_name if event.actor is not None else _("Collab Hub")
    target = event.target_label or str((event.payload or {}).get("name", ""))
    registered = event_type(event.verb)
    sentence = str(registered.sentence) if registered else ""
    if to_recipient and registered is not None and registered.notice:
        sentence = str(registered.notice)
    # A sentence that names the target needs one; otherwise the generic form below reads better.
    if sentence and (target or "%(target)s" not in sentence):
        # Besides actor and target, a sentence may name a payload value ("%(count)s").
        values = {
            key: value
            for key, value in (event.payload or {}).items()
            if isinstance(value, str | int | float)
        }
        try:
            return sentence % {**values, "actor": actor, "target": target}
        except (KeyError, ValueError, TypeError):
            pass  # a payload without the value the sentence names: the generic form
    # An event of a type no longer registered: "Ana: lead rejected — Jane Doe".
    action = event.verb.replace(".", " ").replace("_", " ")
    if target:
        return _("%(actor)s: %(action)s — %(target)s") % {
            "actor": actor,
            "action": action,
            "target": target,
        }
    return _("%(actor)s: %(action)s") % {"actor": actor, "action": action}


def absolute_url(path: str) -> str:
    """``path`` on this installation's address (``settings.SITE_URL``), for mails and the API."""
    return settings.SITE_URL.rstrip("/") + path


def url_of(obj: models.Model) -> str | None:
    """The page of a record: its ``get_absolute_url()``, else its admin page for records that
    are configured there (tiers, scoring rules, API keys…), else None."""
    try:
        get_absolute_url = getattr(obj, "get_absolute_url", None)
        if get_absolute_url is not None:
            return str(get_absolute_url())
        if admin.site.is_registered(type(obj)):
            meta = obj._meta
            return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None
    return None


def record_url(event: ActivityEvent) -> str | None:
    """Where ``event`` leads (a path): the page of its record, or None when the record no
    longer exists or has no page. An event without a record leads where its type's ``link``
    says (a digest of breached leads: the queue).

    Reads ``event.target``: prefetch ``target`` (``with_targets``) to avoid a query each.
    """
    if event.target_type_id is None:
        registered = event_type(event.verb)
        if registered is None or registered.link is None:
            return None
        try:
            return registered.link(event)
        except NoReverseMatch:
            return None
    try:
        target = event.target
    except AttributeError:  # a content type whose model was removed
        return None
    return url_of(target) if target is not None else None


def with_targets(events: models.QuerySet[Any], prefix: str = "") -> models.QuerySet[Any]:
    """``events`` with their records prefetched: one query per kind of record on the page,
    however many rows (``prefix`` ``"event__"`` for a queryset of notifications)."""
    return events.prefetch_related(f"{prefix}target")


def target_type_label(content_type_id: int | None) -> str | None:
    """``"app_label.model"`` for a content type id (cached by Django, no query after first)."""
    if content_type_id is None:
        return None
    ct = ContentType.objects.get_for_id(content_type_id)
    return f"{ct.app_label}.{ct.model}"


def commentable_model(label: str) -> type[models.Model] | None:
    """The model named ``"app_label.model"`` if its records have a discussion thread."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    return model if getattr(model, "commentable", False) else None


def is_visible_to(*, membership: Membership, obj: models.Model) -> bool:
    """Whether ``membership`` may see ``obj`` under the tenancy rules (``visible_to``).

    No query for records every member of the organization sees; one ``EXISTS`` otherwise.
    """
    model = type(obj)
    if getattr(obj, "organization_id", None) != membership.organization_id:
        return False
    if (
        getattr(model, "private_to", None) is None
        and getattr(model, "visibility_kind", None) is None
    ):
        return True
    visible: models.QuerySet[Any] = model._default_manager.all().visible_to(membership)  # type: ignore[attr-defined]
    return visible.filter(pk=obj.pk).exists()


def recent_activity(*, organization: Organization, limit: int = 20) -> list[ActivityEvent]:
    """The organization's latest events, newest first, actors joined and records prefetched
    (one query, plus one per kind of record) so each links to its page. Messages that only
    sum up other events for their recipients (``in_activity=False``, the breach digests)
    are left out: the events they list are in the feed themselves."""
    hidden = [t.verb for t in registry.event_types() if not t.in_activity]
    return list(
        with_targets(
            ActivityEvent.objects.for_org(organization)
            .exclude(verb__in=hidden)
            .select_related("actor__user")
            .order_by("-created_at", "-pk")
        )[:limit]
    )


def inbox(*, membership: Membership, limit: int = 50) -> list[Notification]:
    """The member's own latest notifications, newest first, events joined and their records
    prefetched (one query, plus one per kind of record)."""
    return list(
        with_targets(
            Notification.objects.visible_to(membership).select_related("event__actor__user"),
            "event__",
        ).order_by("-created_at", "-pk")[:limit]
    )


@dataclass
class InboxItem:
    """The notifications about one record, shown as one inbox entry: the latest sentence,
    how many there are, and a link to the record."""

    notifications: list[Notification] = field(default_factory=list)

    @property
    def latest(self) -> Notification:
        return self.notifications[0]

    @property
    def event(self) -> ActivityEvent:
        return self.latest.event

    @property
    def count(self) -> int:
        return len(self.notifications)

    @property
    def unread_ids(self) -> list[int]:
        return [n.pk for n in self.notifications if n.read_at is None]

    @property
    def is_unread(self) -> bool:
        return bool(self.unread_ids)

    @property
    def url(self) -> str | None:
        return self.event.url


# How many of the latest notifications the grouped inbox reads (its groups come from these).
INBOX_WINDOW = 500


def inbox_items(*, membership: Membership, limit: int = 50) -> list[InboxItem]:
    """The member's inbox grouped by record, newest activity first: every notification about
    the same record (among the latest ``INBOX_WINDOW``) is one item; notifications without a
    record (digests) stay items of their own. At most ``limit`` items. One query for the
    notifications plus one per kind of record, however many there are."""
    groups: dict[tuple[Any, ...], InboxItem] = {}
    for notification in inbox(membership=membership, limit=INBOX_WINDOW):
        event = notification.event
        key: tuple[Any, ...] = (
            ("record", event.target_type_id, event.target_id)
            if event.target_type_id is not None
            else ("event", event.pk)
        )
        if key not in groups:
            if len(groups) == limit:
                continue
            groups[key] = InboxItem()
        groups[key].notifications.append(notification)
    return list(groups.values())


def unread_count(*, membership: Membership) -> int:
    """How many of the member's notifications are unread (one COUNT query)."""
    return Notification.objects.visible_to(membership).filter(read_at__isnull=True).count()


def thread(*, membership: Membership, target: models.Model) -> list[Comment]:
    """The comments on ``target`` in posting order (caller checked ``target`` is visible)."""
    return list(
        Comment.objects.for_org(membership.organization_id)
        .filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
        .select_related("author__user")
        .order_by("created_at", "pk")
    )
