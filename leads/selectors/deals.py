"""Read queries for deals and companies: the pipeline board, a deal's page, a company's page.

Every query starts from ``visible_to(membership)`` (another organization's deal, or one the
organization's visibility setting hides, never shows up) and joins what its page renders,
so the number of queries does not grow with the number of deals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from leads.models import (
    OPEN_DEAL_STAGES,
    Collateral,
    CollateralUse,
    Company,
    Contact,
    ContentRequest,
    Deal,
    DealStage,
    DealStageChange,
)
from leads.selectors.collateral import for_stage, for_tier, with_figures

if TYPE_CHECKING:
    from accounts.models import Membership

# Cards shown per board column; the column's count and total cover every deal in it.
BOARD_CARDS = 50
# Fields ``?search=`` looks in on the deal list, ignoring case and accents (trigram indexes
# over ``collab_search_fold`` on PostgreSQL, migration 0009; collab_hub/search.py).
DEAL_SEARCH_FIELDS = ("name", "company__name", "company__domain")


def deals_for(membership: Membership) -> QuerySet[Deal]:
    """The deals ``membership`` may see, with what a card or a row shows joined in."""
    return Deal.objects.visible_to(membership).select_related(
        "company", "owner__user", "owner__department"
    )


def search_deals(qs: QuerySet[Deal], text: str) -> QuerySet[Deal]:
    """Deals matching every word of ``text`` in the deal's or the company's name or domain."""
    for word in text.split()[:5]:
        condition = Q()
        for name in DEAL_SEARCH_FIELDS:
            condition |= Q(**{f"{name}__search_contains": word})
        qs = qs.filter(condition)
    return qs


@dataclass
class BoardColumn:
    stage: str
    label: str
    deals: list[Deal] = field(default_factory=list)
    count: int = 0
    total: Decimal = Decimal("0")
    # The neighbouring open stages, ``(value, label)``: where a card moves back or forward.
    previous: tuple[str, str] | None = None
    next: tuple[str, str] | None = None

    @property
    def hidden(self) -> int:
        """Deals in the column beyond the cards shown."""
        return max(self.count - len(self.deals), 0)


@dataclass
class Board:
    columns: list[BoardColumn]
    won_count: int = 0
    won_value: Decimal = Decimal("0")
    lost_count: int = 0
    lost_value: Decimal = Decimal("0")
    days: int = 30

    @property
    def open_count(self) -> int:
        return sum(column.count for column in self.columns)

    @property
    def open_value(self) -> Decimal:
        return sum((column.total for column in self.columns), Decimal("0"))


def pipeline_board(
    *,
    membership: Membership,
    owner: Membership | None = None,
    search: str = "",
    per_stage: int = BOARD_CARDS,
    days: int = 30,
) -> Board:
    """Open deals by stage for the board: qualification, proposal, negotiation.

    Three queries whatever the number of deals: the cards (at most ``per_stage`` per column,
    soonest expected close first, chosen with a window function), one GROUP BY for each
    column's count and total value, and one aggregate of the deals won and lost in the last
    ``days`` days. ``owner`` narrows to one owner's deals, ``search`` to matching deals.
    """
    base: QuerySet[Deal] = Deal.objects.visible_to(membership).filter(stage__in=OPEN_DEAL_STAGES)
    if owner is not None:
        base = base.filter(owner=owner)
    if search:
        base = search_deals(base, search)
    cards = (
        base.select_related("company", "owner__user", "owner__department")
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("stage")],
                order_by=[F("close_date").asc(nulls_last=True), F("pk").desc()],
            )
        )
        .filter(position__lte=per_stage)
        .order_by("stage", "position")
    )
    stages = [(stage.value, str(stage.label)) for stage in OPEN_DEAL_STAGES]
    columns = {
        value: BoardColumn(
            stage=value,
            label=label,
            previous=stages[index - 1] if index > 0 else None,
            next=stages[index + 1] if index + 1 < len(stages) else None,
        )
        for index, (value, label) in enumerate(stages)
    }
    for deal in cards:
        columns[deal.stage].deals.append(deal)
    for row in base.order_by().values("stage").annotate(count=Count("pk"), total=Sum("value")):
        column = columns[row["stage"]]
        column.count, column.total = row["count"], row["total"] or Decimal("0")
    board = Board(columns=list(columns.values()), days=days)
    closed = Deal.objects.visible_to(membership).filter(
        stage__in=(DealStage.WON, DealStage.LOST),
        closed_at__gte=timezone.now() - timedelta(days=days),
    )
    if owner is not None:
        closed = closed.filter(owner=owner)
    outcome = closed.aggregate(
        won_count=Count("pk", filter=Q(stage=DealStage.WON)),
        won_value=Sum("value", filter=Q(stage=DealStage.WON)),
        lost_count=Count("pk", filter=Q(stage=DealStage.LOST)),
        lost_value=Sum("value", filter=Q(stage=DealStage.LOST)),
    )
    board.won_count = outcome["won_count"]
    board.won_value = outcome["won_value"] or Decimal("0")
    board.lost_count = outcome["lost_count"]
    board.lost_value = outcome["lost_value"] or Decimal("0")
    return board


@dataclass
class DealPage:
    deal: Deal
    contacts: list[Contact]
    uses: list[CollateralUse]
    history: list[DealStageChange]
    requests: list[ContentRequest]
    suggestions: list[Collateral]


def deal_detail_queryset(membership: Membership) -> QuerySet[Deal]:
    """What the deal page looks a deal up in (404 outside it)."""
    return Deal.objects.visible_to(membership).select_related(
        "company__tier", "contact", "owner__user", "owner__department", "lead"
    )


def deal_page(*, deal: Deal, contacts_limit: int = 50) -> DealPage:
    """Everything the deal page shows beside the deal itself, in five queries: the
    company's contacts, the collateral used (with who and at which stage), the stage
    history, the content requests and own-material records, and library suggestions."""
    return DealPage(
        deal=deal,
        contacts=list(
            deal.company.contacts.order_by("last_name", "first_name", "pk")[:contacts_limit]
        ),
        uses=list(
            deal.collateral_uses.select_related("collateral", "by__user").order_by("-used_at")
        ),
        history=list(deal.stage_changes.select_related("by__user").order_by("at", "pk")),
        requests=list(
            deal.content_requests.select_related("requested_by__user").order_by("-created_at")
        ),
        suggestions=list(collateral_for_deal(deal=deal)),
    )


def collateral_for_deal(*, deal: Deal, limit: int = 50) -> QuerySet[Collateral]:
    """Library collateral that fits ``deal``: not archived, tagged with the deal company's
    tier or with no tier, with the deal's stage or with no stage, not used on it yet; most
    used first (with usage figures)."""
    qs: QuerySet[Collateral] = Collateral.objects.for_org(deal.organization_id).filter(
        archived_at__isnull=True
    )
    qs = for_tier(qs, deal.company.tier_id) if deal.company.tier_id else qs
    qs = for_stage(qs, deal.stage)
    qs = qs.exclude(pk__in=deal.collateral_uses.values("collateral_id"))
    return with_figures(qs).order_by("-usage_count", "title")[:limit]


@dataclass
class CompanyPage:
    company: Company
    contacts: list[Contact]
    deals: list[Deal]
    deal_count: int
    open_value: Decimal
    won_value: Decimal


def company_detail_queryset(membership: Membership) -> QuerySet[Company]:
    """What the company page looks a company up in (404 outside it)."""
    return Company.objects.visible_to(membership).select_related("tier", "owner__user")


def company_page(*, membership: Membership, company: Company, limit: int = 100) -> CompanyPage:
    """A company's contacts and the deals ``membership`` may see (newest first, at most
    ``limit``), with the open pipeline and the won revenue: four queries."""
    deals = deals_for(membership).filter(company=company)
    totals: dict[str, Any] = deals.aggregate(
        count=Count("pk"),
        open_value=Sum("value", filter=Q(stage__in=OPEN_DEAL_STAGES)),
        won_value=Sum("value", filter=Q(stage=DealStage.WON)),
    )
    return CompanyPage(
        company=company,
        contacts=list(company.contacts.order_by("last_name", "first_name", "pk")[:limit]),
        deals=list(deals.order_by("-created_at", "-pk")[:limit]),
        deal_count=totals["count"],
        open_value=totals["open_value"] or Decimal("0"),
        won_value=totals["won_value"] or Decimal("0"),
    )
