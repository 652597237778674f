"""The feedback API (DESIGN §3.4, §4) as an integration sees it: rounds and their moves, a
member's own answers (never anyone else's, nothing that names or times them), the results
with the anonymity floor, action items — with the 400/403/404/409 answers, other
organizations' rows and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import DepartmentKind, IdempotencyRecord, Role
from feedback.models import ActionItem, ActionStatus, FeedbackResponse, FeedbackRound, RoundStatus
from feedback.services import responses as response_services
from feedback.services import rounds as round_services
from tests.factories import ActionItemFactory, FeedbackRoundFactory, member_of

pytestmark = pytest.mark.django_db

ROUNDS = "/api/v1/feedback-rounds/"
ITEMS = "/api/v1/action-items/"
RESPONSE_FIELDS = {"id", "to_department", "collaboration", "responsiveness", "quality", "comment"}


def round_url(pk, tail=""):
    return f"{ROUNDS}{pk}/{tail}"


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _error(response, status, code):
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    return body


def _rating(to_department, score=4, comment=""):
    return {
        "to_department": to_department.pk,
        "collaboration": score,
        "responsiveness": score,
        "quality": score,
        "comment": comment,
    }


@pytest.fixture
def marketers(org):
    return [
        member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email=f"m{n}@acme.test")
        for n in range(3)
    ]


@pytest.fixture
def open_round(make_round, seller, marketers):
    """Sales and marketing, anonymous, minimum 3: ``seller`` and the three marketers (and
    the manager) take part."""
    return make_round()


# --- Rounds ---------------------------------------------------------------------------------


def test_a_manager_creates_a_draft_round_and_opens_it(api_for, manager, seller, departments):
    client = api_for(manager)
    now = timezone.now()
    response = client.post(
        ROUNDS,
        {
            "name": "Q1 round",
            "opens_at": (now + timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=8)).isoformat(),
            "departments": [departments[DepartmentKind.SALES].pk, departments["marketing"].pk],
            "min_responses": 2,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["anonymous"] is True
    assert body["min_responses"] == 2 and body["participants"] == 0
    assert body["participating"] is False and body["to_rate"] == []

    opened = client.post(round_url(body["id"], "open/"))
    assert opened.status_code == 200, opened.content
    assert opened.json()["status"] == "open" and opened.json()["participants"] == 2
    _error(client.post(round_url(body["id"], "open/")), 409, "round_open")

    seen = api_for(seller).get(round_url(body["id"])).json()
    assert seen["participating"] is True and seen["answered"] is False
    assert seen["to_rate"] == [departments["marketing"].pk]

    closed = client.post(round_url(body["id"], "close/"))
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"]
    _error(client.post(round_url(body["id"], "close/")), 409, "round_closed")


def test_a_member_cannot_create_or_open_rounds(api_for, seller, departments, make_round):
    draft = make_round(open=False)
    client = api_for(seller)
    now = timezone.now()
    response = client.post(
        ROUNDS,
        {
            "name": "Mine",
            "opens_at": now.isoformat(),
            "closes_at": (now + timedelta(days=1)).isoformat(),
            "departments": [d.pk for d in departments.values()],
        },
        format="json",
    )
    assert response.status_code == 403
    assert client.post(round_url(draft.pk, "open/")).status_code == 403
    assert client.patch(round_url(draft.pk), {"name": "x"}, format="json").status_code == 403
    draft.refresh_from_db()
    assert draft.status == RoundStatus.DRAFT and draft.name != "x"


def test_a_round_needs_two_departments_of_the_organization(api_for, manager, charlie, departments):
    foreign = charlie.department
    now = timezone.now()
    body = {
        "name": "Bad",
        "opens_at": now.isoformat(),
        "closes_at": (now + timedelta(days=1)).isoformat(),
        "departments": [departments[DepartmentKind.SALES].pk, foreign.pk],
    }
    response = api_for(manager).post(ROUNDS, body, format="json")
    assert response.status_code == 400 and "departments" in response.json()
    body["departments"] = [departments[DepartmentKind.SALES].pk]
    _error(api_for(manager).post(ROUNDS, body, format="json"), 400, "invalid_departments")
    assert not FeedbackRound.objects.exists()


def test_an_open_round_changes_only_its_name_and_closing(api_for, manager, open_round):
    client = api_for(manager)
    later = (open_round.closes_at + timedelta(days=1)).isoformat()
    response = client.patch(round_url(open_round.pk), {"closes_at": later}, format="json")
    assert response.status_code == 200, response.content
    _error(
        client.patch(round_url(open_round.pk), {"min_responses": 1}, format="json"),
        409,
        "round_open",
    )
    open_round.refresh_from_db()
    assert open_round.min_responses == 3


def test_rounds_list_filters_and_orders(api_for, bob, org, make_round):
    first = make_round(open=False, name="Draft")
    second = make_round(anonymous=False)
    client = api_for(bob)
    assert _ids(client.get(ROUNDS, {"status": "open"})) == [second.pk]
    assert _ids(client.get(ROUNDS, {"anonymous": "false"})) == [second.pk]
    assert set(_ids(client.get(ROUNDS, {"ordering": "created_at"}))) == {first.pk, second.pk}


def test_the_rounds_list_takes_a_constant_number_of_queries(
    api_for, seller, make_round, django_assert_max_num_queries
):
    for _n in range(4):
        make_round()
    client = api_for(seller)
    client.get(ROUNDS)
    with django_assert_max_num_queries(12):
        rows = client.get(ROUNDS).json()["results"]
    assert len(rows) == 4 and all(row["participating"] for row in rows)


def test_another_organizations_rounds_are_404_and_never_listed(api_for, charlie, open_round):
    client = api_for(charlie)
    assert client.get(round_url(open_round.pk)).status_code == 404
    assert client.get(round_url(open_round.pk, "results/")).status_code == 404
    assert client.get(round_url(open_round.pk, "responses/")).status_code == 404
    assert client.post(round_url(open_round.pk, "close/")).status_code == 404
    assert _ids(client.get(ROUNDS)) == []


# --- Answering ------------------------------------------------------------------------------


def test_a_participant_answers_and_sees_only_their_own_answer(
    api_for, seller, marketers, departments, open_round
):
    sales, marketing = departments[DepartmentKind.SALES], departments["marketing"]
    for marketer in marketers:
        response = api_for(marketer).post(
            round_url(open_round.pk, "responses/"), _rating(sales, 2, "Slow answers")
        )
        assert response.status_code == 201, response.content
    client = api_for(seller)
    response = client.post(
        round_url(open_round.pk, "responses/"), _rating(marketing, 5, "Great leads")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # Nothing that names or times the answer.
    assert set(body) == RESPONSE_FIELDS

    own = client.get(round_url(open_round.pk, "responses/"))
    assert own.status_code == 200
    assert [(row["to_department"], row["comment"]) for row in own.json()] == [
        (marketing.pk, "Great leads")
    ]
    assert all(set(row) == RESPONSE_FIELDS for row in own.json())
    # A marketer sees theirs only, never the others' nor the seller's.
    assert [
        row["comment"]
        for row in api_for(marketers[0]).get(round_url(open_round.pk, "responses/")).json()
    ] == ["Slow answers"]
    # The seller rated every other department: answered, nothing left to rate.
    seen = client.get(round_url(open_round.pk)).json()
    assert seen["answered"] is True and seen["to_rate"] == []
    assert seen["completed"] == 4
    # An anonymous round stores no author.
    assert not FeedbackResponse.objects.filter(author__isnull=False).exists()


def test_answering_twice_changes_the_one_response(api_for, seller, departments, open_round):
    client = api_for(seller)
    url = round_url(open_round.pk, "responses/")
    marketing = departments["marketing"]
    first = client.post(url, _rating(marketing, 2))
    assert first.status_code == 201
    again = client.post(url, _rating(marketing, 5, "Better now"))
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    response = FeedbackResponse.objects.get()
    assert (response.quality, response.comment) == (5, "Better now")


def test_an_answer_keeps_no_idempotency_record(api_for, seller, departments, open_round):
    client = api_for(seller)
    response = client.post(
        round_url(open_round.pk, "responses/"),
        _rating(departments["marketing"]),
        HTTP_IDEMPOTENCY_KEY="retry-1",
    )
    assert response.status_code == 201
    # A stored record would tie the caller to the ratings they sent, and when.
    assert not IdempotencyRecord.objects.exists()
    again = client.post(
        round_url(open_round.pk, "responses/"),
        _rating(departments["marketing"]),
        HTTP_IDEMPOTENCY_KEY="retry-1",
    )
    assert again.status_code == 200 and FeedbackResponse.objects.count() == 1


def test_a_non_participant_cannot_answer(api_for, engineer, departments, open_round):
    response = api_for(engineer).post(
        round_url(open_round.pk, "responses/"), _rating(departments["marketing"])
    )
    _error(response, 403, "not_a_participant")
    assert api_for(engineer).get(round_url(open_round.pk, "responses/")).json() == []
    assert not FeedbackResponse.objects.exists()


def test_nobody_rates_their_own_department(api_for, seller, departments, open_round):
    response = api_for(seller).post(
        round_url(open_round.pk, "responses/"), _rating(departments[DepartmentKind.SALES])
    )
    _error(response, 400, "invalid_department")


def test_ratings_are_one_to_five(api_for, seller, departments, open_round):
    response = api_for(seller).post(
        round_url(open_round.pk, "responses/"), _rating(departments["marketing"], 6)
    )
    assert response.status_code == 400 and "collaboration" in response.json()
    assert not FeedbackResponse.objects.exists()


def test_a_closed_round_takes_no_answers(api_for, manager, seller, departments, open_round):
    round_services.close_round(by=manager, feedback_round=open_round)
    response = api_for(seller).post(
        round_url(open_round.pk, "responses/"), _rating(departments["marketing"])
    )
    _error(response, 409, "round_closed")


def test_a_draft_takes_no_answers(api_for, seller, departments, make_round):
    draft = make_round(open=False)
    response = api_for(seller).post(
        round_url(draft.pk, "responses/"), _rating(departments["marketing"])
    )
    _error(response, 409, "round_draft")


# --- Results --------------------------------------------------------------------------------


def _answer(member, feedback_round, department, score, comment=""):
    response_services.answer(
        by=member,
        feedback_round=feedback_round,
        to_department=department,
        collaboration=score,
        responsiveness=score,
        quality=score,
        comment=comment,
    )


def _cell(body, from_department, to_department):
    (cell,) = [
        cell
        for cell in body["cells"]
        if (cell["from_department"], cell["to_department"])
        == (from_department.pk, to_department.pk)
    ]
    return cell


def test_results_hide_a_cell_below_the_minimum_and_show_it_at_the_minimum(
    api_for, manager, marketers, departments, open_round
):
    sales, marketing = departments[DepartmentKind.SALES], departments["marketing"]
    client = api_for(manager)
    url = round_url(open_round.pk, "results/")
    for marketer, score in zip(marketers[:2], (2, 4), strict=True):
        _answer(marketer, open_round, sales, score, f"comment {score}")

    hidden = _cell(client.get(url).json(), marketing, sales)
    assert hidden == {
        "from_department": marketing.pk,
        "to_department": sales.pk,
        "shown": False,
        "count": None,
        "collaboration": None,
        "responsiveness": None,
        "quality": None,
        "overall": None,
        "previous": None,
        "trend": None,
        "comments": [],
    }

    _answer(marketers[2], open_round, sales, 3, "comment 3")
    body = client.get(url).json()
    shown = _cell(body, marketing, sales)
    assert shown["shown"] is True and shown["count"] == 3
    assert shown["collaboration"] == shown["overall"] == "3.00"
    assert sorted(shown["comments"]) == ["comment 2", "comment 3", "comment 4"]
    assert [d["id"] for d in body["departments"]] == sorted(
        [sales.pk, marketing.pk],
        key=lambda pk: {sales.pk: sales.name, marketing.pk: marketing.name}[pk],
    )
    assert body["previous_round"] is None
    assert body["participants"] == 5 and body["completed"] == 3
    # Nothing in the answer names a person.
    assert "author" not in str(body) and "respondent" not in str(body)


def test_results_for_one_department_are_how_the_others_see_it(
    api_for, manager, departments, open_round
):
    sales = departments[DepartmentKind.SALES]
    body = (
        api_for(manager).get(round_url(open_round.pk, "results/"), {"department": sales.pk}).json()
    )
    assert [cell["to_department"] for cell in body["cells"]] == [sales.pk]


def test_a_member_reads_results_only_once_the_round_closed(api_for, manager, seller, open_round):
    client = api_for(seller)
    _error(client.get(round_url(open_round.pk, "results/")), 403, "results_open")
    round_services.close_round(by=manager, feedback_round=open_round)
    assert client.get(round_url(open_round.pk, "results/")).status_code == 200


def test_a_draft_has_no_results(api_for, manager, make_round):
    draft = make_round(open=False)
    _error(api_for(manager).get(round_url(draft.pk, "results/")), 409, "round_draft")


# --- Action items ---------------------------------------------------------------------------


def _item_body(feedback_round, departments, owner, **fields):
    return {
        "round": feedback_round.pk,
        "from_department": departments["marketing"].pk,
        "to_department": departments[DepartmentKind.SALES].pk,
        "title": "Answer MQLs within a day",
        "owner": owner.pk,
        "due_date": (timezone.localdate() + timedelta(days=14)).isoformat(),
        **fields,
    }


def test_a_manager_creates_an_action_item_and_its_owner_moves_it(
    api_for, manager, seller, departments, open_round
):
    response = api_for(manager).post(
        ITEMS, _item_body(open_round, departments, seller), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open" and body["owner"] == seller.pk and body["overdue"] is False

    owner = api_for(seller)
    moved = owner.patch(f"{ITEMS}{body['id']}/", {"status": "done"}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "done" and moved.json()["completed_at"]
    # The owner may change the status only.
    _error(
        owner.patch(f"{ITEMS}{body['id']}/", {"title": "Mine"}, format="json"),
        403,
        "permission_denied",
    )
    assert ActionItem.objects.get().title == "Answer MQLs within a day"


def test_a_member_who_does_not_own_an_item_cannot_change_it(api_for, bob, org):
    item = ActionItemFactory(organization=org)
    response = api_for(bob).patch(f"{ITEMS}{item.pk}/", {"status": "done"}, format="json")
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == ActionStatus.OPEN


def test_an_action_item_needs_a_round_that_opened(
    api_for, manager, seller, departments, make_round
):
    draft = make_round(open=False)
    response = api_for(manager).post(ITEMS, _item_body(draft, departments, seller), format="json")
    _error(response, 409, "round_draft")


def test_an_action_items_round_and_pair_never_change(api_for, manager, org, departments):
    item = ActionItemFactory(organization=org)
    response = api_for(manager).patch(
        f"{ITEMS}{item.pk}/", {"to_department": departments["cs"].pk}, format="json"
    )
    assert response.status_code == 400 and "to_department" in response.json()


def test_action_items_filter_by_owner_and_overdue(api_for, bob, seller, org):
    late = ActionItemFactory(
        organization=org, owner=seller, due_date=timezone.localdate() - timedelta(days=1)
    )
    ActionItemFactory(organization=org, owner=bob)
    client = api_for(bob)
    assert _ids(client.get(ITEMS, {"owner": seller.pk})) == [late.pk]
    assert _ids(client.get(ITEMS, {"overdue": "true"})) == [late.pk]
    assert client.get(f"{ITEMS}{late.pk}/").json()["overdue"] is True


def test_another_organizations_items_are_404_and_never_listed(api_for, charlie, org):
    item = ActionItemFactory(organization=org)
    client = api_for(charlie)
    assert client.get(f"{ITEMS}{item.pk}/").status_code == 404
    assert client.patch(f"{ITEMS}{item.pk}/", {"status": "done"}, format="json").status_code == 404
    assert _ids(client.get(ITEMS)) == []
    # Nor may one point a new item at another organization's round.
    foreign = FeedbackRoundFactory(organization=org)
    response = client.post(
        ITEMS,
        {
            "round": foreign.pk,
            "from_department": charlie.department_id,
            "to_department": charlie.department_id,
            "title": "x",
        },
        format="json",
    )
    assert response.status_code == 400 and "round" in response.json()


def test_the_action_items_list_takes_a_constant_number_of_queries(
    api_for, bob, org, django_assert_max_num_queries
):
    ActionItemFactory.create_batch(5, organization=org)
    client = api_for(bob)
    with django_assert_max_num_queries(8):
        assert len(_ids(client.get(ITEMS))) == 5
