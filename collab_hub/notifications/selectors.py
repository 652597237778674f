"""Read queries for activity, notifications and threads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models

from collab_hub.notifications.models import ActivityEvent, Comment, Notification

if TYPE_CHECKING:
    from accounts.models import Membership, Organization


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


def recent_activity(*, organization: Organization, limit: int = 20) -> list[ActivityEvent]:
    return list(
        ActivityEvent.objects.for_org(organization)
        .select_related("actor__user")
        .order_by("-created_at", "-pk")[:limit]
    )


def inbox(*, membership: Membership, limit: int = 50) -> list[Notification]:
    return list(
        Notification.objects.visible_to(membership)
        .select_related("event__actor__user")
        .order_by("-created_at", "-pk")[:limit]
    )


def thread(*, membership: Membership, target: models.Model) -> list[Comment]:
    """The comments on ``target`` in posting order (caller checked ``target`` is visible)."""
    return list(
        Comment.objects.for_org(membership.organization_id)
        .filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
        .select_related("author__user")
        .order_by("created_at", "pk")
    )
