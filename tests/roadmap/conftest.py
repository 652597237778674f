"""People of the roadmap flow (organization A): sales reps, a CS member, product people and
a sales manager."""

import pytest

from accounts.models import DepartmentKind, Role
from tests.factories import member_of


@pytest.fixture
def rep(org):
    return member_of(org, DepartmentKind.SALES, Role.MEMBER, email="sam@acme.test")


@pytest.fixture
def rep2(org):
    return member_of(org, DepartmentKind.SALES, Role.MEMBER, email="sue@acme.test")


@pytest.fixture
def cs(org):
    return member_of(org, DepartmentKind.CS, Role.MEMBER, email="cara@acme.test")


@pytest.fixture
def pm(org):
    return member_of(org, DepartmentKind.PRODUCT, Role.MEMBER, email="pat@acme.test")


@pytest.fixture
def pm2(org):
    return member_of(org, DepartmentKind.PRODUCT, Role.MANAGER, email="paula@acme.test")


@pytest.fixture
def sales_manager(org):
    return member_of(org, DepartmentKind.SALES, Role.MANAGER, email="max@acme.test")


@pytest.fixture
def marketer(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mia@acme.test")
