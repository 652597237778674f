"""The leads flow's "my work" on the home page, registered by ``LeadsConfig`` (``home``).

Sales: the MQLs waiting for the member's answer and their deals closing this month.
Marketing: rejected leads to fix and resubmit, quality complaints to answer, content
requests to handle. Managers (and admins): their department's overdue MQLs. Each provider
is one query over ``visible_to(membership)``.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import DepartmentKind
from collab_hub.dashboard.templatetags.formatting import money, number
from collab_hub.home import HomeProvider, WorkItem, day_urgency, urgency_of
from leads.models import (
    OPEN_DEAL_STAGES,
    ComplaintStatus,
    ContentRequest,
    ContentRequestStatus,
    Deal,
    Lead,
    LeadStatus,
    QualityComplaint,
)
from leads.selectors.leads import sees_whole_queue
from leads.selectors.reports import local_today, month_bounds, organization_zone

if TYPE_CHECKING:
    from datetime import date

    from accounts.models import Membership


def _end_of(day: date, membership: Membership) -> datetime:
    """The last moment of ``day`` where the organization works (a day's deadline)."""
    return datetime.combine(day, time.max, tzinfo=organization_zone(membership.organization))


def _joined(*parts: Any) -> str:
    return " · ".join(str(part) for part in parts if part not in (None, ""))


class MqlQueue(HomeProvider):
    """The MQLs marketing handed to the member, breached first, then by response deadline."""

    name = "leads.mql_queue"
    title = _("MQLs to answer")
    permission = "leads.respond"
    see_all = "leads:mql_queue"
    order = 10

    def queryset(self, membership: Membership) -> QuerySet[Lead]:
        return (
            Lead.objects.visible_to(membership)
            .filter(status=LeadStatus.MQL, owner=membership)
            .select_related("tier")
            .order_by(
                F("sla_breached_at").asc(nulls_last=True),
                F("sla_due_at").asc(nulls_last=True),
                "pk",
            )
        )

    def item(self, row: Lead, *, now: datetime, membership: Membership) -> WorkItem:
        return WorkItem(
            title=str(row),
            url=reverse("leads:lead_detail", args=[row.pk]),
            kind=gettext("MQL"),
            due=row.sla_due_at,
            urgency=urgency_of(row.sla_due_at, now=now, overdue=row.sla_breached_at is not None),
            detail=_joined(
                row.company_name,
                row.tier.name if row.tier else "",
                gettext("score %(score)s") % {"score": number(row.score)},
            ),
            department=DepartmentKind.SALES,
        )


class DealsClosing(HomeProvider):
    """The member's open deals expected to close this month, or already past their date."""

    name = "leads.deals_closing"
    title = _("Deals closing this month")
    permission = "deals.manage"
    see_all = "leads:deal_board"
    see_all_query = "?owner=me"
    order = 20

    def queryset(self, membership: Membership) -> QuerySet[Deal]:
        _first, following = month_bounds(local_today(membership.organization))
        return (
            Deal.objects.visible_to(membership)
            .filter(owner=membership, stage__in=OPEN_DEAL_STAGES, close_date__lt=following)
            .select_related("company")
            .order_by("close_date", "pk")
        )

    def item(self, row: Deal, *, now: datetime, membership: Membership) -> WorkItem:
        close_date = row.close_date
        assert close_date is not None
        return WorkItem(
            title=row.name,
            url=reverse("leads:deal_detail", args=[row.pk]),
            kind=gettext("Deal"),
            due=_end_of(close_date, membership),
            all_day=True,
            urgency=day_urgency(close_date, today=local_today(membership.organization)),
            detail=_joined(
                row.company.name,
                money(row.value, membership.organization.currency),
                row.get_stage_display(),
            ),
            department=DepartmentKind.SALES,
        )


class RejectedLeads(HomeProvider):
    """Leads sales rejected, for marketing to fix and resubmit: the member's own (managers:
    their department's), the longest waiting first."""

    name = "leads.rejected_to_fix"
    title = _("Rejected leads to fix")
    permission = "leads.qualify"
    see_all = "leads:lead_list"
    see_all_query = "?status=rejected"
    order = 30

    def applies_to(self, membership: Membership) -> bool:
        # Sales managers may qualify too, but fixing marketing's data is marketing's work.
        return membership.is_admin or membership.department.kind == DepartmentKind.MARKETING

    def queryset(self, membership: Membership) -> QuerySet[Lead]:
        mine = Q(marketing_owner=membership)
        if membership.is_manager:
            mine |= Q(marketing_owner__department=membership.department_id)
        return (
            Lead.objects.visible_to(membership)
            .filter(mine, status=LeadStatus.REJECTED)
            .order_by(F("responded_at").asc(nulls_last=True), "pk")
        )

    def item(self, row: Lead, *, now: datetime, membership: Membership) -> WorkItem:
        reason = row.get_rejection_reason_display()
        note = Truncator(row.rejection_note).chars(80) if row.rejection_note else ""
        return WorkItem(
            title=str(row),
            url=reverse("leads:lead_detail", args=[row.pk]),
            kind=gettext("Rejected lead"),
            since=row.responded_at,
            detail=_joined(row.company_name, reason, note),
            department=DepartmentKind.MARKETING,
        )


class ComplaintsToAnswer(HomeProvider):
    """Open lead-quality complaints, the soonest answer deadline first (marketing's queue)."""

    name = "leads.complaints_to_answer"
    title = _("Complaints to answer")
    permission = "complaints.answer"
    see_all = "leads:quality_complaints"
    see_all_query = "?status=open"
    order = 40

    def queryset(self, membership: Membership) -> QuerySet[QualityComplaint]:
        return (
            QualityComplaint.objects.visible_to(membership)
            .filter(status=ComplaintStatus.OPEN)
            .select_related("campaign", "import_batch", "filed_by__user")
            .order_by("due_at", "pk")
        )

    def item(self, row: QualityComplaint, *, now: datetime, membership: Membership) -> WorkItem:
        source = row.campaign.name if row.campaign else (row.import_batch or "")
        return WorkItem(
            title=_joined(row.get_reason_display(), source),
            url=reverse("leads:quality_complaint_detail", args=[row.pk]),
            kind=gettext("Complaint"),
            due=row.due_at,
            urgency=urgency_of(row.due_at, now=now),
            detail=(
                gettext("Filed by %(name)s") % {"name": row.filed_by.user.display_name}
                if row.filed_by
                else ""
            ),
            department=DepartmentKind.MARKETING,
        )


class ContentRequests(HomeProvider):
    """Open content requests: those assigned to the member or to nobody yet (managers:
    every open one), the soonest needed first."""

    name = "leads.content_requests"
    title = _("Content requests")
    permission = "content_requests.handle"
    see_all = "leads:content_requests"
    see_all_query = "?scope=open"
    order = 50

    def queryset(self, membership: Membership) -> QuerySet[ContentRequest]:
        qs = ContentRequest.objects.visible_to(membership).filter(
            status__in=(ContentRequestStatus.OPEN, ContentRequestStatus.IN_PROGRESS)
        )
        if not membership.is_manager:
            qs = qs.filter(Q(assignee=membership) | Q(assignee__isnull=True))
        return qs.select_related("deal", "requested_by__user").order_by(
            F("due_date").asc(nulls_last=True), "created_at", "pk"
        )

    def item(self, row: ContentRequest, *, now: datetime, membership: Membership) -> WorkItem:
        asked = (
            gettext("Asked by %(name)s") % {"name": row.requested_by.user.display_name}
            if row.requested_by
            else ""
        )
        return WorkItem(
            title=row.title,
            url=reverse("leads:content_requests") + f"?scope=open#request-{row.pk}",
            kind=gettext("Content request"),
            due=_end_of(row.due_date, membership) if row.due_date else None,
            all_day=True,
            since=row.created_at,
            urgency=day_urgency(row.due_date, today=local_today(membership.organization)),
            detail=_joined(
                asked,
                row.deal.name if row.deal else "",
                row.get_status_display() if row.status != ContentRequestStatus.OPEN else "",
            ),
            department=DepartmentKind.MARKETING,
        )


class TeamOverdueMqls(HomeProvider):
    """For sales managers and admins: their department's overdue MQLs (and unassigned
    ones) other than their own, which ``MqlQueue`` shows already."""

    name = "leads.team_overdue_mqls"
    title = _("Overdue MQLs in your team")
    permission = "leads.reassign"
    see_all = "leads:mql_queue"
    order = 60
    only_overdue = True

    def applies_to(self, membership: Membership) -> bool:
        return sees_whole_queue(membership)

    def queryset(self, membership: Membership) -> QuerySet[Lead]:
        now = timezone.now()
        team = Q(owner__department=membership.department_id) | Q(owner__isnull=True)
        overdue = Q(sla_breached_at__isnull=False) | Q(sla_due_at__lte=now)
        return (
            Lead.objects.visible_to(membership)
            .filter(team, overdue, status=LeadStatus.MQL)
            .exclude(owner=membership)
            .select_related("owner__user")
            .order_by(F("sla_due_at").asc(nulls_last=True), "pk")
        )

    def item(self, row: Lead, *, now: datetime, membership: Membership) -> WorkItem:
        owner = (
            gettext("Waiting for %(name)s") % {"name": row.owner.user.display_name}
            if row.owner
            else gettext("Nobody owns it")
        )
        return WorkItem(
            title=str(row),
            url=reverse("leads:lead_detail", args=[row.pk]),
            kind=gettext("Team MQL"),
            due=row.sla_due_at,
            urgency=urgency_of(row.sla_due_at, now=now, overdue=True),
            detail=_joined(row.company_name, owner),
            department=membership.department.kind,
        )


HOME_ITEMS: list[HomeProvider] = [
    MqlQueue(),
    DealsClosing(),
    RejectedLeads(),
    ComplaintsToAnswer(),
    ContentRequests(),
    TeamOverdueMqls(),
]
