"""The one rule for countries on leads, companies and tiers: an ISO 3166 alpha-2 code.

Common names in the languages our customers' spreadsheets and web forms use are turned into
their code ("Polska" → "PL"); anything else is refused with one message, wherever it comes
from (pages, API, capture, import, admin).
"""

from __future__ import annotations

from functools import cache

from babel import Locale
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _

# Babel territory codes that are no country (regions, groupings, test and unknown codes).
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ"})


@cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166 alpha-2 country code (Babel's CLDR territories, the same list the
    country picker offers)."""
    return frozenset(
        code
        for code in Locale.parse("en").territories
        if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    )


# Country names people type instead of ISO codes (English, Polish and German spellings).
COUNTRY_NAMES = {
    "PL": ("poland", "polska", "polen"),
    "DE": ("germany", "deutschland", "niemcy"),
    "AT": ("austria", "österreich", "osterreich"),
    "CH": ("switzerland", "schweiz", "szwajcaria", "suisse"),
    "CZ": ("czech republic", "czechia", "czechy", "tschechien", "česko", "cesko"),
    "SK": ("slovakia", "słowacja", "slowacja", "slowakei"),
    "HU": ("hungary", "węgry", "wegry", "ungarn"),
    "LT": ("lithuania", "litwa", "litauen"),
    "LV": ("latvia", "łotwa", "lotwa", "lettland"),
    "EE": ("estonia", "estland"),
    "UA": ("ukraine", "ukraina"),
    "RO": ("romania", "rumunia", "rumänien"),
    "GB": ("united kingdom", "uk", "great britain", "england", "wielka brytania"),
    "IE": ("ireland", "irlandia", "irland"),
    "US": ("united states", "usa", "united states of america", "stany zjednoczone"),
    "CA": ("canada", "kanada"),
    "FR": ("france", "francja", "frankreich"),
    "ES": ("spain", "hiszpania", "spanien", "españa", "espana"),
    "PT": ("portugal", "portugalia"),
    "IT": ("italy", "włochy", "wlochy", "italien", "italia"),
    "NL": ("netherlands", "the netherlands", "holland", "holandia", "niederlande"),
    "BE": ("belgium", "belgia", "belgien"),
    "LU": ("luxembourg", "luksemburg", "luxemburg"),
    "DK": ("denmark", "dania", "dänemark", "danemark"),
    "SE": ("sweden", "szwecja", "schweden"),
    "NO": ("norway", "norwegia", "norwegen"),
    "FI": ("finland", "finlandia", "finnland"),
}
_COUNTRY_BY_NAME = {name: code for code, names in COUNTRY_NAMES.items() for name in names}


def country_code(value: str) -> str:
    """An ISO 3166 alpha-2 code for a code or a common country name ("Polska" → "PL");
    anything else is returned as typed (validation then says what is expected)."""
    text = " ".join(value.split())
    return _COUNTRY_BY_NAME.get(text.lower(), text)


def clean_country(value: str) -> str:
    """The lead rule for a country: an ISO 3166 alpha-2 code of a real country, upper case,
    or empty; a common country name is turned into its code. ``ValidationError`` otherwise
    (``XX`` too: two letters are not enough)."""
    code = country_code(value).strip().upper()
    if code and code not in country_codes():
        raise DjangoValidationError(
            _("Use a two-letter country code (e.g. PL) or a country name such as Poland.")
        )
    return code


def valid_country(value: str | None, *, field: str = "country") -> str:
    """``clean_country`` for services: a refusal is a ``DomainError`` on ``field`` (400)."""
    from collab_hub.exceptions import DomainError

    try:
        return clean_country(value or "")
    except DjangoValidationError as error:
        raise DomainError(error.messages[0], code="invalid_country", field=field) from None
