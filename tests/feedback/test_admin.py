"""The feedback admin: organization admins schedule, open and close rounds and follow up on
action items of their own organization only, every write through ``feedback.services`` —
and no admin page ever shows a response, who gave it, or who was asked."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.utils import timezone

from accounts.models import DepartmentKind
from collab_hub.notifications.models import ActivityEvent
from feedback.models import (
    ActionItem,
    ActionStatus,
    FeedbackResponse,
    FeedbackRound,
    Participant,
    RoundStatus,
)
from feedback.services import responses as response_services
from tests.factories import ActionItemFactory, FeedbackRoundFactory, member_of

pytestmark = pytest.mark.django_db

ROUNDS = "/admin/feedback/feedbackround/"
ITEMS = "/admin/feedback/actionitem/"


def _when(moment):
    local = timezone.localtime(moment)
    return {"0": local.strftime("%Y-%m-%d"), "1": local.strftime("%H:%M:%S")}


def _round_form(departments, *, opens_at, closes_at, **values):
    data = {
        "name": "Q1 cross-department round",
        "departments": [d.pk for d in departments],
        "anonymous": "on",
        "min_responses": 3,
        **values,
    }
    for name, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
        for part, text in _when(moment).items():
            data[f"{name}_{part}"] = text
    return data


def _run_action(client, action, rounds):
    return client.post(
        ROUNDS,
        {"action": action, "_selected_action": [r.pk for r in rounds]},
        follow=True,
    )


def test_lists_show_the_admins_organization_only(browser_for, alice, org, other_org):
    mine = FeedbackRoundFactory(organization=org, name="Ours: spring round")
    theirs = FeedbackRoundFactory(organization=other_org, name="Theirs: spring round")
    ActionItemFactory(organization=org, round=mine, title="Ours: pipeline review")
    their_item = ActionItemFactory(organization=other_org, round=theirs, title="Theirs: review")
    client = browser_for(alice)

    rounds = client.get(ROUNDS).content.decode()
    assert "Ours: spring round" in rounds and "Theirs" not in rounds
    assert client.get(f"{ROUNDS}{theirs.pk}/change/").status_code in (302, 404)
    items = client.get(ITEMS).content.decode()
    assert "Ours: pipeline review" in items and "Theirs" not in items
    assert client.get(f"{ITEMS}{their_item.pk}/change/").status_code in (302, 404)
    # The add forms offer this organization's departments and rounds only.
    add = client.get(f"{ROUNDS}add/").context["adminform"].form
    assert {d.organization_id for d in add.fields["departments"].queryset} == {org.pk}
    item_form = client.get(f"{ITEMS}add/").context["adminform"].form
    assert list(item_form.fields["round"].queryset) == [mine]


def test_a_round_is_created_through_the_service(browser_for, alice, org, departments):
    now = timezone.now()
    chosen = [departments[DepartmentKind.SALES], departments[DepartmentKind.CS]]
    response = browser_for(alice).post(
        f"{ROUNDS}add/",
        _round_form(chosen, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=8)),
    )
    assert response.status_code == 302
    created = FeedbackRound.objects.get(organization=org)
    assert (created.status, created.created_by, created.min_responses) == (
        RoundStatus.DRAFT,
        alice,
        3,
    )
    assert set(created.departments.all()) == set(chosen)
    assert ActivityEvent.objects.filter(verb="round.created", target_id=created.pk).exists()


def test_the_services_rules_hold_in_the_admin(browser_for, alice, org, departments):
    now = timezone.now()
    client = browser_for(alice)
    # Closing before opening: the service refuses, the admin says why, nothing is created.
    backwards = client.post(
        f"{ROUNDS}add/",
        _round_form(
            [departments[DepartmentKind.SALES], departments[DepartmentKind.MARKETING]],
            opens_at=now + timedelta(days=3),
            closes_at=now + timedelta(days=1),
        ),
        follow=True,
    )
    assert "A round closes after it opens." in backwards.content.decode()
    # One department only: the service needs two.
    alone = client.post(
        f"{ROUNDS}add/",
        _round_form(
            [departments[DepartmentKind.SALES]],
            opens_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=3),
        ),
        follow=True,
    )
    assert "at least two" in alone.content.decode()
    assert not FeedbackRound.objects.filter(organization=org).exists()


def test_a_draft_changes_freely_an_open_round_only_its_name_and_end(
    browser_for, alice, make_round, departments
):
    draft = make_round(open=False)
    client = browser_for(alice)
    page = client.get(f"{ROUNDS}{draft.pk}/change/").context["adminform"].form
    assert {"name", "departments", "min_responses", "anonymous"} <= set(page.fields)
    response = client.post(
        f"{ROUNDS}{draft.pk}/change/",
        _round_form(
            [departments[k] for k in (DepartmentKind.SALES, DepartmentKind.PRODUCT)],
            opens_at=draft.opens_at,
            closes_at=draft.closes_at,
            name="Renamed round",
            min_responses=5,
        ),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.min_responses) == ("Renamed round", 5)
    assert {d.kind for d in draft.departments.all()} == {"sales", "product"}
    event = ActivityEvent.objects.get(verb="round.updated", target_id=draft.pk)
    assert set(event.payload["changes"]) == {"name", "min_responses", "departments"}

    opened = make_round(name="Open round")
    form = client.get(f"{ROUNDS}{opened.pk}/change/").context["adminform"].form
    assert set(form.fields) == {"name", "closes_at"}
    later = opened.closes_at + timedelta(days=2)
    response = client.post(
        f"{ROUNDS}{opened.pk}/change/",
        {"name": "Open round, extended", **{f"closes_at_{k}": v for k, v in _when(later).items()}},
    )
    assert response.status_code == 302
    opened.refresh_from_db()
    assert opened.name == "Open round, extended"
    assert abs(opened.closes_at - later) < timedelta(seconds=1)


def test_open_now_and_close_now_go_through_the_services(
    browser_for, alice, make_round, seller, marketer
):
    draft = make_round(open=False)
    client = browser_for(alice)
    page = _run_action(client, "open_now", [draft])
    assert "1 round opened." in page.content.decode()
    draft.refresh_from_db()
    assert draft.status == RoundStatus.OPEN and draft.opened_at is not None
    assert {p.membership for p in Participant.objects.filter(round=draft)} >= {seller, marketer}
    assert ActivityEvent.objects.filter(verb="round.opened", target_id=draft.pk).exists()

    # Opening it again is refused with the service's reason; nothing changes.
    again = _run_action(client, "open_now", [draft])
    assert "The round is open." in again.content.decode()
    assert ActivityEvent.objects.filter(verb="round.opened", target_id=draft.pk).count() == 1

    page = _run_action(client, "close_now", [draft])
    assert "1 round closed." in page.content.decode()
    draft.refresh_from_db()
    assert draft.status == RoundStatus.CLOSED and draft.closed_at is not None
    # A closed round is read-only.
    form = client.get(f"{ROUNDS}{draft.pk}/change/").context["adminform"].form
    assert not form.fields
    other = make_round(open=False, name="Still a draft")
    refused = _run_action(client, "close_now", [other])
    assert "The round has not opened yet." in refused.content.decode()
    other.refresh_from_db()
    assert other.status == RoundStatus.DRAFT


def test_rounds_are_never_deleted_in_the_admin(browser_for, alice, make_round):
    feedback_round = make_round()
    client = browser_for(alice)
    assert client.post(f"{ROUNDS}{feedback_round.pk}/delete/").status_code == 403
    assert FeedbackRound.objects.filter(pk=feedback_round.pk).exists()


def test_an_action_item_is_created_and_changed_through_the_services(
    browser_for, alice, bob, make_round, departments
):
    feedback_round = make_round()
    client = browser_for(alice)
    sales, marketing = departments[DepartmentKind.SALES], departments[DepartmentKind.MARKETING]
    due = timezone.localdate() + timedelta(days=14)
    response = client.post(
        f"{ITEMS}add/",
        {
            "round": feedback_round.pk,
            "from_department": sales.pk,
            "to_department": marketing.pk,
            "title": "Agree on a sales-ready lead",
            "description": "",
            "owner": bob.pk,
            "due_date": due.isoformat(),
        },
    )
    assert response.status_code == 302
    item = ActionItem.objects.get(round=feedback_round)
    assert (item.owner, item.created_by, item.due_date) == (bob, alice, due)
    assert ActivityEvent.objects.filter(verb="action_item.created", target_id=item.pk).exists()

    # The pair and round stay; the status moves through the service (done stamps it).
    form = client.get(f"{ITEMS}{item.pk}/change/").context["adminform"].form
    assert "round" not in form.fields and "to_department" not in form.fields
    response = client.post(
        f"{ITEMS}{item.pk}/change/",
        {
            "title": item.title,
            "description": "",
            "owner": bob.pk,
            "due_date": due.isoformat(),
            "status": ActionStatus.DONE,
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ActionStatus.DONE and item.completed_at is not None
    event = ActivityEvent.objects.get(verb="action_item.updated", target_id=item.pk)
    assert set(event.payload["changes"]) == {"status"}
    assert client.post(f"{ITEMS}{item.pk}/delete/").status_code == 403


def test_a_pair_outside_the_round_is_refused(browser_for, alice, bob, make_round, departments):
    feedback_round = make_round()
    page = browser_for(alice).post(
        f"{ITEMS}add/",
        {
            "round": feedback_round.pk,
            "from_department": departments[DepartmentKind.SALES].pk,
            "to_department": departments[DepartmentKind.PRODUCT].pk,
            "title": "Roadmap call",
            "owner": bob.pk,
        },
        follow=True,
    )
    assert "Choose two different departments of the round." in page.content.decode()
    assert not ActionItem.objects.filter(round=feedback_round).exists()


def test_responses_and_participants_are_not_in_the_admin(client):
    assert FeedbackResponse not in admin.site._registry
    assert Participant not in admin.site._registry


def test_no_admin_page_of_a_round_shows_who_answered_or_what(
    browser_for, alice, org, make_round, departments, seller, marketer
):
    """Three people answer an anonymous round with comments; every admin page of the round
    and of its action items shows none of the comments, respondent keys or respondents."""
    feedback_round = make_round()
    third = member_of(org, DepartmentKind.SALES, email="sigrid.secret@acme.test")
    Participant.objects.create(
        organization=org,
        round=feedback_round,
        membership=third,
        department=third.department,
    )
    comments = {
        seller: "Leads are thin — SECRET-ONE",
        third: "Better than before — SECRET-TWO",
        marketer: "Sales never calls back — SECRET-THREE",
    }
    for who, comment in comments.items():
        to = DepartmentKind.MARKETING if who != marketer else DepartmentKind.SALES
        response_services.answer(
            by=who,
            feedback_round=feedback_round,
            to_department=departments[to],
            collaboration=2,
            responsiveness=3,
            quality=2,
            comment=comment,
        )
    ActionItemFactory(organization=org, round=feedback_round, title="Call leads back", owner=None)
    keys = list(FeedbackResponse.objects.values_list("respondent_key", flat=True))
    responses = list(FeedbackResponse.objects.values_list("pk", flat=True))
    client = browser_for(alice)
    item = ActionItem.objects.get(round=feedback_round)
    pages = [
        "/admin/",
        "/admin/feedback/",
        ROUNDS,
        f"{ROUNDS}?status__exact=open",
        f"{ROUNDS}{feedback_round.pk}/change/",
        f"{ROUNDS}{feedback_round.pk}/history/",
        ITEMS,
        f"{ITEMS}{item.pk}/change/",
        f"{ITEMS}{item.pk}/history/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in [
            "SECRET-",
            "sigrid",
            "sven@acme.test",
            "mia@acme.test",
            *keys,
            *(str(pk) for pk in responses),
        ]:
            assert secret not in html, (url, secret)
    # The round's counts only: three asked (and more), none finished (one department each).
    row = client.get(ROUNDS).context["cl"].result_list[0]
    assert row.participants_total == Participant.objects.filter(round=feedback_round).count()
    assert (
        row.participants_done
        == Participant.objects.filter(round=feedback_round, completed=True).count()
    )
    for url in ("/admin/feedback/feedbackresponse/", "/admin/feedback/participant/"):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("rows", [3, 30])
def test_the_round_list_takes_the_same_queries_for_3_or_30_rows(
    browser_for, alice, org, rows, django_assert_max_num_queries
):
    for _n in range(rows):
        ActionItemFactory(organization=org)
    client = browser_for(alice)
    with django_assert_max_num_queries(20):
        assert client.get(ROUNDS).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(ITEMS).status_code == 200
