"""The feedback's "my work" items: the open rounds a participant has not finished answering
(the soonest closing first; due soon within a day of closing) and the member's own action
items still open or in progress (overdue ones overdue). Each member gets only their own;
each provider costs one query."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import DepartmentKind
from collab_hub.home import Urgency, my_work
from feedback.models import ActionStatus
from feedback.services import responses as response_services
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db

K = DepartmentKind


def _items(membership, provider):
    return [item for item in my_work(membership).items if item.provider == provider]


def test_a_participant_is_asked_to_answer_until_they_have(
    manager, seller, marketer, make_round, departments, browser_for
):
    soon = make_round(name="Closing soon", closes_at=timezone.now() + timedelta(hours=5))
    later = make_round(name="Later round")

    items = _items(seller, "feedback.rounds_to_answer")

    assert [item.title for item in items] == ["Closing soon", "Later round"]
    assert items[0].urgency == Urgency.DUE_SOON and items[1].urgency == Urgency.NORMAL
    assert items[0].url == reverse("feedback:round_answer", args=[soon.pk])
    home = browser_for(seller).get(reverse("home")).content.decode()
    assert "Answer the feedback round" in home and "Closing soon" in home

    response_services.answer(
        by=seller,
        feedback_round=later,
        to_department=departments[K.MARKETING],
        collaboration=4,
        responsiveness=4,
        quality=4,
    )
    assert [item.title for item in _items(seller, "feedback.rounds_to_answer")] == ["Closing soon"]


def test_no_round_to_answer_for_a_non_participant_or_a_draft(manager, seller, engineer, make_round):
    make_round()  # sales and marketing
    make_round(name="Draft", kinds=(K.PRODUCT, K.CS), open=False)

    assert _items(engineer, "feedback.rounds_to_answer") == []


def test_the_owner_gets_their_open_action_items_overdue_first(
    org, manager, seller, make_round, browser_for
):
    feedback_round = make_round()
    today = timezone.localdate()
    late = ActionItemFactory(
        organization=org,
        round=feedback_round,
        owner=seller,
        title="Late one",
        due_date=today - timedelta(days=1),
    )
    ActionItemFactory(
        organization=org,
        round=feedback_round,
        owner=seller,
        title="Next month",
        due_date=today + timedelta(days=30),
        status=ActionStatus.IN_PROGRESS,
    )
    ActionItemFactory(organization=org, round=feedback_round, owner=seller, status="done")
    ActionItemFactory(organization=org, round=feedback_round, owner=manager, title="Not mine")

    items = _items(seller, "feedback.action_items")

    assert [item.title for item in items] == ["Late one", "Next month"]
    assert items[0].urgency == Urgency.OVERDUE and items[1].urgency == Urgency.NORMAL
    assert items[0].url == late.get_absolute_url()
    home = browser_for(seller).get(reverse("home")).content.decode()
    assert "Your action items" in home and "Late one" in home


def test_each_provider_is_one_query(
    org, manager, seller, marketer, make_round, django_assert_num_queries
):
    feedback_round = make_round()
    make_round(name="Second")
    ActionItemFactory.create_batch(5, organization=org, round=feedback_round, owner=seller)
    from feedback.home import ActionItemsToDo, RoundsToAnswer

    for provider in (RoundsToAnswer(), ActionItemsToDo()):
        with django_assert_num_queries(1):
            items, total = provider.collect(seller, limit=10)
        assert total == len(items) > 0
