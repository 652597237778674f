"""The handoffs' "my work" items: CS's handoffs to accept (overdue marked overdue; CS
managers see every submitted one), sales' returned handoffs, drafts to submit, upsell
signals to answer (sales managers also the unrouted and reported ones) and surprises to
answer. Each member gets only their own; each provider costs one query."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from collab_hub.home import Urgency, my_work
from handoffs.models import HandoffStatus
from tests.factories import (
    DealFactory,
    DiscrepancyFactory,
    HandoffFactory,
    UpsellSignalFactory,
)

pytestmark = pytest.mark.django_db

S = HandoffStatus


def _kinds(membership) -> dict[str, int]:
    return {kind.name: kind.total for kind in my_work(membership).kinds}


def _items(membership, provider):
    return [item for item in my_work(membership).items if item.provider == provider]


def _handoff(org, rep, cs, name, **fields):
    deal = DealFactory(organization=org, owner=rep, stage="won", company__name=name)
    return HandoffFactory(organization=org, deal=deal, sales_owner=rep, cs_owner=cs, **fields)


def test_cs_gets_their_submitted_handoffs_overdue_first(org, rep, cs, cs2, browser_for):
    now = timezone.now()
    late = _handoff(
        org, rep, cs, "Latecorp", status=S.SUBMITTED, accept_due_at=now - timedelta(hours=1)
    )
    _handoff(org, rep, cs, "Soonish", status=S.SUBMITTED, accept_due_at=now + timedelta(days=2))
    _handoff(org, rep, cs2, "Theirs", status=S.SUBMITTED, accept_due_at=now + timedelta(days=1))
    _handoff(org, rep, cs, "Draftco")

    items = _items(cs, "handoffs.to_accept")

    assert [item.title for item in items] == ["Latecorp", "Soonish"]
    assert items[0].urgency == Urgency.OVERDUE
    assert items[0].url == reverse("handoffs:handoff_detail", args=[late.pk])
    assert items[1].urgency == Urgency.NORMAL
    home = browser_for(cs).get(reverse("home")).content.decode()
    assert "Handoffs to accept" in home and "Latecorp" in home


def test_a_cs_manager_gets_every_submitted_handoff(org, rep, cs, cs2, cs_manager):
    due = timezone.now() + timedelta(days=1)
    _handoff(org, rep, cs, "Mine", status=S.SUBMITTED, accept_due_at=due)
    _handoff(org, rep, cs2, "Theirs", status=S.SUBMITTED, accept_due_at=due)
    _handoff(org, rep, None, "Nobody's", status=S.SUBMITTED, accept_due_at=due)
    assert _kinds(cs_manager)["handoffs.to_accept"] == 3
    assert _kinds(cs2)["handoffs.to_accept"] == 1


def test_sales_gets_returned_handoffs_and_drafts_to_submit(org, rep, rep2, cs):
    returned = _handoff(org, rep, cs, "Questioned", status=S.RETURNED, questions="Seats?")
    _handoff(org, rep, cs, "Draftco")
    _handoff(org, rep2, cs, "Someone else's", status=S.RETURNED)

    kinds = _kinds(rep)

    assert kinds["handoffs.returned"] == 1
    assert kinds["handoffs.to_submit"] == 1
    (item,) = _items(rep, "handoffs.returned")
    assert item.url == returned.get_absolute_url() and "Seats?" in item.detail
    assert "handoffs.to_accept" not in kinds


def test_sales_gets_upsell_signals_routed_to_them(org, rep, rep2, cs, sales_manager):
    mine = UpsellSignalFactory(organization=org, routed_to=rep, raised_by=cs)
    UpsellSignalFactory(organization=org, routed_to=rep2, raised_by=cs)
    UpsellSignalFactory(organization=org, routed_to=None, raised_by=cs)
    reported = UpsellSignalFactory(
        organization=org, routed_to=rep2, raised_by=cs, overdue_notified_at=timezone.now()
    )
    UpsellSignalFactory(organization=org, routed_to=rep, status="dismissed")

    (item,) = _items(rep, "handoffs.upsell_to_answer")
    assert item.url == mine.get_absolute_url()
    managed = _items(sales_manager, "handoffs.upsell_to_answer")
    assert len(managed) == 2
    assert managed[0].url == reported.get_absolute_url()
    assert managed[0].urgency == Urgency.OVERDUE


def test_sales_gets_unanswered_surprises_on_their_handoffs(org, rep, rep2, cs):
    handoff = _handoff(org, rep, cs, "Initech", status=S.SUBMITTED)
    open_one = DiscrepancyFactory(organization=org, handoff=handoff, raised_by=cs)
    DiscrepancyFactory(organization=org, handoff=handoff, answer="Done", raised_by=cs)
    DiscrepancyFactory(organization=org, handoff=handoff, resolved=True, raised_by=cs)

    (item,) = _items(rep, "handoffs.surprises_to_answer")

    assert item.url == open_one.get_absolute_url()
    assert "Initech" in item.title
    assert "handoffs.surprises_to_answer" not in _kinds(rep2)


def test_home_items_cost_one_query_each(org, rep, cs, django_assert_max_num_queries):
    def add(n):
        for i in range(n):
            handoff = _handoff(org, rep, cs, f"C{i}", status=S.RETURNED)
            DiscrepancyFactory(organization=org, handoff=handoff, raised_by=cs)
            UpsellSignalFactory(organization=org, routed_to=rep, raised_by=cs)
            _handoff(org, rep, cs, f"D{i}")

    add(3)
    my_work(rep)
    with django_assert_max_num_queries(30) as few:
        my_work(rep)
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        kinds = _kinds(rep)
    assert kinds["handoffs.returned"] == 23
    assert kinds["handoffs.upsell_to_answer"] == 23
