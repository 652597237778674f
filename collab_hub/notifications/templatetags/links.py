"""``{{ path|absolute }}``: a path on this installation as a full address (``SITE_URL``), for
mails. Digest payloads store paths, so a changed ``SITE_URL`` never leaves stale links."""

from __future__ import annotations

from django import template

from collab_hub.notifications.selectors import absolute_url

register = template.Library()


@register.filter
def absolute(path: str) -> str:
    """``path`` ("/leads/7/") on ``SITE_URL``; an address that is already absolute as it is."""
    path = str(path or "")
    if not path.startswith("/") or path.startswith("//"):
        return path
    return absolute_url(path)
