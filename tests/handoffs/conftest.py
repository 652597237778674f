"""People of the handoffs flow (organization A): sales reps, CS members, their managers and a
product member."""

import pytest

from accounts.models import DepartmentKind, Role
from tests.factories import member_of

# The real Celery worker of the tasks tests (each test module names its WORKER_TASK).
from tests.workers import finished, worker  # noqa: F401


@pytest.fixture
def rep(org):
    return member_of(org, DepartmentKind.SALES, Role.MEMBER, email="sam@acme.test")


@pytest.fixture
def rep2(org):
    return member_of(org, DepartmentKind.SALES, Role.MEMBER, email="sue@acme.test")


@pytest.fixture
def sales_manager(org):
    return member_of(org, DepartmentKind.SALES, Role.MANAGER, email="max@acme.test")


@pytest.fixture
def cs(org):
    return member_of(org, DepartmentKind.CS, Role.MEMBER, email="cara@acme.test")


@pytest.fixture
def cs2(org):
    return member_of(org, DepartmentKind.CS, Role.MEMBER, email="carl@acme.test")


@pytest.fixture
def cs_manager(org):
    return member_of(org, DepartmentKind.CS, Role.MANAGER, email="cleo@acme.test")


@pytest.fixture
def pm(org):
    return member_of(org, DepartmentKind.PRODUCT, Role.MEMBER, email="pat@acme.test")
