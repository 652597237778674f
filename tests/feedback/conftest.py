"""People and rounds of the feedback flow (organization A): a manager, one member of each
standard department, and helpers that set up a round through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Department, DepartmentKind, Role
from feedback.services import rounds as round_services
from tests.factories import member_of

# The real Celery worker of the tasks tests (each test module names its WORKER_TASK).
from tests.workers import finished, worker  # noqa: F401


@pytest.fixture
def departments(org) -> dict[str, Department]:
    """The organization's four standard departments by kind."""
    return {
        department.kind: department for department in Department.objects.filter(organization=org)
    }


@pytest.fixture
def manager(org):
    """A sales manager: may create, open and close rounds and see their results."""
    return member_of(org, DepartmentKind.SALES, Role.MANAGER, email="mona@acme.test")


@pytest.fixture
def seller(org):
    return member_of(org, DepartmentKind.SALES, Role.MEMBER, email="sven@acme.test")


@pytest.fixture
def marketer(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mia@acme.test")


@pytest.fixture
def engineer(org):
    """A product member."""
    return member_of(org, DepartmentKind.PRODUCT, Role.MEMBER, email="pia@acme.test")


@pytest.fixture
def cs_member(org):
    return member_of(org, DepartmentKind.CS, Role.MEMBER, email="cora@acme.test")


@pytest.fixture
def make_round(manager, departments):
    """``make_round(kinds=..., open=True, **fields)`` → a round created by ``manager``
    through the service (sales and marketing by default, a week long), opened unless
    ``open=False``."""

    def make(kinds=(DepartmentKind.SALES, DepartmentKind.MARKETING), *, open=True, **fields):
        now = timezone.now()
        values = {
            "name": "Q4 cross-department round",
            "opens_at": now + timedelta(hours=1),
            "closes_at": now + timedelta(days=7),
            "departments": [departments[kind] for kind in kinds],
            **fields,
        }
        feedback_round = round_services.create_round(by=manager, **values)
        if open:
            feedback_round = round_services.open_round(by=manager, feedback_round=feedback_round)
        return feedback_round

    return make
