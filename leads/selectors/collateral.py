"""Read queries for the collateral library: usage, win rates and the library's coverage.

Definitions (the figures the library page, the API and reports share):

* **usage count** of an asset: the deals it was used on (a ``CollateralUse`` is unique per
  asset and deal, so uses = deals).
* **win rate** of an asset: of the deals it was used on that are closed, the share won —
  ``won ÷ (won + lost)``; ``None`` while none of them is closed (open deals say nothing yet).
  Per tier, the deal's company's tier counts; per stage, the stage the deal was in when
  the asset was used.
* **library coverage** per tier × stage: every time sales needed material on a deal it
  either used library collateral (a ``CollateralUse``) or its own (a ``ContentRequest`` with
  ``own_material``, "shadow collateral"). ``coverage = library uses ÷ (library uses +
  own-material records)`` in that tier (the deal company's tier) and stage (the deal's stage
  at that moment); ``None`` where sales needed nothing yet.

All figures are SQL aggregates (``Count`` with ``filter``), never loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast

from leads.models import (
    Collateral,
    CollateralUse,
    ContentRequest,
    Deal,
    DealStage,
    Tier,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from accounts.models import Membership, Organization

SEARCH_FIELDS = ("title", "description")


def _won(prefix: str = "") -> Q:
    return Q(**{f"{prefix}deal__stage": DealStage.WON})


def _lost(prefix: str = "") -> Q:
    return Q(**{f"{prefix}deal__stage": DealStage.LOST})


def _rate(won: str, lost: str) -> Case:
    """``won ÷ (won + lost)`` as a float in SQL; NULL when nothing is closed."""
    closed = F(won) + F(lost)
    return Case(
        When(
            Q(**{f"{won}__gt": 0}) | Q(**{f"{lost}__gt": 0}),
            then=Cast(won, FloatField()) / Cast(closed, FloatField()),
        ),
        default=Value(None),
        output_field=FloatField(),
    )


class FiguresAnnotations(TypedDict):
    """What ``with_figures`` annotates on each collateral row."""

    usage_count: int
    deals_won: int
    deals_lost: int
    win_rate: float | None


def with_figures(
    qs: QuerySet[Collateral],
) -> QuerySet[WithAnnotations[Collateral, FiguresAnnotations]]:
    """Annotate ``usage_count``, ``deals_won``, ``deals_lost`` and ``win_rate`` (0..1 or
    None) on collateral rows: one LEFT JOIN to the uses and their deals, grouped per asset."""
    return qs.annotate(
        usage_count=Count("uses", distinct=True),
        deals_won=Count("uses", filter=_won("uses__"), distinct=True),
        deals_lost=Count("uses", filter=_lost("uses__"), distinct=True),
    ).annotate(win_rate=_rate("deals_won", "deals_lost"))


def for_tier(qs: QuerySet[Collateral], tier_id: int) -> QuerySet[Collateral]:
    """Collateral tagged with the tier, or with no tier at all (meant for every tier).

    ``Exists`` subqueries, not a join, so the usage counts are not multiplied by tags.
    """
    through = Collateral.tiers.through
    tagged = through.objects.filter(collateral_id=OuterRef("pk"))
    return qs.filter(Exists(tagged.filter(tier_id=tier_id)) | ~Exists(tagged))


def for_stage(qs: QuerySet[Collateral], stage: str) -> QuerySet[Collateral]:
    """Collateral tagged with the deal stage, or with no stage (useful at every stage).

    Stages are a JSON list; its text contains ``"<stage>"`` exactly when the stage is in it
    (the stage values are not substrings of one another), which works on SQLite and
    PostgreSQL alike.
    """
    text = Cast("stages", TextField())
    return qs.alias(stages_text=text).filter(
        Q(stages_text__contains=f'"{stage}"') | Q(stages_text="[]")
    )


def collateral_library(
    *,
    membership: Membership,
    tier: int | None = None,
    stage: str = "",
    search: str = "",
    archived: bool | None = False,
) -> QuerySet[Collateral]:
    """The organization's library with usage figures (see ``with_figures``), tiers prefetched.

    ``tier``/``stage`` narrow to assets for that tier/stage (untagged assets fit all);
    ``search`` matches every word in title or description; ``archived`` False (default):
    the live library, True: only archived assets, None: both. Ordered by title.
    """
    qs: QuerySet[Collateral] = Collateral.objects.visible_to(membership)
    if archived is not None:
        qs = qs.filter(archived_at__isnull=not archived)
    if tier:
        qs = for_tier(qs, tier)
    if stage:
        qs = for_stage(qs, stage)
    for word in search.split()[:5]:
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return (
        with_figures(qs)
        .select_related("owner__user")
        .prefetch_related("tiers")
        .order_by("title", "pk")
    )


@dataclass(frozen=True)
class Figures:
    """Usage of an asset in one group (a tier, a stage, or overall)."""

    key: Any
    label: str
    uses: int
    won: int
    lost: int

    @property
    def open(self) -> int:
        return self.uses - self.won - self.lost

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


@dataclass
class CollateralStats:
    overall: Figures
    by_tier: list[Figures]
    by_stage: list[Figures]


def _grouped(uses: QuerySet[CollateralUse], *keys: str) -> QuerySet[CollateralUse, dict[str, Any]]:
    """Uses, deals won and deals lost per group of ``keys``: one ``values()`` row each."""
    # ``values(*keys)`` with keys only known at run time: the plugin types the rows as Any.
    grouped: QuerySet[CollateralUse, dict[str, Any]] = (
        uses.values(*keys)
        .annotate(
            uses=Count("pk"), won=Count("pk", filter=_won()), lost=Count("pk", filter=_lost())
        )
        .order_by()
    )
    return grouped


def collateral_stats(*, collateral: Collateral) -> CollateralStats:
    """Usage count, deals won and lost and win rate of one asset: overall, per tier of the
    deal's company (tier rank order, "no tier" last) and per stage the deal was in when the
    asset was used (pipeline order). Three aggregate queries."""
    uses = CollateralUse.objects.filter(collateral=collateral)
    total = uses.aggregate(
        uses=Count("pk"), won=Count("pk", filter=_won()), lost=Count("pk", filter=_lost())
    )
    by_tier = sorted(
        _grouped(
            uses, "deal__company__tier", "deal__company__tier__name", "deal__company__tier__rank"
        ),
        key=lambda row: (
            row["deal__company__tier__rank"] is None,
            row["deal__company__tier__rank"] or 0,
        ),
    )
    stage_order = list(DealStage.values)
    by_stage = sorted(_grouped(uses, "stage"), key=lambda row: stage_order.index(row["stage"]))
    return CollateralStats(
        overall=Figures(key=None, label="", **total),
        by_tier=[
            Figures(
                key=row["deal__company__tier"],
                label=row["deal__company__tier__name"] or "",
                uses=row["uses"],
                won=row["won"],
                lost=row["lost"],
            )
            for row in by_tier
        ],
        by_stage=[
            Figures(
                key=row["stage"],
                label=str(DealStage(row["stage"]).label),
                uses=row["uses"],
                won=row["won"],
                lost=row["lost"],
            )
            for row in by_stage
        ],
    )


def collateral_uses(
    *, membership: Membership, collateral: Collateral, limit: int = 50
) -> QuerySet[CollateralUse]:
    """The deals an asset was used on that ``membership`` may see, most recent first."""
    return (
        collateral.uses.filter(deal__in=Deal.objects.visible_to(membership))
        .select_related("deal__company", "by__user")
        .order_by("-used_at", "-pk")[:limit]
    )


# --- Library coverage ----------------------------------------------------------------------


@dataclass
class CoverageCell:
    """Library uses vs own-material records in one tier × stage (or a total of them)."""

    tier_id: int | None
    tier_name: str
    stage: str
    library_uses: int = 0
    own_material: int = 0

    @property
    def needs(self) -> int:
        return self.library_uses + self.own_material

    @property
    def coverage(self) -> float | None:
        return self.library_uses / self.needs if self.needs else None


@dataclass
class Coverage:
    cells: list[CoverageCell] = field(default_factory=list)
    by_tier: list[CoverageCell] = field(default_factory=list)
    by_stage: list[CoverageCell] = field(default_factory=list)
    total: CoverageCell = field(default_factory=lambda: CoverageCell(None, "", ""))


def library_coverage(
    *,
    organization: Organization | int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Coverage:
    """How often sales found what it needed in the library, per tier × stage (see the
    module docstring for the definition), with totals per tier, per stage and overall.

    ``since``/``until`` bound when the use or the own-material record happened. Three
    queries: library uses grouped by tier and stage, own-material requests grouped by tier
    and stage, the tiers' names. Cells with no need at all are left out; tiers in rank
    order ("no tier" last), stages in pipeline order.
    """
    uses = CollateralUse.objects.for_org(organization)
    own = ContentRequest.objects.for_org(organization).exclude(own_material="")
    if since is not None:
        uses, own = uses.filter(used_at__gte=since), own.filter(created_at__gte=since)
    if until is not None:
        uses, own = uses.filter(used_at__lt=until), own.filter(created_at__lt=until)
    tiers = {
        row["pk"]: (row["rank"], row["name"])
        for row in Tier.objects.for_org(organization).values("pk", "rank", "name")
    }
    cells: dict[tuple[int | None, str], CoverageCell] = {}

    def cell(tier_id: int | None, stage: str) -> CoverageCell:
        key = (tier_id, stage)
        if key not in cells:
            name = tiers.get(tier_id, (0, ""))[1] if tier_id else ""
            cells[key] = CoverageCell(tier_id=tier_id, tier_name=name, stage=stage)
        return cells[key]

    for use in uses.values("deal__company__tier", "stage").annotate(n=Count("pk")).order_by():
        cell(use["deal__company__tier"], use["stage"]).library_uses += use["n"]
    for request in own.values("tier", "stage").annotate(n=Count("pk")).order_by():
        cell(request["tier"], request["stage"]).own_material += request["n"]

    stage_order = {stage: index for index, stage in enumerate(["", *DealStage.values])}

    def tier_key(tier_id: int | None) -> tuple[bool, int]:
        return (tier_id is None, tiers.get(tier_id, (0, ""))[0] if tier_id else 0)

    ordered = sorted(cells.values(), key=lambda c: (tier_key(c.tier_id), stage_order[c.stage]))
    coverage = Coverage(cells=ordered)
    per_tier: dict[int | None, CoverageCell] = {}
    per_stage: dict[str, CoverageCell] = {}
    for c in ordered:
        tier_total = per_tier.setdefault(c.tier_id, CoverageCell(c.tier_id, c.tier_name, ""))
        stage_total = per_stage.setdefault(c.stage, CoverageCell(None, "", c.stage))
        for total in (tier_total, stage_total, coverage.total):
            total.library_uses += c.library_uses
            total.own_material += c.own_material
    coverage.by_tier = list(per_tier.values())
    coverage.by_stage = sorted(per_stage.values(), key=lambda c: stage_order[c.stage])
    return coverage
