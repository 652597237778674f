"""Sentences in mails and on pages: ``{{ text|full_stop }}`` ends one with exactly one stop.

A sentence that ends in a date ("… until Dec. 4, 2026, 2:44 a.m.") or a name ("Acme Inc.")
already ends with a period in English; adding another reads "a.m..".
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

# Characters that already end a sentence (or an abbreviation at its end).
ENDINGS = (".", "!", "?", "…")


@register.filter(is_safe=True)
def full_stop(value: Any) -> str:
    """``value`` with a full stop at its end unless it already ends a sentence."""
    text = str(value).rstrip()
    if not text or text.endswith(ENDINGS):
        return text
    return text + "."
