"""Reads of the sales ↔ product flow: the ranked roadmap, a request's demands and promises,
and the "lost & winnable revenue" figures. Every figure is computed by the database.

**Revenue at stake** of a request, over its *active* demands (``ended_at`` empty):

- ``blocking``: the current value of the open deals its blocking demands wait on (a deal's
  value changes → the figure changes; a won deal's demand ended; a closed deal never counts);
- ``lost``: the value of the deals lost for lack of it (the deal's value at the loss);
- ``expansion`` and ``retention``: the values sales and CS gave;
- ``revenue_at_stake`` = blocking + lost + expansion + retention.

**Priority score** = revenue at stake × tier weight ÷ max(effort, 1), where the *tier
weight* of a request is the highest weight among the tiers of the companies behind its
counted demands (a company without a tier, or a tier without a configured weight, weighs
1.0): one strategic customer asking makes the request strategic. Effort unknown counts as
1. Tier weights are set per organization in the admin (``TierWeight``).

``ranked`` is one query however many requests and demands there are: every annotation
aggregates the one join of the request's demands (each demand joins one deal, one company,
one tier and its weight, so no row is counted twice). Merged requests are left out (their
demands moved to the request they were merged into).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from accounts.models import Membership, Organization
from leads.models import OPEN_DEAL_STAGES, Deal
from roadmap.models import (
    DEFAULT_WEIGHT,
    Demand,
    DemandKind,
    FeatureRequest,
    FeatureStatus,
    Promise,
    PromiseStatus,
)

MONEY = DecimalField(max_digits=20, decimal_places=2)
WEIGHT = DecimalField(max_digits=5, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)
# Orderings the roadmap page and the API offer (highest first; ties by newest id).
ORDERINGS = ("priority_score", "revenue_at_stake", "customers_count", "created_at")


def _money(expression: Any) -> Coalesce:
    return Coalesce(expression, ZERO, output_field=MONEY)


def counted(prefix: str = "") -> Q:
    """The demands that count (prefix ``"demands__"`` from a request): active, and a
    blocking one only while its deal is open."""
    return Q(**{f"{prefix}ended_at__isnull": True}) & (
        ~Q(**{f"{prefix}kind": DemandKind.BLOCKING})
        | Q(**{f"{prefix}deal__stage__in": OPEN_DEAL_STAGES})
    )


def _kind(kind: str, prefix: str = "demands__") -> Q:
    return counted(prefix) & Q(**{f"{prefix}kind": kind})


def with_revenue(queryset: QuerySet[FeatureRequest], extra: Q | None = None) -> QuerySet[Any]:
    """``queryset`` annotated with ``blocking``, ``lost``, ``expansion``, ``retention``,
    ``revenue_at_stake``, ``customers_count``, ``tier_weight`` and ``priority_score`` (see
    the module docstring); ``extra`` narrows the demands counted (a ``demands__`` Q)."""
    only = extra if extra is not None else Q()
    p = "demands__"
    blocking = _money(Sum(f"{p}deal__value", filter=_kind(DemandKind.BLOCKING) & only))
    lost = _money(Sum(f"{p}value", filter=_kind(DemandKind.LOST) & only))
    expansion = _money(Sum(f"{p}value", filter=_kind(DemandKind.EXPANSION) & only))
    retention = _money(Sum(f"{p}value", filter=_kind(DemandKind.RETENTION) & only))
    weight = Coalesce(
        Max(
            Coalesce(
                f"{p}company__tier__roadmap_weight__weight",
                Value(DEFAULT_WEIGHT, output_field=WEIGHT),
                output_field=WEIGHT,
            ),
            filter=counted(p) & only,
        ),
        Value(DEFAULT_WEIGHT, output_field=WEIGHT),
        output_field=WEIGHT,
    )
    return queryset.annotate(
        blocking=blocking,
        lost=lost,
        expansion=expansion,
        retention=retention,
        customers_count=Count(f"{p}company", filter=counted(p) & only, distinct=True),
        tier_weight=weight,
    ).annotate(
        revenue_at_stake=ExpressionWrapper(
            F("blocking") + F("lost") + F("expansion") + F("retention"), output_field=MONEY
        ),
        priority_score=ExpressionWrapper(
            (F("blocking") + F("lost") + F("expansion") + F("retention"))
            * F("tier_weight")
            / Greatest(Coalesce(F("effort"), Value(1)), Value(1)),
            output_field=MONEY,
        ),
    )


def ranked(
    organization: Organization | int,
    *,
    status: str | list[str] | None = None,
    owner: Membership | int | None = None,
    tier: int | None = None,
    search: str = "",
    ordering: str = "priority_score",
) -> QuerySet[Any]:
    """The organization's roadmap, highest ``ordering`` first (``ORDERINGS``; ties by the
    newest id), merged requests left out, annotated by ``with_revenue``. Filters: ``status``
    (one or several), ``owner`` (membership or id), ``tier`` (requests with counted demand
    from a company of that tier id), ``search`` (title, accents and case ignored). One query
    when evaluated; ``owner`` is joined in."""
    queryset = (
        FeatureRequest.objects.for_org(organization)
        .filter(merged_into__isnull=True)
        .select_related("owner__user")
    )
    if status:
        queryset = queryset.filter(status__in=[status] if isinstance(status, str) else status)
    if owner is not None:
        queryset = queryset.filter(owner=owner)
    if tier is not None:
        queryset = asked_by_tier(queryset, tier)
    if search.strip():
        queryset = queryset.filter(title__search_contains=search.strip())
    if ordering not in ORDERINGS:
        ordering = "priority_score"
    return with_revenue(queryset).order_by(f"-{ordering}", "-pk")


QS = TypeVar("QS", bound=QuerySet[Any])


def asked_by_tier(queryset: QS, tier: Any) -> QS:
    """The requests of ``queryset`` with counted demand from a company of ``tier`` (a tier
    or its id): the roadmap's tier filter, on the pages and in the API."""
    return queryset.filter(
        pk__in=Demand.objects.filter(counted(), company__tier=tier).values("feature_request")
    )


# How many requests the lose form's feature picker offers besides the ticked ones.
PICKER_SIZE = 8


def feature_picker(
    organization: Organization | int, *, chosen_ids: list[int], term: str = ""
) -> tuple[list[FeatureRequest], list[FeatureRequest]]:
    """The lose form's feature picker: ``(chosen, matches)`` — the ticked requests by
    title, then up to ``PICKER_SIZE`` other open (not merged) requests, newest first,
    whose title contains ``term`` (accents and case ignored). Two queries at most."""
    base = FeatureRequest.objects.for_org(organization).filter(merged_into__isnull=True)
    chosen = list(base.filter(pk__in=chosen_ids).order_by("title")) if chosen_ids else []
    matches = base.exclude(pk__in=chosen_ids).order_by("-created_at", "-pk")
    if term:
        matches = matches.filter(title__search_contains=term)
    return chosen, list(matches[:PICKER_SIZE])


def tier_mix(feature_request_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """For a page of requests: ``{request id: [(tier name, customers), …]}``, the distinct
    companies behind each request's counted demands per tier (``""``: no tier), biggest
    first. One query for the whole page."""
    rows = (
        Demand.objects.filter(counted(), feature_request_id__in=feature_request_ids)
        .values("feature_request_id", "company__tier__name", "company__tier__rank")
        .annotate(customers=Count("company", distinct=True))
        .order_by("feature_request_id", "company__tier__rank")
    )
    mix: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for row in rows:
        mix[row["feature_request_id"]].append((row["company__tier__name"] or "", row["customers"]))
    for items in mix.values():
        items.sort(key=lambda item: -item[1])
    return dict(mix)


def feature_request_detail(membership: Membership, pk: int) -> Any:
    """One request of the member's organization with its revenue figures, or None."""
    return (
        with_revenue(
            FeatureRequest.objects.visible_to(membership).select_related(
                "owner__user", "merged_into", "created_by__user"
            )
        )
        .filter(pk=pk)
        .first()
    )


def demands_of(feature_request: FeatureRequest) -> QuerySet[Demand]:
    """A request's demands, active first, newest first, with ``current_value`` (a blocking
    demand's is its deal's value today) and their company, deal and raiser joined."""
    from django.db.models import Case, When

    return (
        Demand.objects.filter(feature_request=feature_request)
        .select_related("company__tier", "deal__owner__user", "raised_by__user", "department")
        .annotate(
            current_value=Case(
                When(kind=DemandKind.BLOCKING, then=F("deal__value")),
                default=F("value"),
                output_field=MONEY,
            )
        )
        .order_by(F("ended_at").desc(nulls_first=True), "-created_at", "-pk")
    )


def status_history(feature_request: FeatureRequest) -> QuerySet[Any]:
    """A request's status changes, oldest first, with who made them."""
    return feature_request.status_changes.select_related("by__user").order_by("at", "pk")


def promises_of_deal(deal: Deal) -> QuerySet[Promise]:
    """A deal's promises with their request's live status (the deal page, the handoff)."""
    return (
        Promise.objects.filter(deal=deal)
        .select_related("feature_request", "made_by__user", "decided_by__user")
        .order_by("-created_at", "-pk")
    )


def promises_of_request(feature_request: FeatureRequest) -> QuerySet[Promise]:
    return (
        Promise.objects.filter(feature_request=feature_request)
        .select_related("deal__owner__user", "deal__company", "made_by__user")
        .order_by("-created_at", "-pk")
    )


def pending_promises(organization: Organization | int) -> QuerySet[Promise]:
    """Product's queue: pending promises, oldest first (they wait longest)."""
    return (
        Promise.objects.for_org(organization)
        .filter(status=PromiseStatus.PENDING)
        .select_related("deal__company", "deal__owner__user", "feature_request", "made_by__user")
        .order_by("created_at", "pk")
    )


def promises_to_follow_up(membership: Membership) -> QuerySet[Promise]:
    """Sales' home item: promises the member made, or on deals they own, that product
    declined or that are at risk, newest first."""
    return (
        Promise.objects.for_org(membership.organization_id)
        .filter(
            Q(made_by=membership) | Q(deal__owner=membership),
            status__in=[PromiseStatus.DECLINED, PromiseStatus.AT_RISK],
        )
        .select_related("deal__company", "feature_request")
        .order_by("-updated_at", "-pk")
    )


def has_pending_promises(deal: Deal) -> bool:
    """Whether a deal still waits for product on a promise (the win page warns)."""
    return Promise.objects.filter(deal=deal, status=PromiseStatus.PENDING).exists()


def shared_roadmap(organization: Organization | int) -> dict[str, list[FeatureRequest]]:
    """The read-only roadmap every department sees: planned, in progress and shipped
    requests (not merged), by status, highest priority first. One query."""
    columns: dict[str, list[FeatureRequest]] = {
        FeatureStatus.PLANNED: [],
        FeatureStatus.IN_PROGRESS: [],
        FeatureStatus.SHIPPED: [],
    }
    for request in ranked(organization, status=list(columns)):
        columns[request.status].append(request)
    return columns


# --- Lost & winnable revenue ------------------------------------------------------------------


@dataclass(frozen=True)
class Impact:
    """``rows``: requests with matching demand, annotated with ``lost_customers``,
    ``lost_revenue``, ``waiting_deals``, ``waiting_value``, ``expansion_value``,
    ``retention_value`` and ``total`` (biggest total first); ``totals``: the same sums over
    every matching demand, each company (``lost_customers``) and each deal (``lost_revenue``,
    ``waiting_value``) counted once however many features it lacked."""

    rows: QuerySet[Any]
    totals: dict[str, Any]


def _impact_filter(
    prefix: str, *, start: date | None, end: date | None, tier: int | None, source: str
) -> Q:
    condition = counted(prefix)
    if start is not None:
        condition &= Q(**{f"{prefix}created_at__date__gte": start})
    if end is not None:
        condition &= Q(**{f"{prefix}created_at__date__lte": end})
    if tier is not None:
        condition &= Q(**{f"{prefix}company__tier": tier})
    if source:
        condition &= Q(**{f"{prefix}deal__source": source})
    return condition


def impact(
    organization: Organization | int,
    *,
    start: date | None = None,
    end: date | None = None,
    tier: int | None = None,
    source: str = "",
) -> Impact:
    """The seed's questions per feature: customers lost for lack of it and their revenue,
    open deals waiting for it and their value, expansion and retention value; and totals.
    Filters apply to the demands: raised between ``start`` and ``end`` (dates, inclusive),
    from companies of ``tier`` (id), on deals of ``source`` (a ``DealSource``; demands
    without a deal then do not count). Three queries: the rows, and two for the totals."""
    p = "demands__"
    only = _impact_filter(p, start=start, end=end, tier=tier, source=source)
    lost = only & Q(demands__kind=DemandKind.LOST)
    waiting = only & Q(demands__kind=DemandKind.BLOCKING)
    rows = (
        FeatureRequest.objects.for_org(organization)
        .filter(merged_into__isnull=True)
        .annotate(
            lost_customers=Count(f"{p}company", filter=lost, distinct=True),
            lost_revenue=_money(Sum(f"{p}value", filter=lost)),
            waiting_deals=Count(f"{p}deal", filter=waiting, distinct=True),
            waiting_value=_money(Sum(f"{p}deal__value", filter=waiting)),
            expansion_value=_money(
                Sum(f"{p}value", filter=only & Q(demands__kind=DemandKind.EXPANSION))
            ),
            retention_value=_money(
                Sum(f"{p}value", filter=only & Q(demands__kind=DemandKind.RETENTION))
            ),
            matching=Count(f"{p}pk", filter=only),
        )
        .filter(matching__gt=0)
        .annotate(
            total=ExpressionWrapper(
                F("lost_revenue") + F("waiting_value") + F("expansion_value")
                + F("retention_value"),
                output_field=MONEY,
            )
        )
        .order_by("-total", "-pk")
    )  # fmt: skip
    demands = Demand.objects.for_org(organization).filter(
        _impact_filter("", start=start, end=end, tier=tier, source=source),
        feature_request__merged_into__isnull=True,
    )
    lost_d = Q(kind=DemandKind.LOST)
    waiting_d = Q(kind=DemandKind.BLOCKING)
    totals = demands.aggregate(
        lost_customers=Count("company", filter=lost_d, distinct=True),
        waiting_deals=Count("deal", filter=waiting_d, distinct=True),
        expansion_value=_money(Sum("value", filter=Q(kind=DemandKind.EXPANSION))),
        retention_value=_money(Sum("value", filter=Q(kind=DemandKind.RETENTION))),
    )
    # A deal lost for (or waiting on) two features counts once in the totals.
    totals.update(
        Deal.objects.filter(pk__in=demands.exclude(deal=None).values("deal")).aggregate(
            lost_revenue=_money(
                Sum("value", filter=Q(pk__in=demands.filter(lost_d).values("deal")))
            ),
            waiting_value=_money(
                Sum("value", filter=Q(pk__in=demands.filter(waiting_d).values("deal")))
            ),
        )
    )
    return Impact(rows=rows, totals=totals)
