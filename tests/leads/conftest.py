"""People of the leads flow: a marketer, two sales reps, a sales manager (organization A)."""

import pytest

from accounts.models import DepartmentKind, Role
from tests.factories import member_of


@pytest.fixture
def marketer(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mia@acme.test")


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
def product_person(org):
    return member_of(org, DepartmentKind.PRODUCT, Role.MEMBER, email="pat@acme.test")
