"""A record's change history, read from its ``*.updated`` events: who changed which field
from what to what, and when — what the lead and deal pages list beside the status steps.

The events keep ``changes`` ``{field: [old, new]}`` (JSON-safe: decimals as strings, dates
ISO, rows as ids) and ``labels`` ``{field: [old name, new name]}`` for rows; this module turns
them into the words a person reads, in the active language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats

from collab_hub.dashboard.templatetags.formatting import money, number
from collab_hub.notifications.models import ActivityEvent
from leads.forms.fields import country_name

# Amounts shown in the organization's currency; other decimals as plain numbers.
MONEY_FIELDS = frozenset({"value", "annual_revenue"})


@dataclass
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass
class ChangeEntry:
    """One save that changed fields: when, by whom (None: the system), and each field."""

    at: datetime
    actor: Any
    changes: list[FieldChange] = field(default_factory=list)
    kind: str = "change"


def _display(model: type[models.Model], name: str, value: Any, label: str, currency: str) -> str:
    if value in (None, ""):
        return "—"
    if label:
        return label
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a field removed since the event: show the raw value
        return str(value)
    if name == "country":
        return country_name(str(value))
    choices = getattr(model_field, "choices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if isinstance(model_field, models.DecimalField):
        return money(value, currency) if name in MONEY_FIELDS else number(value)
    if isinstance(model_field, models.IntegerField):
        return number(value)
    if isinstance(model_field, models.DateField):
        try:
            return formats.date_format(date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
        except ValueError:
            return str(value)
    if isinstance(model_field, models.ForeignKey):
        return f"#{value}"
    return str(value)


def change_history(*, obj: models.Model, verb: str, currency: str = "EUR") -> list[ChangeEntry]:
    """The ``verb`` events (``lead.updated``, ``deal.updated``) of ``obj``, oldest first, each
    with its changed fields as readable labels and values. One query (actors joined)."""
    model = type(obj)
    events = (
        ActivityEvent.objects.filter(
            organization_id=obj.organization_id,  # type: ignore[attr-defined]
            target_type=ContentType.objects.get_for_model(model),
            target_id=obj.pk,
            verb=verb,
        )
        .select_related("actor__user")
        .order_by("created_at", "pk")
    )
    entries: list[ChangeEntry] = []
    for event in events:
        payload = event.payload or {}
        changes = payload.get("changes") or {}
        labels = payload.get("labels") or {}
        entry = ChangeEntry(at=event.created_at, actor=event.actor)
        for name, pair in changes.items():
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            old_label, new_label = (labels.get(name) or ["", ""])[:2]
            try:
                label = str(getattr(model._meta.get_field(name), "verbose_name", name))
            except FieldDoesNotExist:
                label = name
            entry.changes.append(
                FieldChange(
                    name=name,
                    label=label[:1].upper() + label[1:],
                    old=_display(model, name, pair[0], old_label, currency),
                    new=_display(model, name, pair[1], new_label, currency),
                )
            )
        if entry.changes:
            entries.append(entry)
    return entries
