"""``manage.py demo``: the demo organization "Northwind Demo", its people and some activity.

Idempotent: every step looks at what exists and creates only what is missing, so a second
run leaves exactly the same rows (and records no new events). Everything goes through the
services — the organization is founded with ``create_organization``, people join by
invitation, comments are posted with ``post_comment`` — so the activity history is real.

Each flow extends the demo with idempotent steps it declares (``demo`` on its
``PluggableAppConfig``: a module with ``DEMO_STEPS``): functions taking the ``Demo`` context
(organization, members by email) that seed their own records only when they are missing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone

from accounts import services
from accounts.models import (
    Department,
    DepartmentKind,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
)
from collab_hub.notifications.models import ActivityEvent, Comment, Notification
from collab_hub.notifications.services import post_comment
from collab_hub.plugins import demo_steps

ORGANIZATION_NAME = "Northwind Demo"
ORGANIZATION_SLUG = "northwind-demo"
CURRENCY = "EUR"
TIMEZONE = "Europe/Warsaw"
# Printed on every run and in the README: a demo password, not a secret.
DEFAULT_PASSWORD = "demo-pass-2026"  # noqa: S105
EMAIL_DOMAIN = "demo.collabhub.test"


# How long ago "Northwind Demo" was founded: before the flows' history (six months of leads).
HISTORY_DAYS = 200
# Old notifications are read; the inbox keeps the last week's unread.
UNREAD_DAYS = 7


class History:
    """Dates what the services record "now" to when it happened in the demo's story.

    The demo calls the services (so every row, event and notification is real), each inside
    ``at(moment)``: the rows of the tracked models (``(model, field)``, tenant models) and
    the events the call created get ``moment`` as their time, the notifications of those
    events too. Moments are never in the future (capped at the start of the run), so
    relative times read "3 days ago", never "9 hours from now". ``finish`` writes the dates.
    """

    def __init__(
        self,
        organization: Organization,
        tracked: list[tuple[type[models.Model], str]],
        *,
        now: datetime | None = None,
    ) -> None:
        self.organization = organization
        self.now = now or timezone.now()
        self.tracked: list[tuple[type[models.Model], str]] = [
            (ActivityEvent, "created_at"),
            *tracked,
        ]
        self.last: dict[type[models.Model], int] = {model: 0 for model, _field in self.tracked}
        self.last = self._tops()
        # (moment, model, first pk not included, last pk included)
        self.moments: list[tuple[datetime, type[models.Model], int, int]] = []

    def _tops(self) -> dict[type[models.Model], int]:
        """The newest pk of each tracked model, in one query that reads only the primary
        key indexes past the last pk seen (``finish`` keeps to the organization's rows)."""
        quote = connection.ops.quote_name
        parts, params = [], []
        for n, (model, _field) in enumerate(self.tracked):
            column = quote(str(model._meta.pk.column))
            table = quote(model._meta.db_table)
            # Our own table and column names, quoted; the values are parameters.
            parts.append(f"SELECT {n}, MAX({column}) FROM {table} WHERE {column} > %s")  # noqa: S608
            params.append(self.last[model])
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            found = dict(cursor.fetchall())
        return {
            model: int(found.get(n) or self.last[model])
            for n, (model, _field) in enumerate(self.tracked)
        }

    def clamp(self, moment: datetime) -> datetime:
        return min(moment, self.now - timedelta(minutes=1))

    @contextlib.contextmanager
    def at(self, moment: datetime) -> Iterator[datetime]:
        """Run the block as if at ``moment`` (capped at a minute before the run began)."""
        moment = self.clamp(moment)
        yield moment
        for model, top in self._tops().items():
            if top > self.last[model]:
                self.moments.append((moment, model, self.last[model], top))
                self.last[model] = top

    def finish(self) -> None:
        """Write the moments: tracked rows, events, and the events' notifications (read
        when older than ``UNREAD_DAYS``)."""
        fields = dict(self.tracked)
        for moment, model, after, upto in self.moments:
            rows = model._default_manager.filter(
                organization=self.organization, pk__gt=after, pk__lte=upto
            )
            rows.update(**{fields[model]: moment})
            if model is ActivityEvent:
                Notification.objects.filter(
                    organization=self.organization, event__pk__gt=after, event__pk__lte=upto
                ).update(created_at=moment)
        self.moments = []
        Notification.objects.filter(
            organization=self.organization,
            read_at__isnull=True,
            created_at__lt=self.now - timedelta(days=UNREAD_DAYS),
        ).update(read_at=F("created_at") + timedelta(hours=3))


@dataclass(frozen=True)
class Person:
    email: str
    full_name: str
    department: str
    role: str


def _email(local_part: str) -> str:
    return f"{local_part}@{EMAIL_DOMAIN}"


# The founder (organization admin) first; then a member and a manager per department.
ADMIN = Person(_email("admin"), "Marta Kowalska", DepartmentKind.SALES, Role.ADMIN)
PEOPLE: list[Person] = [
    ADMIN,
    Person(_email("sales.member"), "Tom Harris", DepartmentKind.SALES, Role.MEMBER),
    Person(_email("sales.manager"), "Priya Shah", DepartmentKind.SALES, Role.MANAGER),
    Person(_email("marketing.member"), "Jonas Weber", DepartmentKind.MARKETING, Role.MEMBER),
    Person(_email("marketing.manager"), "Claire Dubois", DepartmentKind.MARKETING, Role.MANAGER),
    Person(_email("product.member"), "Kenji Sato", DepartmentKind.PRODUCT, Role.MEMBER),
    Person(_email("product.manager"), "Anna Nowak", DepartmentKind.PRODUCT, Role.MANAGER),
    Person(_email("cs.member"), "Lucas Silva", DepartmentKind.CS, Role.MEMBER),
    Person(_email("cs.manager"), "Zofia Wiśniewska", DepartmentKind.CS, Role.MANAGER),
]


@dataclass
class Demo:
    """What the steps share: the password, the organization and its members by email."""

    password: str
    log: Callable[[str], None]
    # How many leads the sales ↔ marketing step seeds on its first run.
    leads: int = 300
    users: dict[str, User] = field(default_factory=dict)
    organization: Organization | None = None
    members: dict[str, Membership] = field(default_factory=dict)
    # When the run began: the demo's "now", which no seeded moment passes.
    started: datetime = field(default_factory=timezone.now)

    @property
    def org(self) -> Organization:
        assert self.organization is not None, "ensure_organization runs first"
        return self.organization

    @property
    def admin(self) -> Membership:
        return self.members[ADMIN.email]

    def department(self, kind: str) -> Department:
        department = Department.objects.for_org(self.org).filter(kind=kind).order_by("pk").first()
        if department is None:
            # create_organization makes every department kind; a hand-edited demo may lack one.
            raise CommandError(f"The organization {ORGANIZATION_SLUG} has no {kind} department.")
        return department


def ensure_users(demo: Demo) -> None:
    """One account per person; an existing account keeps its name but gets the password."""
    for person in PEOPLE:
        user = User.objects.filter(email__iexact=person.email).first()
        if user is None:
            user = User.objects.create_user(
                email=person.email, password=demo.password, full_name=person.full_name
            )
            demo.log(f"created user {person.email}")
        elif not user.check_password(demo.password):
            user.set_password(demo.password)
            user.save(update_fields=["password"])
            demo.log(f"reset the password of {person.email}")
        demo.users[person.email] = user


def ensure_organization(demo: Demo) -> None:
    """Found "Northwind Demo" with its four departments, the admin as its founder."""
    admin_user = demo.users[ADMIN.email]
    organization = Organization.objects.filter(slug=ORGANIZATION_SLUG).first()
    if organization is None:
        membership = services.create_organization(
            name=ORGANIZATION_NAME, owner=admin_user, currency=CURRENCY, timezone_name=TIMEZONE
        )
        organization = membership.organization
        if organization.slug != ORGANIZATION_SLUG:
            raise CommandError(f"expected the slug {ORGANIZATION_SLUG}, got {organization.slug}")
        # Founded before the history the flows seed; what the founding recorded goes with it.
        founded = demo.started - timedelta(days=HISTORY_DAYS)
        Organization.objects.filter(pk=organization.pk).update(created_at=founded)
        Membership.objects.filter(pk=membership.pk).update(created_at=founded)
        ActivityEvent.objects.filter(organization=organization).update(created_at=founded)
        demo.log(f"founded {organization.name} ({organization.slug})")
    demo.organization = organization
    demo.members = {
        m.user.email: m
        for m in Membership.objects.for_org(organization).select_related("user", "department")
    }
    if ADMIN.email not in demo.members:
        raise CommandError(
            f"The organization {ORGANIZATION_SLUG} exists but {ADMIN.email} is not its member."
        )


def ensure_memberships(demo: Demo) -> None:
    """Everyone else joins the way people really do: invited by the admin, then accepting
    (in the founding week, a few hours apart)."""
    history = History(
        demo.org, [(Membership, "created_at"), (Invitation, "created_at")], now=demo.started
    )
    founded = demo.started - timedelta(days=HISTORY_DAYS)
    for n, person in enumerate(PEOPLE):
        if person.email in demo.members:
            continue
        sent = founded + timedelta(days=1, hours=5 * n)
        with history.at(sent):
            invitation = services.invite_member(
                by=demo.admin,
                email=person.email,
                department=demo.department(person.department),
                role=person.role,
            )
        accepted = sent + timedelta(hours=2)
        with history.at(accepted):
            demo.members[person.email] = services.accept_invitation(
                invitation=invitation, user=demo.users[person.email]
            )
        Invitation.objects.filter(pk=invitation.pk).update(
            accepted_at=accepted, expires_at=sent + (invitation.expires_at - invitation.created_at)
        )
        demo.log(f"{person.email} joined as {person.department} {person.role}")
    history.finish()


def _mention(local_part: str) -> str:
    return "@" + _email(local_part)


# (author, department the thread is on, text): cross-department conversations with @mentions.
DISCUSSION: list[tuple[str, str, str]] = [
    (
        _email("sales.manager"),
        DepartmentKind.MARKETING,
        f"{_mention('marketing.manager')} the webinar leads from last week look strong: "
        "four of them already booked demos. Can we run the same format for the logistics "
        "segment next month?",
    ),
    (
        _email("marketing.manager"),
        DepartmentKind.MARKETING,
        f"{_mention('sales.manager')} yes, we'll plan it for the 20th. "
        f"{_mention('marketing.member')} please draft the landing page and reuse the "
        "customer quotes from the Baltic Freight case study.",
    ),
    (
        _email("cs.manager"),
        DepartmentKind.PRODUCT,
        "Three customers in onboarding asked for single sign-on this month. "
        f"{_mention('product.manager')} is it on the roadmap for this half?",
    ),
    (
        _email("product.manager"),
        DepartmentKind.PRODUCT,
        f"{_mention('cs.manager')} SSO (SAML first) is planned for Q3. "
        f"{_mention('sales.member')} please don't promise a date before then.",
    ),
    (
        _email("sales.member"),
        DepartmentKind.CS,
        f"{_mention('cs.member')} Harbor Logistics signed today. Their kickoff is on Monday; "
        "the champion is their head of operations and they care most about the reporting.",
    ),
]


def ensure_discussion(demo: Demo) -> None:
    """A few department threads, posted once (only while the organization has no comment)."""
    if Comment.objects.for_org(demo.org).exists():
        return
    history = History(demo.org, [(Comment, "created_at")], now=demo.started)
    # This week's conversation, oldest first, the last one this morning.
    for n, (author, department_kind, body) in enumerate(DISCUSSION):
        posted = demo.started - timedelta(days=len(DISCUSSION) - n, hours=3 - n % 3)
        with history.at(posted):
            post_comment(
                author=demo.members[author], target=demo.department(department_kind), body=body
            )
    history.finish()
    demo.log(f"posted {len(DISCUSSION)} comments")


# Each step is idempotent. The flows' steps (``PluggableAppConfig.demo``) run after these,
# once the people exist, in the order of INSTALLED_APPS.
STEPS: list[Callable[[Demo], None]] = [
    ensure_users,
    ensure_organization,
    ensure_memberships,
    ensure_discussion,
]


@contextlib.contextmanager
def _quiet(*logger_names: str) -> Iterator[None]:
    """Silence chatty loggers below ERROR for the duration (eager Celery logs every task)."""
    loggers = [logging.getLogger(name) for name in logger_names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Create (or complete) the demo organization Northwind Demo with one user per "
        "department and role, and some activity. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password of every demo user (default: {DEFAULT_PASSWORD}).",
        )
        parser.add_argument(
            "--leads",
            type=int,
            default=300,
            help="How many leads to seed on the first run (default: 300).",
        )
        parser.add_argument(
            "--send-mail",
            action="store_true",
            help=(
                "Let the mails that seeding triggers (notifications) go through EMAIL_BACKEND. "
                "By default they are dropped: demo addresses are not deliverable."
            ),
        )

    def handle(
        self,
        *args: Any,
        password: str,
        send_mail: bool,
        leads: int,
        verbosity: int,
        **options: Any,
    ) -> None:
        def log(message: str) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  {message}")

        demo = Demo(password=password, log=log, leads=leads)
        quiet_mail = (
            contextlib.nullcontext()
            if send_mail
            else override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
        )
        quiet_logs = (
            contextlib.nullcontext()
            if verbosity >= 3
            else _quiet("celery.app.trace", "kombu.connection")
        )
        # One transaction: a failed step leaves nothing half-seeded, and the mails dispatched
        # on commit run while the quiet backend is still in place.
        with quiet_logs, quiet_mail, transaction.atomic():
            for step in [*STEPS, *demo_steps()]:
                step(demo)
        self._print_logins(demo)

    def _print_logins(self, demo: Demo) -> None:
        organization = demo.org
        self.stdout.write(
            self.style.SUCCESS(f"Demo organization: {organization.name} ({organization.slug})")
        )
        by_email = {
            m.user.email: m
            for m in Membership.objects.for_org(organization).select_related("user", "department")
        }
        for person in PEOPLE:
            membership = by_email.get(person.email)
            where = (
                f"{membership.department.name} · {membership.get_role_display()}"
                if membership
                else "not a member"
            )
            self.stdout.write(f"  {person.email:<38} {person.full_name:<20} {where}")
        self.stdout.write(f"Password for every demo user: {demo.password}")
