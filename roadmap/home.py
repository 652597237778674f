"""The roadmap's "my work" on the home page, registered by ``RoadmapConfig`` (``home``).

Product: pending promises to approve or decline (the longest waiting first) and new
requests to review. Sales: promises they made, or on deals they own, that product declined
or that are at risk. Each provider is one query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import DepartmentKind
from collab_hub.home import HomeProvider, Urgency, WorkItem
from roadmap import selectors
from roadmap.models import FeatureRequest, FeatureStatus, Promise, PromiseStatus

if TYPE_CHECKING:
    from datetime import datetime

    from accounts.models import Membership


def _joined(*parts: Any) -> str:
    return " · ".join(str(part) for part in parts if part not in (None, ""))


class PromisesToDecide(HomeProvider):
    """Product: promises sales made of features not planned yet, waiting for a decision."""

    name = "roadmap.promises_to_decide"
    title = _("Promises to decide")
    permission = "roadmap.manage"
    see_all = "roadmap:promise_queue"
    order = 15

    def queryset(self, membership: Membership) -> QuerySet[Promise]:
        return selectors.pending_promises(membership.organization_id)

    def item(self, row: Promise, *, now: datetime, membership: Membership) -> WorkItem:
        return WorkItem(
            title=row.feature_request.title,
            url=reverse("roadmap:promise_queue") + f"#promise-{row.pk}",
            kind=gettext("Promise"),
            since=row.created_at,
            detail=_joined(
                row.deal.name,
                row.deal.company.name,
                row.made_by.user.display_name if row.made_by else "",
            ),
            department=DepartmentKind.PRODUCT,
        )


class RequestsToReview(HomeProvider):
    """Product: new requests nobody reviewed yet, the oldest first."""

    name = "roadmap.requests_to_review"
    title = _("New requests to review")
    permission = "roadmap.manage"
    see_all = "roadmap:roadmap_list"
    see_all_query = "?status=new"
    order = 16

    def queryset(self, membership: Membership) -> QuerySet[FeatureRequest]:
        return (
            FeatureRequest.objects.for_org(membership.organization_id)
            .filter(status=FeatureStatus.NEW, merged_into__isnull=True)
            .select_related("created_by__user")
            .order_by("created_at", "pk")
        )

    def item(self, row: FeatureRequest, *, now: datetime, membership: Membership) -> WorkItem:
        return WorkItem(
            title=row.title,
            url=row.get_absolute_url(),
            kind=gettext("Feature request"),
            since=row.created_at,
            detail=(
                gettext("Proposed by %(name)s") % {"name": row.created_by.user.display_name}
                if row.created_by
                else ""
            ),
            department=DepartmentKind.PRODUCT,
        )


class PromisesToFollowUp(HomeProvider):
    """Sales: their promises that product declined or that the roadmap put at risk."""

    name = "roadmap.promises_to_follow_up"
    title = _("Promises declined or at risk")
    permission = "roadmap.promise"
    see_all = "leads:deal_board"
    see_all_query = "?owner=me"
    order = 25

    def queryset(self, membership: Membership) -> QuerySet[Promise]:
        return selectors.promises_to_follow_up(membership)

    def item(self, row: Promise, *, now: datetime, membership: Membership) -> WorkItem:
        declined = row.status == PromiseStatus.DECLINED
        return WorkItem(
            title=_joined(row.feature_request.title, row.deal.name),
            url=reverse("leads:deal_detail", args=[row.deal_id]),
            kind=gettext("Promise declined") if declined else gettext("Promise at risk"),
            urgency=Urgency.DUE_SOON if not declined else Urgency.NORMAL,
            since=row.decided_at or row.updated_at,
            detail=_joined(row.deal.company.name, row.decline_reason[:80] if declined else ""),
            department=DepartmentKind.SALES,
        )


HOME_ITEMS: list[HomeProvider] = [PromisesToDecide(), RequestsToReview(), PromisesToFollowUp()]
