"""A won deal opens its handoff through the subscriber registry (leads imports nothing of
handoffs): exactly once per deal, in the win's transaction, with the checklist of the
company's tier and a CS owner (the customer's, else the next CS member in turn)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from accounts.models import DepartmentKind, Role
from collab_hub.exceptions import IllegalTransition
from collab_hub.notifications import registry
from collab_hub.notifications.models import ActivityEvent, Notification
from handoffs import subscribers
from handoffs.models import ChecklistItem, CustomerAccount, Handoff, HandoffStatus
from leads.models import Deal, DealStage
from leads.services import deals as deal_services
from roadmap import services as roadmap_services
from tests.conftest import skip_or_fail
from tests.factories import (
    ChecklistTemplateFactory,
    CompanyFactory,
    CustomerAccountFactory,
    DealFactory,
    TierFactory,
    member_of,
    organization_with_departments,
)


def test_handoffs_subscribes_to_won_deals():
    handlers = {(s.verb, s.handler) for s in registry.subscriptions() if s.app == "handoffs"}
    assert handlers == {("deal.won", subscribers.on_deal_won)}


def win(by, deal):
    return deal_services.win_deal(by=by, deal=deal)


def notified(event: ActivityEvent) -> set[int]:
    return set(event.notifications.values_list("recipient_id", flat=True))


# --- Exactly one handoff per deal ------------------------------------------------------------


@pytest.mark.django_db
def test_winning_a_deal_opens_one_draft_handoff_for_both_owners(org, rep, cs, alice):
    deal = DealFactory(organization=org, owner=rep)

    win(alice, deal)

    handoff = Handoff.objects.get(deal=deal)
    assert (handoff.status, handoff.sales_owner, handoff.cs_owner) == (
        HandoffStatus.DRAFT,
        rep,
        cs,
    )
    assert list(handoff.status_changes.values_list("from_status", "to_status")) == [("", "draft")]
    event = ActivityEvent.objects.get(verb="handoff.opened")
    assert (event.target_id, event.actor) == (handoff.pk, alice)
    assert notified(event) == {rep.pk, cs.pk}
    assert event.payload["deal"] == deal.pk


@pytest.mark.django_db
def test_winning_twice_is_a_409_and_still_one_handoff(org, rep, cs):
    deal = DealFactory(organization=org, owner=rep)
    win(rep, deal)

    with pytest.raises(IllegalTransition) as error:
        win(rep, deal)

    assert error.value.code == "deal_won"
    assert Handoff.objects.filter(deal=deal).count() == 1
    assert ActivityEvent.objects.filter(verb="handoff.opened").count() == 1


@pytest.mark.django_db
def test_a_reopened_and_rewon_deal_keeps_its_handoff(org, rep, cs, cs2, sales_manager):
    deal = DealFactory(organization=org, owner=rep)
    win(rep, deal)
    first = Handoff.objects.get(deal=deal)
    first.customer_goals = "Replace three spreadsheets."
    first.save()

    deal_services.reopen_deal(by=sales_manager, deal=deal, reason="Signed the wrong entity.")
    win(rep, deal)

    (handoff,) = Handoff.objects.filter(deal=deal)
    assert handoff.pk == first.pk
    assert (handoff.customer_goals, handoff.cs_owner) == ("Replace three spreadsheets.", cs)
    assert ActivityEvent.objects.filter(verb="handoff.opened").count() == 1


@pytest.mark.django_db
def test_a_failing_subscriber_rolls_back_the_win_and_its_handoff(org, rep, cs):
    deal = DealFactory(organization=org, owner=rep)

    def explode(*, event, target):
        raise RuntimeError("a later subscriber failed")

    registry.subscribe("deal.won", explode, app="tests")
    try:
        with pytest.raises(RuntimeError):
            win(rep, deal)
    finally:
        registry.unsubscribe("deal.won", explode)

    deal.refresh_from_db()
    assert deal.stage != DealStage.WON and deal.closed_at is None
    assert not Handoff.objects.exists()
    assert not ActivityEvent.objects.filter(verb__in=["deal.won", "handoff.opened"]).exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_lost_deal_opens_no_handoff(org, rep, cs):
    deal = DealFactory(organization=org, owner=rep)
    deal_services.lose_deal(by=rep, deal=deal, reason="price")
    assert not Handoff.objects.exists()


# --- The checklist -------------------------------------------------------------------------


def template(org, tier, *items):
    made = ChecklistTemplateFactory(organization=org, tier=tier)
    for position, (title, required) in enumerate(items):
        made.items.create(title=title, required=required, position=position)
    return made


@pytest.mark.django_db
def test_the_checklist_is_copied_from_the_template_of_the_companys_tier(org, rep, cs):
    enterprise, smb = TierFactory(organization=org), TierFactory(organization=org)
    template(org, enterprise, ("Kick-off call", True), ("SSO set up", False))
    template(org, smb, ("Welcome mail", False))
    template(org, None, ("Default item", False))
    deal = DealFactory(
        organization=org, owner=rep, company=CompanyFactory(organization=org, tier=enterprise)
    )

    win(rep, deal)

    items = ChecklistItem.objects.filter(handoff__deal=deal)
    assert list(items.values_list("title", "required", "position", "done_at")) == [
        ("Kick-off call", True, 1, None),
        ("SSO set up", False, 2, None),
    ]
    assert ActivityEvent.objects.get(verb="handoff.opened").payload["checklist_items"] == 2


@pytest.mark.django_db
def test_a_company_without_a_tier_template_gets_the_default_template(org, rep, cs):
    tier = TierFactory(organization=org)
    template(org, None, ("Default item", True))
    untiered = DealFactory(organization=org, owner=rep)
    tier_without_template = DealFactory(
        organization=org, owner=rep, company=CompanyFactory(organization=org, tier=tier)
    )

    win(rep, untiered)
    win(rep, tier_without_template)

    for deal in (untiered, tier_without_template):
        titles = ChecklistItem.objects.filter(handoff__deal=deal).values_list("title", flat=True)
        assert list(titles) == ["Default item"]


@pytest.mark.django_db
def test_no_template_at_all_opens_an_empty_checklist(org, other_org, rep, cs):
    template(other_org, None, ("Their item", True))
    deal = DealFactory(organization=org, owner=rep)
    win(rep, deal)
    assert not ChecklistItem.objects.filter(handoff__deal=deal).exists()


# --- The CS owner --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_companys_cs_owner_gets_the_handoff(org, rep, cs, cs2):
    company = CompanyFactory(organization=org)
    CustomerAccountFactory(organization=org, company=company, cs_owner=cs2)
    deal = DealFactory(organization=org, owner=rep, company=company)

    win(rep, deal)

    assert Handoff.objects.get(deal=deal).cs_owner == cs2


@pytest.mark.django_db
def test_new_customers_go_round_robin_among_cs_members_and_keep_their_owner(
    org, rep, cs, cs2, cs_manager
):
    deals = [DealFactory(organization=org, owner=rep) for _ in range(3)]
    for deal in deals:
        win(rep, deal)

    owners = [Handoff.objects.get(deal=deal).cs_owner for deal in deals]
    # Members only (the manager is not in the rotation), each in turn.
    assert owners[0] != owners[1] and {owners[0], owners[1]} == {cs, cs2}
    assert owners[2] == owners[0]
    for deal, owner in zip(deals, owners, strict=True):
        assert CustomerAccount.objects.get(company=deal.company).cs_owner == owner

    # The customer's next deal goes to the CS owner it has, not the next in turn.
    again = DealFactory(organization=org, owner=rep, company=deals[2].company)
    win(rep, again)
    assert Handoff.objects.get(deal=again).cs_owner == owners[2]


@pytest.mark.django_db
def test_an_inactive_cs_owner_of_the_company_is_replaced_by_the_rotation(org, rep, cs, cs2):
    company = CompanyFactory(organization=org)
    CustomerAccountFactory(organization=org, company=company, cs_owner=cs2)
    cs2.is_active = False
    cs2.save()
    deal = DealFactory(organization=org, owner=rep, company=company)

    win(rep, deal)

    assert Handoff.objects.get(deal=deal).cs_owner == cs
    assert CustomerAccount.objects.get(company=company).cs_owner == cs


@pytest.mark.django_db
def test_cs_managers_get_handoffs_only_when_cs_has_no_members(org, rep, cs_manager):
    integration = member_of(org, DepartmentKind.CS, Role.MEMBER, email="bot@acme.test")
    integration.is_integration = True
    integration.save()
    deal = DealFactory(organization=org, owner=rep)

    win(rep, deal)

    assert Handoff.objects.get(deal=deal).cs_owner == cs_manager


@pytest.mark.django_db
def test_without_anyone_in_cs_the_handoff_opens_with_no_cs_owner(org, rep):
    deal = DealFactory(organization=org, owner=rep)
    win(rep, deal)
    handoff = Handoff.objects.get(deal=deal)
    assert handoff.cs_owner is None
    assert notified(ActivityEvent.objects.get(verb="handoff.opened")) == set()


@pytest.mark.django_db
def test_the_rotation_is_per_organization(org, other_org, rep, cs, cs2):
    theirs_rep = member_of(other_org, DepartmentKind.SALES, Role.MEMBER)
    theirs_cs = member_of(other_org, DepartmentKind.CS, Role.MEMBER)
    mine = DealFactory(organization=org, owner=rep)
    theirs = DealFactory(organization=other_org, owner=theirs_rep)

    win(rep, mine)
    win(theirs_rep, theirs)

    assert Handoff.objects.get(deal=mine).cs_owner in (cs, cs2)
    assert Handoff.objects.get(deal=theirs).cs_owner == theirs_cs


@pytest.mark.django_db
def test_the_handoff_counts_the_promises_made_on_the_deal(org, rep, cs, pm):
    deal = DealFactory(organization=org, owner=rep)
    for title in ("SSO", "Audit log"):
        request = roadmap_services.create_feature_request(by=rep, title=title)
        roadmap_services.record_promise(by=rep, deal=deal, feature_request=request)

    win(rep, deal)

    assert ActivityEvent.objects.get(verb="handoff.opened").payload["promises"] == 2


# --- Concurrency (PostgreSQL: real concurrent transactions) --------------------------------


def run_at_once(*calls) -> tuple[list[object], list[BaseException]]:
    """Run each call in its own thread, released together; their results and errors."""
    start = threading.Barrier(len(calls))
    results: list[object] = []
    errors: list[BaseException] = []

    def run(call) -> None:
        try:
            start.wait()
            results.append(call())
        except BaseException as error:  # collected: the test says which are expected
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(not thread.is_alive() for thread in threads), "a thread hung"
    return results, errors


@pytest.fixture
def racers():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL")
    org = organization_with_departments(name="Racers", slug="racers")
    return (
        org,
        member_of(org, DepartmentKind.SALES, Role.MEMBER),
        member_of(org, DepartmentKind.SALES, Role.MEMBER),
        member_of(org, DepartmentKind.CS, Role.MEMBER),
        member_of(org, DepartmentKind.CS, Role.MEMBER),
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_wins_of_one_deal_make_one_win_one_409_and_one_handoff(racers):
    org, rep, rep2, _cs, _cs2 = racers
    deal = DealFactory(organization=org, owner=rep)

    results, errors = run_at_once(
        lambda: win(rep, Deal.objects.get(pk=deal.pk)),
        lambda: win(rep2, Deal.objects.get(pk=deal.pk)),
    )

    assert len(results) == 1, errors
    assert [(type(e), getattr(e, "code", None)) for e in errors] == [
        (IllegalTransition, "deal_won")
    ]
    assert Handoff.objects.filter(deal=deal).count() == 1
    assert ActivityEvent.objects.filter(verb="deal.won").count() == 1
    assert ActivityEvent.objects.filter(verb="handoff.opened").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deals_won_at_once_go_to_two_different_cs_members(racers):
    org, rep, rep2, cs, cs2 = racers
    deals = [DealFactory(organization=org, owner=owner) for owner in (rep, rep2)]

    results, errors = run_at_once(
        lambda: win(rep, Deal.objects.get(pk=deals[0].pk)),
        lambda: win(rep2, Deal.objects.get(pk=deals[1].pk)),
    )

    assert (len(results), errors) == (2, [])
    owners = {Handoff.objects.get(deal=deal).cs_owner_id for deal in deals}
    assert owners == {cs.pk, cs2.pk}
