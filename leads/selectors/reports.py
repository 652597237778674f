"""The lead-quality report and the two-sided sales ↔ marketing SLA scorecard (DESIGN §3.1).

Both are SQL aggregates over the organization's leads with a constant number of queries,
however many leads the range holds (``Count``/``Sum`` with ``filter=``, grouped once).

Definitions, shared by the pages and the API:

* A day starts at midnight in the organization's time zone; a range ``[start, end)`` holds
  the leads *created* on ``start`` up to the day before ``end``.
* **MQLs**: leads that ever became marketing qualified (``qualified_at`` set), whatever their
  status now. **Accepted**: sales answered and did not reject (``responded_at`` set, no
  rejection reason). **Rejected**: a rejection reason is recorded. **Accepted %** is accepted
  ÷ MQLs. **Converted**: status ``converted``. **Won**: the deal the lead converted into
  (``Lead.deal``) is won; **revenue won** sums those deals' values; **won %** is won ÷ leads.
* **Cost** of a campaign is its whole recorded cost, whatever the range (campaigns are the
  unit of spend; no pro-rating). Per campaign, cost per won customer is that cost ÷ won. Per
  source, the cost is the sum of the costs of the campaigns that have leads in that source
  in the range (a campaign whose leads span two sources counts fully in both); the totals
  row counts every such campaign once. A group without any campaign has no cost (None), so
  no cost per won customer either.
* **Median response time**: ``responded_at − qualified_at`` over the leads sales answered.
  On PostgreSQL it is ``percentile_cont(0.5)`` in the database; elsewhere (SQLite) the two
  timestamps of the answered leads in the range are fetched and the median taken in Python
  — the same value (the mean of the two middle values for an even count).
* **SLA breach rate**: leads flagged as breached (``sla_breached_at``) ÷ MQLs.
* **Resubmitted**: leads marketing corrected after a rejection and handed to sales again
  (``rejected → mql``, ``Lead.resubmissions`` > 0). A resubmitted lead no longer counts as
  rejected (its rejection is in its history); it counts by its new answer. In the scorecard
  it is an MQL of the month it was resubmitted in (``qualified_at`` is set again then).
* Percentages are rounded to one decimal; a rate whose denominator is zero is ``None``.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DepartmentKind, Membership, Role
from leads.models import Campaign, DealStage, Lead, LeadSource, LeadStatus, RejectionReason, Tier

if TYPE_CHECKING:
    from accounts.models import Organization

GroupBy = Literal["source", "campaign"]
GROUPINGS: tuple[str, ...] = ("source", "campaign")
# Longest range the report accepts (two years and a leap day).
MAX_RANGE_DAYS = 731
DEFAULT_RANGE_DAYS = 90
CENT = Decimal("0.01")


# --- Helpers ------------------------------------------------------------------------------


def organization_zone(organization: Organization) -> ZoneInfo:
    """The organization's time zone (UTC when unset or unknown)."""
    try:
        return ZoneInfo(organization.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_today(organization: Organization) -> date:
    """Today's date where the organization works."""
    return timezone.now().astimezone(organization_zone(organization)).date()


def day_start(day: date, organization: Organization) -> datetime:
    """Midnight at the start of ``day`` in the organization's time zone (aware)."""
    return datetime.combine(day, time.min, tzinfo=organization_zone(organization))


def default_range(organization: Organization) -> tuple[date, date]:
    """The last 90 days up to and including today: ``(start, end)`` with ``end`` exclusive."""
    end = local_today(organization) + timedelta(days=1)
    return end - timedelta(days=DEFAULT_RANGE_DAYS), end


def month_bounds(month: date) -> tuple[date, date]:
    """First day of ``month``'s month and the first day of the next month."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following


def percent(part: int | float, whole: int | float | None) -> float | None:
    """``part ÷ whole`` as a percentage rounded to one decimal; None when ``whole`` is 0."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


class _MedianDuration(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)`` over an interval: the median as an interval."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _response_time() -> Any:
    return F("responded_at") - F("qualified_at")


def _answered(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    return leads.filter(qualified_at__isnull=False, responded_at__isnull=False)


def median_response_seconds(
    leads: QuerySet[Lead], key: str | None
) -> tuple[dict[Any, float | None], float | None]:
    """Median ``responded_at − qualified_at`` (seconds) of the answered leads in ``leads``,
    per value of the column ``key`` and overall.

    PostgreSQL: two aggregate queries (grouped, and overall). Other databases: one query
    fetching the key and both timestamps of the answered leads, the medians in Python.
    """
    answered = _answered(leads).order_by()
    if connection.vendor == "postgresql":
        per_key: dict[Any, float | None] = {}
        if key is not None:
            for row in answered.values(key).annotate(median=_MedianDuration(_response_time())):
                median = row["median"]
                per_key[row[key]] = median.total_seconds() if median is not None else None
        overall = answered.aggregate(median=_MedianDuration(_response_time()))["median"]
        return per_key, overall.total_seconds() if overall is not None else None
    durations: dict[Any, list[float]] = defaultdict(list)
    every: list[float] = []
    columns = (key, "qualified_at", "responded_at") if key else ("qualified_at", "responded_at")
    for row in answered.values_list(*columns):
        seconds = (row[-1] - row[-2]).total_seconds()
        every.append(seconds)
        if key:
            durations[row[0]].append(seconds)
    return {k: _median(v) for k, v in durations.items()}, _median(every)


def _reason_counts() -> dict[str, Count]:
    return {
        f"reason_{reason}": Count("pk", filter=Q(rejection_reason=reason))
        for reason in RejectionReason.values
    }


def _reasons_of(row: Mapping[str, Any]) -> dict[str, int]:
    return {reason: row.get(f"reason_{reason}", 0) for reason in RejectionReason.values}


def top_reasons(reasons: dict[str, int]) -> list[dict[str, Any]]:
    """The reasons that occurred, most frequent first: ``[{reason, label, count}]``."""
    labels = dict(RejectionReason.choices)
    return [
        {"reason": code, "label": str(labels[code]), "count": count}
        for code, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        if count
    ]


def _add_reasons(into: dict[str, int], reasons: dict[str, int]) -> None:
    for reason, count in reasons.items():
        into[reason] = into.get(reason, 0) + count


# --- Lead-quality report ------------------------------------------------------------------

_COUNTED = (
    "leads",
    "mqls",
    "accepted",
    "rejected",
    "converted",
    "won",
    "breached",
    "resubmitted",
)


def _quality_figures(row: dict[str, Any]) -> dict[str, Any]:
    """Rates derived from one row's counts (a group or the totals)."""
    won = row["won"]
    cost = row["cost"]
    return {
        **row,
        "accepted_rate": percent(row["accepted"], row["mqls"]),
        "won_rate": percent(won, row["leads"]),
        "sla_breach_rate": percent(row["breached"], row["mqls"]),
        "cost_per_won": (cost / won).quantize(CENT) if cost is not None and won else None,
        "median_response_hours": _hours(row["median_response_seconds"]),
    }


def lead_quality_report(
    *, organization: Organization, start: date, end: date, group_by: GroupBy = "source"
) -> list[dict[str, Any]]:
    """Lead quality of the leads created in ``[start, end)``, per source or per campaign.

    Returns one dict per group that has leads (most leads first), then a totals row
    (``is_total`` True). Each row: ``key`` (the source code, or the campaign id — None for
    leads without a campaign), ``label``, ``leads``, ``mqls``, ``accepted``,
    ``accepted_rate``, ``rejected``, ``rejection_reasons`` ({reason code: count}, every code),
    ``converted``, ``won``, ``won_rate``, ``revenue_won``, ``cost``, ``cost_per_won``,
    ``median_response_seconds``/``_hours``, ``breached``, ``sla_breach_rate`` and
    ``resubmitted`` — as the module docstring defines them. Rows are all of the
    organization's leads: callers check ``reports.view`` (managers and admins see every
    lead anyway).

    Queries: one grouped count (joining each lead's deal), one for campaign costs and names,
    and one (SQLite) or two (PostgreSQL) for the median response times — whatever the rows.
    """
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {GROUPINGS}")
    key = "source" if group_by == "source" else "campaign_id"
    leads = Lead.objects.for_org(organization).filter(
        created_at__gte=day_start(start, organization),
        created_at__lt=day_start(end, organization),
    )
    won = Q(deal__stage=DealStage.WON)
    grouped = list(
        leads.values(key)
        .order_by()
        .annotate(
            leads=Count("pk"),
            mqls=Count("pk", filter=Q(qualified_at__isnull=False)),
            accepted=Count("pk", filter=Q(responded_at__isnull=False, rejection_reason="")),
            rejected=Count("pk", filter=~Q(rejection_reason="")),
            converted=Count("pk", filter=Q(status=LeadStatus.CONVERTED)),
            won=Count("pk", filter=won),
            revenue_won=Sum("deal__value", filter=won),
            breached=Count("pk", filter=Q(sla_breached_at__isnull=False)),
            resubmitted=Count("pk", filter=Q(resubmissions__gt=0)),
            **_reason_counts(),
        )
    )
    if not grouped:
        return [_empty_total()]

    # Campaign costs (and names): per group, and each campaign once for the totals.
    group_cost: dict[Any, Decimal] = defaultdict(Decimal)
    campaign_cost: dict[int, Decimal] = {}
    names: dict[int, str] = {}
    if group_by == "campaign":
        ids = [row[key] for row in grouped if row[key] is not None]
        for pk, name, cost in (
            Campaign.objects.for_org(organization)
            .filter(pk__in=ids)
            .values_list("pk", "name", "cost")
        ):
            names[pk] = name
            campaign_cost[pk] = cost
            group_cost[pk] = cost
    else:
        pairs = (
            leads.filter(campaign__isnull=False)
            .order_by()
            .values_list("source", "campaign_id", "campaign__cost")
            .distinct()
        )
        for source, campaign_id, cost in pairs:
            group_cost[source] += cost
            campaign_cost[campaign_id] = cost

    medians, overall_median = median_response_seconds(leads, key)

    sources = dict(LeadSource.choices)
    rows: list[dict[str, Any]] = []
    for row in grouped:
        group = row[key]
        row_cost: Decimal | None
        if group_by == "campaign":
            label = names.get(group, "") if group is not None else _("No campaign")
            row_cost = group_cost.get(group) if group is not None else None
        else:
            label = str(sources.get(group, group))
            row_cost = group_cost.get(group)
        rows.append(
            _quality_figures(
                {
                    "key": group,
                    "source": group if group_by == "source" else None,
                    "campaign": group if group_by == "campaign" else None,
                    "label": label,
                    "is_total": False,
                    **{name: row[name] for name in _COUNTED},
                    "rejection_reasons": _reasons_of(row),
                    "revenue_won": row["revenue_won"] or Decimal("0"),
                    "cost": row_cost,
                    "median_response_seconds": medians.get(group),
                }
            )
        )
    rows.sort(key=lambda r: (-r["leads"], r["label"].lower()))

    totals: dict[str, Any] = {name: sum(r[name] for r in rows) for name in _COUNTED}
    reasons: dict[str, int] = {}
    for r in rows:
        _add_reasons(reasons, r["rejection_reasons"])
    totals.update(
        key=None,
        source=None,
        campaign=None,
        label=_("Total"),
        is_total=True,
        rejection_reasons=reasons,
        revenue_won=sum((r["revenue_won"] for r in rows), Decimal("0")),
        cost=sum(campaign_cost.values(), Decimal("0")) if campaign_cost else None,
        median_response_seconds=overall_median,
    )
    return [*rows, _quality_figures(totals)]


def _empty_total() -> dict[str, Any]:
    return _quality_figures(
        {
            "key": None,
            "source": None,
            "campaign": None,
            "label": _("Total"),
            "is_total": True,
            **dict.fromkeys(_COUNTED, 0),
            "rejection_reasons": dict.fromkeys(RejectionReason.values, 0),
            "revenue_won": Decimal("0"),
            "cost": None,
            "median_response_seconds": None,
        }
    )


def split_totals(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``lead_quality_report``'s groups and its totals row, apart."""
    return rows[:-1], rows[-1]


def lead_quality_chart_data(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """What ``static/js/charts/lead_quality.js`` draws, from the report's group rows: the
    MQL → accepted rate per group (bars) and the rejection reasons per group (stacked)."""
    groups = [row for row in rows if not row["is_total"]]
    reasons = dict(RejectionReason.choices)
    return {
        "labels": [row["label"] for row in groups],
        "accepted_rate": {
            "label": _("MQL → accepted (%)"),
            "values": [row["accepted_rate"] for row in groups],
        },
        "rejections": {
            "label": _("Rejections by reason"),
            "datasets": [
                {
                    "label": str(reasons[code]),
                    "values": [row["rejection_reasons"][code] for row in groups],
                }
                for code in RejectionReason.values
                if any(row["rejection_reasons"][code] for row in groups)
            ],
        },
    }


# --- Two-sided SLA scorecard --------------------------------------------------------------


def sales_reps(organization: Organization) -> Q:
    """The sales reps leads are handed to: active sales members and managers (the
    round-robin pool of ``lifecycle.next_sales_owner``)."""
    return Q(
        organization=organization,
        is_active=True,
        department__kind=DepartmentKind.SALES,
        role__in=(Role.MEMBER, Role.MANAGER),
    )


def _is_rep(membership: Membership) -> bool:
    return (
        membership.is_active
        and membership.department.kind == DepartmentKind.SALES
        and membership.role in (Role.MEMBER, Role.MANAGER)
    )


# What the scorecard counts per sales rep (summed into the totals).
_SALES_COUNTED = (
    "received",
    "in_sla",
    "pending",
    "accepted",
    "rejected",
    "breached",
    "resubmitted",
)


def sla_scorecard(
    *, organization: Organization, month: date, now: datetime | None = None
) -> dict[str, Any]:
    """Both sides of the sales ↔ marketing SLA for the calendar month holding ``month``.

    Counts the leads *qualified* in that month (``qualified_at``), wherever they are now.

    ``marketing``: per tier (best rank first, then "no tier" when such MQLs exist) the MQLs
    ``delivered``, the active sales ``reps`` (as ``sales_reps`` defines them), the tier's
    ``target_per_rep`` (``Tier.monthly_mql_target_per_rep``), ``target`` = reps × target per
    rep, ``delivered_per_rep`` and ``delivered_rate`` (delivered ÷ target, %); plus totals,
    whose rate counts only the MQLs of a tier (``delivered_in_tiers`` ÷ target).

    ``sales``: per sales rep (every current rep, and anyone else who owns an MQL of the
    month) the MQLs ``received``, ``in_sla`` (first response at or before ``sla_due_at``),
    ``pending`` (unanswered and not yet due at ``now``), ``in_sla_rate`` = in_sla ÷
    (received − pending), ``accepted``, ``rejected`` with ``rejection_reasons``, SLA
    ``breached``, ``resubmitted`` (MQLs marketing resubmitted after a rejection) and the
    ``median_response_seconds``/``_hours``; plus totals.

    Queries: tiers, people, one grouped count per (owner, tier), and one (SQLite) or two
    (PostgreSQL) for the medians — whatever the number of leads or people.
    """
    now = now or timezone.now()
    first, following = month_bounds(month)
    qualified = Lead.objects.for_org(organization).filter(
        qualified_at__gte=day_start(first, organization),
        qualified_at__lt=day_start(following, organization),
    )
    tiers = list(Tier.objects.for_org(organization).order_by("rank"))
    people = list(
        Membership.objects.filter(
            sales_reps(organization)
            | Q(
                organization=organization,
                pk__in=qualified.filter(owner__isnull=False).order_by().values("owner_id"),
            )
        )
        .select_related("user", "department")
        .order_by("pk")
    )
    counts = list(
        qualified.values("owner_id", "tier_id")
        .order_by()
        .annotate(
            received=Count("pk"),
            in_sla=Count(
                "pk",
                filter=Q(responded_at__isnull=False, responded_at__lte=F("sla_due_at")),
            ),
            pending=Count("pk", filter=Q(responded_at__isnull=True, sla_due_at__gte=now)),
            accepted=Count("pk", filter=Q(responded_at__isnull=False, rejection_reason="")),
            rejected=Count("pk", filter=~Q(rejection_reason="")),
            breached=Count("pk", filter=Q(sla_breached_at__isnull=False)),
            resubmitted=Count("pk", filter=Q(resubmissions__gt=0)),
            **_reason_counts(),
        )
    )
    medians, overall_median = median_response_seconds(qualified, "owner_id")
    reps = sum(1 for person in people if _is_rep(person))

    # Marketing's side: delivered per tier against reps × the tier's target.
    delivered: dict[int | None, int] = defaultdict(int)
    for row in counts:
        delivered[row["tier_id"]] += row["received"]
    tier_rows: list[dict[str, Any]] = []
    for tier in tiers:
        target = reps * tier.monthly_mql_target_per_rep
        tier_rows.append(
            {
                "tier": tier.pk,
                "name": tier.name,
                "rank": tier.rank,
                "response_sla_hours": tier.response_sla_hours,
                "target_per_rep": tier.monthly_mql_target_per_rep,
                "reps": reps,
                "target": target,
                "delivered": delivered.get(tier.pk, 0),
                "delivered_per_rep": round(delivered.get(tier.pk, 0) / reps, 1) if reps else None,
                "delivered_rate": percent(delivered.get(tier.pk, 0), target),
            }
        )
    if delivered.get(None):
        tier_rows.append(
            {
                "tier": None,
                "name": _("No tier"),
                "rank": None,
                "response_sla_hours": None,
                "target_per_rep": None,
                "reps": reps,
                "target": None,
                "delivered": delivered[None],
                "delivered_per_rep": round(delivered[None] / reps, 1) if reps else None,
                "delivered_rate": None,
            }
        )
    total_delivered = sum(delivered.values())
    total_target = sum(row["target"] or 0 for row in tier_rows)
    # MQLs without a tier have no target: they count as delivered, not towards the target.
    in_tiers = sum(row["delivered"] for row in tier_rows if row["tier"] is not None)
    marketing_totals = {
        "reps": reps,
        "target": total_target,
        "delivered": total_delivered,
        "delivered_in_tiers": in_tiers,
        "delivered_per_rep": round(total_delivered / reps, 1) if reps else None,
        "delivered_rate": percent(in_tiers, total_target),
    }

    # Sales' side: how each rep answered what marketing delivered.
    per_owner: dict[int | None, dict[str, Any]] = {}
    for row in counts:
        into = per_owner.setdefault(
            row["owner_id"],
            dict.fromkeys(("received", "in_sla", "pending", "accepted", "rejected"), 0)
            | {"breached": 0, "resubmitted": 0, "rejection_reasons": {}},
        )
        for name in ("received", "in_sla", "pending", "accepted", "rejected", "breached"):
            into[name] += row[name]
        into["resubmitted"] += row["resubmitted"]
        _add_reasons(into["rejection_reasons"], _reasons_of(row))

    def sales_row(figures: dict[str, Any], median: float | None, **identity: Any) -> dict[str, Any]:
        reasons = dict.fromkeys(RejectionReason.values, 0)
        _add_reasons(reasons, figures.get("rejection_reasons", {}))
        received = figures.get("received", 0)
        decided = received - figures.get("pending", 0)
        return {
            **identity,
            "received": received,
            "in_sla": figures.get("in_sla", 0),
            "pending": figures.get("pending", 0),
            "in_sla_rate": percent(figures.get("in_sla", 0), decided),
            "accepted": figures.get("accepted", 0),
            "rejected": figures.get("rejected", 0),
            "rejection_reasons": reasons,
            "top_reasons": top_reasons(reasons),
            "breached": figures.get("breached", 0),
            "resubmitted": figures.get("resubmitted", 0),
            "median_response_seconds": median,
            "median_response_hours": _hours(median),
        }

    rep_rows = [
        sales_row(
            per_owner.get(person.pk, {}),
            medians.get(person.pk),
            membership=person.pk,
            name=person.user.display_name,
            is_rep=_is_rep(person),
        )
        for person in people
    ]
    if per_owner.get(None):
        rep_rows.append(
            sales_row(
                per_owner[None],
                medians.get(None),
                membership=None,
                name=_("No owner"),
                is_rep=False,
            )
        )
    rep_rows.sort(key=lambda r: (-r["received"], str(r["name"]).lower()))
    all_figures: dict[str, Any] = {"rejection_reasons": {}}
    for figures in per_owner.values():
        for name in _SALES_COUNTED:
            all_figures[name] = all_figures.get(name, 0) + figures[name]
        _add_reasons(all_figures["rejection_reasons"], figures["rejection_reasons"])
    return {
        "month": first,
        "start": first,
        "end": following,
        "marketing": {"tiers": tier_rows, "totals": marketing_totals},
        "sales": {
            "reps": rep_rows,
            "totals": sales_row(
                all_figures, overall_median, membership=None, name=_("Total"), is_rep=False
            ),
        },
    }


def scorecard_chart_data(scorecard: dict[str, Any]) -> dict[str, Any]:
    """What ``static/js/charts/scorecard.js`` draws: delivered vs target per tier, and each
    rep's share of MQLs answered within the SLA."""
    tiers = scorecard["marketing"]["tiers"]
    reps = [row for row in scorecard["sales"]["reps"] if row["received"]]
    return {
        "tiers": {
            "labels": [str(row["name"]) for row in tiers],
            "delivered": {"label": _("Delivered"), "values": [row["delivered"] for row in tiers]},
            "target": {"label": _("Target"), "values": [row["target"] for row in tiers]},
        },
        "reps": {
            "labels": [str(row["name"]) for row in reps],
            "in_sla_rate": {
                "label": _("Answered within the SLA (%)"),
                "values": [row["in_sla_rate"] for row in reps],
            },
        },
    }
