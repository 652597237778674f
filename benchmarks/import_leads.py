"""Benchmark: CSV import of leads vs PostgreSQL COPY of the same rows (DESIGN §8).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_hub .venv/bin/python \\
        benchmarks/import_leads.py --rows 100000 [--trace]

Generates CSV files the way Polish Excel saves them (``;``-separated, decimal commas, UTF-8
with BOM, about 1 % of rows invalid) into a temporary directory and imports them through
``leads.services.imports.import_leads`` (the upload's ``start_import`` — whole-file
encoding check, stored file — then, in this process, the chunked ``run_import`` the Celery
task runs) into a fresh organization that has tiers and scoring rules (every
row is scored and tiered):

1. the file into the empty organization (every valid row creates a lead);
2. the same emails with other titles, headcounts and revenues (every valid row updates);
3. with ``--trace``, a file of new emails again, under ``tracemalloc``.

The baselines load the same rows with ``COPY`` — into a bare temporary table, and into the
lead table itself with its foreign keys and indexes (trigram search indexes included), then
rolled back. Memory: the process's peak RSS (a high-water mark) before and after each run,
and with ``--trace`` the peak of Python allocations during run 3; flat figures across
100,000 rows show that the upload is streamed, never read whole. The organization is
deleted at the end unless ``--keep``. Migrate the database first (``manage.py migrate``).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab_hub.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, User  # noqa: E402
from accounts.services import create_organization  # noqa: E402
from leads.models import Lead, LeadTransition, ScoringRule, Tier  # noqa: E402
from leads.services.imports import import_leads  # noqa: E402

HEADER = [
    "Adres e-mail", "Imię", "Nazwisko", "Firma", "Stanowisko", "Kraj", "Liczba pracowników",
    "Przychód", "Branża", "Źródło",
]  # fmt: skip
COPY_COLUMNS = [
    "email", "first_name", "last_name", "company_name", "title", "country", "employees",
    "annual_revenue", "industry", "source",
]  # fmt: skip
FIRST = ["Anna", "Łukasz", "Zofia", "Jan", "Małgorzata", "Piotr", "Ewa", "Grzegorz", "Maria"]
LAST = ["Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski", "Zieliński"]
TITLES = ["CEO", "CTO", "Head of Sales", "Marketing Manager", "Developer", "Purchasing"]
COUNTRIES = ["PL", "Polska", "DE", "Germany", "CZ", "GB", "US", "FR"]
INDUSTRIES = ["Software", "Retail", "Manufacturing", "Logistics", "Finance", "Healthcare"]
SOURCES = ["event", "referral", "paid", "content", "", ""]


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux: the process's high-water mark so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def polish_amount(value: float) -> str:
    whole, fraction = f"{value:.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return " ".join(groups) + "," + fraction


def generate(path: Path, rows: int, *, seed: int, email_tag: str = "") -> None:
    """Stream an upload to ``path`` and the same rows' clean values (for COPY) to ``path``
    with the suffix ``.copy``."""
    rng = random.Random(seed)
    with (
        path.open("w", encoding="utf-8-sig", newline="") as upload,
        path.with_suffix(".copy").open("w", encoding="utf-8", newline="") as clean,
    ):
        excel = csv.writer(upload, delimiter=";")
        plain = csv.writer(clean)
        excel.writerow(HEADER)
        plain.writerow(COPY_COLUMNS)
        for i in range(rows):
            email = f"lead{i}{email_tag}@company{i % 20000}.example"
            if i % 97 == 13:
                email = f"lead{i}{email_tag}-at-nowhere"
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company, title = f"Firma {i % 20000} Sp. z o.o.", rng.choice(TITLES)
            country, industry = rng.choice(COUNTRIES), rng.choice(INDUSTRIES)
            employees = rng.choice([5, 15, 50, 120, 250, 800, 1500, 12000])
            revenue = round(rng.uniform(50_000, 90_000_000), 2)
            source = rng.choice(SOURCES)
            excel.writerow(
                [email, first, last, company, title, country, employees,
                 polish_amount(revenue), industry, source]
            )  # fmt: skip
            plain.writerow(
                [email, first, last, company, title, country[:2].upper(), employees,
                 f"{revenue:.2f}", industry, source or "import"]
            )  # fmt: skip


def timed_import(membership: Membership, path: Path, label: str, *, trace: bool = False) -> dict:
    reset_queries()
    rss_before = peak_rss_mb()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with path.open("rb") as file:
        batch = import_leads(by=membership, file=file, file_name=path.name)
    seconds = time.perf_counter() - started
    traced = None
    if trace:
        traced = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    return {
        "label": label,
        "rows": batch.rows,
        "created": batch.created_count,
        "updated": batch.updated_count,
        "invalid": batch.error_count,
        "seconds": seconds,
        "rate": batch.rows / seconds,
        "rss_before": rss_before,
        "rss_after": peak_rss_mb(),
        "traced": traced,
    }


class _FullRows:
    """The clean rows streamed as CSV with every other lead column as Django fills it on
    insert (organization, status, score, timestamps…), for COPY into the lead table."""

    def __init__(self, path: Path, organization_id: int):
        fields = [f for f in Lead._meta.concrete_fields if not f.primary_key]
        now = timezone.now().isoformat()
        self.constants: dict[str, object] = {}
        for field in fields:
            if field.attname in COPY_COLUMNS:
                continue
            if field.attname == "organization_id":
                self.constants[field.column] = organization_id
            elif field.attname in ("created_at", "updated_at"):
                self.constants[field.column] = now
            elif field.null:
                self.constants[field.column] = "\\N"
            else:
                self.constants[field.column] = field.get_default()
        self.columns = [*COPY_COLUMNS, *self.constants]
        self.file = path.open("r", encoding="utf-8", newline="")
        self.rows = csv.reader(self.file)
        self.tail = list(self.constants.values())

    def read(self, size: int = -1) -> str:
        # COPY asks for blocks; produce lines until one is filled.
        lines = []
        length = 0
        for row in self.rows:
            line = _csv_line(row + self.tail)
            lines.append(line)
            length += len(line)
            if 0 < size <= length:
                break
        return "".join(lines)

    def close(self) -> None:
        self.file.close()


def _csv_line(values: list) -> str:
    out = []
    for value in values:
        text = str(value)
        if text != "\\N" and any(c in text for c in ',"\n\r'):
            text = '"' + text.replace('"', '""') + '"'
        out.append(text)
    return ",".join(out) + "\n"


def copy_baseline(path: Path, *, organization_id: int | None) -> float:
    """Seconds to COPY the same rows. ``organization_id`` None: into a bare temporary table
    with the lead columns' types. Otherwise into ``leads_lead`` itself, foreign keys
    checked at once. The caller rolls back."""
    with connection.cursor() as cursor:
        if organization_id is None:
            table = "bench_copy_bare"
            cursor.execute(
                f"CREATE TEMP TABLE {table} ON COMMIT DROP AS "
                f"SELECT {', '.join(COPY_COLUMNS)} FROM leads_lead WITH NO DATA"
            )
            columns = COPY_COLUMNS
            source = path.open("r", encoding="utf-8")
            source.readline()  # the header
        else:
            table = "leads_lead"
            source = _FullRows(path, organization_id)
            next(source.rows)  # the header
            columns = source.columns
            # Foreign keys are checked at commit; the baseline rolls back, so check them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        started = time.perf_counter()
        try:
            cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                source,
            )
        finally:
            source.close()
        return time.perf_counter() - started


def cleanup(organization, user) -> None:
    """Remove the benchmark organization fast (no per-row cascade collection in Python)."""
    LeadTransition.objects.filter(organization=organization)._raw_delete(connection.alias)
    Lead.objects.filter(organization=organization)._raw_delete(connection.alias)
    Membership.objects.filter(organization=organization).delete()
    organization.delete()
    user.delete()


def setup_organization(stamp: int) -> Membership:
    user = User.objects.create_user(f"bench-import-{stamp}@bench.example")
    membership = create_organization(name=f"Import benchmark {stamp}", owner=user)
    organization = membership.organization
    Tier.objects.create(organization=organization, rank=1, name="Enterprise", min_employees=1000)
    Tier.objects.create(organization=organization, rank=2, name="Poland", countries=["PL"])
    for field, operator, value, points in [
        ("country", "in", "PL,DE,CZ", 20),
        ("employees", "gte", "250", 25),
        ("title", "contains", "head", 15),
        ("industry", "eq", "software", 10),
    ]:
        ScoringRule.objects.create(
            organization=organization, field=field, operator=operator, value=value, points=points
        )
    return membership


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--trace", action="store_true", help="a third run under tracemalloc")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark organization")
    args = parser.parse_args()

    # Query logging (DEBUG) would keep every INSERT's SQL in memory: measure production.
    settings.DEBUG = False
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    membership = setup_organization(int(time.time()))
    organization = membership.organization
    results, copies = [], {}
    try:
        with tempfile.TemporaryDirectory() as directory:
            started = time.perf_counter()
            first = Path(directory) / "leads.csv"
            changed = Path(directory) / "leads-changed.csv"
            fresh = Path(directory) / "leads-fresh.csv"
            # The baseline's rows are the first file's with other emails (unique per org).
            baseline = Path(directory) / "leads-baseline.csv"
            generate(first, args.rows, seed=1)
            generate(changed, args.rows, seed=2)
            generate(baseline, args.rows, seed=1, email_tag="c")
            if args.trace:
                generate(fresh, args.rows, seed=3, email_tag="x")
            size_mb = first.stat().st_size / 1024 / 1024
            print(
                f"generated {args.rows:,} rows a file ({size_mb:.1f} MB) in "
                f"{time.perf_counter() - started:.1f} s; peak RSS now {peak_rss_mb():.0f} MB"
            )
            results.append(timed_import(membership, first, "import (creates)"))
            results.append(timed_import(membership, changed, "re-import (updates)"))
            if args.trace:
                results.append(timed_import(membership, fresh, "import, tracemalloc", trace=True))
            if connection.vendor == "postgresql":
                for label, organization_id in (
                    ("COPY, bare table", None),
                    ("COPY into the lead table", organization.pk),
                ):
                    with transaction.atomic():
                        copies[label] = copy_baseline(
                            baseline.with_suffix(".copy"), organization_id=organization_id
                        )
                        # The baseline measures writing; its rows are not kept.
                        transaction.set_rollback(True)
    finally:
        leads = Lead.objects.filter(organization=organization).count()
        if not args.keep:
            cleanup(organization, membership.user)

    print()
    print(f"{'run':<26} {'rows':>8} {'created':>8} {'updated':>8} {'invalid':>8} "
          f"{'seconds':>8} {'rows/s':>8} {'peak RSS before→after':>22} {'py peak':>8}")  # fmt: skip
    for r in results:
        traced = f"{r['traced']:.1f} MB" if r["traced"] is not None else "—"
        print(
            f"{r['label']:<26} {r['rows']:>8,} {r['created']:>8,} {r['updated']:>8,} "
            f"{r['invalid']:>8,} {r['seconds']:>8.1f} {r['rate']:>8,.0f} "
            f"{r['rss_before']:>9.0f} → {r['rss_after']:>6.0f} MB {traced:>8}"
        )
    for label, seconds in copies.items():
        rate = args.rows / seconds
        print(f"{label:<26} {args.rows:>8,} {'':>8} {'':>8} {'':>8} "
              f"{seconds:>8.2f} {rate:>8,.0f}")  # fmt: skip
    for label, seconds in copies.items():
        for r in results[:2]:
            ratio = (args.rows / seconds) / r["rate"]
            print(f"{r['label']} vs {label}: {ratio:.1f}× slower")
    print(f"leads in the organization: {leads:,}" + ("" if args.keep else " (deleted)"))


if __name__ == "__main__":
    main()
