"""The one way update services apply a partial change to a row (HackSoft's ``model_update``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import models


def apply_changes(
    instance: models.Model, data: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, list[Any]]:
    """Set on ``instance`` every key of ``data`` that is one of ``fields`` and differs from
    the current value; keys outside ``fields`` are ignored. Nothing is saved: the service
    validates and saves. Returns ``{field: [old, new]}`` of what changed, JSON-ready (rows as
    their ids, dates as ISO strings, decimals as strings), for the event that records the
    change; empty when nothing changed."""
    allowed = set(fields)
    changes: dict[str, list[Any]] = {}
    for name, value in data.items():
        if name not in allowed:
            continue
        old = getattr(instance, name)
        if old == value:
            continue
        setattr(instance, name, value)
        changes[name] = [jsonable(old), jsonable(value)]
    return changes


def jsonable(value: Any) -> Any:
    """A field value as an event payload can hold it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return str(value)
