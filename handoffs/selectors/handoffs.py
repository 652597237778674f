"""Handoffs, upsell signals and accounts as the pages, the API and the home page read them."""

from __future__ import annotations

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
