"""API list pagination (DESIGN §4): keyset cursors that never skip or repeat a row.

Every list answers ``{"next", "previous", "results"}``. The order of the rows is the
``OrderingFilter``'s (``collab_hub/filters.py``): the keys asked for, always ending in the
unique ``id``, with NULLs after every value ascending and before every value descending. A
cursor holds that ordering and the values of *every* key of the row it continues from; the
next page is the rows strictly after those values in that order (a lexicographic ``WHERE``
over all keys), so a row that exists unchanged while a client pages is returned exactly once,
whatever is inserted, updated or deleted in between. DRF's ``CursorPagination`` positions on
the first key only (with an offset for ties), which skips and repeats rows when the first key
has ties or NULLs.

Cursors are signed: a malformed or altered cursor, or one made under another ordering or for
another list, is a 400 with ``code: "invalid_cursor"``. ``page_size`` outside 1–200 is a 400
with ``code: "invalid_page_size"``.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from collab_hub.filters import InvalidQuery, OrderingFilter, OrderKey

# Signs cursors (with SECRET_KEY): a cursor is ours, or it is refused.
_SIGNER_SALT = "collab_hub.pagination.cursor"


class CursorPagination(pagination.CursorPagination):
    """Keyset pages however deep (``results``, ``next``, ``previous``); 50 rows, up to 200.

    The ordering comes from ``OrderingFilter.resolve`` (the ``ordering`` parameter when the
    view filters with an ordering backend, else the view's ``ordering``, else newest first).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    min_page_size = 1
    # Newest first, unless the view or the request says otherwise.
    ordering = "-id"
    cursor_query_description = _(  # type: ignore[assignment]  # lazy, like DRF's own
        "The `next` or `previous` link's cursor. A cursor belongs to the list and ordering "
        "it was made for: anything else is a 400 with code `invalid_cursor`."
    )
    page_size_query_description = _(  # type: ignore[assignment]
        "Rows per page, 1–200 (default 50); anything else is a 400 with code `invalid_page_size`."
    )

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = self.list_url = request.build_absolute_uri()
        self.keys = OrderingFilter.resolve(request, queryset, view, default=self.ordering)
        self.ordering_label = OrderingFilter.label(self.keys)
        self.list_path = request.path
        position, reverse = self.decode_cursor(request)

        keys = [key.reversed() for key in self.keys] if reverse else self.keys
        queryset = queryset.order_by(*(key.expression() for key in keys))
        if position is not None:
            queryset = queryset.filter(keyset_after(keys, position))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        page = rows[: self.page_size]
        if reverse:
            page.reverse()
            self.has_previous, self.has_next = more, True
        else:
            self.has_next, self.has_previous = more, position is not None
        self.page = page
        # Where the neighbouring pages start: after the last row, before the first one (or,
        # on an empty page, where this page would have started).
        self.after_position = self.position_of(page[-1]) if page else position
        self.before_position = self.position_of(page[0]) if page else position
        if not page and position is None:
            self.has_next = self.has_previous = False
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return page

    # --- Page size ----------------------------------------------------------------------------

    def get_page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        raw = raw.strip()
        if (
            not raw.isascii()
            or not raw.isdigit()
            or len(raw) > 3
            or not (self.min_page_size <= int(raw) <= self.max_page_size)
        ):
            raise InvalidQuery(
                _("page_size must be a whole number from %(low)d to %(high)d.")
                % {"low": self.min_page_size, "high": self.max_page_size},
                code="invalid_page_size",
            )
        return int(raw)

    # --- Cursors ------------------------------------------------------------------------------

    def position_of(self, row: Any) -> list[Any]:
        return [key.value_of(row) for key in self.keys]

    def encode_cursor(self, position: Any, reverse: bool = False) -> str:
        payload = {
            "l": self.list_path,
            "o": self.ordering_label,
            "p": [_dump(value) for value in position],
        }
        if reverse:
            payload["r"] = 1
        token = signing.Signer(salt=_SIGNER_SALT).sign_object(payload)
        return replace_query_param(self.list_url, self.cursor_query_param, token)

    def decode_cursor(self, request: Any) -> tuple[list[Any] | None, bool]:  # type: ignore[override]
        """The position and direction the request's cursor holds (``None``: the first page)."""
        token = request.query_params.get(self.cursor_query_param)
        if token is None:
            return None, False
        try:
            payload = signing.Signer(salt=_SIGNER_SALT).unsign_object(token)
        except (signing.BadSignature, ValueError, TypeError, UnicodeError):
            raise _invalid_cursor(_("This cursor is not one this API made.")) from None
        if not isinstance(payload, dict) or payload.get("l") != self.list_path:
            raise _invalid_cursor(_("This cursor belongs to another list."))
        if payload.get("o") != self.ordering_label:
            raise _invalid_cursor(
                _(
                    "This cursor was made under ordering %(made)s, not %(now)s: repeat the "
                    "query that gave it, or start again without a cursor."
                )
                % {"made": payload.get("o"), "now": self.ordering_label}
            )
        raw = payload.get("p")
        if not isinstance(raw, list) or len(raw) != len(self.keys):
            raise _invalid_cursor(_("This cursor is not one this API made."))
        try:
            position = [key.parse(value) for key, value in zip(self.keys, raw, strict=True)]
        except (ValidationError, ValueError, TypeError, ArithmeticError):
            raise _invalid_cursor(_("This cursor is not one this API made.")) from None
        return position, bool(payload.get("r"))

    # --- Links --------------------------------------------------------------------------------

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        if self.after_position is None:  # an empty first page has nothing after it
            return None
        return self.encode_cursor(self.after_position)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if self.before_position is None:
            return remove_query_param(self.list_url, self.cursor_query_param)
        return self.encode_cursor(self.before_position, reverse=True)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": force_str(self.cursor_query_description),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": force_str(self.page_size_query_description),
                "schema": {
                    "type": "integer",
                    "minimum": self.min_page_size,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                },
            },
        ]


def keyset_after(keys: list[OrderKey], position: list[Any]) -> Q:
    """Rows strictly after ``position`` (one value per key) in the order of ``keys``:
    ``k1 > v1 OR (k1 = v1 AND k2 > v2) OR …``, with NULL after every value ascending and
    before every value descending (the order ``OrderKey.expression`` sorts by)."""
    condition: Q | None = None
    equal = Q()
    for key, value in zip(keys, position, strict=True):
        beyond = key.beyond(value)
        if beyond is not None:
            term = equal & beyond
            condition = term if condition is None else condition | term
        equal &= key.same(value)
    # The last key (id) is never NULL, so there is always a term.
    assert condition is not None
    return condition


def _invalid_cursor(message: Any) -> InvalidQuery:
    return InvalidQuery(message, code="invalid_cursor")


def _dump(value: Any) -> Any:
    """A sort key's value as JSON (``OrderKey.parse`` reads it back through the field)."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value
