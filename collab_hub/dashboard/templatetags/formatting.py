"""Numbers and money in the active language's conventions (Babel's CLDR data).

``{{ deal.value|money:organization.currency }}`` → ``€1,234.50`` in English, ``1 234,50 €``
in Polish (with non-breaking spaces, so an amount never wraps). Dates need nothing here:
Django's ``|date`` already follows the active language, with the corrections of
``collab_hub/formats`` (``FORMAT_MODULE_PATH``: Polish short dates are ``04.09.2026``).
Form date inputs always carry ISO values (``leads.forms.fields.DateInput``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.core import UnknownLocaleError
from babel.numbers import UnknownCurrencyError, format_currency, format_decimal
from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
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


@register.filter
def breakable(value: Any) -> SafeString:
    """``value`` escaped, with a line-break opportunity before each "@": a long email wraps
    as ``jane.doe@`` / ``example.com`` in a narrow table column instead of widening it."""
    escaped = conditional_escape("" if value is None else value)
    return mark_safe(escaped.replace("@", "<wbr>@"))  # noqa: S308 - escaped just above
