"""Handoffs, upsell signals and accounts as the pages, the API and the home page read them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from handoffs.models import (
    CustomerAccount,
    Handoff,
    HandoffStatus,
    HealthChange,
    PromiseSignoff,
    UpsellSignal,
    UpsellStatus,
)
from roadmap.models import FeatureStatus, Promise, PromiseStatus

if TYPE_CHECKING:
    from datetime import datetime

    from accounts.models import Membership
    from leads.models import Company

S = HandoffStatus


def handoffs_visible_to(membership: Membership) -> QuerySet[Handoff]:
    """The member's organization's handoffs they may see, with what a list row shows."""
    return Handoff.objects.visible_to(membership).select_related(
        "deal", "deal__company", "sales_owner__user", "cs_owner__user"
    )


def urgency_order(now: datetime | None = None) -> Case:
    """CS's inbox order: overdue submitted handoffs first, then submitted, returned, draft,
    and the accepted ones after."""
    now = now or timezone.now()
    return Case(
        When(Q(status=S.SUBMITTED, accept_due_at__lt=now), then=Value(0)),
        When(status=S.SUBMITTED, then=Value(1)),
        When(status=S.RETURNED, then=Value(2)),
        When(status=S.DRAFT, then=Value(3)),
        When(status=S.ACCEPTED, then=Value(4)),
        When(status=S.ONBOARDING, then=Value(5)),
        default=Value(6),
        output_field=IntegerField(),
    )


def inbox(
    membership: Membership, *, status: str = "", mine: bool = False, overdue: bool = False
) -> QuerySet[Handoff]:
    """Handoffs by urgency (``urgency_order``), the earliest due first, then the newest;
    ``status`` filters one status, ``mine`` the member's (as sales or CS owner),
    ``overdue`` the submitted ones past their SLA."""
    qs = handoffs_visible_to(membership)
    if status in S.values:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(Q(cs_owner=membership) | Q(sales_owner=membership))
    if overdue:
        qs = qs.filter(status=S.SUBMITTED, accept_due_at__lt=timezone.now())
    return qs.annotate(urgency=urgency_order()).order_by(
        "urgency", "accept_due_at", "-created_at", "-pk"
    )


@dataclass
class PromiseRow:
    """One promise of the handoff's deal, with its live roadmap status and CS's sign-off."""

    promise: Promise
    signoff: PromiseSignoff | None

    @property
    def feature(self) -> Any:
        return self.promise.feature_request

    @property
    def highlighted(self) -> bool:
        """Not a sure thing: the promise is not confirmed, or the feature is not shipped."""
        return (
            self.promise.status != PromiseStatus.CONFIRMED
            or self.promise.feature_request.status != FeatureStatus.SHIPPED
        )

    @property
    def needs_signoff(self) -> bool:
        return self.promise.status != PromiseStatus.DECLINED and self.signoff is None


def promise_rows(handoff: Handoff) -> list[PromiseRow]:
    """The deal's promises, oldest first, read live from the roadmap (two queries)."""
    promises = list(
        Promise.objects.filter(deal_id=handoff.deal_id)
        .select_related("feature_request")
        .order_by("created_at", "pk")
    )
    signoffs = {
        signoff.promise_id: signoff
        for signoff in PromiseSignoff.objects.filter(handoff_id=handoff.pk).select_related(
            "by__user"
        )
    }
    return [PromiseRow(promise, signoffs.get(promise.pk)) for promise in promises]


def promise_rows_of(handoffs: Iterable[Handoff]) -> dict[int, list[PromiseRow]]:
    """``promise_rows`` of many handoffs at once, by handoff id (an API page): two queries
    however many handoffs there are."""
    by_deal = {handoff.deal_id: handoff.pk for handoff in handoffs}
    rows: dict[int, list[PromiseRow]] = {pk: [] for pk in by_deal.values()}
    if not by_deal:
        return rows
    signoffs = {
        (signoff.handoff_id, signoff.promise_id): signoff
        for signoff in PromiseSignoff.objects.filter(handoff_id__in=rows).select_related("by__user")
    }
    promises = (
        Promise.objects.filter(deal_id__in=by_deal)
        .select_related("feature_request")
        .order_by("created_at", "pk")
    )
    for promise in promises:
        handoff_id = by_deal[promise.deal_id]
        rows[handoff_id].append(PromiseRow(promise, signoffs.get((handoff_id, promise.pk))))
    return rows


def handoff_of_deal(deal_id: int) -> Handoff | None:
    return Handoff.objects.filter(deal_id=deal_id).select_related("cs_owner__user").first()


# --- Upsell signals ------------------------------------------------------------------------


def signals_visible_to(membership: Membership) -> QuerySet[UpsellSignal]:
    return UpsellSignal.objects.visible_to(membership).select_related(
        "company", "raised_by__user", "routed_to__user", "deal"
    )


def pipeline(
    membership: Membership, *, status: str = "", mine: bool = False
) -> QuerySet[UpsellSignal]:
    """Upsell signals, open ones first (the oldest first: they wait longest), then the
    answered ones, newest first. ``mine``: routed to or raised by the member."""
    qs = signals_visible_to(membership)
    if status in UpsellStatus.values:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(Q(routed_to=membership) | Q(raised_by=membership))
    open_first = Case(
        When(status=UpsellStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return qs.annotate(open_first=open_first).order_by(
        "open_first", "-answered_at", "created_at", "pk"
    )


def signals_of_company(company: Company) -> QuerySet[UpsellSignal]:
    return (
        UpsellSignal.objects.filter(company=company)
        .select_related("raised_by__user", "routed_to__user", "deal")
        .order_by("-created_at", "-pk")
    )


# --- Accounts ------------------------------------------------------------------------------


def account_of(company: Company) -> CustomerAccount | None:
    return CustomerAccount.objects.filter(company=company).select_related("cs_owner__user").first()


def health_history(company: Company, *, limit: int = 20) -> list[HealthChange]:
    return list(
        HealthChange.objects.filter(account__company=company)
        .select_related("by__user")
        .order_by("-at", "-pk")[:limit]
    )


# --- The pages -----------------------------------------------------------------------------


def with_promise_counts(qs: QuerySet[Handoff]) -> QuerySet[Handoff]:
    """Annotate each handoff with its deal's promises (``promises_count``) and how many of
    them are highlighted (``highlighted_count``: not confirmed, or the feature not shipped),
    as subqueries: the inbox stays one query whatever the number of rows."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    def count(filtered: QuerySet[Promise]) -> Any:
        counted = (
            filtered.filter(deal_id=OuterRef("deal_id"))
            .order_by()
            .values("deal_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    highlighted = Promise.objects.filter(
        ~Q(status=PromiseStatus.CONFIRMED) | ~Q(feature_request__status=FeatureStatus.SHIPPED)
    )
    return qs.annotate(
        promises_count=count(Promise.objects.all()), highlighted_count=count(highlighted)
    )


def handoff_detail(membership: Membership, pk: int) -> Handoff | None:
    """One handoff the member may see, with what its page header shows (one query)."""
    return (
        handoffs_visible_to(membership)
        .select_related("deal__owner__user", "accepted_by__user", "deal__company__tier")
        .filter(pk=pk)
        .first()
    )


def status_history(handoff: Handoff) -> QuerySet[Any]:
    """The handoff's status changes, oldest first, with who made them."""
    from handoffs.models import HandoffStatusChange

    return HandoffStatusChange.objects.filter(handoff_id=handoff.pk).select_related("by__user")


def discrepancies_of(handoff: Handoff) -> QuerySet[Any]:
    """The handoff's surprises, oldest first, with the people and promise each names."""
    from handoffs.models import Discrepancy

    return Discrepancy.objects.filter(handoff_id=handoff.pk).select_related(
        "raised_by__user", "answered_by__user", "resolved_by__user", "promise__feature_request"
    )


def stakeholders_of(handoff: Handoff) -> QuerySet[Any]:
    from handoffs.models import Stakeholder

    return Stakeholder.objects.filter(handoff_id=handoff.pk).select_related("contact")


def checklist_of(handoff: Handoff) -> QuerySet[Any]:
    from handoffs.models import ChecklistItem

    return ChecklistItem.objects.filter(handoff_id=handoff.pk).select_related("done_by__user")
