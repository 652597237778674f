"""A round's results against a hand-built data set: exact averages and counts per department
pair, the overall mean, the trend against the previous round, comments only for the cells
shown, cells below the minimum hidden (no count, no figures, no comments), and how the
other departments see one department."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import DepartmentKind
from feedback.models import RoundStatus
from feedback.selectors import results as selectors
from tests.factories import FeedbackResponseFactory, FeedbackRoundFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

K = DepartmentKind
D = Decimal


def respond(feedback_round, rater, rated, ratings, comment=""):
    collaboration, responsiveness, quality = ratings
    return FeedbackResponseFactory(
        organization=feedback_round.organization,
        round=feedback_round,
        from_department=rater,
        to_department=rated,
        collaboration=collaboration,
        responsiveness=responsiveness,
        quality=quality,
        comment=comment,
    )


@pytest.fixture
def data(org, departments):
    """Two closed rounds and the current one of sales, marketing and CS (minimum 2):

    current round         collaboration  responsiveness  quality   comments
    sales → marketing     5 3 4          4 4 4           3 5 4     "Fast MQLs", "Good briefs"
    marketing → sales     2 3            3 3             4 3       "Call back sooner"
    sales → CS            1 2 2          2 2 2           2 2 3
    CS → sales            5 (one answer: hidden)                   "ONLY-ONE-CS-ANSWER"
    marketing → CS, CS → marketing: nobody

    previous round: sales → marketing 3,3,3 twice (overall 3.00); marketing → sales once
    (hidden there: no trend). An older round: sales → marketing 1,1,1 twice."""
    sales, marketing, cs = departments[K.SALES], departments[K.MARKETING], departments[K.CS]
    now = timezone.now()
    three = [sales, marketing, cs]

    older = FeedbackRoundFactory(
        organization=org,
        status=RoundStatus.CLOSED,
        opens_at=now - timedelta(days=90),
        closes_at=now - timedelta(days=80),
        min_responses=2,
        departments=three,
    )
    for _ in range(2):
        respond(older, sales, marketing, (1, 1, 1))
    previous = FeedbackRoundFactory(
        organization=org,
        status=RoundStatus.CLOSED,
        opens_at=now - timedelta(days=40),
        closes_at=now - timedelta(days=30),
        min_responses=2,
        departments=three,
    )
    for _ in range(2):
        respond(previous, sales, marketing, (3, 3, 3))
    respond(previous, marketing, sales, (1, 1, 1))

    current = FeedbackRoundFactory(
        organization=org,
        status=RoundStatus.CLOSED,
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(days=1),
        min_responses=2,
        departments=three,
    )
    respond(current, sales, marketing, (5, 4, 3), "Fast MQLs")
    respond(current, sales, marketing, (3, 4, 5), "Good briefs")
    respond(current, sales, marketing, (4, 4, 4))
    respond(current, marketing, sales, (2, 3, 4), "Call back sooner")
    respond(current, marketing, sales, (3, 3, 3))
    respond(current, sales, cs, (1, 2, 2))
    respond(current, sales, cs, (2, 2, 2))
    respond(current, sales, cs, (2, 2, 3))
    respond(current, cs, sales, (5, 5, 5), "ONLY-ONE-CS-ANSWER")
    return {
        "round": current,
        "previous": previous,
        "older": older,
        "sales": sales,
        "marketing": marketing,
        "cs": cs,
    }


def test_the_cells_hold_exact_averages_counts_and_overall(data):
    result = selectors.results(data["round"])
    sales, marketing, cs = data["sales"], data["marketing"], data["cs"]

    cell = result.cells[(sales.pk, marketing.pk)]
    assert cell.shown and cell.count == 3
    assert (cell.collaboration, cell.responsiveness, cell.quality) == (D("4.00"),) * 3
    assert cell.overall == D("4.00")

    cell = result.cells[(marketing.pk, sales.pk)]
    assert cell.shown and cell.count == 2
    assert (cell.collaboration, cell.responsiveness, cell.quality) == (
        D("2.50"),
        D("3.00"),
        D("3.50"),
    )
    assert cell.overall == D("3.00")

    # Averages of thirds are rounded half up to two places; the overall is their mean.
    cell = result.cells[(sales.pk, cs.pk)]
    assert cell.count == 3
    assert (cell.collaboration, cell.responsiveness, cell.quality) == (
        D("1.67"),
        D("2.00"),
        D("2.33"),
    )
    assert cell.overall == D("2.00")


def test_cells_below_the_minimum_show_no_count_no_figures_and_no_comments(data):
    result = selectors.results(data["round"])
    sales, marketing, cs = data["sales"], data["marketing"], data["cs"]

    for pair in ((cs.pk, sales.pk), (marketing.pk, cs.pk), (cs.pk, marketing.pk)):
        cell = result.cells[pair]
        assert not cell.shown
        assert cell.count is None
        assert (cell.collaboration, cell.responsiveness, cell.quality) == (None, None, None)
        assert cell.overall is None and cell.trend is None and cell.previous is None
        assert cell.comments == []
    every_comment = [text for cell in result.cells.values() for text in cell.comments]
    assert "ONLY-ONE-CS-ANSWER" not in every_comment


def test_comments_come_only_with_shown_cells_and_never_empty(data):
    result = selectors.results(data["round"])
    sales, marketing, cs = data["sales"], data["marketing"], data["cs"]

    assert sorted(result.cells[(sales.pk, marketing.pk)].comments) == ["Fast MQLs", "Good briefs"]
    assert result.cells[(marketing.pk, sales.pk)].comments == ["Call back sooner"]
    assert result.cells[(sales.pk, cs.pk)].comments == []
    # Figures without comments, when a page asks for no comments.
    bare = selectors.results(data["round"], comments=False)
    assert all(cell.comments == [] for cell in bare.cells.values())
    assert bare.cells[(sales.pk, marketing.pk)].overall == D("4.00")


def test_the_trend_is_against_the_last_round_closed_before_this_one(data):
    result = selectors.results(data["round"])
    sales, marketing, cs = data["sales"], data["marketing"], data["cs"]

    assert result.previous_round == data["previous"]
    cell = result.cells[(sales.pk, marketing.pk)]
    assert cell.previous == D("3.00") and cell.trend == D("1.00")
    # Hidden in the previous round (one answer): no trend.
    cell = result.cells[(marketing.pk, sales.pk)]
    assert cell.previous is None and cell.trend is None
    # Not rated in the previous round at all: no trend.
    assert result.cells[(sales.pk, cs.pk)].trend is None

    # The previous round's own trend is against the older one: 3.00 − 1.00.
    before = selectors.results(data["previous"])
    assert before.previous_round == data["older"]
    assert before.cells[(sales.pk, marketing.pk)].trend == D("2.00")
    assert selectors.results(data["older"]).previous_round is None


def test_another_organizations_rounds_are_never_the_previous_round(data, other_org):
    now = timezone.now()
    FeedbackRoundFactory(
        organization=other_org,
        status=RoundStatus.CLOSED,
        opens_at=now - timedelta(days=5),
        closes_at=now - timedelta(days=2) - timedelta(hours=12),
    )
    assert selectors.results(data["round"]).previous_round == data["previous"]


def test_the_matrix_has_a_row_per_department_and_no_diagonal(data):
    result = selectors.results(data["round"])
    by_name = sorted([data["sales"], data["marketing"], data["cs"]], key=lambda d: d.name)
    assert result.departments == by_name
    for department, row in result.rows:
        assert len(row) == 3
        for other, cell in zip(result.departments, row, strict=True):
            if other == department:
                assert cell is None
            else:
                assert cell is not None
                assert (cell.from_department, cell.to_department) == (department, other)


def test_how_others_see_a_department(data):
    result = selectors.results(data["round"])
    sales, marketing, cs = data["sales"], data["marketing"], data["cs"]

    seen = {cell.from_department: cell for cell in result.seen_by_others(sales)}
    assert set(seen) == {marketing, cs}
    assert seen[marketing].overall == D("3.00")
    assert not seen[cs].shown and seen[cs].comments == []
    assert {cell.from_department for cell in result.seen_by_others(cs)} == {sales, marketing}
    assert [cell.shown for cell in result.seen_by_others(marketing)] == [
        cell.shown
        for cell in sorted(result.seen_by_others(marketing), key=lambda c: c.from_department.name)
    ]


def test_participation_counts(org, data):
    from tests.factories import member_of

    for completed in (True, True, False):
        person = member_of(org, K.SALES)
        ParticipantFactory(
            organization=org,
            round=data["round"],
            membership=person,
            department=person.department,
            completed=completed,
        )
    result = selectors.results(data["round"])
    assert (result.participants, result.completed) == (3, 2)


def test_a_minimum_of_one_shows_every_rated_cell(data):
    feedback_round = data["round"]
    feedback_round.min_responses = 1
    feedback_round.save()
    cell = selectors.results(feedback_round).cells[(data["cs"].pk, data["sales"].pk)]
    assert cell.shown and cell.count == 1 and cell.overall == D("5.00")


def test_results_cost_the_same_queries_however_many_responses(data, django_assert_max_num_queries):
    with django_assert_max_num_queries(6) as few:
        selectors.results(data["round"])
    for _ in range(30):
        respond(data["round"], data["marketing"], data["cs"], (3, 3, 3), "more")
    with django_assert_max_num_queries(len(few.captured_queries)):
        result = selectors.results(data["round"])
    assert result.cells[(data["marketing"].pk, data["cs"].pk)].count == 30


def test_survey_scores_weigh_each_shown_cell_by_its_responses(org, data):
    scores = selectors.survey_scores(org.pk, [data["round"], data["previous"]])
    sales, marketing, cs = data["sales"], data["marketing"], data["cs"]
    # sales → marketing: 3 answers at 4.00 and 2 at 3.00 → 18 / 5 = 3.60.
    assert scores[(sales.pk, marketing.pk)] == (D("3.60"), 5)
    # marketing → sales: the previous round's single answer is below its minimum.
    assert scores[(marketing.pk, sales.pk)] == (D("3.00"), 2)
    assert scores[(sales.pk, cs.pk)] == (D("2.00"), 3)
    assert (cs.pk, sales.pk) not in scores
    assert selectors.survey_scores(org.pk, []) == {}
