"""A real Celery worker for the tests about tasks: an in-process worker on the Redis broker,
consuming a queue of its own (so it never runs another test run's tasks), and the tasks it
finished. A test module names the task it sends with ``WORKER_TASK`` and uses the fixtures::

    from tests.workers import wait_until

    WORKER_TASK = "handoffs.tasks.flag_overdue_handoffs"
"""

from __future__ import annotations

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.db import connection, connections

from collab_hub.celery import app
from tests.conftest import skip_or_fail


def _close_worker_connections(**kwargs):
    # Runs in the worker thread: its database connection must not outlive the test database.
    connections.close_all()


def _reset_router():
    """Re-read task_routes: Celery caches its router once any task has been sent."""
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


@pytest.fixture
def worker(request):
    """An in-process worker consuming a private queue, to which the module's
    ``WORKER_TASK`` is routed. Needs Redis and PostgreSQL (skipped without them, failing
    under CI)."""
    if not django_settings.REDIS_URL:
        skip_or_fail("needs Redis (REDIS_URL) for a real Celery worker")
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL (DATABASE_URL): the worker's own connection")
    assert not app.conf.task_always_eager, "tasks must go through the broker"
    task = request.module.WORKER_TASK
    queue = f"test-{task.partition('.')[0]}-{uuid.uuid4().hex}"
    saved_routes = app.conf.task_routes
    app.conf.task_routes = {task: {"queue": queue}}
    _reset_router()
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", queues=[queue]) as running:
            yield running
    finally:
        task_postrun.disconnect(_close_worker_connections)
        app.conf.task_routes = saved_routes
        _reset_router()
        with app.connection_for_write() as broker:
            broker.default_channel.queue_delete(queue)


@pytest.fixture
def finished():
    """{task id: return value} of every task the in-process worker finished (no result
    backend is configured: the worker's own signal says when a run is done)."""
    done: dict[str, object] = {}

    def record(task_id=None, retval=None, **kwargs):
        done[task_id] = retval

    task_postrun.connect(record, weak=False)
    yield done
    task_postrun.disconnect(record)


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
