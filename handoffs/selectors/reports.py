"""The sales ↔ customer-success reports (DESIGN §3.3): the surprise rate of handoffs and the
conversion of upsell signals. Shared by the report pages and the API; callers check
``reports.view``.

Definitions:

* A period ``[start, end)`` is a range of days in the organization's time zone: from
  midnight of ``start`` up to (not including) midnight of ``end``.
* **Surprise rate.** *Accepted*: handoffs whose ``accepted_at`` falls in the period and that
  are still past acceptance (status ``accepted``, ``onboarding`` or ``live``). *With a
  discrepancy*: those of them with at least one discrepancy, resolved or not, whenever it
  was recorded. **Rate** = with a discrepancy ÷ accepted, in percent with one decimal;
  ``None`` when nothing was accepted. Overall, per sales owner (the handoff's
  ``sales_owner``; ``None``: no owner) and per month of acceptance (months in the
  organization's time zone; every month the period touches is listed, empty ones too).
* **Upsell conversion.** Signals *raised* in the period (``created_at``), whatever happened
  to them later: *accepted*, *dismissed*, *open* (their status now); *won*: accepted and
  their expansion deal is won; **value won**: the sum of those won deals' values.
  **Acceptance rate** = accepted ÷ raised; **win rate** = won ÷ accepted (percent, one
  decimal, ``None`` for a zero denominator). **Median time to accept**: the median of
  ``answered_at − created_at`` over the accepted signals of the period (the mean of the two
  middle values for an even count), in seconds; ``None`` without any.
* **Credited value won.** A won expansion deal's value is split by its signal's
  ``cs_credit_percent``: the CS member who raised it is credited value × cs% ÷ 100, the sales
  owner value × (100 − cs%) ÷ 100 (rounded to the cent). Per CS member rows group by
  ``raised_by``; per sales owner rows by the expansion deal's owner, else (no deal yet, or
  a deal without owner) the member the signal was routed to.

Each report is a fixed number of queries (GROUP BY in SQL), whatever the number of rows.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth

from accounts.models import Membership, Organization
from handoffs.models import ACCEPTED_STATUSES, Handoff, UpsellSignal, UpsellStatus
from leads.models import DealStage

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0")


# --- Helpers -------------------------------------------------------------------------------


def organization_zone(organization_id: int) -> ZoneInfo:
    """The organization's time zone (UTC when unset or unknown); one query."""
    name = Organization.objects.filter(pk=organization_id).values_list("timezone", flat=True)
    try:
        return ZoneInfo(name.first() or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min, tzinfo=zone), datetime.combine(
        end, time.min, tzinfo=zone
    )


def percent(part: int, whole: int) -> float | None:
    """``part ÷ whole`` in percent, one decimal; None when ``whole`` is 0."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


def _cents(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def months_between(start: date, end: date) -> list[date]:
    """First days of every month that ``[start, end)`` touches, in order."""
    months: list[date] = []
    month = start.replace(day=1)
    last = end - timedelta(days=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _grouped(qs: QuerySet[Any], group_by: str, **aggregates: Any) -> list[dict[str, Any]]:
    """``SELECT group_by, aggregates … GROUP BY group_by`` as plain dicts (one query)."""
    values: Any = qs.values(group_by)
    return [dict(row) for row in values.annotate(**aggregates).order_by(group_by)]


def _names(ids: set[int]) -> dict[int, str]:
    """Display names of memberships (one query)."""
    people = Membership.objects.filter(pk__in=ids).select_related("user")
    return {person.pk: person.user.display_name for person in people}


# --- Surprise rate ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SurpriseOwnerRow:
    sales_owner: int | None
    name: str
    accepted: int
    with_discrepancy: int

    @property
    def rate(self) -> float | None:
        return percent(self.with_discrepancy, self.accepted)


@dataclass(frozen=True)
class SurpriseMonthRow:
    month: date
    accepted: int
    with_discrepancy: int

    @property
    def rate(self) -> float | None:
        return percent(self.with_discrepancy, self.accepted)


@dataclass(frozen=True)
class SurpriseReport:
    start: date
    end: date
    accepted: int
    with_discrepancy: int
    by_sales_owner: list[SurpriseOwnerRow]
    by_month: list[SurpriseMonthRow]

    @property
    def rate(self) -> float | None:
        return percent(self.with_discrepancy, self.accepted)


def accepted_handoffs(organization_id: int, since: datetime, until: datetime) -> QuerySet[Handoff]:
    """Handoffs accepted in ``[since, until)`` and still past acceptance."""
    return Handoff.objects.filter(
        organization_id=organization_id,
        status__in=ACCEPTED_STATUSES,
        accepted_at__gte=since,
        accepted_at__lt=until,
    )


def _surprise_counts() -> dict[str, Count]:
    # Distinct: the join to discrepancies repeats a handoff once per discrepancy.
    return {
        "accepted": Count("pk", distinct=True),
        "with_discrepancy": Count("pk", distinct=True, filter=Q(discrepancies__isnull=False)),
    }


def surprise_rate(*, organization_id: int, start: date, end: date) -> SurpriseReport:
    """The surprise rate of the handoffs accepted in ``[start, end)`` (module docstring):
    overall, per sales owner (most accepted first, then by name) and per month. Four
    queries: the time zone, two GROUP BYs and the owners' names."""
    zone = organization_zone(organization_id)
    since, until = _bounds(start, end, zone)
    handoffs = accepted_handoffs(organization_id, since, until).order_by()
    owner_rows = _grouped(handoffs, "sales_owner_id", **_surprise_counts())
    month_rows: dict[date, dict[str, Any]] = {
        _local_month(row["month"], zone): row
        for row in _grouped(
            handoffs.annotate(month=TruncMonth("accepted_at", tzinfo=zone)),
            "month",
            **_surprise_counts(),
        )
    }
    names = _names({row["sales_owner_id"] for row in owner_rows if row["sales_owner_id"]})
    by_owner = sorted(
        (
            SurpriseOwnerRow(
                sales_owner=row["sales_owner_id"],
                name=names.get(row["sales_owner_id"], "") if row["sales_owner_id"] else "",
                accepted=row["accepted"],
                with_discrepancy=row["with_discrepancy"],
            )
            for row in owner_rows
        ),
        key=lambda row: (-row.accepted, row.sales_owner is None, row.name.lower()),
    )
    by_month = [
        SurpriseMonthRow(
            month=month,
            accepted=month_rows.get(month, {}).get("accepted", 0),
            with_discrepancy=month_rows.get(month, {}).get("with_discrepancy", 0),
        )
        for month in months_between(start, end)
    ]
    return SurpriseReport(
        start=start,
        end=end,
        accepted=sum(row.accepted for row in by_owner),
        with_discrepancy=sum(row.with_discrepancy for row in by_owner),
        by_sales_owner=by_owner,
        by_month=by_month,
    )


def _local_month(value: date | datetime, zone: ZoneInfo) -> date:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone)
        return value.date().replace(day=1)
    return value.replace(day=1)


def surprise_chart_data(report: SurpriseReport, labels: list[str]) -> dict[str, Any]:
    """The monthly trend for the page's chart: ``labels`` (one per month, formatted by the
    caller in the active language), the rate per month and the accepted counts."""
    return {
        "labels": labels,
        "rate": [row.rate for row in report.by_month],
        "accepted": [row.accepted for row in report.by_month],
        "with_discrepancy": [row.with_discrepancy for row in report.by_month],
    }


# --- Upsell conversion -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConversionFigures:
    raised: int = 0
    accepted: int = 0
    dismissed: int = 0
    open: int = 0
    won: int = 0
    value_won: Decimal = ZERO
    credited_value_won: Decimal = ZERO

    @property
    def acceptance_rate(self) -> float | None:
        return percent(self.accepted, self.raised)

    @property
    def win_rate(self) -> float | None:
        return percent(self.won, self.accepted)


@dataclass(frozen=True)
class ConversionRow(ConversionFigures):
    membership: int | None = None
    name: str = ""


@dataclass(frozen=True)
class ConversionReport(ConversionFigures):
    start: date = date.min
    end: date = date.min
    median_seconds_to_accept: float | None = None
    by_cs_member: list[ConversionRow] = field(default_factory=list)
    by_sales_owner: list[ConversionRow] = field(default_factory=list)

    @property
    def median_days_to_accept(self) -> float | None:
        seconds = self.median_seconds_to_accept
        return None if seconds is None else round(seconds / 86400, 1)


def raised_signals(
    organization_id: int, since: datetime, until: datetime
) -> QuerySet[UpsellSignal]:
    """Upsell signals raised in ``[since, until)``."""
    return UpsellSignal.objects.filter(
        organization_id=organization_id, created_at__gte=since, created_at__lt=until
    )


def _money_expression(expression: Any) -> ExpressionWrapper[Any]:
    return ExpressionWrapper(expression, output_field=DecimalField(max_digits=20, decimal_places=4))


def _conversion_counts(*, share: Any) -> dict[str, Any]:
    won = Q(status=UpsellStatus.ACCEPTED, deal__stage=DealStage.WON)
    percent_cs = Coalesce(F("cs_credit_percent"), Value(ZERO))
    return {
        "raised": Count("pk"),
        "accepted": Count("pk", filter=Q(status=UpsellStatus.ACCEPTED)),
        "dismissed": Count("pk", filter=Q(status=UpsellStatus.DISMISSED)),
        "open": Count("pk", filter=Q(status=UpsellStatus.OPEN)),
        "won": Count("pk", filter=won),
        "value_won": Sum("deal__value", filter=won),
        "credited": Sum(
            _money_expression(F("deal__value") * share(percent_cs) / Value(HUNDRED)), filter=won
        ),
    }


def _row(row: dict[str, Any], membership: int | None, names: dict[int, str]) -> ConversionRow:
    return ConversionRow(
        membership=membership,
        name=names.get(membership, "") if membership else "",
        raised=row["raised"],
        accepted=row["accepted"],
        dismissed=row["dismissed"],
        open=row["open"],
        won=row["won"],
        value_won=_cents(row["value_won"]),
        credited_value_won=_cents(row["credited"]),
    )


def _ordered(rows: list[ConversionRow]) -> list[ConversionRow]:
    return sorted(
        rows,
        key=lambda row: (-row.credited_value_won, -row.raised, row.membership is None, row.name),
    )


def upsell_conversion(*, organization_id: int, start: date, end: date) -> ConversionReport:
    """The conversion of the upsell signals raised in ``[start, end)`` (module docstring):
    overall, per CS member and per sales owner, each with its credited value won; rows with
    the most credited value first. Five queries: the time zone, two GROUP BYs, the accepted
    signals' answer times (for the median) and the members' names."""
    zone = organization_zone(organization_id)
    since, until = _bounds(start, end, zone)
    signals = raised_signals(organization_id, since, until).order_by()
    cs_rows = _grouped(signals, "raised_by_id", **_conversion_counts(share=lambda pct: pct))
    sales_rows = _grouped(
        signals.annotate(sales_owner=Coalesce(F("deal__owner_id"), F("routed_to_id"))),
        "sales_owner",
        **_conversion_counts(share=lambda pct: Value(HUNDRED) - pct),
    )
    durations = [
        (answered - created).total_seconds()
        for created, answered in signals.filter(
            status=UpsellStatus.ACCEPTED, answered_at__isnull=False
        ).values_list("created_at", "answered_at")
        if answered is not None
    ]
    names = _names(
        {row["raised_by_id"] for row in cs_rows if row["raised_by_id"]}
        | {row["sales_owner"] for row in sales_rows if row["sales_owner"]}
    )
    by_cs = _ordered([_row(row, row["raised_by_id"], names) for row in cs_rows])
    by_sales = _ordered([_row(row, row["sales_owner"], names) for row in sales_rows])
    return ConversionReport(
        start=start,
        end=end,
        raised=sum(row.raised for row in by_cs),
        accepted=sum(row.accepted for row in by_cs),
        dismissed=sum(row.dismissed for row in by_cs),
        open=sum(row.open for row in by_cs),
        won=sum(row.won for row in by_cs),
        value_won=sum((row.value_won for row in by_cs), ZERO),
        credited_value_won=sum((row.value_won for row in by_cs), ZERO),
        median_seconds_to_accept=float(statistics.median(durations)) if durations else None,
        by_cs_member=by_cs,
        by_sales_owner=by_sales,
    )


def conversion_chart_data(report: ConversionReport, labels: dict[str, str]) -> dict[str, Any]:
    """The funnel for the page's chart: raised → accepted → won, with the step names
    (``labels``, translated by the caller) and the value won."""
    return {
        "labels": [labels["raised"], labels["accepted"], labels["won"]],
        "values": [report.raised, report.accepted, report.won],
    }
