"""Numbers and money in the active language's conventions (Babel's CLDR data).

``{{ deal.value|money:organization.currency }}`` → ``€1,234.50`` in English, ``1 234,50 €``
in Polish (with non-breaking spaces, so an amount never wraps). Dates need nothing here:
Django's ``|date`` already follows the active language.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.core import UnknownLocaleError
from babel.numbers import UnknownCurrencyError, format_currency, format_decimal
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


def _locale() -> str:
    return to_locale(get_language() or "en")


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value: Any, currency: str = "EUR") -> str:
    """``value`` as an amount of ``currency`` (ISO 4217) in the active language; "" if empty."""
    amount = _as_decimal(value)
    if amount is None:
        return ""
    try:
        return format_currency(amount, currency or "EUR", locale=_locale())
    except (UnknownLocaleError, UnknownCurrencyError, ValueError):
        return f"{amount} {currency}"


@register.filter
def number(value: Any, decimals: int | None = None) -> str:
    """``value`` with the active language's grouping and decimal mark; "" if empty.

    ``{{ x|number:1 }}`` rounds to one decimal place.
    """
    amount = _as_decimal(value)
    if amount is None:
        return ""
    pattern = None
    if decimals is not None:
        decimals = int(decimals)
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    try:
        return format_decimal(amount, format=pattern, locale=_locale())
    except (UnknownLocaleError, ValueError):
        return str(amount)
