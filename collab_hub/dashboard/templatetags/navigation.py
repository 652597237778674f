"""What the page shell needs: the unread badge and permission checks in templates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template
from django.db.models import Model

from accounts.policy import can as policy_can
from collab_hub.navigation import ShownEntry, sections
from collab_hub.notifications import selectors as notification_selectors

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from accounts.models import Invitation

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    """Unread notifications of the active membership: one COUNT query, per page render.

    Used as ``{% unread_notifications as unread %}`` in the shell, so fragments returned to
    htmx (which do not render the shell) cost nothing.
    """
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None:
        return 0
    return notification_selectors.unread_count(membership=membership)


@register.filter
def can(membership: Any, action: str) -> bool:
    """``{% if membership|can:"members.manage" %}`` — the policy module, asked from a template."""
    return policy_can(membership, action)


@register.simple_tag
def pending_invitation_for(token: str | None) -> Invitation | None:
    """The still-pending invitation behind a sign-up form's hidden token, if any."""
    from accounts.forms import pending_invitation

    return pending_invitation(token)


@register.filter
def model_label(obj: Model) -> str:
    """``"app_label.model"`` of a record, as the comments URL names its target type."""
    return obj._meta.label_lower


@register.simple_tag(takes_context=True)
def navigation_sections(
    context: template.Context,
) -> list[tuple[Promise | str, list[ShownEntry]]]:
    """The sidebar's sections and the entries the member may see (``collab_hub.navigation``)."""
    request = context.get("request")
    return sections(request) if request is not None else []
