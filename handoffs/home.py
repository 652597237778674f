"""The handoffs' "my work" on the home page, registered by ``HandoffsConfig`` (``home``).

CS: submitted handoffs to accept (their own; CS managers every one), overdue first. Sales:
handoffs returned to them with questions, drafts to submit, upsell signals routed to them
(sales managers also the unrouted ones and those reported unanswered), and surprises CS
recorded on their handoffs that nobody answered yet. Each provider is one query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import DepartmentKind
from collab_hub.home import HomeProvider, Urgency, WorkItem, urgency_of
from handoffs.models import Discrepancy, Handoff, HandoffStatus, UpsellSignal, UpsellStatus

if TYPE_CHECKING:
    from datetime import datetime

    from accounts.models import Membership

S = HandoffStatus


def _joined(*parts: Any) -> str:
    return " · ".join(str(part) for part in parts if part not in (None, ""))


def _handoffs(membership: Membership) -> QuerySet[Handoff]:
    return Handoff.objects.visible_to(membership).select_related(
        "deal", "deal__company", "sales_owner__user", "cs_owner__user"
    )


class HandoffsToAccept(HomeProvider):
    """CS: submitted handoffs waiting for them (CS managers: all of them), overdue first,
    then the soonest due."""

    name = "handoffs.to_accept"
    title = _("Handoffs to accept")
    permission = "handoffs.review"
    see_all = "handoffs:handoff_list"
    see_all_query = "?tab=to_accept"
    order = 30

    def queryset(self, membership: Membership) -> QuerySet[Handoff]:
        qs = _handoffs(membership).filter(status=S.SUBMITTED)
        if not membership.is_manager:
            qs = qs.filter(cs_owner=membership)
        return qs.order_by("accept_due_at", "pk")

    def item(self, row: Handoff, *, now: datetime, membership: Membership) -> WorkItem:
        return WorkItem(
            title=row.deal.company.name,
            url=row.get_absolute_url(),
            kind=gettext("Handoff"),
            due=row.accept_due_at,
            urgency=urgency_of(row.accept_due_at, now=now),
            detail=_joined(
                row.deal.name,
                row.sales_owner.user.display_name if row.sales_owner else "",
                row.cs_owner.user.display_name
                if membership.is_manager and row.cs_owner and row.cs_owner_id != membership.pk
                else "",
            ),
            department=DepartmentKind.CS,
        )


class ReturnedHandoffs(HomeProvider):
    """Sales: their handoffs CS returned with questions, the longest waiting first."""

    name = "handoffs.returned"
    title = _("Returned handoffs")
    permission = "handoffs.submit"
    see_all = "handoffs:handoff_list"
    see_all_query = "?tab=returned"
    order = 26

    def queryset(self, membership: Membership) -> QuerySet[Handoff]:
        return (
            _handoffs(membership)
            .filter(status=S.RETURNED, sales_owner=membership)
            .order_by("updated_at", "pk")
        )

    def item(self, row: Handoff, *, now: datetime, membership: Membership) -> WorkItem:
        return WorkItem(
            title=row.deal.company.name,
            url=row.get_absolute_url(),
            kind=gettext("Returned handoff"),
            urgency=Urgency.DUE_SOON,
            since=row.updated_at,
            detail=_joined(row.deal.name, row.questions[:80]),
            department=DepartmentKind.SALES,
        )


class HandoffsToSubmit(HomeProvider):
    """Sales: handoffs of their won deals still in draft, the oldest first."""

    name = "handoffs.to_submit"
    title = _("Handoffs to submit")
    permission = "handoffs.submit"
    see_all = "handoffs:handoff_list"
    see_all_query = "?tab=mine&status=draft"
    order = 27

    def queryset(self, membership: Membership) -> QuerySet[Handoff]:
        return (
            _handoffs(membership)
            .filter(status=S.DRAFT, sales_owner=membership)
            .order_by("created_at", "pk")
        )

    def item(self, row: Handoff, *, now: datetime, membership: Membership) -> WorkItem:
        return WorkItem(
            title=row.deal.company.name,
            url=row.get_absolute_url(),
            kind=gettext("Handoff to submit"),
            since=row.created_at,
            detail=row.deal.name,
            department=DepartmentKind.SALES,
        )


class UpsellSignalsToAnswer(HomeProvider):
    """Sales: open upsell signals routed to them; sales managers also the unrouted ones and
    those reported unanswered past the organization's days. Reported ones first."""

    name = "handoffs.upsell_to_answer"
    title = _("Upsell signals to answer")
    permission = "upsell.answer"
    see_all = "handoffs:upsell_list"
    see_all_query = "?status=open"
    order = 28

    def queryset(self, membership: Membership) -> QuerySet[UpsellSignal]:
        mine = Q(routed_to=membership)
        if membership.is_manager:
            mine |= Q(routed_to__isnull=True) | Q(overdue_notified_at__isnull=False)
        return (
            UpsellSignal.objects.visible_to(membership)
            .filter(mine, status=UpsellStatus.OPEN)
            .select_related("company", "raised_by__user", "routed_to__user")
            .order_by(F("overdue_notified_at").asc(nulls_last=True), "created_at", "pk")
        )

    def item(self, row: UpsellSignal, *, now: datetime, membership: Membership) -> WorkItem:
        reported = row.overdue_notified_at is not None
        return WorkItem(
            title=_joined(row.get_kind_display(), row.company.name),
            url=row.get_absolute_url(),
            kind=gettext("Upsell signal"),
            urgency=Urgency.OVERDUE if reported else Urgency.NORMAL,
            since=row.created_at,
            detail=_joined(
                row.raised_by.user.display_name if row.raised_by else "",
                row.routed_to.user.display_name
                if row.routed_to and row.routed_to_id != membership.pk
                else ("" if row.routed_to else gettext("Not routed")),
            ),
            department=DepartmentKind.SALES,
        )


class SurprisesToAnswer(HomeProvider):
    """Sales: open discrepancies CS recorded on their handoffs, not answered yet, the oldest
    first."""

    name = "handoffs.surprises_to_answer"
    title = _("Surprises to answer")
    permission = "handoffs.answer"
    see_all = "handoffs:handoff_list"
    see_all_query = "?tab=mine"
    order = 29

    def queryset(self, membership: Membership) -> QuerySet[Discrepancy]:
        return (
            Discrepancy.objects.for_org(membership.organization_id)
            .filter(handoff__sales_owner=membership, answer="", resolved=False)
            .select_related("handoff__deal__company", "raised_by__user")
            .order_by("created_at", "pk")
        )

    def item(self, row: Discrepancy, *, now: datetime, membership: Membership) -> WorkItem:
        return WorkItem(
            title=_joined(row.get_kind_display(), row.handoff.deal.company.name),
            url=row.get_absolute_url(),
            kind=gettext("Surprise"),
            urgency=Urgency.DUE_SOON,
            since=row.created_at,
            detail=_joined(
                row.raised_by.user.display_name if row.raised_by else "",
                row.description[:80],
            ),
            department=DepartmentKind.SALES,
        )


HOME_ITEMS: list[HomeProvider] = [
    HandoffsToAccept(),
    ReturnedHandoffs(),
    HandoffsToSubmit(),
    UpsellSignalsToAnswer(),
    SurprisesToAnswer(),
]
