"""A CSV import through a REAL Celery worker process on PostgreSQL + Redis, killed mid-import
(SIGKILL): the batch is left ``running`` with the chunks it committed, the watchdog marks it
``failed``, and a resumed import finishes on a new worker without one duplicate.

Needs PostgreSQL (``DATABASE_URL``) and Redis (``REDIS_URL``); skipped without them locally,
a failure under CI.
"""

import csv
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from collab_hub.celery import app
from leads.models import ImportBatch, ImportStatus, Lead
from leads.services import imports
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

TASK = "leads.tasks.run_import"
ROWS = 20_000
BASE_DIR = Path(__file__).resolve().parents[2]


def reset_router():
    """Re-read task_routes: Celery caches its router once any task has been sent."""
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


def database_url() -> str:
    """The URL of the test database this process uses, for the worker process."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def queue():
    """A private queue for ``run_import``: this test never runs another run's tasks."""
    if not django_settings.REDIS_URL:
        skip_or_fail("needs Redis (REDIS_URL) for a real Celery worker")
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL (DATABASE_URL) shared with a worker process")
    assert not app.conf.task_always_eager, "tasks must go through the broker"
    name = f"test-imports-{uuid.uuid4().hex}"
    saved_routes = app.conf.task_routes
    app.conf.task_routes = {TASK: {"queue": name}}
    reset_router()
    try:
        yield name
    finally:
        app.conf.task_routes = saved_routes
        reset_router()
        with app.connection_for_write() as broker:
            broker.default_channel.queue_delete(name)


@pytest.fixture
def start_worker(queue):
    """``start_worker()`` → a ``celery worker`` process (solo pool) on the private queue,
    with this test run's settings (database, media directory); every one started is killed
    at the end."""
    started: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tests.settings"),
        "DATABASE_URL": database_url(),
        "REDIS_URL": django_settings.REDIS_URL,
    }

    def start() -> subprocess.Popen:
        command = [
            sys.executable, "-m", "celery", "-A", "collab_hub", "worker", "--pool=solo",
            "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-l", "warning", "-n", f"{queue}-{len(started)}@%h",
        ]  # fmt: skip
        process = subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
            command,
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_until(condition, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def big_file() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Adres e-mail", "Imię", "Nazwisko", "Firma"])
    for i in range(ROWS):
        writer.writerow([f"osoba{i}@firma.pl", "Łucja", f"Nowak{i}", f"Spółka {i % 100}"])
    return buffer.getvalue().encode("cp1250")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_it_running_then_failed_then_resumed_without_duplicates(
    start_worker, marketer
):
    content = big_file()
    assert len(content) > imports.INLINE_MAX_BYTES  # not imported in the request
    worker = start_worker()
    batch = imports.start_import(
        by=marketer,
        file=SimpleUploadedFile("big.csv", content, content_type="text/csv"),
        file_name="big.csv",
    )
    assert batch.status == ImportStatus.QUEUED

    def progress():
        return ImportBatch.objects.values_list("status", "records_done").get(pk=batch.pk)

    assert wait_until(lambda: progress()[1] >= imports.CHUNK_SIZE), (
        f"the worker committed no chunk within 90 s: {progress()}"
    )
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    status, done = progress()
    assert status == ImportStatus.RUNNING, "a killed worker marks nothing"
    assert 0 < done < ROWS
    assert done % imports.CHUNK_SIZE == 0, "only whole chunks are committed"
    # Each committed chunk brought its leads, and nothing of the chunk in flight.
    assert Lead.objects.count() == done

    # The watchdog (beat) sees no progress for STALLED_AFTER and marks the batch failed.
    assert imports.fail_stalled_imports() == 0
    later = timezone.now() + imports.STALLED_AFTER + timedelta(seconds=1)
    assert imports.fail_stalled_imports(now=later) == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED

    start_worker()
    imports.resume_import(by=marketer, batch=batch)
    assert wait_until(lambda: progress()[0] == ImportStatus.DONE), (
        f"the resumed import did not finish within 90 s: {progress()}"
    )
    batch.refresh_from_db()
    assert Lead.objects.count() == ROWS
    assert not Lead.objects.values("email").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert (batch.rows, batch.created_count, batch.updated_count) == (ROWS, ROWS, 0)
    assert (batch.records_done, batch.total_records, batch.error_count) == (ROWS, ROWS, 0)
    assert Lead.objects.filter(first_name="Łucja", company_name="Spółka 7").count() == ROWS // 100
