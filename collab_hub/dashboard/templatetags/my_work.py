"""Deadlines on the home page's "my work" in few words: "3 hours", not "3 hours, 12 minutes"."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.timesince import timesince, timeuntil

register = template.Library()


@register.filter
def time_left(due: datetime | None, now: datetime | None = None) -> str:
    """The time from ``now`` until ``due``, in its largest unit ("4 hours")."""
    return timeuntil(due, now, depth=1) if due else ""


@register.filter
def time_late(due: datetime | None, now: datetime | None = None) -> str:
    """The time since ``due`` passed, in its largest unit ("2 days")."""
    return timesince(due, now, depth=1) if due else ""
