"""The demo's cross-department feedback: three closed rounds with a trend the results page
shows, the action items they led to, and one round open now that the demo's sales.member
has still to answer.

One test on purpose: seeding the whole demo through the services takes seconds, so it runs
once (and a second time, to show it changes nothing).
"""

import itertools
import logging
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Department, Membership, Organization
from collab_hub.home import my_work
from collab_hub.notifications.models import ActivityEvent, Notification
from feedback.demo import EXTRA_PEOPLE
from feedback.models import (
    ActionItem,
    ActionStatus,
    FeedbackResponse,
    FeedbackRound,
    Participant,
    RoundStatus,
)
from feedback.selectors.results import previous_round, results

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

logger = logging.getLogger(__name__)
DOMAIN = "demo.collabhub.test"


def counts():
    return (
        FeedbackRound.objects.count(),
        Participant.objects.count(),
        FeedbackResponse.objects.count(),
        ActionItem.objects.count(),
        Membership.objects.count(),
        ActivityEvent.objects.count(),
        Notification.objects.count(),
    )


def member(org, local_part):
    return Membership.objects.get(organization=org, user__email=f"{local_part}@{DOMAIN}")


def test_demo_feedback_rounds_show_a_trend_action_items_and_an_open_round():
    started = timezone.now()
    began = time.monotonic()
    call_command("demo", "--leads", "60", stdout=StringIO())
    logger.warning("manage.py demo --leads 60 took %.1f s", time.monotonic() - began)
    org = Organization.objects.get(slug="northwind-demo")
    departments = {d.kind: d for d in Department.objects.for_org(org)}
    sales, marketing, product, cs = (
        departments[k] for k in ("sales", "marketing", "product", "cs")
    )

    # Three closed rounds, one after the other, and one open round closing in a few days.
    rounds = list(FeedbackRound.objects.for_org(org).order_by("opens_at"))
    assert [r.status for r in rounds] == [RoundStatus.CLOSED] * 3 + [RoundStatus.OPEN]
    assert all(r.anonymous and r.min_responses == 3 for r in rounds)
    for earlier, later in itertools.pairwise(rounds):
        assert earlier.closes_at <= later.opens_at
        assert previous_round(later) == earlier
    *closed, current = rounds
    assert started - timezone.timedelta(days=200) < closed[0].opens_at
    assert current.opens_at < started < current.closes_at < started + timezone.timedelta(days=7)
    for feedback_round in rounds:
        assert set(feedback_round.departments.all()) == {sales, marketing, product, cs}

    # The trend, as the results page shows it: sales rates marketing higher each round, CS
    # rates sales lower, marketing's view of sales stays where it was.
    matrices = [results(r) for r in closed]
    rising = [m.cells[(sales.pk, marketing.pk)] for m in matrices]
    assert all(cell.shown for cell in rising)
    assert rising[0].overall < rising[1].overall < rising[2].overall
    assert abs(rising[0].overall - Decimal("2.6")) <= Decimal("0.1")
    assert abs(rising[2].overall - Decimal("3.7")) <= Decimal("0.1")
    assert rising[2].trend > 0 and rising[0].trend is None
    falling = [m.cells[(cs.pk, sales.pk)] for m in matrices]
    assert falling[0].overall > falling[1].overall > falling[2].overall
    assert falling[2].trend < 0
    flat = [m.cells[(marketing.pk, sales.pk)].overall for m in matrices]
    assert max(flat) - min(flat) <= Decimal("0.1")
    # Comments come with the shown cells; one cell of the first round is below the minimum.
    assert any(cell.comments for m in matrices for cell in m.cells.values())
    hidden = matrices[0].cells[(product.pk, cs.pk)]
    assert not hidden.shown and hidden.count is None and hidden.comments == []
    assert FeedbackResponse.objects.filter(round=closed[0], from_department=product,
                                           to_department=cs).count() == 2  # fmt: skip

    # Anonymous: no response has an author, and nothing recorded is about a response.
    responses = FeedbackResponse.objects.for_org(org)
    assert responses.count() > 150
    assert not responses.filter(author__isnull=False).exists()
    response_type = ContentType.objects.get_for_model(FeedbackResponse)
    assert not ActivityEvent.objects.for_org(org).filter(target_type=response_type).exists()

    # "Answered" flags follow the answers: the demo's sales.member and marketing.member have
    # not answered the open round; the round is on sales.member's home page, unread.
    sales_member, marketing_member = member(org, "sales.member"), member(org, "marketing.member")
    waiting = Participant.objects.filter(round=current, completed=False)
    assert {sales_member, marketing_member} <= {p.membership for p in waiting}
    assert Participant.objects.filter(round=current, completed=True).count() >= 9
    assert Participant.objects.get(round=current, membership=member(org, "sales.manager")).completed
    assert Participant.objects.filter(round=closed[1], completed=True).count() >= 15
    assert Notification.objects.filter(
        recipient=sales_member, event__verb="round.opened", event__target_id=current.pk,
        read_at__isnull=True,
    ).exists()  # fmt: skip
    urls = {item.url for item in my_work(sales_member).items}
    assert any(str(current.pk) in url and "feedback" in url for url in urls), urls

    # The extra people joined by invitation before the first round.
    for local_part, full_name, kind, _days in EXTRA_PEOPLE:
        extra = Membership.objects.get(organization=org, user__email=f"{local_part}@{DOMAIN}")
        assert (extra.user.full_name, extra.department.kind) == (full_name, kind)
        assert extra.created_at < closed[0].opens_at

    # Action items from each closed round: done, dropped, in progress, open, one overdue and
    # reported to its owner (sales.member, on whose home page it is).
    items = ActionItem.objects.for_org(org)
    assert set(items.values_list("round", flat=True)) == {r.pk for r in closed}
    assert set(items.values_list("status", flat=True)) == set(ActionStatus.values)
    assert set(items.filter(round=closed[0]).values_list("status", flat=True)) == {"done"}
    overdue = [item for item in items if item.is_overdue]
    assert len(overdue) == 1 and overdue[0].owner == sales_member
    assert overdue[0].overdue_notified_at is not None
    assert overdue[0].overdue_notified_at < started
    assert Notification.objects.filter(
        recipient=sales_member, event__verb="action_item.overdue", event__target_id=overdue[0].pk
    ).exists()
    assert overdue[0].get_absolute_url() in {item.url for item in my_work(sales_member).items}
    owners = {item.owner.role for item in items}
    assert owners == {"member", "manager"}
    for item in items:
        assert item.created_at > item.round.closes_at
        if item.status in (ActionStatus.DONE, ActionStatus.DROPPED):
            assert item.created_at < item.completed_at < started
        else:
            assert item.completed_at is None

    # Dated to the story: nothing after the run began, old notifications read.
    events = ActivityEvent.objects.for_org(org)
    assert not events.filter(created_at__gt=started).exists()
    assert not FeedbackRound.objects.filter(created_at__gt=started).exists()
    assert not FeedbackRound.objects.filter(closed_at__gt=started).exists()
    for feedback_round in closed:
        assert feedback_round.created_at < feedback_round.opened_at < feedback_round.closed_at
        opened = events.get(verb="round.opened", target_id=feedback_round.pk)
        assert opened.created_at == feedback_round.opened_at
        assert opened.payload["closes_at"] == feedback_round.closes_at.isoformat()
    old = Notification.objects.for_org(org).filter(
        event__verb__startswith="round.", created_at__lt=started - timezone.timedelta(days=8)
    )
    assert old.exists() and not old.filter(read_at__isnull=True).exists()

    # A second run changes nothing.
    before = counts()
    call_command("demo", "--leads", "60", stdout=StringIO())
    assert counts() == before
