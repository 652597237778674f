"""Read queries for lead pages: the marketing list, the sales MQL queue, one lead's page.

Every query starts from ``Lead.objects.visible_to(membership)``, so another organization's
lead (or one the organization's visibility setting hides) never shows up, and joins what its
page renders, so the number of queries does not grow with the number of rows.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.policy import can
from leads.models import Lead, LeadStatus, LeadTransition

if TYPE_CHECKING:
    from accounts.models import Membership

# Fields ``?search=`` looks in, ignoring case and accents (each has a trigram index over
# ``collab_search_fold(column)`` on PostgreSQL, migration 0009; see collab_hub/search.py).
SEARCH_FIELDS = ("email", "first_name", "last_name", "company_name")
PAGE_SIZE = 50


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def search_leads(qs: QuerySet[Lead], text: str) -> QuerySet[Lead]:
    """Leads matching every word of ``text`` in any of name, email or company, ignoring case
    and accents both ways (``zielinski`` finds "Zieliński" and ``Zieliński`` "Zielinski").

    ``search_contains`` compiles to ``collab_search_fold(col) LIKE collab_search_fold(%s)``,
    the expression the trigram indexes cover on PostgreSQL.
    """
    for word in text.split()[:5]:
        condition = Q()
        for name in SEARCH_FIELDS:
            condition |= Q(**{f"{name}__search_contains": word})
        qs = qs.filter(condition)
    return qs


def lead_list(*, membership: Membership, filters: dict[str, Any] | None = None) -> QuerySet[Lead]:
    """The leads ``membership`` may see, newest first, narrowed by ``filters``.

    ``filters`` keys (all optional, empty values ignored): ``status``, ``tier``, ``owner``,
    ``campaign`` (rows or ids), ``source``, ``created_after`` / ``created_before`` (dates,
    both inclusive, in the active time zone), ``search`` (words over name, email, company).
    Joins tier, campaign and the sales owner's user for the list's columns.
    """
    filters = filters or {}
    qs: QuerySet[Lead] = Lead.objects.visible_to(membership).select_related(
        "tier", "campaign", "owner__user"
    )
    for key in ("status", "source"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    for key in ("tier", "owner", "campaign"):
        value = filters.get(key)
        if value:
            qs = qs.filter(**{f"{key}_id": getattr(value, "pk", value)})
    if filters.get("created_after"):
        qs = qs.filter(created_at__gte=_day_start(filters["created_after"]))
    if filters.get("created_before"):
        qs = qs.filter(created_at__lt=_day_start(filters["created_before"] + timedelta(days=1)))
    if filters.get("search"):
        qs = search_leads(qs, filters["search"])
    return qs.order_by("-created_at", "-pk")


# --- Keyset pages ---------------------------------------------------------------------------


@dataclass
class LeadPage:
    """One page of a keyset-paginated list: its rows and the cursors of its neighbours."""

    rows: list[Lead] = field(default_factory=list)
    next_cursor: str | None = None
    previous_cursor: str | None = None


def _encode(direction: str, lead: Lead) -> str:
    raw = f"{direction}|{lead.created_at.isoformat()}|{lead.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        direction, stamp, pk = raw.split("|")
        moment = parse_datetime(stamp)
        if direction not in ("n", "p") or moment is None:
            return None
        return direction, moment, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def lead_page(qs: QuerySet[Lead], cursor: str | None, size: int = PAGE_SIZE) -> LeadPage:
    """A page of ``qs`` (ordered newest first) after or before ``cursor``.

    Keyset pagination on ``(created_at, pk)``: a deep page costs what the first one does (an
    index range scan, no OFFSET, no COUNT), and rows inserted meanwhile never shift a page.
    An unreadable cursor is the first page. One query.
    """
    decoded = _decode(cursor) if cursor else None
    if decoded is None:
        rows = list(qs[: size + 1])
        return LeadPage(
            rows=rows[:size], next_cursor=_encode("n", rows[size - 1]) if len(rows) > size else None
        )
    direction, moment, pk = decoded
    if direction == "n":
        older = Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk)
        rows = list(qs.filter(older)[: size + 1])
        page = rows[:size]
        return LeadPage(
            rows=page,
            next_cursor=_encode("n", page[-1]) if len(rows) > size else None,
            previous_cursor=_encode("p", page[0]) if page else None,
        )
    newer = Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk)
    rows = list(qs.filter(newer).order_by("created_at", "pk")[: size + 1])
    page = list(reversed(rows[:size]))
    return LeadPage(
        rows=page,
        next_cursor=_encode("n", page[-1]) if page else None,
        previous_cursor=_encode("p", page[0]) if len(rows) > size else None,
    )


# --- Sales ----------------------------------------------------------------------------------


def sees_whole_queue(membership: Membership) -> bool:
    """Sales managers (and admins) watch every MQL of the organization, not only their own:
    those who may both respond to MQLs and reassign them."""
    return can(membership, "leads.respond") and can(membership, "leads.reassign")


def mql_queue(*, membership: Membership) -> QuerySet[Lead]:
    """The MQLs waiting for ``membership``'s answer: their own, or every MQL of the
    organization for sales managers and admins. Breached first, then by response deadline
    (soonest first). Joins tier (value proposition and playbook), campaign and owner;
    ``attach_rejections`` adds what a resubmitted lead shows."""
    qs = (
        Lead.objects.visible_to(membership)
        .filter(status=LeadStatus.MQL)
        .select_related("tier", "campaign", "owner__user")
    )
    if not sees_whole_queue(membership):
        qs = qs.filter(owner=membership)
    breached = Case(
        When(sla_breached_at__isnull=False, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.annotate(_breached_first=breached).order_by("_breached_first", "sla_due_at", "pk")


def attach_rejections(leads: list[Lead]) -> list[Lead]:
    """Set ``lead.rejections`` (its rejected transitions with who rejected, latest first) on
    the resubmitted leads among ``leads``, so the queue shows why sales rejected them
    before. One query when any lead was resubmitted, none otherwise. Returns ``leads``."""
    resubmitted = [lead for lead in leads if lead.resubmissions]
    if resubmitted:
        rejections = (
            LeadTransition.objects.filter(to_status=LeadStatus.REJECTED)
            .select_related("by__user")
            .order_by("-at", "-pk")
        )
        prefetch_related_objects(
            resubmitted, Prefetch("transitions", queryset=rejections, to_attr="rejections")
        )
    return leads


def lead_detail(*, membership: Membership, pk: int) -> Lead | None:
    """One lead ``membership`` may see, with everything its page shows joined or prefetched
    (tier, campaign, owners, deal, the transition history with who made each step); None
    when it does not exist or is not visible (the page answers 404)."""
    transitions = LeadTransition.objects.select_related("by__user").order_by("at", "pk")
    return (
        Lead.objects.visible_to(membership)
        .select_related(
            "tier", "campaign", "owner__user", "marketing_owner__user", "deal", "import_batch"
        )
        .prefetch_related(Prefetch("transitions", queryset=transitions))
        .filter(pk=pk)
        .first()
    )
