"""The sidebar's entries, contributed by the apps.

Each app lists its entries in ``<app>/navigation.py`` and registers them in its
``AppConfig.ready``::

    register_navigation(NAVIGATION, app=self.label)

An entry names its label, the URL it opens, an icon (``templates/components/icon.html``),
the policy action that makes it visible (None: every member), the view names that mark it
active, and whether it is a sub-item of the entry above it. The sidebar loops over
``sections(request)``; no template names an app's URLs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.utils.functional import Promise

# The sidebar's sections, top to bottom; entries name one of these keys.
SECTIONS: dict[str, Promise | str] = {
    "main": "",
    "flows": _("Flows"),
    "organization": _("Organization"),
}


@dataclass(frozen=True)
class NavEntry:
    label: Promise | str
    url_name: str
    icon: str
    section: str = "flows"
    # Policy action a member needs to see the entry (None: everyone).
    permission: str | None = None
    # View names (``"leads:lead_detail"``) besides ``url_name`` that mark the entry active
    # (``url_name`` itself does, unless the entry has a ``fragment``).
    active: tuple[str, ...] = ()
    # Indented under the entry above it.
    sub: bool = False
    # Position within its section (lower first; equal: registration order).
    order: int = 100
    # Appended to the URL (``"#departments"``).
    fragment: str = ""
    app: str = ""


@dataclass(frozen=True)
class ShownEntry:
    """An entry as one request sees it."""

    entry: NavEntry
    url: str
    is_active: bool
    is_current: bool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.entry, name)


_entries: list[NavEntry] = []


def register_navigation(entries: Iterable[NavEntry], *, app: str) -> None:
    """Add ``app``'s sidebar entries (from its ``AppConfig.ready``)."""
    for entry in entries:
        if entry.section not in SECTIONS:
            raise ImproperlyConfigured(
                f"Navigation entry {entry.url_name!r} of {app!r} names an unknown section "
                f"{entry.section!r}; use one of {sorted(SECTIONS)}."
            )
        # An entry is active on its own page, unless it points into another page (a fragment).
        active = entry.active if entry.fragment else (entry.url_name, *entry.active)
        _entries.append(NavEntry(**{**entry.__dict__, "active": active, "app": app}))


def unregister_app_navigation(app: str) -> None:
    _entries[:] = [entry for entry in _entries if entry.app != app]


def entries() -> list[NavEntry]:
    """Every registered entry, in sidebar order."""
    section_order = list(SECTIONS)
    indexed = sorted(
        enumerate(_entries),
        key=lambda pair: (section_order.index(pair[1].section), pair[1].order, pair[0]),
    )
    return [entry for _index, entry in indexed]


def sections(request: HttpRequest) -> list[tuple[Promise | str, list[ShownEntry]]]:
    """The sections and entries ``request.membership`` may see, with the active one marked."""
    from accounts.policy import can

    membership = getattr(request, "membership", None)
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    shown: dict[str, list[ShownEntry]] = {key: [] for key in SECTIONS}
    for entry in entries():
        if entry.permission and not can(membership, entry.permission):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            # An app whose pages are not mounted (e.g. switched off in the URLconf).
            continue
        shown[entry.section].append(
            ShownEntry(
                entry=entry,
                url=url + entry.fragment,
                is_active=view_name in entry.active,
                is_current=view_name == entry.url_name and not entry.fragment,
            )
        )
    return [(SECTIONS[key], items) for key, items in shown.items() if items]


def check_navigation(**kwargs: Any) -> list[Any]:
    """System check: every entry's permission is a registered policy action."""
    from django.core import checks

    from accounts.policy import rules

    known = rules()
    return [
        checks.Error(
            f"Navigation entry {entry.url_name!r} ({entry.app}) needs the unknown policy "
            f"action {entry.permission!r}.",
            id="navigation.E001",
        )
        for entry in _entries
        if entry.permission and entry.permission not in known
    ]
