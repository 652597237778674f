"""The whole path through a real Celery worker: commit → Redis → worker → one mail each.

Needs Redis (``REDIS_URL``); skipped without it locally, a failure under CI.
"""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.db import connections, transaction

from accounts.models import DepartmentKind
from collab_hub.celery import app
from collab_hub.notifications import services
from collab_hub.notifications.models import Notification
from tests.conftest import skip_or_fail
from tests.factories import member_of

# The SQLite pass of CI runs without Redis; this module belongs to the PostgreSQL + Redis pass.
pytestmark = pytest.mark.redis

TASK = "collab_hub.notifications.tasks.deliver_event"


def close_worker_connections(**kwargs):
    # Runs in the worker thread: its database connection must not outlive the test database.
    connections.close_all()


def reset_router():
    """Re-read task_routes: Celery caches its router once any task has been sent."""
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


@pytest.fixture
def worker():
    """An in-process worker consuming a queue of its own on the Redis broker.

    The private queue keeps this test from running another process's tasks (or losing its
    own to them) when several test runs share one Redis.
    """
    if not django_settings.REDIS_URL:
        skip_or_fail("needs Redis (REDIS_URL) for a real Celery worker")
    assert not app.conf.task_always_eager, "tasks must go through the broker"
    queue = f"test-notifications-{uuid.uuid4().hex}"
    saved_routes = app.conf.task_routes
    app.conf.task_routes = {TASK: {"queue": queue}}
    reset_router()
    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", queues=[queue]) as running:
            yield running
    finally:
        task_postrun.disconnect(close_worker_connections)
        app.conf.task_routes = saved_routes
        reset_router()
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_committed_event_is_emailed_by_a_real_worker_once_per_recipient(
    worker, settings, mailoutbox, alice, bob
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    erin = member_of(alice.organization, DepartmentKind.PRODUCT, email="erin@acme.test")
    dave = member_of(alice.organization, DepartmentKind.MARKETING, email="dave@acme.test")
    dave.email_notifications = False
    dave.save()

    with transaction.atomic():
        event = services.record_event(
            organization=alice.organization,
            actor=alice,
            verb="deal.advanced",
            target=alice.department,
            recipients=[bob, erin, dave],
        )
        # Nothing leaves before the commit: the worker could not see the rows yet.
        assert mailoutbox == []

    wanted = Notification.objects.filter(event=event, recipient__in=[bob, erin])
    assert wait_until(lambda: not wanted.filter(emailed_at__isnull=True).exists()), (
        "the worker did not email the recipients within 20 s"
    )
    assert sorted(m.to[0] for m in mailoutbox) == ["bob@acme.test", "erin@acme.test"]
    assert all(len(m.to) == 1 for m in mailoutbox)
    assert Notification.objects.get(event=event, recipient=dave).emailed_at is None
