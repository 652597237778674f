"""A round's results: the from → to matrix of average ratings, its comments, the trend
against the previous round, and one department's "how others see us".

**The anonymity floor** is applied here, once, for every page, API answer and export: a
cell (one rating department → one rated department) with fewer responses than the round's
``min_responses`` is *hidden* — no averages, no comments and no exact count (``count`` is
None; ``shown`` False). Comments of a shown cell come in the order of the responses' random
ids: nothing about who wrote them, or when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Q

from accounts.models import Department
from feedback.models import RATINGS, FeedbackResponse, FeedbackRound, Participant, RoundStatus

TWO_PLACES = Decimal("0.01")


def _average(value: float | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class Cell:
    """One department's ratings of another in one round (hidden below the minimum)."""

    from_department: Department
    to_department: Department
    shown: bool
    # Exact numbers only when shown.
    count: int | None = None
    collaboration: Decimal | None = None
    responsiveness: Decimal | None = None
    quality: Decimal | None = None
    comments: list[str] = field(default_factory=list)
    # The same cell in the previous round (when shown there and here): its overall average
    # and the change since.
    previous: Decimal | None = None

    @property
    def overall(self) -> Decimal | None:
        """The mean of the three averages."""
        values = [self.collaboration, self.responsiveness, self.quality]
        if not self.shown or any(value is None for value in values):
            return None
        total = sum(value for value in values if value is not None)
        return (Decimal(total) / 3).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)

    @property
    def trend(self) -> Decimal | None:
        overall = self.overall
        if overall is None or self.previous is None:
            return None
        return overall - self.previous


@dataclass
class Results:
    round: FeedbackRound
    departments: list[Department]
    cells: dict[tuple[int, int], Cell]
    previous_round: FeedbackRound | None
    participants: int
    completed: int

    def row(self, department: Department) -> list[Cell | None]:
        """The cells of one rating department, in the order of ``departments`` (None on the
        diagonal: nobody rates their own department)."""
        return [
            None if other.pk == department.pk else self.cells[(department.pk, other.pk)]
            for other in self.departments
        ]

    @property
    def rows(self) -> list[tuple[Department, list[Cell | None]]]:
        return [(department, self.row(department)) for department in self.departments]

    def seen_by_others(self, department: Department) -> list[Cell]:
        """How the other departments rate ``department``."""
        return [
            self.cells[(other.pk, department.pk)]
            for other in self.departments
            if other.pk != department.pk
        ]


def previous_round(feedback_round: FeedbackRound) -> FeedbackRound | None:
    """The organization's last round closed before this one opened."""
    return (
        FeedbackRound.objects.for_org(feedback_round.organization_id)
        .filter(status=RoundStatus.CLOSED, closes_at__lte=feedback_round.opens_at)
        .exclude(pk=feedback_round.pk)
        .order_by("-closes_at", "-pk")
        .first()
    )


def _figures(feedback_round: FeedbackRound) -> dict[tuple[int, int], dict[str, Any]]:
    """Count and averages per (from, to) pair: one GROUP BY query."""
    rows = (
        FeedbackResponse.objects.filter(round=feedback_round)
        .values("from_department", "to_department")
        .annotate(
            count=Count("pk"),
            **{name: Avg(name) for name in RATINGS},
        )
    )
    return {(row["from_department"], row["to_department"]): dict(row) for row in rows}


def results(feedback_round: FeedbackRound, *, comments: bool = True) -> Results:
    """The round's matrix with the anonymity floor applied (four or five queries, whatever
    the number of departments and responses)."""
    departments = list(feedback_round.departments.order_by("name", "pk"))
    figures = _figures(feedback_round)
    floor = feedback_round.min_responses
    shown_pairs = {pair for pair, row in figures.items() if int(row["count"]) >= floor}
    texts: dict[tuple[int, int], list[str]] = {}
    if comments and shown_pairs:
        for from_id, to_id, text in (
            FeedbackResponse.objects.filter(round=feedback_round)
            .exclude(comment="")
            .order_by("id")
            .values_list("from_department", "to_department", "comment")
        ):
            if (from_id, to_id) in shown_pairs:
                texts.setdefault((from_id, to_id), []).append(text)
    previous = previous_round(feedback_round)
    before: dict[tuple[int, int], Decimal] = {}
    if previous is not None:
        for pair, earlier in _figures(previous).items():
            if int(earlier["count"]) >= previous.min_responses:
                values = [_average(earlier[name]) for name in RATINGS]
                if all(value is not None for value in values):
                    total = sum(value for value in values if value is not None)
                    before[pair] = (Decimal(total) / 3).quantize(TWO_PLACES, ROUND_HALF_UP)
    cells: dict[tuple[int, int], Cell] = {}
    for rater in departments:
        for rated in departments:
            if rater.pk == rated.pk:
                continue
            pair = (rater.pk, rated.pk)
            found = figures.get(pair)
            if pair not in shown_pairs or found is None:
                cells[pair] = Cell(rater, rated, shown=False)
                continue
            row = found
            cells[pair] = Cell(
                rater,
                rated,
                shown=True,
                count=int(row["count"]),
                collaboration=_average(row["collaboration"]),
                responsiveness=_average(row["responsiveness"]),
                quality=_average(row["quality"]),
                comments=texts.get(pair, []),
                previous=before.get(pair),
            )
    counts = Participant.objects.filter(round=feedback_round).aggregate(
        participants=Count("pk"), completed=Count("pk", filter=Q(completed=True))
    )
    return Results(
        round=feedback_round,
        departments=departments,
        cells=cells,
        previous_round=previous,
        participants=counts["participants"] or 0,
        completed=counts["completed"] or 0,
    )


def survey_scores(
    organization_id: int, rounds: list[FeedbackRound]
) -> dict[tuple[int, int], tuple[Decimal, int]]:
    """Per (rater, rated) department pair over ``rounds``: the mean overall rating (1–5) of
    the cells shown (above each round's minimum) and how many responses it rests on. For
    the collaboration-health index. One query, whatever the number of rounds."""
    totals: dict[tuple[int, int], tuple[Decimal, int]] = {}
    if not rounds:
        return {}
    floors = {feedback_round.pk: feedback_round.min_responses for feedback_round in rounds}
    # One GROUP BY over every round (not one query per round).
    grouped = (
        FeedbackResponse.objects.filter(organization_id=organization_id, round__in=list(floors))
        .values("round", "from_department", "to_department")
        .annotate(count=Count("pk"), **{name: Avg(name) for name in RATINGS})
        .order_by()
    )
    for found in grouped:
        row: dict[str, Any] = dict(found)
        pair = (row["from_department"], row["to_department"])
        count = int(row["count"])
        if count < floors[row["round"]]:
            continue
        values = [_average(row[name]) for name in RATINGS]
        overall = sum(value for value in values if value is not None) / Decimal(3)
        weighted, n = totals.get(pair, (Decimal(0), 0))
        totals[pair] = (weighted + overall * count, n + count)
    return {
        pair: ((weighted / n).quantize(TWO_PLACES, ROUND_HALF_UP), n)
        for pair, (weighted, n) in totals.items()
        if n
    }
