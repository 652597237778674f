"""Read queries for activity, notifications and threads, and how an event reads to people."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab_hub.notifications.models import ActivityEvent, Comment, Notification

if TYPE_CHECKING:
    from accounts.models import Membership, Organization

# How each kind of event reads in the inbox, in emails and in the API's ``description``.
# ``%(actor)s`` is who did it, ``%(target)s`` the record's name when it happened. A service
# that emits a new verb adds its sentence here; unknown verbs still read sensibly (``describe``).
VERB_SENTENCES: dict[str, Promise] = {
    "comment.posted": gettext_lazy("%(actor)s commented on %(target)s"),
    "organization.created": gettext_lazy("%(actor)s created the organization %(target)s"),
    "department.created": gettext_lazy("%(actor)s created the department %(target)s"),
    "department.updated": gettext_lazy("%(actor)s changed the department %(target)s"),
    "department.deleted": gettext_lazy("%(actor)s removed the department %(target)s"),
    "member.changed": gettext_lazy("%(actor)s changed the membership %(target)s"),
    "invitation.sent": gettext_lazy("%(actor)s invited %(target)s"),
    "invitation.revoked": gettext_lazy("%(actor)s revoked the invitation of %(target)s"),
    "invitation.accepted": gettext_lazy("%(actor)s joined the organization"),
    # Sales ↔ marketing
    "lead.created": gettext_lazy("%(actor)s added the lead %(target)s"),
    "lead.imported": gettext_lazy("%(actor)s imported leads from %(target)s"),
    "lead.updated": gettext_lazy("%(actor)s updated the lead %(target)s"),
    "lead.qualified": gettext_lazy("%(actor)s handed the lead %(target)s to sales"),
    "lead.accepted": gettext_lazy("%(actor)s accepted the lead %(target)s"),
    "lead.rejected": gettext_lazy("%(actor)s rejected the lead %(target)s"),
    "lead.converted": gettext_lazy("%(actor)s converted the lead %(target)s into a deal"),
    "lead.disqualified": gettext_lazy("%(actor)s disqualified the lead %(target)s"),
    "lead.sla_breached": gettext_lazy("The lead %(target)s waited past its response deadline"),
    "deal.opened": gettext_lazy("%(actor)s opened the deal %(target)s"),
    "deal.updated": gettext_lazy("%(actor)s changed the deal %(target)s"),
    "deal.advanced": gettext_lazy("%(actor)s moved the deal %(target)s to another stage"),
    "deal.won": gettext_lazy("%(actor)s won the deal %(target)s"),
    "deal.lost": gettext_lazy("%(actor)s marked the deal %(target)s as lost"),
    "company.created": gettext_lazy("%(actor)s added the company %(target)s"),
    "company.updated": gettext_lazy("%(actor)s changed the company %(target)s"),
    "contact.created": gettext_lazy("%(actor)s added the contact %(target)s"),
    "contact.updated": gettext_lazy("%(actor)s changed the contact %(target)s"),
    "collateral.shared": gettext_lazy("%(actor)s shared %(target)s in the collateral library"),
    "collateral.updated": gettext_lazy("%(actor)s updated the collateral %(target)s"),
    "collateral.archived": gettext_lazy("%(actor)s archived the collateral %(target)s"),
    "collateral.used": gettext_lazy("%(actor)s used %(target)s on a deal"),
    "content.requested": gettext_lazy("%(actor)s asked marketing for %(target)s"),
    "content.own_material": gettext_lazy(
        "%(actor)s used their own material on a deal and asked marketing for %(target)s"
    ),
    "content.started": gettext_lazy("%(actor)s started working on the content request %(target)s"),
    "content.completed": gettext_lazy("%(actor)s delivered the content request %(target)s"),
    "content.declined": gettext_lazy("%(actor)s declined the content request %(target)s"),
    "campaign.created": gettext_lazy("%(actor)s created the campaign %(target)s"),
    "campaign.updated": gettext_lazy("%(actor)s changed the campaign %(target)s"),
    "tier.created": gettext_lazy("%(actor)s added the tier %(target)s"),
    "tier.updated": gettext_lazy("%(actor)s changed the tier %(target)s"),
    "tier.deleted": gettext_lazy("%(actor)s removed the tier %(target)s"),
    "scoring_rule.created": gettext_lazy("%(actor)s added the scoring rule %(target)s"),
    "scoring_rule.updated": gettext_lazy("%(actor)s changed the scoring rule %(target)s"),
    "scoring_rule.deactivated": gettext_lazy("%(actor)s switched off the scoring rule %(target)s"),
    "complaint.filed": gettext_lazy("%(actor)s filed a lead-quality complaint (%(target)s)"),
    "complaint.answered": gettext_lazy(
        "%(actor)s answered the lead-quality complaint (%(target)s)"
    ),
    "complaint.overdue": gettext_lazy("The lead-quality complaint (%(target)s) is overdue"),
}


def describe(event: ActivityEvent) -> str:
    """One sentence saying what happened, in the active language ("Ana commented on Sales").

    Reads ``event.actor.user``: select ``actor__user`` with the events to avoid a query each.
    """
    actor = event.actor.user.display_name if event.actor_id else _("Collab Hub")
    target = event.target_label or str((event.payload or {}).get("name", ""))
    sentence = str(VERB_SENTENCES.get(event.verb, ""))
    # A sentence that names the target needs one; otherwise the generic form below reads better.
    if sentence and (target or "%(target)s" not in sentence):
        return sentence % {"actor": actor, "target": target}
    # An event type nobody wrote a sentence for: "Ana: lead rejected — Jane Doe".
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
    return model.objects.visible_to(membership).filter(pk=obj.pk).exists()


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
