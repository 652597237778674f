"""CSV import of leads (DESIGN §3.1): files as spreadsheets in our users' countries export
them, stored at upload and imported in the background (``start_import`` → the Celery task
→ ``run_import``), streamed row by row, validated row by row, written in chunks that each
commit with the batch's offset, reported row by row.

* Job: ``queued → running → done | failed``. Each chunk of ``CHUNK_SIZE`` records commits
  its leads together with the batch's counts and offset; a killed run leaves the batch
  ``running`` until ``fail_stalled_imports`` (beat) marks it ``failed``; ``resume_import``
  continues from the offset. Create-or-update by email makes a replayed chunk harmless.
* Encoding: a byte-order mark decides (UTF-8, UTF-16, UTF-32); otherwise the whole file is
  checked (``detect_encoding``): UTF-8 when every byte decodes, a UTF-8 file with a few rows
  in another encoding when most non-ASCII lines are UTF-8, else Windows-1250 (Polish and
  Central European Excel) or Windows-1252 (Western European Excel). Rows that do not fit
  the chosen encoding are reported with their row number, never stored garbled. A binary
  file (an Excel workbook, an image) or one in no known encoding is refused.
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
  cells never erase). An email repeated in the file: the later row wins and is reported as
  "repeated in the file, row N" (not counted as an update), so ``rows = created + updated
  + repeated + invalid rows`` always holds. Invalid rows are reported with their
  spreadsheet row number (the header is row 1), the file's column name and a message;
  nothing valid is dropped.
* Memory: the stored file is read as a text stream (``io.TextIOWrapper`` + ``csv.reader``); at most
  one chunk of rows is held, and the stored errors are capped at ``MAX_ERROR_ROWS`` rows.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Q, Value
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import DepartmentKind
from accounts.policy import can
from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.services import record_event
from leads.models import (
    Campaign,
    ImportBatch,
    ImportStatus,
    Lead,
    LeadSource,
    LeadStatus,
    LeadTransition,
)
from leads.services import lifecycle, scoring
from leads.services.countries import clean_country

# Reading the file lives in ``csv_files``; what pages, the API and tests use is re-exported.
from leads.services.csv_files import ENCODING_NAMES as ENCODING_NAMES
from leads.services.csv_files import CsvSource, binary_stream, column_names, open_csv, unreadable
from leads.services.csv_files import ImportFileError as ImportFileError
from leads.services.csv_files import accepted_columns as accepted_columns
from leads.services.csv_files import detect_encoding as detect_encoding
from leads.services.csv_files import header_key as header_key
from leads.services.csv_files import map_header as map_header
from leads.services.csv_files import parse_headcount as parse_headcount
from leads.services.csv_files import parse_number as parse_number
from leads.services.emails import clean_lead_email

if TYPE_CHECKING:
    from accounts.models import Membership

logger = logging.getLogger(__name__)

# Records per transaction: each chunk commits its leads with the batch's offset.
CHUNK_SIZE = 1000
# Invalid (and repeated) rows whose messages are kept in the batch; the rest are counted.
MAX_ERROR_ROWS = 1000
# Files up to this size (about a thousand rows) are imported in the request, after the
# commit; larger ones by the Celery task. The answer is the same batch either way.
INLINE_MAX_BYTES = 128 * 1024
# A running import whose heartbeat (written by every chunk, about every second) is older
# than this has lost its worker; a queued one not started within QUEUED_STALLED_AFTER lost
# its task.
STALLED_AFTER = timedelta(minutes=10)
QUEUED_STALLED_AFTER = timedelta(hours=1)


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

    def __init__(
        self,
        *,
        organization_id: int,
        header: list[str],
        mapping: dict[int, str],
        encoding: str = "utf-8",
    ):
        self.encoding = encoding
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
            # The one email rule of every path (strip, lower-case, syntax).
            return clean_lead_email(value)
        if field == "country":
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
        problem = unreadable(value, self.encoding)
        if problem:
            return None, problem
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
            except DomainError as error:
                errors.append((self._column(field), str(error.message)))
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
class _Pending:
    row: int
    data: dict[str, Any]
    # An earlier row of the file had this email: the row wins but counts as "repeated".
    repeated: bool


class _Importer:
    """Imports one batch's stored file from its offset, a chunk of records per transaction."""

    def __init__(self, batch: ImportBatch):
        self.batch = batch
        self.by = batch.uploaded_by
        self.organization = batch.organization
        self.scorer = scoring.Scorer(self.organization.pk)
        self.settings = scoring.lead_settings(self.organization.pk)
        self.marketing_owner = (
            self.by
            if self.by is not None and self.by.department.kind == DepartmentKind.MARKETING
            else None
        )
        # Email → the row that last brought it (valid rows only), the whole file so far.
        self.seen: dict[str, int] = {}
        # Rows whose messages the batch keeps (capped at MAX_ERROR_ROWS each).
        self.kept_errors = len({entry["row"] for entry in batch.errors})
        self.kept_repeated = len(batch.repeated)
        self.reset_chunk()

    def reset_chunk(self) -> None:
        self.pending: list[_Pending] = []
        self.records = 0
        self.rows = self.invalid = 0
        self.errors: list[dict[str, Any]] = []
        self.repeated: list[dict[str, Any]] = []

    # --- Reading

    def run(self) -> None:
        stream = self.batch.file.storage.open(self.batch.file.name or "", "rb")
        try:
            source = open_csv(stream, encoding=self.batch.encoding, delimiter=self.batch.delimiter)
            try:
                self._run(source)
            finally:
                source.close()
        finally:
            stream.close()

    def _run(self, source: CsvSource) -> None:
        mapping, _ignored = map_header(source.header)
        reader = _RowReader(
            organization_id=self.organization.pk,
            header=source.header,
            mapping=mapping,
            encoding=source.encoding,
        )
        reader.decimal_comma = source.delimiter == ";"
        email_column = next(name for name, field in self.batch.columns.items() if field == "email")
        skip = self.batch.records_done
        for index, (row, cells) in enumerate(source.rows()):
            if index < skip:
                # Committed by an earlier run: only remember which emails it brought.
                if not isinstance(cells, csv.Error) and any(c.strip() for c in cells):
                    data, _errors = reader.read(cells)
                    if data is not None:
                        self.seen[data["email"]] = row
                continue
            self.records += 1
            if isinstance(cells, csv.Error):
                self.rows += 1
                self._error(row, [("", gettext("This row cannot be read: %s") % cells)])
            elif any(cell.strip() for cell in cells):
                self.rows += 1
                data, errors = reader.read(cells)
                if data is None:  # ``read`` gives no data exactly when the row has errors
                    self._error(row, errors)
                else:
                    self._valid(row, data, email_column)
            if self.records >= CHUNK_SIZE:
                self.commit()
        self.commit()

    def _error(self, row: int, errors: list[tuple[str, str]]) -> None:
        self.invalid += 1
        if self.kept_errors < MAX_ERROR_ROWS:
            self.kept_errors += 1
            self.errors.extend({"row": row, "column": c, "message": m} for c, m in errors)

    def _valid(self, row: int, data: dict[str, Any], email_column: str) -> None:
        email = data["email"]
        earlier = self.seen.get(email)
        self.seen[email] = row
        if earlier is not None and self.kept_repeated < MAX_ERROR_ROWS:
            self.kept_repeated += 1
            self.repeated.append(
                {
                    "row": row,
                    "column": email_column,
                    "first_row": earlier,
                    "message": gettext(
                        "Repeated in the file: row %(row)d has the same email; this later "
                        "row's values were imported."
                    )
                    % {"row": earlier},
                }
            )
        self.pending.append(_Pending(row, data, repeated=earlier is not None))

    # --- Writing

    def commit(self) -> None:
        """Write the chunk's rows and the batch's progress in one transaction (a retried
        chunk, after a crash, starts again from the committed offset). Raises ``_Stopped``
        when the batch is no longer this run's (failed by the watchdog, taken over)."""
        if not self.records:
            return
        for attempt in range(3):
            try:
                with transaction.atomic():
                    self._commit()
                break
            except IntegrityError:
                # A lead created concurrently (a capture between our look-up and our
                # insert): the next attempt finds it and updates it instead.
                if attempt == 2:
                    raise
        self.reset_chunk()

    def _commit(self) -> None:
        batch = self.batch
        now = timezone.now()
        # Claims the chunk and locks the batch row: only the run that owns the batch, at
        # the offset it read, writes this chunk.
        owned = ImportBatch.objects.filter(
            pk=batch.pk, status=ImportStatus.RUNNING, records_done=batch.records_done
        ).update(heartbeat_at=now)
        if not owned:
            raise _Stopped
        created, updated, repeated, touched = self._write()
        qualified = self._auto_qualify([*created, *touched]) if self.settings.auto_qualify else 0
        batch.records_done += self.records
        batch.rows += self.rows
        batch.created_count += len(created)
        batch.updated_count += updated
        batch.repeated_count += repeated
        batch.error_count += self.invalid
        batch.qualified += qualified
        batch.errors = [*batch.errors, *self.errors]
        batch.repeated = [*batch.repeated, *self.repeated]
        batch.heartbeat_at = now
        batch.save(update_fields=PROGRESS_FIELDS)

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

    def _write(self) -> tuple[list[Lead], int, int, list[Lead]]:
        """``(created leads, rows updating a lead, repeated rows, leads changed)``."""
        if not self.pending:
            return [], 0, 0, []
        existing = self._existing(sorted({p.data["email"] for p in self.pending}))
        new: dict[str, Lead] = {}
        touched: dict[int, Lead] = {}
        fields: set[str] = set()
        updated = repeated = 0
        for pending in self.pending:
            data = pending.data
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
            if pending.repeated:
                repeated += 1
            else:
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
        return created, updated, repeated, list(touched.values())

    def _auto_qualify(self, leads: list[Lead]) -> int:
        # The organization qualifies leads at the threshold: usually few per import, each a
        # lifecycle step of its own (owner in turn, SLA, event, notification).
        qualified = 0
        for lead in leads:
            if lead.status == LeadStatus.NEW and lead.score >= self.settings.mql_threshold:
                lifecycle.auto_qualify(lead)
                qualified += lead.status == LeadStatus.MQL
        return qualified


class _Stopped(Exception):
    """The batch stopped being this run's (failed by the watchdog, resumed elsewhere)."""


PROGRESS_FIELDS = [
    "records_done", "rows", "created_count", "updated_count", "repeated_count", "error_count",
    "qualified", "errors", "repeated", "heartbeat_at",
]  # fmt: skip


# --- The job ------------------------------------------------------------------------------


def _check_header(header: list[str]) -> tuple[dict[int, str], list[str]]:
    mapping, ignored = map_header(header)
    if not mapping:
        raise ImportFileError(
            gettext(
                "The first row must name the columns; none of its names is known. "
                "Recognised column names: %(columns)s."
            )
            % {"columns": column_names()},
            code="unknown_columns",
        )
    if "email" not in mapping.values():
        raise ImportFileError(
            gettext(
                "The file has no email column; leads are matched by email. "
                "Recognised column names: %(columns)s."
            )
            % {"columns": column_names()},
            code="no_email_column",
        )
    return mapping, ignored


def _file_size(file: Any) -> int:
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    stream = binary_stream(file)
    stream.seek(0, io.SEEK_END)
    end = stream.tell()
    stream.seek(0)
    return end


@transaction.atomic
def start_import(*, by: Membership, file: Any, file_name: str) -> ImportBatch:
    """Check and store a CSV ``file`` (a Django upload or a binary file object) and queue
    its import for ``by``'s organization; return the ``queued`` batch.

    Preconditions: ``by`` may ``leads.import`` (``NotAllowed`` otherwise). The whole file is
    refused with ``ImportFileError`` (400; nothing stored) when it is empty, not text, not
    decodable, or its header names no known column or no email column.

    Side effects: the file is stored (default storage, ``imports/<organization>/<uuid>.csv``)
    and an ``ImportBatch`` created with the encoding, delimiter, understood and ignored
    columns. After the commit the import runs (``run_import``): in this process for a file
    of at most ``INLINE_MAX_BYTES`` (about a thousand rows), else as the Celery task
    ``leads.tasks.run_import``. Either way the caller answers with the batch (202).
    """
    batch, inline = _store(by=by, file=file, file_name=file_name)
    transaction.on_commit(partial(_dispatch, batch.pk, inline=inline))
    return batch


def _store(*, by: Membership, file: Any, file_name: str) -> tuple[ImportBatch, bool]:
    """Check the file, store it and create its queued batch; ``(batch, small enough to
    import inline)``."""
    if not can(by, "leads.import"):
        raise NotAllowed(gettext("Your role does not allow this action."))
    source = open_csv(file)
    try:
        mapping, ignored = _check_header(source.header)
    finally:
        source.close()
    stream = binary_stream(file)
    inline = _file_size(file) <= INLINE_MAX_BYTES
    stored = default_storage.save(
        f"imports/{by.organization_id}/{uuid.uuid4().hex}.csv", File(stream)
    )
    batch = ImportBatch.objects.create(
        organization=by.organization,
        file_name=file_name[:255],
        uploaded_by=by,
        file=stored,
        encoding=source.encoding,
        delimiter=source.delimiter,
        columns={source.header[index]: field for index, field in mapping.items()},
        ignored_columns=ignored,
    )
    return batch, inline


def _dispatch(batch_id: int, *, inline: bool) -> None:
    from leads import tasks

    if not inline:
        tasks.run_import.delay(batch_id)
        return
    try:
        run_import(batch_id=batch_id)
    except Exception:
        # The batch says it failed (and can be resumed); the upload itself succeeded.
        logger.exception("Import %s failed", batch_id)


def run_import(*, batch_id: int) -> ImportBatch | None:
    """Import batch ``batch_id`` from its offset to the end; return it, or None when there
    is nothing to do (gone, done, failed, or running elsewhere with a fresh heartbeat).

    Claims the batch with a conditional UPDATE (``queued`` → ``running``; or a ``running``
    one whose heartbeat is older than ``STALLED_AFTER``, a redelivered task of a killed
    worker), so two runs never import it at once. Each chunk of ``CHUNK_SIZE`` records
    commits its leads with the batch's counts and offset (``records_done``): a run that
    dies loses at most the chunk in flight, and a resumed run continues from the offset;
    rows are created or updated by email, so no row is ever duplicated.

    Side effects: leads created (linked to the batch, scored and tiered, a ``LeadTransition``
    each) or updated in bulk; leads reaching the MQL threshold qualified when the
    organization auto-qualifies; at the end the batch is ``done``, its stored file deleted,
    a ``lead.imported`` event recorded and the uploader notified (``lead.import_finished``).
    An unexpected error marks the batch ``failed`` (the uploader is told,
    ``lead.import_failed``) and is raised again.
    """
    now = timezone.now()
    claimed = (
        ImportBatch.objects.filter(pk=batch_id)
        .filter(
            Q(status=ImportStatus.QUEUED)
            | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALLED_AFTER)
        )
        .update(
            status=ImportStatus.RUNNING,
            started_at=Coalesce("started_at", Value(now)),
            heartbeat_at=now,
            failure="",
            finished_at=None,
        )
    )
    if not claimed:
        return None
    batch = ImportBatch.objects.select_related(
        "organization", "uploaded_by__department", "uploaded_by__user"
    ).get(pk=batch_id)
    try:
        if batch.total_records is None:
            batch.total_records = count_records(batch)
            ImportBatch.objects.filter(pk=batch.pk).update(total_records=batch.total_records)
        language = batch.uploaded_by.user.language if batch.uploaded_by else ""
        with translation.override(language or translation.get_language()):
            _Importer(batch).run()
            _finish(batch)
    except _Stopped:
        return None
    except Exception as error:
        _fail(
            batch.pk,
            reason=gettext("The import stopped on an error: %(error)s")
            % {"error": str(error)[:500] or type(error).__name__},
        )
        raise
    return batch


def count_records(batch: ImportBatch) -> int:
    """Records after the header in the batch's stored file (for the progress bar)."""
    stream = batch.file.storage.open(batch.file.name or "", "rb")
    try:
        source = open_csv(stream, encoding=batch.encoding, delimiter=batch.delimiter)
        try:
            return sum(1 for _record in source.rows())
        finally:
            source.close()
    finally:
        stream.close()


@transaction.atomic
def _finish(batch: ImportBatch) -> None:
    now = timezone.now()
    finished = ImportBatch.objects.filter(
        pk=batch.pk, status=ImportStatus.RUNNING, records_done=batch.records_done
    ).update(status=ImportStatus.DONE, finished_at=now, heartbeat_at=now, file="")
    if not finished:
        raise _Stopped
    stored = batch.file.name or ""
    batch.status, batch.finished_at, batch.heartbeat_at = ImportStatus.DONE, now, now
    # The uploaded rows are in the leads now; the copy of the file is not kept.
    transaction.on_commit(partial(_delete_stored, stored))
    totals = {
        "file_name": batch.file_name,
        "rows": batch.rows,
        "created": batch.created_count,
        "updated": batch.updated_count,
        "repeated": batch.repeated_count,
        "invalid": batch.error_count,
        "qualified": batch.qualified,
    }
    record_event(
        organization=batch.organization,
        actor=batch.uploaded_by,
        verb="lead.imported",
        target=batch,
        payload=totals,
    )
    record_event(
        organization=batch.organization,
        verb="lead.import_finished",
        target=batch,
        payload=totals,
        recipients=[batch.uploaded_by] if batch.uploaded_by else [],
    )


def _delete_stored(name: str) -> None:
    if name:
        default_storage.delete(name)


@transaction.atomic
def _fail(batch_id: int, *, reason: str, stalled_before: datetime | None = None) -> bool:
    """Mark a running batch ``failed`` with ``reason`` and tell its uploader; False when it
    was not running (or, with ``stalled_before``, made progress since)."""
    rows = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.RUNNING)
    if stalled_before is not None:
        rows = rows.filter(heartbeat_at__lt=stalled_before)
    if not rows.update(status=ImportStatus.FAILED, failure=reason, finished_at=timezone.now()):
        return False
    batch = ImportBatch.objects.select_related("organization", "uploaded_by").get(pk=batch_id)
    record_event(
        organization=batch.organization,
        verb="lead.import_failed",
        target=batch,
        payload={
            "file_name": batch.file_name,
            "reason": reason,
            "records_done": batch.records_done,
            "total_records": batch.total_records,
        },
        recipients=[batch.uploaded_by] if batch.uploaded_by else [],
    )
    return True


def fail_stalled_imports(*, now: datetime | None = None) -> int:
    """Beat job: mark ``failed`` every running import whose heartbeat is older than
    ``STALLED_AFTER`` (its worker was killed or lost), and every queued one not started
    within ``QUEUED_STALLED_AFTER`` (its task was lost); each uploader is told once and may
    resume. Returns how many were marked."""
    now = now or timezone.now()
    marked = 0
    stalled = ImportBatch.objects.filter(
        status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALLED_AFTER
    ).values_list("pk", flat=True)
    for batch_id in list(stalled):
        marked += _fail(
            batch_id,
            reason=gettext("The import stopped responding (its worker was stopped or lost)."),
            stalled_before=now - STALLED_AFTER,
        )
    lost = ImportBatch.objects.filter(
        status=ImportStatus.QUEUED, created_at__lt=now - QUEUED_STALLED_AFTER
    ).values_list("pk", flat=True)
    for batch_id in list(lost):
        updated = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.RUNNING, heartbeat_at=now - STALLED_AFTER - timedelta(seconds=1)
        )
        if updated:
            marked += _fail(batch_id, reason=gettext("The import was never started."))
    return marked


@transaction.atomic
def resume_import(*, by: Membership, batch: ImportBatch) -> ImportBatch:
    """Queue a ``failed`` import again; it continues from its offset (rows committed before
    are neither imported twice nor counted twice).

    Preconditions: ``by`` may ``leads.import`` (``NotAllowed``); ``batch`` is of ``by``'s
    organization and ``failed`` (``IllegalTransition``, 409, code ``import_not_failed``).
    Side effects: the batch is ``queued``; after the commit the Celery task
    ``leads.tasks.run_import`` is queued.
    """
    if not can(by, "leads.import"):
        raise NotAllowed(gettext("Your role does not allow this action."))
    if batch.organization_id != by.organization_id:
        raise NotAllowed(gettext("Your role does not allow this action."))
    resumed = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.FAILED).update(
        status=ImportStatus.QUEUED, failure="", finished_at=None, heartbeat_at=None
    )
    if not resumed:
        raise IllegalTransition(
            gettext("Only an import that failed can be resumed."), code="import_not_failed"
        )
    batch.refresh_from_db()
    transaction.on_commit(partial(_dispatch, batch.pk, inline=False))
    return batch


def import_leads(*, by: Membership, file: Any, file_name: str) -> ImportBatch:
    """``start_import`` and, in this process, ``run_import`` to the end: the finished batch.
    For scripts and benchmarks; pages and the API answer with the queued batch instead."""
    with transaction.atomic():
        batch, _inline = _store(by=by, file=file, file_name=file_name)
    run_import(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def error_rows_not_shown(batch: ImportBatch) -> int:
    """Invalid rows of ``batch`` counted but without stored messages (beyond the cap)."""
    return max(0, batch.error_count - len({entry["row"] for entry in batch.errors or []}))
