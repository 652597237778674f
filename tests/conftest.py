"""Fixtures shared by every test: organizations, people (alice, bob, charlie), API clients."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import DepartmentKind, Role
from tests.factories import member_of, organization_with_departments

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config):
    from django.conf import settings

    _compile_translations(settings.LOCALE_PATHS)


# Importing the schema-fuzzing module generates the whole OpenAPI schema and a hundred cases
# (about ten seconds): a run that leaves ``slow`` tests out (``make test``) skips the import.
COLLECTED_ONLY_WITH_SLOW = {"test_api_schema_fuzz.py"}


def pytest_ignore_collect(collection_path, config):
    if collection_path.name in COLLECTED_ONLY_WITH_SLOW and not _may_select(
        config, {"slow", "django_db", "hypothesis"}
    ):
        return True
    return None


def _may_select(config, markers: set[str]) -> bool:
    """Whether the ``-m`` expression selects a test carrying exactly ``markers``."""
    expression = config.getoption("markexpr")
    if not expression:
        return True
    try:
        from _pytest.mark.expression import Expression

        return Expression.compile(expression).evaluate(lambda name, **kwargs: name in markers)
    except Exception:  # pytest's internals moved: collect, and let -m deselect as usual
        return True


def _compile_translations(locale_paths) -> None:
    """Compile .po catalogues whose .mo is missing or stale (``make`` does the same)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for root in locale_paths:
        for po_path in Path(root).glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            # Written aside and renamed: parallel test processes never read half a catalogue.
            partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.tmp")
            with partial.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            partial.replace(mo_path)


def skip_or_fail(reason: str) -> None:
    """Skip a test whose real dependency is missing; under CI a missing dependency fails."""
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_cache():
    # Throttles, rate limits and idempotency keys live in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(db):
    """Organization A, with the four standard departments."""
    return organization_with_departments(name="Acme", slug="acme")


@pytest.fixture
def other_org(db):
    """Organization B: its people must never see A's rows."""
    return organization_with_departments(name="Globex", slug="globex")


@pytest.fixture
def alice(org):
    """Admin of organization A."""
    return member_of(org, DepartmentKind.SALES, Role.ADMIN, email="alice@acme.test")


@pytest.fixture
def bob(org):
    """Plain sales member of organization A."""
    return member_of(org, DepartmentKind.SALES, Role.MEMBER, email="bob@acme.test")


@pytest.fixture
def charlie(other_org):
    """Admin of organization B (the outsider)."""
    return member_of(other_org, DepartmentKind.SALES, Role.ADMIN, email="charlie@globex.test")


@pytest.fixture
def api_for():
    """``api_for(membership)`` → an APIClient authenticated as that member, in that org."""

    def make(membership) -> APIClient:
        client = APIClient()
        client.force_authenticate(membership.user)
        client.credentials(HTTP_X_ORGANIZATION=membership.organization.slug)
        return client

    return make


@pytest.fixture
def browser_for(client):
    """``browser_for(membership)`` → the Django test client logged in, that org active."""

    def make(membership):
        from collab_hub.tenancy import SESSION_KEY

        client.force_login(membership.user)
        session = client.session
        session[SESSION_KEY] = membership.organization_id
        session.save()
        return client

    return make
