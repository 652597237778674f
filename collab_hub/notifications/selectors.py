"""Read queries for activity, notifications and threads, and how an event reads to people."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _

from collab_hub.notifications.models import ActivityEvent, Comment, Notification
from collab_hub.notifications.registry import event_type

if TYPE_CHECKING:
    from accounts.models import Membership, Organization


def describe(event: ActivityEvent) -> str:
    """One sentence saying what happened, in the active language ("Ana commented on Sales").

    Reads ``event.actor.user``: select ``actor__user`` with the events to avoid a query each.
    """
    actor = event.actor.user.display_name if event.actor is not None else _("Collab Hub")
    target = event.target_label or str((event.payload or {}).get("name", ""))
    registered = event_type(event.verb)
    sentence = str(registered.sentence) if registered else ""
    # A sentence that names the target needs one; otherwise the generic form below reads better.
    if sentence and (target or "%(target)s" not in sentence):
        return sentence % {"actor": actor, "target": target}
    # An event of a type no longer registered: "Ana: lead rejected — Jane Doe".
    action = event.verb.replace(".", " ").replace("_", " ")
    if target:
        return _("%(actor)s: %(action)s — %(target)s") % {
            "actor": actor,
            "action": action,
            "target": target,
        }
    return _("%(actor)s: %(action)s") % {"actor": actor, "action": action}


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
    """The organization's latest events, newest first, actors joined (one query)."""
    return list(
        ActivityEvent.objects.for_org(organization)
        .select_related("actor__user")
        .order_by("-created_at", "-pk")[:limit]
    )


def inbox(*, membership: Membership, limit: int = 50) -> list[Notification]:
    """The member's own latest notifications, newest first, events joined (one query)."""
    return list(
        Notification.objects.visible_to(membership)
        .select_related("event__actor__user")
        .order_by("-created_at", "-pk")[:limit]
    )


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
