"""Collateral files: which types may be uploaded, and how a stored file is served.

Uploads are checked against ``FILE_TYPES`` twice: by the name's extension and by the content
(a signature check; a ``.pdf`` that is really HTML is refused). Stored files get an
unguessable name (``leads.models.collateral_upload_to``) and are only ever served through
``file_response`` from a view that looked the asset up for the member first (the page's
``/collateral/<id>/download/`` and the API's ``collateral/<id>/download/``); nothing is
served from ``/media/``.

The response never trusts the upload: ``Content-Type`` comes from the allow-list, only
images and PDFs are shown inline (everything else is ``Content-Disposition: attachment``),
with ``X-Content-Type-Options: nosniff`` and a sandboxing ``Content-Security-Policy``.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab_hub.exceptions import DomainError

# How much of an upload the content checks read.
SNIFF_BYTES = 8192
# Longest original file name kept (the model field's length).
ORIGINAL_NAME_MAX = 255

# Every file is served as a sandboxed document that may load nothing: were a browser ever to
# render one as a page, no script runs and it has no origin (no cookies, no same-origin
# requests). Chromium's PDF viewer and image view work under it (checked with Chromium 156:
# an inline PDF and PNG render with exactly this header).
CSP = "sandbox; default-src 'none'"


@dataclass(frozen=True)
class FileType:
    """One allowed kind of file: its extensions, the ``Content-Type`` it is served with and
    whether a browser may show it inline (its content check is in ``_CHECKS``)."""

    label: Any  # str or a lazy translation
    extensions: tuple[str, ...]
    content_type: str
    inline: bool = False


def _starts(*signatures: bytes) -> Any:
    return lambda head, file: head.startswith(signatures)


def _webp(head: bytes, file: Any) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _office(folder: str) -> Any:
    """An Office Open XML document: a zip with ``[Content_Types].xml`` and its part folder
    (``word/``, ``xl/``, ``ppt/``)."""

    def check(head: bytes, file: Any) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            file.seek(0)
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return check


def _zip(head: bytes, file: Any) -> bool:
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


# Markup a browser would render or run, refused even in a .txt or .csv.
_MARKUP = re.compile(rb"^\s*<(!doctype|html|head|body|script|svg|\?xml|iframe|object)", re.I)


def _text(head: bytes, file: Any) -> bool:
    # Text has no NUL bytes, and is not a page or a script a browser would run.
    return b"\x00" not in head and not _MARKUP.match(head.removeprefix(b"\xef\xbb\xbf"))


_CHECKS = {
    "pdf": _starts(b"%PDF"),
    "png": _starts(b"\x89PNG\r\n\x1a\n"),
    "jpeg": _starts(b"\xff\xd8\xff"),
    "gif": _starts(b"GIF87a", b"GIF89a"),
    "webp": _webp,
    "docx": _office("word/"),
    "xlsx": _office("xl/"),
    "pptx": _office("ppt/"),
    "zip": _zip,
    "txt": _text,
    "csv": _text,
}

FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("PDF", ("pdf",), "application/pdf", inline=True),
    "png": FileType("PNG", ("png",), "image/png", inline=True),
    "jpeg": FileType("JPEG", ("jpg", "jpeg"), "image/jpeg", inline=True),
    "gif": FileType("GIF", ("gif",), "image/gif", inline=True),
    "webp": FileType("WebP", ("webp",), "image/webp", inline=True),
    "docx": FileType(
        "Word (.docx)",
        ("docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": FileType(
        "Excel (.xlsx)",
        ("xlsx",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "pptx": FileType(
        "PowerPoint (.pptx)",
        ("pptx",),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "zip": FileType("ZIP", ("zip",), "application/zip"),
    "txt": FileType(gettext_lazy("text"), ("txt",), "text/plain"),
    "csv": FileType("CSV", ("csv",), "text/csv"),
}
_BY_EXTENSION = {ext: key for key, kind in FILE_TYPES.items() for ext in kind.extensions}
# What a file whose extension is not (or no longer) on the list is served as.
UNKNOWN = FileType("", (), "application/octet-stream")


def allowed_extensions() -> list[str]:
    """Every extension an upload may have, in the allow-list's order."""
    return [ext for kind in FILE_TYPES.values() for ext in kind.extensions]


def served_content_types() -> list[str]:
    """Every ``Content-Type`` a download may have (the allow-list's, and ``UNKNOWN``'s for
    files stored before the list existed)."""
    return [*dict.fromkeys(kind.content_type for kind in FILE_TYPES.values()), UNKNOWN.content_type]


def extension_of(name: str) -> str:
    """The lower-case extension of a file name, without the dot ("" when it has none)."""
    return PurePath(name or "").suffix.lower().lstrip(".")


def file_type_of(name: str) -> FileType:
    """The allow-list entry for a (stored or original) file name, ``UNKNOWN`` if none."""
    key = _BY_EXTENSION.get(extension_of(name))
    return FILE_TYPES[key] if key else UNKNOWN


def original_name(name: str) -> str:
    """The file name to keep for downloads: the last path part, without control characters,
    at most ``ORIGINAL_NAME_MAX`` characters (the extension is kept)."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > ORIGINAL_NAME_MAX:
        ext = PurePath(base).suffix[:16]
        base = base[: ORIGINAL_NAME_MAX - len(ext)] + ext
    return base or "file"


def check_upload(upload: Any) -> FileType:
    """The allow-list entry an upload belongs to, or a ``DomainError`` on ``file``:
    ``file_type_not_allowed`` for an extension not on the list (``.html``, ``.svg``, ``.exe``,
    none), ``file_content_mismatch`` when the content is not what the extension says."""
    ext = extension_of(getattr(upload, "name", ""))
    key = _BY_EXTENSION.get(ext)
    if key is None:
        raise DomainError(
            _("Files of type %(type)s cannot be uploaded. Allowed: %(allowed)s.")
            % {
                "type": f".{ext}" if ext else _("(no extension)"),
                "allowed": ", ".join(f".{e}" for e in allowed_extensions()),
            },
            code="file_type_not_allowed",
            field="file",
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if not _CHECKS[key](head, upload):
        raise DomainError(
            _(
                "The file is named .%(ext)s but its content is not %(type)s. "
                "Upload a real %(type)s file."
            )
            % {"ext": ext, "type": FILE_TYPES[key].label},
            code="file_content_mismatch",
            field="file",
        )
    return FILE_TYPES[key]


def content_disposition(disposition: str, filename: str) -> str:
    """``attachment``/``inline`` with the file name as RFC 6266 wants it: an ASCII
    ``filename=`` for old clients and the exact UTF-8 name in ``filename*=`` (RFC 5987)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r'[^\x20-\x7e]|["\\]', "_", ascii_name).strip() or "file"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(*, name: str, download_name: str) -> HttpResponseBase:
    """Serve the stored file ``name`` (a path in the default storage) to a member who may see
    it, as described in the module docstring. ``FILES_SERVE`` chooses who sends the bytes:
    this process streaming it (default), or the proxy in front (``x-accel-redirect`` for
    nginx, ``x-sendfile`` for Apache/lighttpd) with the same headers."""
    kind = file_type_of(name)
    disposition = "inline" if kind.inline else "attachment"
    mode = settings.FILES_SERVE
    response: HttpResponseBase
    if mode == "x-accel-redirect":
        response = HttpResponse(content_type=kind.content_type)
        response["X-Accel-Redirect"] = settings.FILES_ACCEL_REDIRECT_PREFIX + quote(name)
    elif mode == "x-sendfile":
        response = HttpResponse(content_type=kind.content_type)
        response["X-Sendfile"] = default_storage.path(name)
    else:
        try:
            stream = default_storage.open(name, "rb")
        except FileNotFoundError:
            # Lost from the volume (a restore without media): nothing to serve.
            raise Http404 from None
        response = FileResponse(stream, content_type=kind.content_type)
    response["Content-Disposition"] = content_disposition(disposition, download_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP
    response["Cache-Control"] = "private, no-cache"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
