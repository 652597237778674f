"""The home page's "my work": what needs the member's action, contributed by the apps.

Each app lists its providers in ``<app>/home.py`` as ``HOME_ITEMS`` and registers them in
its ``AppConfig.ready`` (the ``home`` attribute of ``collab_hub.plugins.PluggableAppConfig``)::

    register_home_items(HOME_ITEMS, app=self.label)

A provider is a ``HomeProvider``: a unique ``name``, a ``title`` for its kind of work ("MQLs to
answer"), the policy action a member needs to get its items (None: every member), the URL of
the page that lists all of them (``see_all``), and either a ``queryset(membership)`` of the
member's rows plus ``item(row, now=…, membership=…)`` turning one row into a ``WorkItem``,
or its own ``collect(membership, limit=…)``. The queryset way costs one query (the rows and,
as a window count, how many there are), so the query count never grows with the data.

``my_work(membership)`` asks every provider the member may use, merges their items and sorts
them overdue first, then by due date (undated last, taking turns by provider). No template
names an app's URLs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Window
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.utils.functional import Promise

    from accounts.models import Membership

# Items each provider contributes to the home page (the "see all" link shows the rest).
PER_PROVIDER = 10
# Items the merged list shows, the most urgent first.
SHOWN = 20
# A deadline closer than this is "due soon".
DUE_SOON = timedelta(hours=24)


class Urgency(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    NORMAL = "normal"


_URGENCY_RANK = {Urgency.OVERDUE: 0, Urgency.DUE_SOON: 1, Urgency.NORMAL: 2}
_FAR = datetime.max.replace(tzinfo=UTC)


def day_urgency(day: date | None, *, today: date, soon_days: int = 3) -> Urgency:
    """``urgency_of`` for a deadline that is a day: overdue once the day has passed."""
    if day is None:
        return Urgency.NORMAL
    if day < today:
        return Urgency.OVERDUE
    if (day - today).days <= soon_days:
        return Urgency.DUE_SOON
    return Urgency.NORMAL


def urgency_of(
    due: datetime | None, *, now: datetime, soon: timedelta = DUE_SOON, overdue: bool = False
) -> Urgency:
    """``overdue`` once ``due`` has passed (or when the caller says so: a breached SLA),
    ``due_soon`` within ``soon`` of it, ``normal`` otherwise or without a deadline."""
    if overdue or (due is not None and due <= now):
        return Urgency.OVERDUE
    if due is not None and due - now <= soon:
        return Urgency.DUE_SOON
    return Urgency.NORMAL


@dataclass(frozen=True)
class WorkItem:
    """One thing that needs the member: a record to open and act on."""

    title: str
    url: str
    # Short label of what it is ("MQL", "Complaint"), shown as a badge.
    kind: Promise | str
    due: datetime | None = None
    urgency: Urgency = Urgency.NORMAL
    # One line of context under the title ("Acme · score 80").
    detail: str = ""
    # The department kind whose work it is ("sales", "marketing"): the badge's colour.
    department: str = ""
    # ``due`` stands for a day (a close date), not a moment: shown as a date.
    all_day: bool = False
    # Without a deadline: since when it has been waiting ("Waiting 3 days").
    since: datetime | None = None
    # Filled in by ``my_work``: the provider it came from.
    provider: str = ""

    # Filled in by ``my_work``: its place in its provider's list (0 = most urgent there).
    position: int = 0

    @property
    def sort_key(self) -> tuple[int, bool, datetime, int]:
        # Undated items take turns, provider by provider (``sorted`` is stable), so one
        # long list cannot push every other kind off the page.
        return (_URGENCY_RANK[self.urgency], self.due is None, self.due or _FAR, self.position)


class HomeProvider:
    """A source of work items on the home page; subclass it in ``<app>/home.py``."""

    # Unique across the apps, ``"<app>.<what>"``.
    name: ClassVar[str] = ""
    # Heading of its kind of work, with the count beside it ("MQLs to answer").
    title: ClassVar[Promise | str] = ""
    # Policy action a member needs to get the items (None: everyone).
    permission: ClassVar[str | None] = None
    # URL name of the page with all of them, and the query string to add ("?owner=me").
    see_all: ClassVar[str] = ""
    see_all_query: ClassVar[str] = ""
    # Position in the summary (lower first; equal: registration order).
    order: ClassVar[int] = 100
    # Every item it lists is overdue (the summary then counts all of them as overdue).
    only_overdue: ClassVar[bool] = False

    def applies_to(self, membership: Membership) -> bool:
        """Beyond ``permission``: whether the member gets these items at all (no query)."""
        return True

    def queryset(self, membership: Membership) -> QuerySet[Any]:
        """The member's rows, most urgent first, with what ``item`` reads joined in."""
        raise NotImplementedError(f"{type(self).__name__} defines neither queryset nor collect.")

    def item(self, row: Any, *, now: datetime, membership: Membership) -> WorkItem:
        """One row of ``queryset`` as a work item (no query: join what it reads)."""
        raise NotImplementedError(f"{type(self).__name__} defines neither item nor collect.")

    def collect(self, membership: Membership, *, limit: int) -> tuple[list[WorkItem], int]:
        """At most ``limit`` items and how many there are in all, in one query (the total is
        a window count over every matching row, computed before the LIMIT)."""
        now = timezone.now()
        rows = list(self.queryset(membership).annotate(_home_total=Window(Count("pk")))[:limit])
        total = rows[0]._home_total if rows else 0
        items = [self.item(row, now=now, membership=membership) for row in rows]
        return items, total

    def see_all_url(self) -> str:
        if not self.see_all:
            return ""
        try:
            return reverse(self.see_all) + self.see_all_query
        except NoReverseMatch:
            return ""


@dataclass(frozen=True)
class Registered:
    provider: HomeProvider
    app: str


@dataclass
class WorkKind:
    """One provider's share of the member's work, for the summary."""

    name: str
    title: Promise | str
    total: int
    # Overdue among the items fetched; a lower bound when ``overdue_more``.
    overdue: int
    url: str
    overdue_more: bool = False


@dataclass
class MyWork:
    """What the home page shows under "My work"."""

    items: list[WorkItem] = field(default_factory=list)
    kinds: list[WorkKind] = field(default_factory=list)
    # The member's providers with nothing for them right now ("all clear").
    clear: list[WorkKind] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(kind.total for kind in self.kinds)

    @property
    def overdue(self) -> int:
        return sum(kind.overdue for kind in self.kinds)

    @property
    def overdue_more(self) -> bool:
        return any(kind.overdue_more for kind in self.kinds)

    @property
    def hidden(self) -> int:
        """Items beyond those the list shows (each kind's "see all" has them)."""
        return max(self.total - len(self.items), 0)


_providers: list[Registered] = []


def register_home_items(providers: Iterable[HomeProvider], *, app: str) -> None:
    """Add ``app``'s providers (from its ``AppConfig.ready``); a taken name is an error."""
    for provider in providers:
        if not isinstance(provider, HomeProvider):
            raise ImproperlyConfigured(
                f"Home item {provider!r} of {app!r} is not a HomeProvider instance."
            )
        if not provider.name or not provider.title:
            raise ImproperlyConfigured(
                f"Home provider {type(provider).__name__} of {app!r} needs a name and a title."
            )
        taken = next((r for r in _providers if r.provider.name == provider.name), None)
        if taken is not None:
            raise ImproperlyConfigured(
                f"Home provider {provider.name!r} of {app!r} is already registered by "
                f"{taken.app!r}."
            )
        _providers.append(Registered(provider=provider, app=app))


def unregister_app_home_items(app: str) -> None:
    _providers[:] = [r for r in _providers if r.app != app]


def providers() -> list[HomeProvider]:
    """Every registered provider, in summary order."""
    indexed = sorted(enumerate(_providers), key=lambda pair: (pair[1].provider.order, pair[0]))
    return [registered.provider for _index, registered in indexed]


def providers_for(membership: Membership | None) -> list[HomeProvider]:
    """The providers whose items ``membership`` gets (policy and ``applies_to``)."""
    from accounts.policy import can

    if membership is None:
        return []
    return [
        provider
        for provider in providers()
        if (provider.permission is None or can(membership, provider.permission))
        and provider.applies_to(membership)
    ]


def my_work(
    membership: Membership | None, *, per_provider: int = PER_PROVIDER, shown: int = SHOWN
) -> MyWork:
    """The member's work from every provider they may use: the ``shown`` most urgent items
    (overdue first, then by due date, undated last) and a count per kind. A bounded number of
    queries per provider, whatever the amount of data."""
    work = MyWork()
    merged: list[WorkItem] = []
    for provider in providers_for(membership):
        assert membership is not None
        items, total = provider.collect(membership, limit=per_provider)
        if not total:
            work.clear.append(
                WorkKind(
                    name=provider.name,
                    title=provider.title,
                    total=0,
                    overdue=0,
                    url=provider.see_all_url(),
                )
            )
            continue
        items = [_from(provider, item, position) for position, item in enumerate(items)]
        merged.extend(items)
        overdue = (
            total
            if provider.only_overdue
            else sum(1 for item in items if item.urgency == Urgency.OVERDUE)
        )
        work.kinds.append(
            WorkKind(
                name=provider.name,
                title=provider.title,
                total=total,
                overdue=overdue,
                url=provider.see_all_url(),
                # Every item fetched is overdue and there are more: there may be more overdue.
                overdue_more=overdue == len(items) < total,
            )
        )
    work.items = sorted(merged, key=lambda item: item.sort_key)[:shown]
    return work


def _from(provider: HomeProvider, item: WorkItem, position: int) -> WorkItem:
    return WorkItem(**{**item.__dict__, "provider": provider.name, "position": position})


def check_home_items(**kwargs: Any) -> Sequence[Any]:
    """System check: every provider's permission is a registered policy action and its
    "see all" page exists."""
    from django.core import checks

    from accounts.policy import rules

    known = rules()
    errors: list[Any] = []
    for registered in _providers:
        provider = registered.provider
        if provider.permission and provider.permission not in known:
            errors.append(
                checks.Error(
                    f"Home provider {provider.name!r} ({registered.app}) needs the unknown "
                    f"policy action {provider.permission!r}.",
                    id="home.E001",
                )
            )
        if provider.see_all:
            try:
                reverse(provider.see_all)
            except NoReverseMatch:
                errors.append(
                    checks.Error(
                        f"Home provider {provider.name!r} ({registered.app}) links to the "
                        f"unknown page {provider.see_all!r}.",
                        id="home.E002",
                    )
                )
    return errors
