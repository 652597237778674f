"""The home page's "my work": what needs the member, from every app's home providers,
the most urgent first, above the departments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from collab_hub.home import SHOWN, Urgency, my_work
from leads.models import ComplaintStatus, ContentRequestStatus, DealStage, LeadStatus
from leads.selectors.reports import local_today, month_bounds
from tests.factories import (
    ContentRequestFactory,
    DealFactory,
    LeadFactory,
    QualityComplaintFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def _mql(owner, *, due_in: timedelta, breached: bool = False, organization=None, **fields):
    now = timezone.now()
    return LeadFactory(
        organization=organization or owner.organization,
        owner=owner,
        status=LeadStatus.MQL,
        qualified_at=now - timedelta(days=1),
        sla_due_at=now + due_in,
        sla_breached_at=now if breached else None,
        **fields,
    )


def _rejected(marketer, **fields):
    return LeadFactory(
        organization=marketer.organization,
        marketing_owner=marketer,
        status=LeadStatus.REJECTED,
        rejection_reason="bad_contact_data",
        rejection_note="The phone number is the switchboard.",
        responded_at=timezone.now() - timedelta(days=1),
        **fields,
    )


def _work_titles(membership) -> list[str]:
    return [item.title for item in my_work(membership).items]


def _home(browser_for, membership) -> str:
    response = browser_for(membership).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def marketer(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mia@acme.test")


# --- Sales ---------------------------------------------------------------------------------


def test_sales_rep_sees_their_mqls_overdue_first_then_by_deadline(browser_for, bob):
    _mql(bob, due_in=20 * HOUR, first_name="Later", last_name="Lead")
    _mql(bob, due_in=2 * HOUR, first_name="Soon", last_name="Lead")
    _mql(bob, due_in=-3 * HOUR, breached=True, first_name="Late", last_name="Lead")
    _mql(bob, due_in=-30 * HOUR, breached=True, first_name="Very", last_name="Late")
    colleague = member_of(bob.organization, DepartmentKind.SALES)
    _mql(colleague, due_in=-HOUR, first_name="Not", last_name="Bobs")

    work = my_work(bob)

    assert [item.title for item in work.items] == [
        "Very Late",
        "Late Lead",
        "Soon Lead",
        "Later Lead",
    ]
    assert [item.urgency for item in work.items] == [
        Urgency.OVERDUE,
        Urgency.OVERDUE,
        Urgency.DUE_SOON,
        Urgency.DUE_SOON,
    ]
    html = _home(browser_for, bob)
    assert "Overdue by 1\xa0day" in html
    assert "Due in 1\xa0hour" in html
    assert "Not Bobs" not in html
    assert 'href="/leads/queue/"' in html  # "see all" of the MQLs
    assert "4 things need you" in html and "2 overdue" in html


def test_sales_rep_sees_their_deals_closing_this_month_and_late_ones(bob, alice):
    today = local_today(bob.organization)
    _first, following = month_bounds(today)
    org = bob.organization
    DealFactory(
        organization=org, owner=bob, name="This month", close_date=following - timedelta(days=1)
    )
    DealFactory(organization=org, owner=bob, name="Slipped", close_date=today - timedelta(days=2))
    DealFactory(organization=org, owner=bob, name="Next month", close_date=following)
    DealFactory(
        organization=org, owner=bob, name="Won already", close_date=today, stage=DealStage.WON
    )
    DealFactory(organization=org, owner=alice, name="Alice's", close_date=today)

    work = my_work(bob)

    assert [item.title for item in work.items][:1] == ["Slipped"]
    assert set(_work_titles(bob)) == {"This month", "Slipped"}
    slipped = work.items[0]
    assert slipped.urgency == Urgency.OVERDUE and slipped.all_day
    assert slipped.url == reverse("leads:deal_detail", args=[slipped_pk(org, "Slipped")])
    assert "€10,000.00" in slipped.detail


def slipped_pk(org, name):
    from leads.models import Deal

    return Deal.objects.get(organization=org, name=name).pk


def test_sales_manager_sees_the_teams_overdue_mqls_but_not_those_on_time(bob, org):
    manager = member_of(org, DepartmentKind.SALES, Role.MANAGER)
    _mql(bob, due_in=-5 * HOUR, breached=True, first_name="Bob's", last_name="Late one")
    _mql(bob, due_in=5 * HOUR, first_name="Bob's", last_name="On time")
    _mql(None, due_in=-HOUR, organization=org, first_name="Nobody's", last_name="Lead")

    work = my_work(manager)

    team_kind = next(kind for kind in work.kinds if kind.name == "leads.team_overdue_mqls")
    assert (team_kind.total, team_kind.overdue, team_kind.overdue_more) == (2, 2, False)
    team = [item for item in work.items if item.provider == "leads.team_overdue_mqls"]
    assert [item.title for item in team] == ["Bob's Late one", "Nobody's Lead"]
    assert "Waiting for" in team[0].detail and team[1].detail.split(" · ")[-1] == "Nobody owns it"
    # A plain rep does not get the team's kind.
    assert all(
        kind.name != "leads.team_overdue_mqls" for kind in my_work(bob).kinds + my_work(bob).clear
    )


# --- Marketing -----------------------------------------------------------------------------


def test_marketing_sees_rejected_leads_complaints_and_content_requests(browser_for, marketer, org):
    lead = _rejected(marketer, first_name="Fix", last_name="Me")
    other_marketer = member_of(org, DepartmentKind.MARKETING)
    _rejected(other_marketer, first_name="Not", last_name="Mine")
    QualityComplaintFactory(organization=org, due_at=timezone.now() - HOUR)
    QualityComplaintFactory(organization=org, status=ComplaintStatus.ANSWERED, note="done")
    ContentRequestFactory(
        organization=org,
        title="Battle card vs Globex",
        due_date=local_today(org) + timedelta(days=1),
    )
    ContentRequestFactory(organization=org, title="Delivered one", status=ContentRequestStatus.DONE)
    ContentRequestFactory(organization=org, title="Someone else's", assignee=other_marketer)

    work = my_work(marketer)

    by_provider = {kind.name: kind.total for kind in work.kinds}
    assert by_provider == {
        "leads.rejected_to_fix": 1,
        "leads.complaints_to_answer": 1,
        "leads.content_requests": 1,
    }
    # The overdue complaint first, then the request due tomorrow, then the undated lead.
    assert [item.provider for item in work.items] == [
        "leads.complaints_to_answer",
        "leads.content_requests",
        "leads.rejected_to_fix",
    ]
    html = _home(browser_for, marketer)
    assert f'href="{reverse("leads:lead_detail", args=[lead.pk])}"' in html
    assert "Bad contact data" in html and "The phone number is the switchboard." in html
    assert "Waiting 1\xa0day" in html  # since sales rejected it
    assert "Not Mine" not in html and "Delivered one" not in html and "Someone else" not in html
    assert 'href="/quality/complaints/?status=open"' in html


def test_marketing_manager_sees_the_departments_rejected_leads_and_every_request(org, marketer):
    manager = member_of(org, DepartmentKind.MARKETING, Role.MANAGER)
    _rejected(marketer, first_name="Team", last_name="Lead")
    ContentRequestFactory(organization=org, title="Assigned to Mia", assignee=marketer)

    assert set(_work_titles(manager)) == {"Team Lead", "Assigned to Mia"}


def test_sales_does_not_get_marketings_work(bob, marketer, org):
    _rejected(marketer)
    QualityComplaintFactory(organization=org)
    ContentRequestFactory(organization=org)

    assert my_work(bob).items == []


# --- The page ------------------------------------------------------------------------------


def test_my_work_comes_before_the_departments(browser_for, bob):
    _mql(bob, due_in=HOUR)

    html = _home(browser_for, bob)

    assert html.index('id="my-work"') < html.index('id="departments"')


def test_nothing_to_do_says_so_and_links_the_kinds_that_are_clear(browser_for, bob, org):
    html = _home(browser_for, bob)

    assert "Nothing needs you right now" in html
    assert "You are up to date" in html
    assert 'href="/leads/queue/"' in html and 'href="/deals/?owner=me"' in html

    # A department no flow gives work to (customer success has the handoffs to accept):
    # only the feedback's kinds, which every member has (rounds to answer, action items).
    loner = member_of(org, DepartmentKind.OTHER, Role.MEMBER)
    html = _home(browser_for, loner)
    assert "Nothing needs you right now" in html
    assert [kind.name for kind in my_work(loner).clear] == [
        "feedback.rounds_to_answer",
        "feedback.action_items",
    ]


def test_each_kind_counts_everything_and_the_list_shows_the_most_urgent(bob):
    for n in range(SHOWN + 5):
        _mql(bob, due_in=(n - 12) * HOUR, first_name=f"Lead{n:02d}")

    work = my_work(bob)

    mqls = next(kind for kind in work.kinds if kind.name == "leads.mql_queue")
    assert mqls.total == SHOWN + 5
    assert mqls.overdue_more  # every MQL fetched is late, and there are more
    assert work.hidden == SHOWN + 5 - len(work.items)
    assert work.items[0].title.startswith("Lead00")


def test_home_query_count_does_not_grow_with_the_work(
    browser_for, alice, org, marketer, django_assert_max_num_queries
):
    def add_work(count: int) -> None:
        for _ in range(count):
            _mql(alice, due_in=-HOUR)
            _mql(None, organization=org, due_in=-HOUR)
            DealFactory(organization=org, owner=alice, close_date=local_today(org))
            _rejected(alice)
            QualityComplaintFactory(organization=org)
            ContentRequestFactory(organization=org)

    client = browser_for(alice)
    add_work(3)
    # The roadmap's providers (product's and sales' promises, new requests), the handoffs'
    # five (to accept, returned, to submit, upsell signals, surprises) and the feedback's two
    # (rounds to answer, action items) included.
    with django_assert_max_num_queries(25) as few:
        assert client.get(reverse("home")).status_code == 200
    add_work(27)
    with django_assert_max_num_queries(25) as many:
        assert client.get(reverse("home")).status_code == 200
    # One query per provider, whatever the number of rows.
    assert len(many.captured_queries) == len(few.captured_queries)
    assert sum(kind.total for kind in my_work(alice).kinds) == 6 * 30


def test_other_organizations_work_never_shows(browser_for, bob, charlie, other_org):
    _mql(charlie, due_in=-HOUR, first_name="Globex", last_name="Secret")
    QualityComplaintFactory(organization=other_org, note="Globex complaint")

    html = _home(browser_for, bob)

    assert "Globex" not in html.replace("Globex</", "")  # no row of theirs
    assert "Secret" not in html
