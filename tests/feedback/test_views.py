"""The feedback pages: the rounds list by role, creating, editing, opening and closing a
round, its page (participation as counts, never names in an anonymous round), the answer
form end to end (save, edit, a partly filled card, a non-participant, a closed round), the
results heatmap with the anonymity floor (no figure and no comment below the minimum) and
the trend, one department's "how others see us", and the action-item pages. Another
organization's round is a 404; a member who may not act, a 403."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from feedback.models import ActionItem, ActionStatus, FeedbackRound, Participant, RoundStatus
from feedback.services import responses as response_services
from feedback.services import rounds as round_services
from tests.factories import (
    ActionItemFactory,
    FeedbackResponseFactory,
    FeedbackRoundFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

K = DepartmentKind
THREE = (K.SALES, K.MARKETING, K.PRODUCT)
# Measured (SQLite): the results page 10 queries with every cell hidden, 11 with comments
# to show; the board 8. Neither grows with the number of departments, answers or items.
RESULTS_BUDGET = 11
BOARD_BUDGET = 8


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _answer_data(department, collaboration="", responsiveness="", quality="", comment=""):
    prefix = f"d{department.pk}"
    return {
        f"{prefix}-collaboration": collaboration,
        f"{prefix}-responsiveness": responsiveness,
        f"{prefix}-quality": quality,
        f"{prefix}-comment": comment,
    }


def _answer(membership, feedback_round, department, ratings=(4, 4, 4), comment=""):
    return response_services.answer(
        by=membership,
        feedback_round=feedback_round,
        to_department=department,
        collaboration=ratings[0],
        responsiveness=ratings[1],
        quality=ratings[2],
        comment=comment,
    )


def _closed(feedback_round, manager):
    return round_services.close_round(by=manager, feedback_round=feedback_round)


# --- The list -----------------------------------------------------------------------------


def test_a_member_sees_open_rounds_with_answer_now_and_no_drafts(
    manager, seller, marketer, make_round, browser_for, departments
):
    open_round = make_round(name="Spring round")
    make_round(name="Draft round", open=False)
    client = browser_for(seller)

    page = client.get(reverse("feedback:round_list")).content.decode()

    assert "Spring round" in page and "Answer now" in page
    assert "Draft round" not in page and "New round" not in page
    _answer(seller, open_round, departments[K.MARKETING])
    page = client.get(reverse("feedback:round_list")).content.decode()
    assert "Answered ✓" in page and "Change your answers" in page and "Answer now" not in page


def test_a_manager_sees_drafts_and_new_round_and_closed_rounds_link_to_results(
    manager, seller, make_round, browser_for
):
    make_round(name="Draft round", open=False)
    closed = _closed(make_round(name="Winter round"), manager)

    page = browser_for(manager).get(reverse("feedback:round_list")).content.decode()

    assert "Draft round" in page and "New round" in page
    assert "Winter round" in page
    assert reverse("feedback:round_results", args=[closed.pk]) in page


# --- Creating, editing, opening, closing ----------------------------------------------------


def test_a_manager_creates_a_round_anonymous_with_three_by_default(
    manager, departments, browser_for
):
    client = browser_for(manager)
    form = client.get(reverse("feedback:round_create"))
    html = form.content.decode()
    assert 'type="datetime-local"' in html
    assert form.context["form"]["anonymous"].value() is True
    assert form.context["form"]["min_responses"].value() == 3

    opens = timezone.localtime() + timedelta(days=1)
    response = client.post(
        reverse("feedback:round_create"),
        {
            "name": "Q1 round",
            "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
            "departments": [departments[K.SALES].pk, departments[K.CS].pk],
            "anonymous": "on",
            "min_responses": "4",
        },
    )

    feedback_round = FeedbackRound.objects.get(name="Q1 round")
    assert response.status_code == 302
    assert response["Location"] == feedback_round.get_absolute_url()
    assert feedback_round.status == RoundStatus.DRAFT and feedback_round.anonymous
    assert feedback_round.min_responses == 4
    assert set(feedback_round.departments.values_list("kind", flat=True)) == {K.SALES, K.CS}


def test_the_service_refusal_is_shown_on_the_form(manager, departments, browser_for):
    opens = timezone.localtime() + timedelta(days=1)
    response = browser_for(manager).post(
        reverse("feedback:round_create"),
        {
            "name": "Backwards",
            "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "departments": [departments[K.SALES].pk, departments[K.CS].pk],
            "min_responses": "3",
        },
    )

    assert response.status_code == 400
    assert "A round closes after it opens." in response.context["form"].errors["closes_at"]
    assert not FeedbackRound.objects.filter(name="Backwards").exists()


def test_a_member_may_not_create_a_round(seller, browser_for):
    assert browser_for(seller).get(reverse("feedback:round_create")).status_code == 403


def test_an_open_round_may_only_change_its_name_and_closing_time(
    manager, seller, make_round, browser_for
):
    feedback_round = make_round()
    form = browser_for(manager).get(reverse("feedback:round_edit", args=[feedback_round.pk]))

    assert set(form.context["form"].fields) == {"name", "closes_at"}


def test_a_manager_opens_and_closes_a_round_from_its_page(
    manager, seller, marketer, make_round, browser_for
):
    feedback_round = make_round(open=False)
    client = browser_for(manager)
    page = client.get(feedback_round.get_absolute_url()).content.decode()
    assert "Open the round now" in page

    client.post(reverse("feedback:round_open", args=[feedback_round.pk]))
    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.OPEN
    assert Participant.objects.filter(round=feedback_round).count() == 3
    page = client.get(feedback_round.get_absolute_url()).content.decode()
    assert "Close the round now…" in page and "Yes, close the round" in page

    response = client.post(reverse("feedback:round_close", args=[feedback_round.pk]), follow=True)
    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.CLOSED
    assert "The round is closed: its results are final." in _messages(response)
    # Closing twice is a message, not an error page.
    again = client.post(reverse("feedback:round_close", args=[feedback_round.pk]), follow=True)
    assert "The round is closed." in _messages(again)


def test_a_member_may_not_open_or_close_a_round(manager, seller, make_round, browser_for):
    feedback_round = make_round()
    client = browser_for(seller)

    assert client.post(reverse("feedback:round_close", args=[feedback_round.pk])).status_code == 403
    assert client.get(reverse("feedback:round_close", args=[feedback_round.pk])).status_code == 405


def test_another_organizations_round_is_a_404(manager, make_round, charlie, browser_for):
    feedback_round = make_round()
    client = browser_for(charlie)

    for name in ("round_detail", "round_answer", "round_results", "round_edit"):
        assert client.get(reverse(f"feedback:{name}", args=[feedback_round.pk])).status_code == 404


# --- A round's page: counts, never names, in an anonymous round -----------------------------


def test_an_anonymous_rounds_page_shows_counts_and_no_names(
    manager, seller, marketer, make_round, browser_for, departments
):
    feedback_round = make_round()
    _answer(seller, feedback_round, departments[K.MARKETING])

    page = browser_for(manager).get(feedback_round.get_absolute_url()).content.decode()

    assert "1 of 3 have answered" in page
    for person in (seller, marketer):
        assert person.user.display_name not in page
        assert person.user.email not in page


def test_a_named_rounds_page_shows_managers_who_has_answered(
    manager, seller, marketer, make_round, browser_for, departments
):
    feedback_round = make_round(anonymous=False)
    _answer(seller, feedback_round, departments[K.MARKETING])

    managers_page = browser_for(manager).get(feedback_round.get_absolute_url()).content.decode()
    members_page = browser_for(marketer).get(feedback_round.get_absolute_url()).content.decode()

    assert seller.user.display_name in managers_page and "not anonymous" in managers_page.lower()
    assert seller.user.display_name not in members_page


# --- The answer form ----------------------------------------------------------------------


def test_the_answer_form_saves_every_card_and_then_shows_them_to_edit(
    manager, seller, marketer, engineer, make_round, browser_for, departments
):
    feedback_round = make_round(THREE)
    client = browser_for(seller)
    url = reverse("feedback:round_answer", args=[feedback_round.pk])
    page = client.get(url).content.decode()
    assert "This round is anonymous." in page
    assert "nobody, admins included, can see who gave which answer" in page.lower()
    assert "fewer than 3 answers show no figures" in page
    assert page.count('type="radio"') == 2 * 3 * 5  # two departments, three questions, 1–5

    response = client.post(
        url,
        {
            **_answer_data(departments[K.MARKETING], 5, 4, 3, "Great briefs"),
            **_answer_data(departments[K.PRODUCT], 2, 2, 3),
        },
        follow=True,
    )

    assert "Thank you: your answers were saved." in _messages(response)
    mine = {
        r.to_department.kind: r for r in response_services.own_responses(feedback_round, seller)
    }
    assert (mine[K.MARKETING].collaboration, mine[K.MARKETING].quality) == (5, 3)
    assert mine[K.MARKETING].comment == "Great briefs" and mine[K.MARKETING].author is None
    assert mine[K.PRODUCT].responsiveness == 2
    assert Participant.objects.get(round=feedback_round, membership=seller).completed

    # Back on the form: the answers are filled in, and may change.
    form = client.get(url)
    cards = {f.department.kind: f for f in form.context["forms"]}
    assert cards[K.MARKETING]["collaboration"].value() == 5
    assert "Great briefs" in form.content.decode()
    client.post(
        url,
        {
            **_answer_data(departments[K.MARKETING], 3, 4, 3, "Better now"),
            **_answer_data(departments[K.PRODUCT], 2, 2, 3),
        },
    )
    mine = {
        r.to_department.kind: r for r in response_services.own_responses(feedback_round, seller)
    }
    assert mine[K.MARKETING].collaboration == 3 and mine[K.MARKETING].comment == "Better now"
    assert len(mine) == 2


def test_a_blank_card_is_skipped(
    manager, seller, marketer, engineer, make_round, browser_for, departments
):
    feedback_round = make_round(THREE)
    response = browser_for(seller).post(
        reverse("feedback:round_answer", args=[feedback_round.pk]),
        {**_answer_data(departments[K.PRODUCT], 4, 4, 4), **_answer_data(departments[K.MARKETING])},
        follow=True,
    )

    assert any("Rate the other departments too" in m for m in _messages(response))
    mine = list(response_services.own_responses(feedback_round, seller))
    assert [r.to_department.kind for r in mine] == [K.PRODUCT]
    assert not Participant.objects.get(round=feedback_round, membership=seller).completed


def test_a_partly_filled_card_is_an_error_on_that_card_and_nothing_is_saved(
    manager, seller, marketer, engineer, make_round, browser_for, departments
):
    feedback_round = make_round(THREE)
    response = browser_for(seller).post(
        reverse("feedback:round_answer", args=[feedback_round.pk]),
        {
            **_answer_data(departments[K.MARKETING], collaboration=4, comment="Half done"),
            **_answer_data(departments[K.PRODUCT], 4, 4, 4),
        },
    )

    assert response.status_code == 400
    cards = {f.department.kind: f for f in response.context["forms"]}
    assert set(cards[K.MARKETING].errors) == {"responsiveness", "quality"}
    assert not cards[K.PRODUCT].errors
    html = response.content.decode()
    assert "Rate this too, or leave the whole department blank." in html
    assert "Nothing was saved yet" in html
    assert "Half done" in html  # what was typed is kept
    assert not response_services.own_responses(feedback_round, seller).exists()


def test_an_empty_form_asks_for_one_department(
    manager, seller, marketer, make_round, browser_for, departments
):
    feedback_round = make_round()
    response = browser_for(seller).post(
        reverse("feedback:round_answer", args=[feedback_round.pk]),
        _answer_data(departments[K.MARKETING]),
    )

    assert response.status_code == 400
    assert "Rate at least one department." in response.content.decode()


def test_a_non_participant_gets_a_403(manager, seller, engineer, make_round, browser_for):
    feedback_round = make_round()  # sales and marketing: the product member takes no part

    response = browser_for(engineer).get(reverse("feedback:round_answer", args=[feedback_round.pk]))

    assert response.status_code == 403


def test_a_closed_round_says_so_and_links_to_the_results(
    manager, seller, make_round, browser_for, departments
):
    feedback_round = _closed(make_round(), manager)
    client = browser_for(seller)
    url = reverse("feedback:round_answer", args=[feedback_round.pk])

    page = client.get(url).content.decode()
    client.post(url, _answer_data(departments[K.MARKETING], 4, 4, 4))

    assert "The round is closed" in page
    assert reverse("feedback:round_results", args=[feedback_round.pk]) in page
    assert not response_services.own_responses(feedback_round, seller).exists()


# --- Results: the anonymity floor, the trend, the budget ----------------------------------


def test_results_hide_a_cell_below_the_minimum_and_show_it_at_the_minimum(
    org, manager, seller, make_round, browser_for, departments
):
    marketers = [member_of(org, K.MARKETING, email=f"m{n}@acme.test") for n in range(3)]
    feedback_round = make_round()
    for n, person in enumerate(marketers[:2]):
        _answer(person, feedback_round, departments[K.SALES], (2, 3, 2), f"Secret remark {n}")
    client = browser_for(manager)
    url = reverse("feedback:round_results", args=[feedback_round.pk])

    page = client.get(url).content.decode()

    assert "fewer than 3 answers" in page
    assert "Secret remark" not in page
    assert "2 answers" not in page and "2.3" not in page
    assert f'id="cell-{departments[K.MARKETING].pk}-{departments[K.SALES].pk}"' not in page

    _answer(marketers[2], feedback_round, departments[K.SALES], (2, 3, 2), "Secret remark 2")
    page = client.get(url).content.decode()

    assert f'id="cell-{departments[K.MARKETING].pk}-{departments[K.SALES].pk}"' in page
    assert "3 answers" in page and "2.3" in page
    assert all(f"Secret remark {n}" in page for n in range(3))
    for person in marketers:
        assert person.user.email not in page and person.user.display_name not in page


def test_results_show_the_trend_against_the_previous_round(org, manager, browser_for, departments):
    now = timezone.now()
    pair = [departments[K.SALES], departments[K.MARKETING]]
    before = FeedbackRoundFactory(
        organization=org,
        status=RoundStatus.CLOSED,
        opens_at=now - timedelta(days=40),
        closes_at=now - timedelta(days=30),
        min_responses=1,
        departments=pair,
    )
    latest = FeedbackRoundFactory(
        organization=org,
        status=RoundStatus.CLOSED,
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(days=1),
        min_responses=1,
        departments=pair,
    )
    common = {"organization": org, "from_department": pair[1], "to_department": pair[0]}
    FeedbackResponseFactory(round=before, collaboration=3, responsiveness=3, quality=3, **common)
    FeedbackResponseFactory(round=latest, collaboration=4, responsiveness=3, quality=4, **common)
    back = {**common, "from_department": pair[0], "to_department": pair[1]}
    FeedbackResponseFactory(round=before, collaboration=4, responsiveness=4, quality=4, **back)
    FeedbackResponseFactory(round=latest, collaboration=4, responsiveness=3, quality=4, **back)

    page = browser_for(manager).get(reverse("feedback:round_results", args=[latest.pk]))
    html = page.content.decode()

    assert "▲ +0.7" in html  # 3.00 → 3.67
    assert "▼ −0.3" in html  # 4.00 → 3.67


def test_an_open_rounds_results_are_for_managers_only(
    manager, seller, make_round, browser_for, departments
):
    feedback_round = make_round()
    url = reverse("feedback:round_results", args=[feedback_round.pk])

    assert browser_for(seller).get(url).status_code == 403
    assert browser_for(manager).get(url).status_code == 200
    _closed(feedback_round, manager)
    assert browser_for(seller).get(url).status_code == 200


def _round_of_four(org, departments, per_pair):
    feedback_round = FeedbackRoundFactory(
        organization=org,
        status=RoundStatus.CLOSED,
        opens_at=timezone.now() - timedelta(days=8),
        closes_at=timezone.now() - timedelta(days=1),
        departments=list(departments.values()),
    )
    for rater in departments.values():
        for rated in departments.values():
            if rater.pk == rated.pk:
                continue
            FeedbackResponseFactory.create_batch(
                per_pair,
                organization=org,
                round=feedback_round,
                from_department=rater,
                to_department=rated,
                comment="Fine",
            )
    return feedback_round


@pytest.mark.parametrize("per_pair", [1, 3])
def test_the_results_page_costs_the_same_queries_for_3_or_30_answers(
    org, manager, departments, browser_for, django_assert_max_num_queries, per_pair
):
    # 12 pairs: 12 or 36 responses; 1 per pair keeps every cell hidden, 3 shows them all.
    feedback_round = _round_of_four(org, departments, per_pair)
    client = browser_for(manager)
    url = reverse("feedback:round_results", args=[feedback_round.pk])
    client.get(url)

    with django_assert_max_num_queries(RESULTS_BUDGET):
        response = client.get(url)
    assert response.status_code == 200


def test_the_results_page_budget_holds_for_30_answers_per_pair(
    org, manager, departments, browser_for, django_assert_max_num_queries
):
    feedback_round = _round_of_four(org, departments, 30)
    client = browser_for(manager)
    url = reverse("feedback:round_results", args=[feedback_round.pk])
    client.get(url)

    with django_assert_max_num_queries(RESULTS_BUDGET):
        html = client.get(url).content.decode()
    assert html.count("30 answers") == 12


def test_how_others_see_us_shows_each_other_departments_ratings(
    org, manager, departments, browser_for
):
    feedback_round = _round_of_four(org, departments, 3)
    sales = departments[K.SALES]

    page = browser_for(manager).get(
        reverse("feedback:department_view", args=[feedback_round.pk, sales.pk])
    )
    html = page.content.decode()

    assert page.status_code == 200
    assert html.count("3 answers") == 3
    assert "How others see us" in html and "Responsiveness" in html


# --- Action items ---------------------------------------------------------------------------


def test_a_manager_creates_an_action_item_from_a_results_cell(
    manager, seller, make_round, browser_for, departments
):
    feedback_round = _closed(make_round(), manager)
    client = browser_for(manager)
    results = client.get(reverse("feedback:round_results", args=[feedback_round.pk]))
    assert results.status_code == 200
    url = reverse("feedback:action_item_create", args=[feedback_round.pk])
    query = f"?from={departments[K.MARKETING].pk}&to={departments[K.SALES].pk}"

    form = client.get(url + query)
    assert form.context["from_department"] == departments[K.MARKETING]
    assert form.context["to_department"] == departments[K.SALES]
    assert f"{departments[K.MARKETING].name} → {departments[K.SALES].name}" in form.content.decode()
    response = client.post(
        url + query,
        {
            "from": departments[K.MARKETING].pk,
            "to": departments[K.SALES].pk,
            "title": "Weekly lead review",
            "owner": seller.pk,
            "due_date": (timezone.localdate() + timedelta(days=14)).isoformat(),
        },
    )

    item = ActionItem.objects.get(title="Weekly lead review")
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    assert item.owner == seller and item.from_department == departments[K.MARKETING]


def test_a_member_may_not_create_an_action_item(manager, seller, make_round, browser_for):
    feedback_round = make_round()
    url = reverse("feedback:action_item_create", args=[feedback_round.pk])

    assert browser_for(seller).get(url).status_code == 403


def test_the_owner_moves_the_status_but_may_not_edit_the_item(
    org, manager, seller, make_round, browser_for
):
    item = ActionItemFactory(organization=org, round=make_round(), owner=seller)
    client = browser_for(seller)
    page = client.get(item.get_absolute_url())
    assert page.status_code == 200 and page.context["form"] is None
    assert "In progress" in page.content.decode()

    client.post(item.get_absolute_url(), {"status": ActionStatus.IN_PROGRESS})
    item.refresh_from_db()
    assert item.status == ActionStatus.IN_PROGRESS

    edit = client.post(item.get_absolute_url(), {"title": "Mine now", "status": "done"})
    assert edit.status_code == 403


def test_a_manager_edits_an_item(org, manager, seller, make_round, browser_for):
    item = ActionItemFactory(organization=org, round=make_round(), owner=seller)

    response = browser_for(manager).post(
        item.get_absolute_url(),
        {"title": "Renamed", "description": "", "owner": manager.pk, "status": "done"},
    )

    item.refresh_from_db()
    assert response.status_code == 302
    assert (item.title, item.owner, item.status) == ("Renamed", manager, ActionStatus.DONE)
    assert item.completed_at is not None


def test_the_board_has_columns_overdue_marked_and_filters(
    org, manager, seller, make_round, browser_for, django_assert_max_num_queries
):
    feedback_round = make_round()
    late = ActionItemFactory(
        organization=org,
        round=feedback_round,
        owner=seller,
        title="Late item",
        due_date=timezone.localdate() - timedelta(days=2),
    )
    ActionItemFactory(
        organization=org, round=feedback_round, owner=manager, status="in_progress", title="Going"
    )
    ActionItemFactory(organization=org, round=feedback_round, status="dropped", title="Gone")
    client = browser_for(seller)
    url = reverse("feedback:action_board")
    client.get(url)

    with django_assert_max_num_queries(BOARD_BUDGET):
        page = client.get(url)
    html = page.content.decode()

    columns = {
        status: [i.title for i in items] for status, _label, items in page.context["columns"]
    }
    assert columns == {"open": ["Late item"], "in_progress": ["Going"], "done": []}
    assert f'id="item-{late.pk}"' in html and "badge-overdue" in html
    assert "1 dropped item" in html
    mine = client.get(url + "?mine=on")
    assert [i.title for i in mine.context["columns"][1][2]] == []
    assert [i.title for i in mine.context["columns"][0][2]] == ["Late item"]


def test_the_board_query_count_stays_flat(
    org, manager, make_round, browser_for, django_assert_max_num_queries
):
    feedback_round = make_round()
    ActionItemFactory.create_batch(
        20, organization=org, round=feedback_round, owner=manager, due_date=timezone.localdate()
    )
    client = browser_for(manager)
    url = reverse("feedback:action_board")
    client.get(url)

    with django_assert_max_num_queries(BOARD_BUDGET):
        assert client.get(url).status_code == 200


def test_pages_by_role(org, manager, seller, make_round, browser_for):
    admin = member_of(org, K.CS, Role.ADMIN, email="ada@acme.test")
    feedback_round = make_round()
    for person, expected in ((seller, 200), (manager, 200), (admin, 200)):
        client = browser_for(person)
        assert client.get(reverse("feedback:round_list")).status_code == expected
        assert client.get(feedback_round.get_absolute_url()).status_code == expected
        assert client.get(reverse("feedback:action_board")).status_code == expected


def test_how_others_see_us_hides_a_cell_below_the_minimum(
    org, manager, seller, make_round, browser_for, departments
):
    marketers = [member_of(org, K.MARKETING, email=f"q{n}@acme.test") for n in range(2)]
    feedback_round = make_round()
    for person in marketers:
        _answer(person, feedback_round, departments[K.SALES], (1, 1, 1), "Hidden words")
    feedback_round = _closed(feedback_round, manager)

    html = (
        browser_for(seller)
        .get(reverse("feedback:department_view", args=[feedback_round.pk, departments[K.SALES].pk]))
        .content.decode()
    )

    assert "Fewer than 3 answers: nothing is shown." in html
    assert "Hidden words" not in html and "1.0" not in html
    assert "Not enough answers yet" in html


def test_a_change_that_rounds_to_nothing_shows_as_no_change(org, manager, browser_for, departments):
    now = timezone.now()
    pair = [departments[K.SALES], departments[K.MARKETING]]
    rounds = [
        FeedbackRoundFactory(
            organization=org,
            status=RoundStatus.CLOSED,
            opens_at=now - timedelta(days=days + 5),
            closes_at=now - timedelta(days=days),
            min_responses=1,
            departments=pair,
        )
        for days in (30, 1)
    ]
    common = {"organization": org, "from_department": pair[1], "to_department": pair[0]}
    FeedbackResponseFactory(round=rounds[0], collaboration=4, responsiveness=4, quality=4, **common)
    FeedbackResponseFactory(
        round=rounds[1], collaboration=4, responsiveness=4, quality=4, comment="", **common
    )

    html = browser_for(manager).get(reverse("feedback:round_results", args=[rounds[1].pk]))

    assert "= 0" in html.content.decode()
    assert "−0.0" not in html.content.decode() and "+0.0" not in html.content.decode()
