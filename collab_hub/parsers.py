"""The API's request-body parsers: bounded in size, in nesting and in number of fields.

``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`` names ``JSONParser`` alone: request bodies are
JSON (DESIGN §4), so clients generated from the schema send one body format. Views that take
a file upload (the CSV import, collateral) or a website's form post (public capture) list
``MultiPartParser``/``FormParser`` in their own ``parser_classes``.

Every failure is an API error with ``detail`` and a stable ``code`` (never Django's HTML 400
page or a 500):

=============================  ======  ===========================================
the body                       status  ``code``
=============================  ======  ===========================================
not JSON, not UTF-8            400     ``parse_error``
nested deeper than 64 levels   400     ``parse_error``
over 1,000 form fields         400     ``too_many_fields``
over 100 files                 400     ``too_many_files``
JSON or form over 1 MB         413     ``request_too_large``
multipart over 26 MB           413     ``request_too_large``
=============================  ======  ===========================================

The limits are settings (``API_MAX_JSON_DEPTH``, ``API_MAX_BODY_BYTES``,
``API_MAX_UPLOAD_BYTES``, Django's ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` and
``DATA_UPLOAD_MAX_NUMBER_FILES``). Python's ``json`` recurses once per nesting level, so a
100,000-level document would raise ``RecursionError``; the depth is measured first, on the
text, by a scan that does not recurse.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers
from rest_framework.utils import json

# Defaults of the settings above (bytes; levels).
DEFAULT_MAX_JSON_DEPTH = 64
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_UPLOAD_BYTES = 26 * 1024 * 1024

# A JSON string literal, or an unterminated one up to the end of the text. The pattern is
# deterministic ("unrolled loop": no two ways to match the same text), so it never
# backtracks, and it always matches at a quote, so one pass over the text removes them all.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def max_body_bytes() -> int:
    return int(getattr(settings, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


def max_upload_bytes() -> int:
    return int(getattr(settings, "API_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def max_json_depth() -> int:
    return int(getattr(settings, "API_MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH))


def json_depth(text: str) -> int:
    """How deeply ``text``'s arrays and objects nest (0 for a scalar), counted without
    recursion: brackets inside strings are left out, then the running depth is summed."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(_DEPTH_STEP[char] for char in brackets), default=0)


def _too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(
        _("The request body is larger than %(size)s.") % {"size": _megabytes(limit)}
    )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g} MB"


def _declared_length(parser_context: Mapping[str, Any] | None) -> int:
    request = (parser_context or {}).get("request")
    meta = getattr(request, "META", {})
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


def read_body(stream: Any, parser_context: Mapping[str, Any] | None, limit: int) -> bytes:
    """At most ``limit`` bytes of the body, or a 413 (by its Content-Length, before reading,
    or by what was read)."""
    if _declared_length(parser_context) > limit:
        raise _too_large(limit)
    if stream is None:
        return b""
    body: bytes = stream.read(limit + 1)
    if len(body) > limit:
        raise _too_large(limit)
    return body


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a size limit (``API_MAX_BODY_BYTES``, 1 MB) and a depth limit
    (``API_MAX_JSON_DEPTH``, 64 levels): deeper is a 400 ``parse_error``, not a 500."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        body = read_body(stream, parser_context, max_body_bytes())
        try:
            text = codecs.decode(body, encoding)
        except (LookupError, UnicodeDecodeError) as error:
            raise exceptions.ParseError(
                _("JSON parse error - %(error)s") % {"error": error}
            ) from None
        limit = max_json_depth()
        # Fewer opening brackets than the limit cannot nest deeper (the usual body: no scan).
        if text.count("[") + text.count("{") > limit and json_depth(text) > limit:
            raise exceptions.ParseError(
                _("JSON parse error - nested deeper than %(limit)d levels.") % {"limit": limit}
            )
        try:
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as error:
            raise exceptions.ParseError(
                _("JSON parse error - %(error)s") % {"error": error}
            ) from None


def body_limit_error(error: Exception) -> exceptions.APIException:
    """Django's limits on request bodies (``TooManyFieldsSent``, ``TooManyFilesSent``,
    ``RequestDataTooBig``), which it would answer with its HTML 400 page, as API errors.

    DRF reads JSON and form bodies through ``request.body``, where Django enforces
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` before a parser runs: the API's exception handler
    maps those too (``collab_hub.exceptions``)."""
    if isinstance(error, TooManyFieldsSent):
        return exceptions.ParseError(
            _("The form has more than %(limit)d fields.")
            % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS},
            code="too_many_fields",
        )
    if isinstance(error, TooManyFilesSent):
        return exceptions.ParseError(
            _("The form has more than %(limit)d files.")
            % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES},
            code="too_many_files",
        )
    return RequestTooLarge(
        _("The request body is larger than %(size)s (files aside).")
        % {"size": _megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
    )


BODY_LIMIT_ERRORS = (TooManyFieldsSent, TooManyFilesSent, RequestDataTooBig)


class FormParser(parsers.FormParser):
    """``application/x-www-form-urlencoded`` (a plain HTML form), at most 1 MB and
    ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        from django.http import QueryDict

        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        body = read_body(stream, parser_context, max_body_bytes())
        try:
            return QueryDict(body, encoding=encoding)
        except TooManyFieldsSent as error:
            raise body_limit_error(error) from error


class MultiPartParser(parsers.MultiPartParser):
    """``multipart/form-data`` for file uploads: the whole body at most
    ``API_MAX_UPLOAD_BYTES`` (26 MB: a 25 MB file and its fields), Django's limits on the
    number of fields and files and on the size of the non-file fields."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = max_upload_bytes()
        if _declared_length(parser_context) > limit:
            raise _too_large(limit)
        try:
            return super().parse(stream, media_type, parser_context)
        except BODY_LIMIT_ERRORS as error:
            raise body_limit_error(error) from error
