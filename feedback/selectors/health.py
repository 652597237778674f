"""Collaboration health per department pair and period (DESIGN §3.4, issue 11 item 5): the
survey scores of the feedback rounds combined with the pair's operational signals, each on a
0–100 scale. Shared by the health page, the API and (``pair_health_metric``) the dashboard
and snapshots. Callers check ``feedback.results``.

Definitions (the README's "Collaboration health" section repeats them):

* A period ``[start, end)`` is a range of days in the organization's time zone; months are
  calendar months there. Every signal counts the *answers given* in the period (when sales
  accepted or rejected an MQL, when product decided a promise, when CS accepted a handoff,
  when sales answered an upsell signal) — except demands, counted by when they were raised.
* **Pairs**: unordered pairs of departments. Always marketing–sales, sales–product and
  sales–CS (for every department of those kinds); any other pair when the survey has shown
  figures for it in the period. Signals belong to the pair of department *kinds* (two sales
  departments share the organization's sales signals).
* **Survey score**: the mean overall rating (1–5) of both directions' *shown* cells (above
  each round's minimum — ``feedback.selectors.results.survey_scores``) over the rounds
  closed in the period (``closed_at``, else ``closes_at``), every response counting once;
  mapped to 0–100 by ``(x − 1) ÷ 4 × 100``.
* **Signals** and their scores (``r`` a rate from 0 to 1, ``t`` a median time, ``T`` its
  target; a time score is ``100 × max(0, 1 − t ÷ 2T)``: 100 at once, 50 on target, 0 at
  twice the target or later):

  - marketing → sales, *MQL acceptance rate*: accepted ÷ (accepted + rejected) over the
    MQLs sales answered in the period; score ``100 × r``.
  - marketing → sales, *MQL response time*: median ``responded_at − qualified_at`` of those
    MQLs (``leads.selectors.reports.median_response_seconds``), in hours; ``T`` = the median
    of the organization's tier response SLAs (24 h without tiers).
  - sales → product, *demands answered within 30 days*: of the demands sales raised in the
    period, the share whose feature request changed status (a ``FeatureStatusChange``,
    not its creation) within 30 days of the demand; a demand younger than 30 days and not
    yet answered is left out (it may still be); score ``100 × r``.
  - sales → product, *promise decision time*: median ``decided_at − created_at`` of the
    promises product approved or declined in the period, in days; ``T`` = 14 days.
  - sales → CS, *handoff acceptance time*: median ``accepted_at − submitted_at`` of the
    handoffs accepted in the period (and still past acceptance), in hours; ``T`` = the
    organization's CS acceptance SLA (``HandoffSettings.acceptance_sla_hours``, 48 h).
  - sales → CS, *surprise rate*: ``handoffs.selectors.reports.surprise_rate`` — handoffs
    with a discrepancy ÷ handoffs accepted; score ``100 × (1 − s)``.
  - CS → sales, *upsell signal response time*: median ``answered_at − created_at`` of the
    signals sales accepted or dismissed in the period, in days; ``T`` = the organization's
    upsell answer window (``HandoffSettings.upsell_response_days``, 5 days).

  A signal without anything to measure (no answered MQL, no demand…) has no score and is
  left out of the mean.
* **Operational score**: the mean of the pair's signal scores. **Health**: the mean of the
  survey score and the operational score; when one is missing, the other alone; neither —
  no figure. Computed from unrounded figures; scores and health are rounded to one decimal.
* **Trend**: the same health per calendar month of the period (each month clipped to the
  period), the survey part from the rounds closed in that month.

A fixed number of queries whatever the number of leads, demands, promises, handoffs,
signals or responses (GROUP BYs; the medians' timestamps on SQLite, ``percentile_cont`` for
the MQLs on PostgreSQL), plus one survey query per month in which a round closed.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, DepartmentKind, Organization
from feedback.models import FeedbackRound, RoundStatus
from feedback.selectors.results import survey_scores
from handoffs.models import HandoffSettings, UpsellSignal, UpsellStatus
from handoffs.selectors.reports import accepted_handoffs, months_between, surprise_rate
from leads.models import Lead, Tier
from leads.selectors.reports import median_response_seconds, organization_zone
from roadmap.models import Demand, FeatureStatusChange, Promise

# --- Targets and the normalisation formulas --------------------------------------------------

# The MQL response target without any tier (the lead flow's own default SLA).
DEFAULT_MQL_SLA_HOURS = 24
# Product's target for deciding a pending promise.
PROMISE_TARGET_DAYS = 14
# A demand counts as answered when its request changes status within this window.
DEMAND_WINDOW = timedelta(days=30)
# Colour bands of the page: health at or above GOOD is good, at or above FAIR fair.
GOOD, FAIR = 70.0, 40.0

STANDARD_PAIRS = (
    (DepartmentKind.MARKETING, DepartmentKind.SALES),
    (DepartmentKind.SALES, DepartmentKind.PRODUCT),
    (DepartmentKind.SALES, DepartmentKind.CS),
)
# The signals of each pair of department kinds, in the order the page shows them.
PAIR_SIGNALS: dict[frozenset[str], tuple[str, ...]] = {
    frozenset((DepartmentKind.MARKETING, DepartmentKind.SALES)): (
        "mql_acceptance_rate",
        "mql_response_time",
    ),
    frozenset((DepartmentKind.SALES, DepartmentKind.PRODUCT)): (
        "demands_answered",
        "promise_decision_time",
    ),
    frozenset((DepartmentKind.SALES, DepartmentKind.CS)): (
        "handoff_acceptance_time",
        "surprise_rate",
        "upsell_response_time",
    ),
}


def _clip(value: float) -> float:
    return max(0.0, min(100.0, value))


def rate_score(rate: float) -> float:
    """A rate from 0 to 1 where more is better: ``100 × r``."""
    return _clip(100 * rate)


def inverse_rate_score(rate: float) -> float:
    """A rate from 0 to 1 where less is better (the surprise rate): ``100 × (1 − r)``."""
    return _clip(100 * (1 - rate))


def time_score(value: float, target: float) -> float:
    """A time against its target ``T`` (same unit): ``100 × max(0, 1 − t ÷ 2T)`` — 100 for
    an immediate answer, 50 on target, 0 at twice the target and beyond."""
    if target <= 0:
        return 0.0
    return _clip(100 * max(0.0, 1 - value / (2 * target)))


def rating_score(rating: float) -> float:
    """A mean rating from 1 to 5: ``(x − 1) ÷ 4 × 100``."""
    return _clip((rating - 1) / 4 * 100)


def band(health: float | None) -> str | None:
    """``good`` (≥ 70), ``fair`` (≥ 40), ``poor``; None without a figure."""
    if health is None:
        return None
    if health >= GOOD:
        return "good"
    return "fair" if health >= FAIR else "poor"


def _round(value: float | None) -> float | None:
    """One decimal, halves up (68.75 → 68.8), as people round."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _mean(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None


# --- Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    """One operational signal of a pair: its raw value (in ``unit``), what it rests on
    (``count``), its 0–100 score and how that is computed."""

    key: str
    label: str
    value: float | None
    unit: str  # "percent", "hours" or "days"
    count: int
    target: float | None
    score: float | None
    formula: str
    # The score before rounding: what the means are computed from.
    exact_score: float | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Survey:
    """The survey half: the mean overall rating (1–5) of the shown cells, its 0–100 score
    and the responses it rests on."""

    rating: Decimal | None
    score: float | None
    responses: int


@dataclass(frozen=True)
class MonthHealth:
    month: date
    health: float | None
    survey: float | None
    operational: float | None


@dataclass(frozen=True)
class PairHealth:
    departments: tuple[Department, Department]
    health: float | None
    survey: Survey
    operational: float | None
    signals: list[Signal]
    trend: list[MonthHealth] = field(default_factory=list)

    @property
    def band(self) -> str | None:
        return band(self.health)

    @property
    def heat(self) -> str:
        """The results heatmap's colour for the same level: ``heat-1`` (red, 0) …
        ``heat-9`` (green, 100) in steps of 12.5 (half a rating point); ``heat-none``."""
        if self.health is None:
            return "heat-none"
        level = int(Decimal(repr(self.health / 12.5)).quantize(Decimal(1), ROUND_HALF_UP)) + 1
        return f"heat-{min(max(level, 1), 9)}"

    @property
    def key(self) -> tuple[int, int]:
        return (self.departments[0].pk, self.departments[1].pk)

    @property
    def name(self) -> str:
        return f"{self.departments[0].name} ↔ {self.departments[1].name}"


@dataclass(frozen=True)
class HealthReport:
    start: date
    end: date
    months: list[date]
    pairs: list[PairHealth]


# --- Raw figures per month -------------------------------------------------------------------

# (value, count) of one signal: a rate from 0 to 1 or a time in seconds; None without data.
Measure = tuple[float | None, int]


@dataclass
class _Figures:
    overall: Measure = (None, 0)
    by_month: dict[date, Measure] = field(default_factory=dict)

    def of(self, month: date | None) -> Measure:
        return self.overall if month is None else self.by_month.get(month, (None, 0))


def _local_month(value: date | datetime, zone: Any) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(zone)
        return value.date().replace(day=1)
    return value.replace(day=1)


def _rate_figures(rows: Iterable[dict[str, Any]], part: str, whole: str, zone: Any) -> _Figures:
    """Rates from monthly rows of counts: ``part ÷ whole`` per month and overall."""
    figures = _Figures()
    total_part = total_whole = 0
    for row in rows:
        month = _local_month(row["month"], zone)
        done, counted = int(row[part]), int(row[whole])
        figures.by_month[month] = (done / counted if counted else None, counted)
        total_part += done
        total_whole += counted
    figures.overall = (total_part / total_whole if total_whole else None, total_whole)
    return figures


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _median_figures(
    qs: QuerySet[Any], start_field: str, end_field: str, month_field: str, zone: Any
) -> _Figures:
    """Median ``end_field − start_field`` (seconds) per month of ``month_field`` and overall:
    one query fetching the two timestamps of each row (the mean of the two middle values for
    an even count)."""
    durations: dict[date, list[float]] = defaultdict(list)
    every: list[float] = []
    for month_at, started, ended in qs.order_by().values_list(month_field, start_field, end_field):
        if started is None or ended is None:
            continue
        seconds = (ended - started).total_seconds()
        every.append(seconds)
        durations[_local_month(month_at, zone)].append(seconds)
    return _Figures(
        overall=(_median(every), len(every)),
        by_month={month: (_median(values), len(values)) for month, values in durations.items()},
    )


def _mql_acceptance(leads: QuerySet[Any], zone: Any) -> _Figures:
    rows = (
        leads.values("month")
        .annotate(
            accepted=Count("pk", filter=Q(rejection_reason="")),
            answered=Count("pk"),
        )
        .order_by()
    )
    return _rate_figures(rows, "accepted", "answered", zone)


def _mql_response(leads: QuerySet[Any], zone: Any) -> _Figures:
    per_month, overall = median_response_seconds(leads, "month")
    counts = {
        _local_month(row["month"], zone): int(row["n"])
        for row in leads.values("month").annotate(n=Count("pk")).order_by()
    }
    return _Figures(
        overall=(overall, sum(counts.values())),
        by_month={
            _local_month(month, zone): (seconds, counts.get(_local_month(month, zone), 0))
            for month, seconds in per_month.items()
        },
    )


def _demands_answered(
    organization_id: int, since: datetime, until: datetime, zone: Any, now: datetime
) -> _Figures:
    changed = FeatureStatusChange.objects.filter(
        feature_request=OuterRef("feature_request"),
        at__gte=OuterRef("created_at"),
        at__lte=ExpressionWrapper(
            OuterRef("created_at") + DEMAND_WINDOW, output_field=DateTimeField()
        ),
    ).exclude(from_status="")
    demands = Demand.objects.filter(
        organization_id=organization_id,
        department__kind=DepartmentKind.SALES,
        created_at__gte=since,
        created_at__lt=until,
    ).annotate(answered=Exists(changed), month=TruncMonth("created_at", tzinfo=zone))
    rows = (
        demands.values("month")
        .annotate(
            done=Count("pk", filter=Q(answered=True)),
            # Still inside the window and not answered yet: not counted either way.
            waiting=Count("pk", filter=Q(answered=False, created_at__gt=now - DEMAND_WINDOW)),
            raised=Count("pk"),
        )
        .order_by()
    )
    counted = [{**row, "decidable": int(row["raised"]) - int(row["waiting"])} for row in rows]
    return _rate_figures(counted, "done", "decidable", zone)


def _period_rows(
    qs: QuerySet[Any], at: str, since: datetime, until: datetime, zone: Any
) -> QuerySet[Any]:
    period: QuerySet[Any] = qs.filter(**{f"{at}__gte": since, f"{at}__lt": until})
    annotated: QuerySet[Any] = period.annotate(month=TruncMonth(at, tzinfo=zone))
    return annotated


def _surprise(organization_id: int, start: date, end: date) -> _Figures:
    report = surprise_rate(organization_id=organization_id, start=start, end=end)
    return _Figures(
        overall=(
            report.with_discrepancy / report.accepted if report.accepted else None,
            report.accepted,
        ),
        by_month={
            row.month: (row.with_discrepancy / row.accepted if row.accepted else None, row.accepted)
            for row in report.by_month
        },
    )


# --- The signals' definitions ----------------------------------------------------------------


@dataclass(frozen=True)
class _Definition:
    label: Callable[[], str]
    unit: str
    formula: Callable[[float | None], str]
    # Seconds (or a 0–1 rate) → the raw value shown, in ``unit``.
    shown: Callable[[float], float]
    # The raw value (in ``unit``) and the target → score.
    score: Callable[[float, float | None], float]


def _hours(seconds: float) -> float:
    return seconds / 3600


def _days(seconds: float) -> float:
    return seconds / 86400


def _percent(rate: float) -> float:
    return 100 * rate


def _time_score(value: float, target: float | None) -> float:
    return time_score(value, target or 0)


def _time_formula(what: str, unit: str) -> Callable[[float | None], str]:
    def formula(target: float | None) -> str:
        return _(
            "%(what)s. Score = 100 × max(0, 1 − t ÷ (2 × %(target)s %(unit)s)): 100 at once, "
            "50 on target, 0 at twice the target or later."
        ) % {"what": what, "target": _number(target), "unit": unit}

    return formula


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _definitions() -> dict[str, _Definition]:
    """The signals, labels and formulas in the active language."""
    return {
        "mql_acceptance_rate": _Definition(
            label=lambda: _("MQL acceptance rate (marketing → sales)"),
            unit="percent",
            formula=lambda target: _(
                "Accepted ÷ (accepted + rejected) of the MQLs sales answered in the period. "
                "Score = 100 × rate."
            ),
            shown=_percent,
            score=lambda value, target: rate_score(value / 100),
        ),
        "mql_response_time": _Definition(
            label=lambda: _("MQL response time (marketing → sales)"),
            unit="hours",
            formula=_time_formula(
                _(
                    "Median time from qualification to sales' accept or reject, over the MQLs "
                    "answered in the period; the target is the median tier response SLA"
                ),
                _("h"),
            ),
            shown=_hours,
            score=_time_score,
        ),
        "demands_answered": _Definition(
            label=lambda: _("Demands answered within 30 days (sales → product)"),
            unit="percent",
            formula=lambda target: _(
                "Of the demands sales raised in the period, the share whose feature request "
                "changed status within 30 days (demands younger than 30 days and not answered "
                "yet are left out). Score = 100 × share."
            ),
            shown=_percent,
            score=lambda value, target: rate_score(value / 100),
        ),
        "promise_decision_time": _Definition(
            label=lambda: _("Promise decision time (sales → product)"),
            unit="days",
            formula=_time_formula(
                _(
                    "Median time from a pending promise to product's approval or decline, "
                    "over the promises decided in the period"
                ),
                _("days"),
            ),
            shown=_days,
            score=_time_score,
        ),
        "handoff_acceptance_time": _Definition(
            label=lambda: _("Handoff acceptance time (sales → CS)"),
            unit="hours",
            formula=_time_formula(
                _(
                    "Median time from submission to CS's acceptance, over the handoffs "
                    "accepted in the period; the target is the CS acceptance SLA"
                ),
                _("h"),
            ),
            shown=_hours,
            score=_time_score,
        ),
        "surprise_rate": _Definition(
            label=lambda: _("Surprise rate (sales → CS)"),
            unit="percent",
            formula=lambda target: _(
                "Handoffs with a discrepancy ÷ handoffs accepted in the period. "
                "Score = 100 × (1 − rate)."
            ),
            shown=_percent,
            score=lambda value, target: inverse_rate_score(value / 100),
        ),
        "upsell_response_time": _Definition(
            label=lambda: _("Upsell signal response time (CS → sales)"),
            unit="days",
            formula=_time_formula(
                _(
                    "Median time from an upsell signal to sales' accept or dismiss, over the "
                    "signals answered in the period; the target is the upsell answer window"
                ),
                _("days"),
            ),
            shown=_days,
            score=_time_score,
        ),
    }


# --- The report ------------------------------------------------------------------------------


def _targets(organization_id: int) -> dict[str, float]:
    """Each time signal's target, in the signal's unit (two queries)."""
    slas = list(
        Tier.objects.filter(organization_id=organization_id).values_list(
            "response_sla_hours", flat=True
        )
    )
    handoff = (
        HandoffSettings.objects.filter(organization_id=organization_id)
        .values_list("acceptance_sla_hours", "upsell_response_days")
        .first()
    )
    if handoff is None:
        # Never written to from here: the defaults of a settings row not created yet.
        meta = HandoffSettings._meta
        handoff = (
            meta.get_field("acceptance_sla_hours").get_default(),
            meta.get_field("upsell_response_days").get_default(),
        )
    return {
        "mql_response_time": float(statistics.median(slas)) if slas else DEFAULT_MQL_SLA_HOURS,
        "promise_decision_time": float(PROMISE_TARGET_DAYS),
        "handoff_acceptance_time": float(handoff[0]),
        "upsell_response_time": float(handoff[1]),
    }


def _signal_figures(
    organization_id: int, start: date, end: date, zone: Any, now: datetime
) -> dict[str, _Figures]:
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end, time.min, tzinfo=zone)
    leads = _period_rows(
        Lead.objects.filter(organization_id=organization_id, qualified_at__isnull=False),
        "responded_at",
        since,
        until,
        zone,
    )
    promises = _period_rows(
        Promise.objects.filter(organization_id=organization_id), "decided_at", since, until, zone
    )
    handoffs = accepted_handoffs(organization_id, since, until).filter(submitted_at__isnull=False)
    signals = _period_rows(
        UpsellSignal.objects.filter(
            organization_id=organization_id,
            status__in=(UpsellStatus.ACCEPTED, UpsellStatus.DISMISSED),
        ),
        "answered_at",
        since,
        until,
        zone,
    )
    return {
        "mql_acceptance_rate": _mql_acceptance(leads, zone),
        "mql_response_time": _mql_response(leads, zone),
        "demands_answered": _demands_answered(organization_id, since, until, zone, now),
        "promise_decision_time": _median_figures(
            promises, "created_at", "decided_at", "decided_at", zone
        ),
        "handoff_acceptance_time": _median_figures(
            handoffs, "submitted_at", "accepted_at", "accepted_at", zone
        ),
        "surprise_rate": _surprise(organization_id, start, end),
        "upsell_response_time": _median_figures(
            signals, "created_at", "answered_at", "answered_at", zone
        ),
    }


def _signal(
    key: str,
    definition: _Definition,
    measure: Measure,
    target: float | None,
) -> Signal:
    raw, count = measure
    value = None if raw is None else definition.shown(raw)
    score = None if value is None else definition.score(value, target)
    return Signal(
        key=key,
        label=definition.label(),
        value=_round(value),
        unit=definition.unit,
        count=count,
        target=target,
        score=_round(score),
        formula=definition.formula(target),
        exact_score=score,
    )


def _pair_survey(
    scores: dict[tuple[int, int], tuple[Decimal, int]], first: int, second: int
) -> tuple[Decimal | None, float | None, int]:
    """Both directions' shown cells of a pair: the response-weighted mean rating, its
    unrounded score, and the number of responses."""
    parts = [scores[pair] for pair in ((first, second), (second, first)) if pair in scores]
    responses = sum(n for _rating, n in parts)
    if not responses:
        return None, None, 0
    rating = sum((rating * n for rating, n in parts), Decimal(0)) / responses
    return rating.quantize(Decimal("0.01")), rating_score(float(rating)), responses


def _health(survey: float | None, operational: float | None) -> float | None:
    return _mean([survey, operational])


def collaboration_health(
    organization_id: int,
    start: date,
    end: date,
    *,
    trend: bool = True,
    now: datetime | None = None,
) -> HealthReport:
    """Collaboration health of the organization's department pairs over ``[start, end)`` (the
    module docstring defines every figure): per pair its departments, health, survey half
    (rating, score, responses), operational half and signals, and — unless ``trend`` is
    False — the health per calendar month for the chart. Pairs: marketing–sales,
    sales–product, sales–CS, then any other pair the survey has figures for, by name.

    Respects the anonymity floor (figures only from shown cells, through
    ``survey_scores``). Read-only; a fixed number of queries, plus one per month in which
    a round closed (when ``trend``)."""
    now = now or timezone.now()
    organization = Organization.objects.get(pk=organization_id)
    zone = organization_zone(organization)
    months = months_between(start, end)
    departments = {
        department.pk: department
        for department in Department.objects.filter(organization_id=organization_id).order_by(
            "name", "pk"
        )
    }
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end, time.min, tzinfo=zone)
    rounds: list[FeedbackRound] = list(
        FeedbackRound.objects.filter(organization_id=organization_id, status=RoundStatus.CLOSED)
        .annotate(ended=Coalesce("closed_at", "closes_at"))
        .filter(ended__gte=since, ended__lt=until)
        .order_by("ended", "pk")
    )
    period_scores = survey_scores(organization_id, rounds)
    month_scores: dict[date, dict[tuple[int, int], tuple[Decimal, int]]] = {}
    if trend:
        by_month: dict[date, list[FeedbackRound]] = defaultdict(list)
        for feedback_round in rounds:
            ended: datetime = getattr(feedback_round, "ended")  # noqa: B009 (annotation)
            by_month[_local_month(ended, zone)].append(feedback_round)
        month_scores = {
            month: survey_scores(organization_id, chosen) for month, chosen in by_month.items()
        }
    targets = _targets(organization_id)
    figures = _signal_figures(organization_id, start, end, zone, now)
    definitions = _definitions()

    pairs: list[tuple[Department, Department]] = []
    seen: set[frozenset[int]] = set()
    for first_kind, second_kind in STANDARD_PAIRS:
        for first in departments.values():
            for second in departments.values():
                if first.kind == first_kind and second.kind == second_kind:
                    pairs.append((first, second))
                    seen.add(frozenset((first.pk, second.pk)))
    others = sorted(
        {
            frozenset(pair)
            for pair in period_scores
            if frozenset(pair) not in seen and all(pk in departments for pk in pair)
        },
        key=lambda ids: sorted(departments[pk].name.lower() for pk in ids),
    )
    for ids in others:
        first, second = sorted((departments[pk] for pk in ids), key=lambda d: (d.name, d.pk))
        pairs.append((first, second))

    results: list[PairHealth] = []
    for first, second in pairs:
        keys = PAIR_SIGNALS.get(frozenset((first.kind, second.kind)), ())

        def signals_of(month: date | None, keys: tuple[str, ...] = keys) -> list[Signal]:
            return [
                _signal(key, definitions[key], figures[key].of(month), targets.get(key))
                for key in keys
            ]

        signals = signals_of(None)
        operational = _mean(signal.exact_score for signal in signals)
        rating, survey_score, responses = _pair_survey(period_scores, first.pk, second.pk)
        months_health: list[MonthHealth] = []
        if trend:
            for month in months:
                month_ops = _mean(signal.exact_score for signal in signals_of(month))
                _rating, month_survey, _n = _pair_survey(
                    month_scores.get(month, {}), first.pk, second.pk
                )
                months_health.append(
                    MonthHealth(
                        month=month,
                        health=_round(_health(month_survey, month_ops)),
                        survey=_round(month_survey),
                        operational=_round(month_ops),
                    )
                )
        results.append(
            PairHealth(
                departments=(first, second),
                health=_round(_health(survey_score, operational)),
                survey=Survey(rating=rating, score=_round(survey_score), responses=responses),
                operational=_round(operational),
                signals=signals,
                trend=months_health,
            )
        )
    return HealthReport(start=start, end=end, months=months, pairs=results)


def pair_health_metric(
    organization_id: int, start: date, end: date
) -> dict[tuple[int, int], float | None]:
    """The health of each department pair over ``[start, end)`` as a plain number (0–100,
    one decimal; None without any figure), keyed by the pair's two department ids in the
    order ``collaboration_health`` lists them — for the dashboard and the metric snapshots.
    No trend; a fixed number of queries."""
    report = collaboration_health(organization_id, start, end, trend=False)
    return {pair.key: pair.health for pair in report.pairs}


def health_chart_data(report: HealthReport, labels: list[str]) -> dict[str, Any]:
    """The trend for ``static/js/charts/feedback_health.js``: ``labels`` (one per month,
    formatted by the caller in the active language) and one line per pair (a month without
    any figure is null: a gap)."""
    return {
        "labels": labels,
        "datasets": [
            {"label": pair.name, "values": [month.health for month in pair.trend]}
            for pair in report.pairs
        ],
    }
