"""``{% panels "deal.detail" deal %}``: the panels other apps add to a slot of this page
(``collab_hub.panels``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import ImproperlyConfigured
from django.template import Engine
from django.utils.safestring import SafeString, mark_safe

from collab_hub.panels import allowed_panels, is_declared

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context: template.Context, slot: str, obj: Any = None) -> SafeString:
    """Render every panel of ``slot`` the member may see on ``obj``, in order.

    Each template is rendered like an ``{% include %}`` (the page's context, with the panel's
    values, ``panel`` and ``obj`` on top); a panel whose ``context`` is None renders nothing.
    The tag asks the database nothing itself; each panel's ``context`` runs once.
    """
    if not is_declared(slot):
        # A typo in a template must not hide every panel of the slot silently.
        raise ImproperlyConfigured(f"The page names the undeclared panel slot {slot!r}.")
    request = context.get("request")
    membership = getattr(request, "membership", None)
    # The engine rendering the page (``{% include %}`` loads its templates the same way).
    engine = context.template.engine if context.template is not None else Engine.get_default()
    parts: list[str] = []
    for panel in allowed_panels(slot, membership, obj):
        values = panel.context(request, obj)  # type: ignore[arg-type]
        if values is None:
            continue
        found = engine.get_template(panel.template)
        with context.push(**values, panel=panel, obj=obj):
            parts.append(found.render(context))
    # Each part is a template's output, escaped by that template.
    return mark_safe("".join(parts))  # noqa: S308
