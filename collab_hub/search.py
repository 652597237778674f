"""Accent- and case-insensitive search: ``zielinski`` finds "Zieliński", "Michał" finds "michal".

One SQL function, ``collab_search_fold(text)``, folds a string to lower case without
diacritics, on both sides of the comparison:

- PostgreSQL: an IMMUTABLE wrapper around the ``unaccent`` extension (``unaccent`` itself is
  only STABLE, so it cannot be indexed); the trigram GIN indexes of migration
  ``leads/0009_search_unaccent`` cover ``collab_search_fold(column)``, so a search keeps using
  them.
- SQLite: the same name registered as a deterministic Python function on every new
  connection (``fold`` below).

Filter with the ``search_contains`` lookup, registered on every ``CharField`` and
``TextField`` (``EmailField`` included)::

    Lead.objects.filter(last_name__search_contains="zielinski")

DRF's ``SearchFilter`` takes it as written: ``search_fields = ["last_name__search_contains"]``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import CharField, Lookup, TextField

FUNCTION = "collab_search_fold"

# Letters that carry no combining mark under NFKD but that ``unaccent`` still folds.
_LETTERS = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ħ": "h",
        "Ħ": "H",
        "ı": "i",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "TH",
    }
)


def fold(value: str | None) -> str | None:
    """``value`` in lower case without diacritics (``"Zieliński"`` → ``"zielinski"``)."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", str(value).translate(_LETTERS))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


class SearchContains(Lookup):
    """``collab_search_fold(column) LIKE collab_search_fold('%word%')``: ``icontains`` that
    also ignores accents. The word's ``%``, ``_`` and ``\\`` match themselves."""

    lookup_name = "search_contains"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, tuple[str]]:
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "%s", (f"%{escaped}%",)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # PostgreSQL's LIKE escapes with a backslash by default; SQLite needs telling.
        escape = " ESCAPE '\\'" if connection.vendor == "sqlite" else ""
        sql = f"{FUNCTION}({lhs}) LIKE {FUNCTION}({rhs}){escape}"
        return sql, (*lhs_params, *rhs_params)


def _register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 1, fold, deterministic=True)


def install() -> None:
    """Register the lookup and the SQLite function (``CollabHubAdminConfig.ready``)."""
    CharField.register_lookup(SearchContains)
    TextField.register_lookup(SearchContains)
    connection_created.connect(_register_sqlite_function, dispatch_uid=FUNCTION)
    # A connection opened before the apps were ready (management commands) gets it too.
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.vendor == "sqlite" and connection.connection is not None:
            _register_sqlite_function(None, connection)
