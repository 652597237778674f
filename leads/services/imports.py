"""CSV import of leads (DESIGN §3.1): files as spreadsheets in our users' countries export
them, streamed row by row, validated row by row, written in bulk, reported row by row.

* Encoding: a byte-order mark decides (UTF-8, UTF-16, UTF-32); otherwise the first 64 KB
  must decode strictly as UTF-8, else as Windows-1250 (Polish and Central European Excel),
  else as Windows-1252 (Western European Excel); a file that is none of them, or binary (an
  Excel workbook, an image), is refused with a clear message.
* Delimiter: ``,`` ``;`` tab or ``|``, from the header row and ``csv.Sniffer`` (Polish and
  German Excel write ``;``); Excel's ``sep=;`` first line is honoured.
* Header: column names compared ignoring case, spaces, punctuation and accents, with common
  synonyms in English, Polish and German (``E-mail``, ``Adres e-mail``, ``Imię``, ``Firma``…).
  Unknown columns are ignored and listed. ``email`` is required.
* Numbers: ``1 234,50``, ``1.234,50``, ``1,234.50`` and ``1234.5`` all read as 1234.50; a
  lone ``1,234``/``1.234`` is read the way the file's delimiter suggests (``;`` → decimal
  comma). Currency signs are ignored; a headcount range (``51-200``, ``1000+``) counts its
  lower bound.
* Rows: each validated with the lead model's own field rules (as a ModelForm applies them);
  valid rows are written in chunks of ``CHUNK_SIZE`` with ``bulk_create`` (new emails) and
  ``bulk_update`` (emails the organization already has: non-empty cells overwrite, empty
  cells never erase). An email repeated in the file: the later row wins and counts as an update, so
  ``rows = created + updated + invalid rows`` always holds. Invalid rows are reported with
  their spreadsheet row number (the header is row 1), the file's column name and a message;
  nothing valid is dropped.
* Memory: the upload is read as a text stream (``io.TextIOWrapper`` + ``csv.reader``); at most
  one chunk of rows is held, and the stored errors are capped at ``MAX_ERROR_ROWS`` rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Field
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import DepartmentKind
from accounts.policy import can
from collab_hub.exceptions import DomainError, NotAllowed
from collab_hub.notifications.services import record_event
from leads.models import Campaign, ImportBatch, Lead, LeadSource, LeadStatus, LeadTransition
from leads.services import lifecycle, scoring
from leads.services.countries import clean_country

if TYPE_CHECKING:
    from accounts.models import Membership

CHUNK_SIZE = 1000
# Bytes inspected to choose the encoding, characters to choose the delimiter.
ENCODING_SAMPLE = 64 * 1024
DELIMITER_SAMPLE = 8 * 1024
DELIMITERS = ",;\t|"
# Invalid rows whose messages are kept in the batch; the rest are only counted.
MAX_ERROR_ROWS = 1000
FALLBACK_ENCODINGS = ("utf-8", "cp1250", "cp1252")


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


def _column_names() -> str:
    return ", ".join(str(column.label) for column in COLUMNS)


# --- Reading the file --------------------------------------------------------------------


def _binary_stream(file: Any) -> IO[bytes]:
    """The byte stream under a Django ``UploadedFile`` (or a plain binary file)."""
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


def detect_encoding(head: bytes) -> str:
    """The encoding of a file that starts with ``head``; ``ImportFileError`` when none fits.

    A byte-order mark decides; otherwise the first of UTF-8, Windows-1250, Windows-1252 that
    decodes ``head`` strictly (a multi-byte character cut at the end of ``head`` is fine).
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    reason = _looks_binary(head)
    if reason:
        raise ImportFileError(reason, code="not_text")
    for encoding in FALLBACK_ENCODINGS:
        try:
            codecs.getincrementaldecoder(encoding)(errors="strict").decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(
        gettext(
            "The file's characters could not be read (it is neither UTF-8 nor a Windows "
            "encoding). Save it as “CSV UTF-8” and upload it again."
        ),
        code="undecodable",
    )


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
    """A decoded, delimited view of an uploaded file: ``rows()`` yields
    ``(spreadsheet row number, cells)`` for every record after the header."""

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
        # Give the upload back untouched (closing the wrapper would close it).
        self.text.detach()


def open_csv(file: Any) -> CsvSource:
    """Detect the encoding and delimiter of ``file`` and read its header row. Raises
    ``ImportFileError`` for an empty, binary or undecodable file. Reads only a sample
    up front; the rest is streamed as ``rows()`` is consumed."""
    stream = _binary_stream(file)
    head = stream.read(ENCODING_SAMPLE)
    stream.seek(0)
    if not head.strip():
        raise ImportFileError(gettext("The file is empty."), code="empty_file")
    encoding = detect_encoding(head)
    sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    first = text.readline()
    hinted = _SEP_LINE.match(first.lstrip("\ufeff"))
    if hinted:
        delimiter = hinted.group(1)
        lines: Iterable[str] = text
    else:
        delimiter = detect_delimiter(sample[:DELIMITER_SAMPLE].lstrip("\ufeff"))
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
    source.header = [cell.replace("\ufeff", "").strip() for cell in header]
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


def _source_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for code, _language in settings.LANGUAGES:
        with translation.override(code):
            for value, label in LeadSource.choices:
                names[header_key(str(label))] = value
    names.update({header_key(value): value for value in LeadSource.values})
    return names


def _lead_field(name: str) -> Field[Any, Any]:
    """The lead model's field ``name``, one with a column of its own (not a reverse relation)."""
    field = Lead._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"Lead.{name} is not a column.")
    return field


def _db_column(field: Field[Any, Any]) -> str:
    if field.column is None:
        raise TypeError(f"{field} is not a column.")
    return field.column


# Lead fields a row is validated for (the campaign is looked up by name or id instead).
_VALIDATED = tuple(field for field in lifecycle.EDITABLE_FIELDS if field != "campaign")


class _RowReader:
    """Turns one CSV record into validated lead data, or into error entries."""

    def __init__(self, *, organization_id: int, header: list[str], mapping: dict[int, str]):
        self.header = header
        self.mapping = mapping
        self.column_of = {field: header[index] for index, field in mapping.items()}
        self.position = {name: index for index, name in reversed(list(enumerate(header)))}
        self.split_names = "full_name" in self.column_of and not (
            {"first_name", "last_name"} & set(self.column_of)
        )
        self.model_fields = {name: _lead_field(name) for name in _VALIDATED}
        self.sources = _source_names()
        campaigns = list(Campaign.objects.for_org(organization_id))
        self.campaigns_by_name = {c.name.strip().casefold(): c for c in campaigns}
        self.campaigns_by_id = {c.pk: c for c in campaigns}
        self.decimal_comma = False

    def _clean(self, field: str, value: str) -> Any:
        """The lead model's own rules for the field (length, email syntax, number range,
        digits of money, choices), as a ModelForm would apply them."""
        if field == "email":
            value = value.lower()
        elif field == "country":
            value = clean_country(value)
        return self.model_fields[field].clean(value, None)

    def _column(self, field: str) -> str:
        if field in self.column_of:
            return self.column_of[field]
        if field in ("first_name", "last_name") and "full_name" in self.column_of:
            return self.column_of["full_name"]
        return ""

    def _convert(self, field: str, value: str) -> tuple[Any, str | None]:
        """A cell's value in the form the serializer takes, or an error message."""
        if "\ufffd" in value:
            return None, gettext(
                "Contains characters that could not be read; save the file as “CSV UTF-8” "
                "and upload it again."
            )
        if field in ("employees", "annual_revenue"):
            parse = parse_headcount if field == "employees" else parse_number
            number = parse(value, decimal_comma=self.decimal_comma)
            if number is None:
                return None, gettext("“%(value)s” is not a number.") % {"value": value[:50]}
            return number, None
        if field == "source":
            source = self.sources.get(header_key(value))
            if source is None:
                return None, gettext("Unknown source “%(value)s”; use one of: %(choices)s.") % {
                    "value": value[:50],
                    "choices": ", ".join(LeadSource.values),
                }
            return source, None
        if field == "campaign":
            campaign = self.campaigns_by_name.get(value.casefold())
            if campaign is None and value.isdigit():
                campaign = self.campaigns_by_id.get(int(value))
            if campaign is None:
                return None, gettext("There is no campaign “%(value)s”.") % {"value": value[:100]}
            return campaign, None
        return value, None

    def read(self, cells: list[str]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
        """``(validated data, [])`` or ``(None, [(column, message), …])``."""
        errors: list[tuple[str, str]] = []
        values: dict[str, Any] = {}
        campaign: Campaign | None = None
        for index, field in self.mapping.items():
            value = cells[index].strip() if index < len(cells) else ""
            if not value and field != "email":
                # An empty cell is "not given" (only the email must be there).
                continue
            converted, error = self._convert(field, value)
            if error:
                errors.append((self.header[index], error))
            elif field == "campaign":
                campaign = converted
            elif field == "full_name":
                if self.split_names:
                    first, _space, last = converted.rpartition(" ")
                    values["first_name"], values["last_name"] = (
                        (first, last) if first else (last, "")
                    )
            else:
                values[field] = converted
        data = {}
        for field, value in values.items():
            try:
                data[field] = self._clean(field, value)
            except DjangoValidationError as error:
                errors.append((self._column(field), error.messages[0]))
        if errors:
            # In the file's column order, as the row reads in a spreadsheet.
            errors.sort(key=lambda error: self.position.get(error[0], -1))
            return None, errors
        if campaign is not None:
            data["campaign"] = campaign
        return data, []


# --- Writing ------------------------------------------------------------------------------

# Lead fields a row may set on an existing lead (email is the match key).
_UPDATABLE = tuple(field for field in lifecycle.EDITABLE_FIELDS if field != "email")


def changes_for_known_email(lead: Lead, data: dict[str, Any]) -> dict[str, Any]:
    """The create-or-update rule for data whose email ``lead`` already has: the fields it
    would change. A value given (not None, not "") overwrites; an empty or missing one never
    erases; the email is the match key and stays. Used by the import and the API's upsert
    (``leads.services.bulk``)."""
    changes: dict[str, Any] = {}
    for field in _UPDATABLE:
        value = data.get(field)
        if value in (None, ""):
            continue
        current = lead.campaign_id if field == "campaign" else getattr(lead, field)
        wanted = value.pk if field == "campaign" else value
        if current != wanted:
            changes[field] = value
    return changes


def update_leads(leads: list[Lead], fields: list[str]) -> None:
    """Write ``fields`` of ``leads`` (saved rows) in bulk, ``CHUNK_SIZE`` rows a statement.

    On PostgreSQL one ``UPDATE … FROM (VALUES …)`` per chunk: Django's ``bulk_update``
    builds a ``CASE WHEN pk = … THEN …`` per row and field, whose construction costs about a
    millisecond each in Python (20 s for 2,000 rows of 10 fields). Elsewhere ``bulk_update``.
    """
    if connection.vendor != "postgresql":
        Lead.objects.bulk_update(leads, fields, batch_size=CHUNK_SIZE)
        return
    quote = connection.ops.quote_name
    columns = [Lead._meta.pk, *(_lead_field(name) for name in fields)]
    names = [quote(_db_column(f)) for f in columns]
    pk_column = names[0]
    placeholders = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
    assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
    aliases = ", ".join(names)
    for start in range(0, len(leads), CHUNK_SIZE):
        part = leads[start : start + CHUNK_SIZE]
        params = [
            f.get_db_prep_save(getattr(lead, f.attname), connection)
            for lead in part
            for f in columns
        ]
        values = ", ".join([placeholders] * len(part))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(Lead._meta.db_table)} AS l SET {assignments} "  # noqa: S608
                f"FROM (VALUES {values}) AS v({aliases}) "
                f"WHERE l.{pk_column} = v.{pk_column}",
                params,
            )


@dataclass
class _Totals:
    rows: int = 0
    created: int = 0
    updated: int = 0
    invalid: int = 0
    qualified: int = 0


class _Importer:
    def __init__(self, *, by: Membership, batch: ImportBatch):
        self.by = by
        self.batch = batch
        self.organization = by.organization
        self.scorer = scoring.Scorer(self.organization.pk)
        self.settings = scoring.lead_settings(self.organization.pk)
        self.marketing_owner = by if by.department.kind == DepartmentKind.MARKETING else None
        self.totals = _Totals()
        self.errors: list[dict[str, Any]] = []
        self.error_rows = 0

    def add_errors(self, row: int, errors: list[tuple[str, str]]) -> None:
        self.totals.invalid += 1
        if self.error_rows < MAX_ERROR_ROWS:
            self.error_rows += 1
            self.errors.extend({"row": row, "column": c, "message": m} for c, m in errors)

    def _existing(self, emails: list[str]) -> dict[str, Lead]:
        size = (connection.features.max_query_params or len(emails) + 1) - 1
        found: dict[str, Lead] = {}
        for start in range(0, len(emails), size):
            leads = (
                Lead.objects.for_org(self.organization)
                .annotate(email_lower=Lower("email"))
                .filter(email_lower__in=emails[start : start + size])
            )
            for lead in leads:
                lead.organization = self.organization
                found[lead.email.lower()] = lead
        return found

    def flush(self, pending: list[tuple[int, dict[str, Any]]]) -> None:
        """Write one chunk; a lead created concurrently (a capture between our look-up and
        our insert) turns its row into an update on the next attempt."""
        if not pending:
            return
        for attempt in range(3):
            try:
                with transaction.atomic():
                    created, updated, touched = self._write(pending)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        self.totals.created += len(created)
        self.totals.updated += updated
        if self.settings.auto_qualify:
            self._auto_qualify([*created, *touched])

    def _write(
        self, pending: list[tuple[int, dict[str, Any]]]
    ) -> tuple[list[Lead], int, list[Lead]]:
        existing = self._existing(sorted({data["email"] for _row, data in pending}))
        new: dict[str, Lead] = {}
        touched: dict[int, Lead] = {}
        fields: set[str] = set()
        updated = 0
        for _row, data in pending:
            email = data["email"]
            lead = new.get(email) or existing.get(email)
            if lead is None:
                lead = Lead(
                    organization=self.organization,
                    import_batch=self.batch,
                    marketing_owner=self.marketing_owner,
                    source=data.get("source") or LeadSource.IMPORT,
                    **{k: v for k, v in data.items() if k != "source"},
                )
                new[email] = lead
                continue
            updated += 1
            for field, value in changes_for_known_email(lead, data).items():
                setattr(lead, field, value)
                fields.add(field)
                if lead.pk is not None:
                    touched[lead.pk] = lead
        created = list(new.values())
        for lead in created:
            self.scorer.apply(lead)
        for lead in existing.values():
            if self.scorer.apply(lead):
                touched[lead.pk] = lead
        Lead.objects.bulk_create(created, batch_size=CHUNK_SIZE)
        if touched:
            now = timezone.now()
            for lead in touched.values():
                lead.updated_at = now
            update_leads(list(touched.values()), [*sorted(fields), "score", "tier", "updated_at"])
        now = timezone.now()
        LeadTransition.objects.bulk_create(
            [
                LeadTransition(
                    organization=self.organization,
                    lead=lead,
                    from_status="",
                    to_status=LeadStatus.NEW,
                    by=self.by,
                    at=now,
                    note=gettext("Imported from %(file)s") % {"file": self.batch.file_name},
                )
                for lead in created
            ],
            batch_size=CHUNK_SIZE,
        )
        return created, updated, list(touched.values())

    def _auto_qualify(self, leads: list[Lead]) -> None:
        # The organization qualifies leads at the threshold: usually few per import, each a
        # lifecycle step of its own (owner in turn, SLA, event, notification).
        for lead in leads:
            if lead.status == LeadStatus.NEW and lead.score >= self.settings.mql_threshold:
                lifecycle.auto_qualify(lead)
                self.totals.qualified += lead.status == LeadStatus.MQL


@transaction.atomic
def import_leads(*, by: Membership, file: Any, file_name: str) -> ImportBatch:
    """Import the leads of a CSV ``file`` (a Django upload or a binary file object) for
    ``by``'s organization; return the ``ImportBatch`` with the counts and the errors.

    Preconditions: ``by`` may ``leads.import`` (``NotAllowed`` otherwise). The whole file is
    refused with ``ImportFileError`` (400; nothing stored) when it is empty, not text, not
    decodable, or its header names no known column or no email column. Otherwise every row
    is either created, updated (matched by email in the organization) or reported invalid;
    one transaction covers the import.

    Side effects: leads created (linked to the batch, scored and tiered, a ``LeadTransition``
    each) or updated in bulk; leads reaching the MQL threshold qualified when the
    organization auto-qualifies; ONE ``lead.imported`` event for the batch.

    The returned batch also carries, unsaved, ``ignored_columns`` (header names not
    understood), ``columns`` (header name → lead field), ``encoding``, ``delimiter`` and
    ``qualified`` (leads auto-qualified).
    """
    if not can(by, "leads.import"):
        raise NotAllowed(gettext("Your role does not allow this action."))
    source = open_csv(file)
    try:
        mapping, ignored = map_header(source.header)
        if not mapping:
            raise ImportFileError(
                gettext(
                    "The first row must name the columns; none of its names is known. "
                    "Recognised column names: %(columns)s."
                )
                % {"columns": _column_names()},
                code="unknown_columns",
            )
        if "email" not in mapping.values():
            raise ImportFileError(
                gettext(
                    "The file has no email column; leads are matched by email. "
                    "Recognised column names: %(columns)s."
                )
                % {"columns": _column_names()},
                code="no_email_column",
            )
        batch = ImportBatch.objects.create(
            organization=by.organization, file_name=file_name[:255], uploaded_by=by
        )
        importer = _Importer(by=by, batch=batch)
        reader = _RowReader(
            organization_id=by.organization_id, header=source.header, mapping=mapping
        )
        reader.decimal_comma = source.delimiter == ";"
        pending: list[tuple[int, dict[str, Any]]] = []
        for row, cells in source.rows():
            if isinstance(cells, csv.Error):
                importer.totals.rows += 1
                importer.add_errors(row, [("", gettext("This row cannot be read: %s") % cells)])
                continue
            if not any(cell.strip() for cell in cells):
                continue
            importer.totals.rows += 1
            data, errors = reader.read(cells)
            if data is None:  # ``read`` gives no data exactly when the row has errors
                importer.add_errors(row, errors)
                continue
            pending.append((row, data))
            if len(pending) >= CHUNK_SIZE:
                importer.flush(pending)
                pending = []
        importer.flush(pending)
    finally:
        source.close()
    totals = importer.totals
    batch.rows, batch.created_count, batch.updated_count = (
        totals.rows,
        totals.created,
        totals.updated,
    )
    batch.error_count, batch.errors = totals.invalid, importer.errors
    batch.save(update_fields=["rows", "created_count", "updated_count", "error_count", "errors"])
    record_event(
        organization=by.organization,
        actor=by,
        verb="lead.imported",
        target=batch,
        payload={
            "file_name": batch.file_name,
            "rows": totals.rows,
            "created": totals.created,
            "updated": totals.updated,
            "invalid": totals.invalid,
            "qualified": totals.qualified,
        },
    )
    batch.ignored_columns = ignored
    batch.columns = {source.header[index]: field for index, field in mapping.items()}
    batch.encoding, batch.delimiter, batch.qualified = (
        source.encoding,
        source.delimiter,
        totals.qualified,
    )
    return batch


def error_rows_not_shown(batch: ImportBatch) -> int:
    """Invalid rows of ``batch`` counted but without stored messages (beyond the cap)."""
    return max(0, batch.error_count - len({entry["row"] for entry in batch.errors or []}))
