"""Reading a CSV file of leads as spreadsheets save it: the encoding decided over the whole
file, the delimiter, the header's column names, and spreadsheet-formatted numbers. Used by
``leads.services.imports`` (which validates and writes the rows)."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collab_hub.exceptions import DomainError

# Bytes inspected for a byte-order mark and binary content, characters for the delimiter.
ENCODING_SAMPLE = 64 * 1024
DELIMITER_SAMPLE = 8 * 1024
READ_BLOCK = 1024 * 1024
DELIMITERS = ",;\t|"
# Single-byte encodings a file that is not UTF-8 may be in, in the order they are tried.
SINGLE_BYTE_ENCODINGS = ("cp1250", "cp1252")


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (400): empty, not text, no usable header."""

    default_code = "invalid_file"


@dataclass(frozen=True)
class Column:
    field: str
    label: Promise
    # Names a file may give the column, separated by "|".
    names: str
    note: Promise | str = ""

    @property
    def synonyms(self) -> list[str]:
        return self.names.split("|")


# What a column may be called. Compared after ``header_key`` (case, spacing, punctuation and
# accents ignored), so "E-mail", "e mail" and "EMAIL" are one name.
COLUMNS: tuple[Column, ...] = (
    Column(
        "email",
        _("Email"),
        "email|e-mail|email address|e-mail address|mail|adres e-mail|e-mail-adresse",
        _("Required. Rows are matched to existing leads by email."),
    ),
    Column("first_name", _("First name"), "first name|given name|forename|imię|vorname"),
    Column("last_name", _("Last name"), "last name|surname|family name|nazwisko|nachname"),
    Column(
        "full_name",
        _("Name"),
        "name|full name|contact name|contact|imię i nazwisko|osoba",
        _("Split into first and last name when the file has no such columns."),
    ),
    Column(
        "company_name",
        _("Company"),
        "company|company name|organization|organisation|account|account name|firma|"
        "nazwa firmy|unternehmen",
    ),
    Column("title", _("Job title"), "title|job title|position|role|stanowisko|funkcja"),
    Column(
        "phone",
        _("Phone"),
        "phone|phone number|telephone|tel|mobile|telefon|numer telefonu|telefonnummer",
    ),
    Column("industry", _("Industry"), "industry|sector|branża|branche"),
    Column(
        "country",
        _("Country"),
        "country|country code|kraj|land",
        _('Two-letter code (PL, DE) or a common name ("Poland", "Polska", "Germany").'),
    ),
    Column(
        "employees",
        _("Employees"),
        "employees|company size|number of employees|employee count|headcount|"
        "liczba pracowników|zatrudnienie|mitarbeiter",
        _("A whole number; a range such as 51-200 counts its lower bound."),
    ),
    Column(
        "annual_revenue",
        _("Annual revenue"),
        "annual revenue|revenue|przychód|przychody|roczny przychód|umsatz|jahresumsatz",
        _("1234.50, 1 234,50, 1.234,50 or 1,234.50; currency signs are ignored."),
    ),
    Column(
        "source",
        _("Source"),
        "source|lead source|źródło|quelle",
        _(
            "website, import, event, referral, paid, content, outbound, partner or other "
            "(or its name); empty: import."
        ),
    ),
    Column(
        "campaign",
        _("Campaign"),
        "campaign|campaign name|kampania|kampagne",
        _("The name (or id) of one of your campaigns."),
    ),
)


def header_key(text: str) -> str:
    """A column name reduced to lower-case letters and digits, accents dropped
    ("Adres e-mail" → "adresemail", "Liczba pracowników" → "liczbapracownikow")."""
    text = text.replace("\ufeff", "").replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed.lower() if char.isalnum() and char.isascii())


_FIELD_BY_HEADER = {
    header_key(name): column.field for column in COLUMNS for name in column.synonyms
}


def accepted_columns() -> list[Column]:
    """The columns an import understands, for help texts and error messages."""
    return list(COLUMNS)


def column_names() -> str:
    return ", ".join(str(column.label) for column in COLUMNS)


# --- Reading the file --------------------------------------------------------------------


def binary_stream(file: Any) -> IO[bytes]:
    """The byte stream under a Django ``UploadedFile``/``File`` (or a plain binary file)."""
    stream: IO[bytes] = getattr(file, "file", file)
    stream.seek(0)
    return stream


def _looks_binary(head: bytes) -> str | None:
    """Why ``head`` is not a text file, or None."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return gettext(
            "This is an Excel workbook, not a CSV file. In Excel choose File → Save as → "
            "CSV, then upload that file."
        )
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\x0c\x1a")
    if b"\x00" in head or controls > len(head) // 200:
        return gettext("This file is not text. Upload a CSV file (comma or semicolon separated).")
    return None


def _decodes_whole(stream: IO[bytes], encoding: str) -> bool:
    """Whether every byte of ``stream`` decodes strictly in ``encoding`` (read in blocks,
    a character cut between two blocks is fine)."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        while block := stream.read(READ_BLOCK):
            decoder.decode(block, final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


def _undecodable() -> ImportFileError:
    return ImportFileError(
        gettext(
            "The file's characters could not be read (it is neither UTF-8 nor a Windows "
            "encoding). Save it as “CSV UTF-8” and upload it again."
        ),
        code="undecodable",
    )


def detect_encoding(file: Any) -> str:
    """The encoding of the whole ``file`` (checked over every byte, not a sample);
    ``ImportFileError`` when none fits.

    A byte-order mark decides. Otherwise UTF-8 when every byte decodes as UTF-8. A file that
    does not is mixed or single-byte: its non-ASCII lines are counted as valid UTF-8 or not.
    When the UTF-8 lines are at least as many, it is a UTF-8 file with a few rows saved in
    another encoding (those rows are reported, see ``unreadable``); otherwise it is
    Windows-1250 (Polish and Central European Excel), else Windows-1252 (Western European
    Excel), the first in which every non-UTF-8 line decodes; its lines that are valid UTF-8
    are reported rather than read as mojibake ("Ă‰mile" for "Émile").
    """
    stream = binary_stream(file)
    head = stream.read(ENCODING_SAMPLE)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    reason = _looks_binary(head)
    if reason:
        raise ImportFileError(reason, code="not_text")
    if _decodes_whole(stream, "utf-8"):
        return "utf-8"
    utf8_lines = other_lines = 0
    fits = dict.fromkeys(SINGLE_BYTE_ENCODINGS, True)
    try:
        for line in stream:
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                other_lines += 1
                for encoding in SINGLE_BYTE_ENCODINGS:
                    if fits[encoding]:
                        try:
                            line.decode(encoding)
                        except UnicodeDecodeError:
                            fits[encoding] = False
            else:
                utf8_lines += 1
    finally:
        stream.seek(0)
    if utf8_lines >= other_lines:
        return "utf-8"
    for encoding in SINGLE_BYTE_ENCODINGS:
        if fits[encoding]:
            return encoding
    raise _undecodable()


ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
    "cp1250": "Windows-1250",
    "cp1252": "Windows-1252",
}

# Bytes the file's encoding does not have, kept by ``surrogateescape`` as lone surrogates.
_ESCAPED = re.compile("[\udc80-\udcff]")


def unreadable(value: str, encoding: str) -> str | None:
    """Why a cell read in ``encoding`` cannot be trusted, or None: bytes that do not decode
    (a row saved in another encoding), or, in a single-byte file, text that is valid UTF-8
    and would otherwise be stored as mojibake. The message names the file's encoding and
    what the text is in the other one."""
    name = ENCODING_NAMES.get(encoding, encoding)
    if encoding in SINGLE_BYTE_ENCODINGS and not value.isascii():
        raw = value.encode(encoding, errors="surrogateescape")
        try:
            as_utf8 = raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return gettext(
                "This row was saved as UTF-8 (“%(text)s”) while the file is %(encoding)s; "
                "save the whole file in one encoding (“CSV UTF-8”) and upload it again."
            ) % {"text": as_utf8[:50], "encoding": name}
    if not _ESCAPED.search(value):
        return None
    if encoding.startswith("utf-8"):
        raw = value.encode("utf-8", errors="surrogateescape")
        try:
            other = raw.decode(SINGLE_BYTE_ENCODINGS[0])
        except UnicodeDecodeError:
            pass
        else:
            return gettext(
                "This row is not UTF-8 like the rest of the file (it looks like Windows-1250: "
                "“%(text)s”); save the whole file as “CSV UTF-8” and upload it again."
            ) % {"text": other[:50]}
    return gettext(
        "Contains characters that are not %(encoding)s like the rest of the file; save the "
        "file as “CSV UTF-8” and upload it again."
    ) % {"encoding": name}


def printable(text: str) -> str:
    """``text`` with bytes that did not decode shown as "�" (for names we store or show)."""
    return _ESCAPED.sub("\ufffd", text)


def detect_delimiter(sample: str) -> str:
    """``,`` ``;`` tab or ``|``: the one that splits the header row into columns, asking
    ``csv.Sniffer`` when several do; ``,`` for a one-column file."""
    lines = [line for line in sample.splitlines() if line.strip()]
    if not lines:
        return ","
    header = lines[0]
    widths = {d: len(next(csv.reader([header], delimiter=d))) for d in DELIMITERS}
    splitting = [d for d in DELIMITERS if widths[d] > 1]
    if len(splitting) == 1:
        return splitting[0]
    complete = "\n".join(lines[:-1] if len(lines) > 2 else lines)
    try:
        sniffed = csv.Sniffer().sniff(complete, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in splitting or (sniffed and not splitting):
        return sniffed
    if splitting:
        return max(splitting, key=lambda d: widths[d])
    return ","


_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$")


@dataclass
class CsvSource:
    """A decoded, delimited view of a file: ``rows()`` yields ``(spreadsheet row number,
    cells)`` for every record after the header."""

    text: io.TextIOWrapper
    encoding: str
    delimiter: str
    header: list[str]
    records: Iterator[list[str]]

    def rows(self) -> Iterator[tuple[int, list[str] | csv.Error]]:
        number = 1
        while True:
            number += 1
            try:
                cells = next(self.records)
            except StopIteration:
                return
            except csv.Error as error:
                yield number, error
                continue
            yield number, cells

    def close(self) -> None:
        # Give the stream back untouched (closing the wrapper would close it).
        self.text.detach()


def open_csv(file: Any, *, encoding: str | None = None, delimiter: str | None = None) -> CsvSource:
    """Read the header row of ``file``, detecting its encoding (over the whole file) and
    delimiter unless given. Raises ``ImportFileError`` for an empty, binary or undecodable
    file. The rows are streamed as ``rows()`` is consumed; bytes that do not decode are kept
    as escapes (``unreadable`` reports them), never replaced silently."""
    stream = binary_stream(file)
    head = stream.read(ENCODING_SAMPLE)
    stream.seek(0)
    if not head.strip():
        raise ImportFileError(gettext("The file is empty."), code="empty_file")
    encoding = encoding or detect_encoding(stream)
    sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="surrogateescape", newline="")
    first = text.readline()
    hinted = _SEP_LINE.match(first.lstrip("\ufeff"))
    lines: Iterable[str]
    if hinted:
        delimiter = hinted.group(1)
        lines = text
    else:
        delimiter = delimiter or detect_delimiter(sample[:DELIMITER_SAMPLE].lstrip("\ufeff"))
        lines = itertools.chain([first], text)
    records = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True)
    source = CsvSource(text, encoding, delimiter, [], records)
    try:
        header = next(records, None)
    except csv.Error:
        header = None
    if not header or not any(cell.strip() for cell in header):
        source.close()
        raise ImportFileError(gettext("The file is empty."), code="empty_file")
    source.header = [printable(cell.replace("\ufeff", "").strip()) for cell in header]
    return source


def map_header(header: list[str]) -> tuple[dict[int, str], list[str]]:
    """``({column index: lead field}, [ignored column names])`` for a header row. A field
    named twice takes the first column; the other is ignored."""
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        field = _FIELD_BY_HEADER.get(header_key(name))
        if field is None or field in mapping.values():
            if name:
                ignored.append(name)
            continue
        mapping[index] = field
    return mapping, ignored


# --- Reading values -----------------------------------------------------------------------

_CURRENCY = re.compile(r"(?i)zł|pln|eur|usd|gbp|chf|€|\$|£")
_NUMBER_NOISE = re.compile(r"[\s\u00a0\u202f'’]")
_RANGE = re.compile(r"^\s*([\d\s.,\u00a0\u202f]+?)\s*(?:-|–|—|to|do|bis)\s*[\d\s.,\u00a0\u202f]+$")
_OPEN_RANGE = re.compile(r"^\s*([\d\s.,\u00a0\u202f]+?)\s*\+\s*$")


def parse_number(text: str, *, decimal_comma: bool) -> str | None:
    """A spreadsheet-formatted number as a plain decimal string ("1 234,50" → "1234.50"), or
    None when it is not one. ``decimal_comma`` settles a lone separator followed by exactly
    three digits ("1,234"): a decimal comma (Polish/German files) or a thousands comma."""
    value = _NUMBER_NOISE.sub("", _CURRENCY.sub("", text))
    sign = ""
    if value[:1] in ("+", "-"):
        sign, value = ("-" if value[0] == "-" else ""), value[1:]
    if not value or not re.fullmatch(r"[\d.,]+", value) or not value[0].isdigit():
        return None
    commas, dots = value.count(","), value.count(".")
    if commas and dots:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
    elif commas > 1 or dots > 1:
        decimal = None
    elif commas or dots:
        separator = "," if commas else "."
        fraction = value.split(separator)[1]
        if len(fraction) != 3:
            decimal = separator
        else:
            decimal = separator if (separator == ",") == decimal_comma else None
    else:
        decimal = None
    integer, _sep, fraction = value.partition(decimal) if decimal else (value, "", "")
    grouping = {",", "."} - {decimal} if decimal else {",", "."}
    groups = re.split(r"[.,]", integer) if any(g in integer for g in grouping) else [integer]
    if len(groups) > 1 and (
        not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:])
    ):
        return None
    if not fraction and decimal:
        return None
    if not fraction.isdigit() and fraction:
        return None
    number = sign + "".join(groups)
    return f"{number}.{fraction}" if fraction else number


def parse_headcount(text: str, *, decimal_comma: bool) -> str | None:
    """A headcount: a number, or a range whose lower bound counts ("51-200", "1000+")."""
    match = _RANGE.match(text) or _OPEN_RANGE.match(text)
    return parse_number(match.group(1) if match else text, decimal_comma=decimal_comma)
