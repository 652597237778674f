"""Panels: what a later app adds to another app's pages, without that app knowing it.

A page offers *slots*: named places in its template, declared by the app that owns the page
in its panels module (``SLOTS = {"deal.detail": "…"}``) and marked in the template with the
tag::

    {% load panels %}
    {% panels "deal.detail" deal %}

Another app contributes *panels* to a slot: ``Panel`` subclasses listed as ``PANELS`` in its
panels module (the ``panels`` attribute of ``collab_hub.plugins.PluggableAppConfig``). The
leads flow's deal page shows the roadmap's promises this way, and its lose form the
roadmap's feature-request picker, while ``leads`` imports nothing of ``roadmap``.

A panel has a unique ``name`` (``"<app>.<what>"``), the ``slot`` it fills, the policy action
a member needs to see it (None: every member who sees the page; asked with the page's record,
so another organization's record shows nothing), an ``order`` within the slot, a
``template``, and ``context(request, obj)``: the values its template needs, or None to render
nothing (a deal that is not open, nothing to show). The template is rendered like an
``{% include %}``: it sees the page's context (``request``, ``membership``, ``organization``,
``csrf_token``) with the panel's values on top, and ``panel`` and ``obj``.

**Queries stay bounded.** The tag itself asks nothing of the database; each panel's
``context`` runs once per page and must fetch what it shows in a fixed number of queries
(one or two: ``select_related``/``prefetch_related``, an aggregate), never one per row it
lists. A slot inside a list (one per row) would multiply that: slots are placed on record
pages, not in lists.

Start-up fails on a panel that is not a ``Panel``, lacks a name, slot or template, or takes a
name already registered, and on a slot declared twice; ``manage.py check`` fails on a panel
whose permission is not a registered policy action, whose slot no app declares, or whose
template does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.utils.functional import Promise

    from accounts.models import Membership


class Panel:
    """Content for one slot of another app's page; subclass it in ``<app>/panels.py``."""

    # Unique across the apps, ``"<app>.<what>"``.
    name: ClassVar[str] = ""
    # The slot it fills (``"deal.detail"``), declared by the app that owns the page.
    slot: ClassVar[str] = ""
    # Policy action a member needs to see it (None: everyone who sees the page).
    permission: ClassVar[str | None] = None
    # Position within the slot (lower first; equal: registration order).
    order: ClassVar[int] = 100
    # The template it renders (``"roadmap/panels/deal_promises.html"``).
    template: ClassVar[str] = ""

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        """What the template needs for ``obj`` (the page's record), or None to show nothing.

        Runs once per page render: a fixed number of queries, never one per row."""
        return {}


@dataclass(frozen=True)
class Registered:
    panel: Panel
    app: str


@dataclass(frozen=True)
class Slot:
    name: str
    description: Promise | str
    app: str


_panels: list[Registered] = []
_slots: dict[str, Slot] = {}


def register_slots(slots: Mapping[str, Promise | str], *, app: str) -> None:
    """Declare the slots ``app``'s pages offer (from its ``AppConfig.ready``)."""
    for name, description in slots.items():
        taken = _slots.get(name)
        if taken is not None:
            raise ImproperlyConfigured(
                f"Panel slot {name!r} of {app!r} is already declared by {taken.app!r}."
            )
        _slots[name] = Slot(name=name, description=description, app=app)


def register_panels(panels: Iterable[Panel], *, app: str) -> None:
    """Add ``app``'s panels (from its ``AppConfig.ready``); a taken name is an error."""
    for panel in panels:
        if not isinstance(panel, Panel):
            raise ImproperlyConfigured(f"Panel {panel!r} of {app!r} is not a Panel instance.")
        if not panel.name or not panel.slot or not panel.template:
            raise ImproperlyConfigured(
                f"Panel {type(panel).__name__} of {app!r} needs a name, a slot and a template."
            )
        taken = next((r for r in _panels if r.panel.name == panel.name), None)
        if taken is not None:
            raise ImproperlyConfigured(
                f"Panel {panel.name!r} of {app!r} is already registered by {taken.app!r}."
            )
        _panels.append(Registered(panel=panel, app=app))


def unregister_app_panels(app: str) -> None:
    """Remove ``app``'s panels and slots (tests that register their own)."""
    _panels[:] = [r for r in _panels if r.app != app]
    for name in [name for name, slot in _slots.items() if slot.app == app]:
        del _slots[name]


def slots() -> list[Slot]:
    """Every declared slot, by name."""
    return [_slots[name] for name in sorted(_slots)]


def is_declared(slot: str) -> bool:
    """Whether an app declares ``slot``."""
    return slot in _slots


def panels_for(slot: str) -> list[Panel]:
    """The panels registered for ``slot``, in display order."""
    indexed = sorted(
        ((index, r.panel) for index, r in enumerate(_panels) if r.panel.slot == slot),
        key=lambda pair: (pair[1].order, pair[0]),
    )
    return [panel for _index, panel in indexed]


def allowed_panels(slot: str, membership: Membership | None, obj: Any = None) -> list[Panel]:
    """The panels of ``slot`` that ``membership`` may see on ``obj`` (no query)."""
    from accounts.policy import can

    if membership is None:
        return []
    return [
        panel
        for panel in panels_for(slot)
        if panel.permission is None or can(membership, panel.permission, obj)
    ]


def check_panels(**kwargs: Any) -> Sequence[Any]:
    """System check: every panel's permission is a registered policy action, its slot is
    declared and its template exists."""
    from django.core import checks
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    from accounts.policy import rules

    known = rules()
    errors: list[Any] = []
    for registered in _panels:
        panel = registered.panel
        if panel.permission and panel.permission not in known:
            errors.append(
                checks.Error(
                    f"Panel {panel.name!r} ({registered.app}) needs the unknown policy action "
                    f"{panel.permission!r}.",
                    id="panels.E001",
                )
            )
        if panel.slot not in _slots:
            errors.append(
                checks.Error(
                    f"Panel {panel.name!r} ({registered.app}) fills the slot {panel.slot!r}, "
                    f"which no app declares; declared: {sorted(_slots)}.",
                    id="panels.E002",
                )
            )
        try:
            get_template(panel.template)
        except TemplateDoesNotExist:
            errors.append(
                checks.Error(
                    f"Panel {panel.name!r} ({registered.app}) renders the missing template "
                    f"{panel.template!r}.",
                    id="panels.E003",
                )
            )
    return errors
