"""A customer's account: its health score with history (a customer turning red tells its
sales and CS owners once), its CS owner, and the organization's handoff settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from collab_hub.exceptions import DomainError, NotAllowed
from collab_hub.notifications.models import ActivityEvent
from handoffs.models import CustomerAccount, HandoffSettings, HealthBand, HealthChange
from handoffs.services import accounts
from leads.models import DealStage
from tests.factories import CompanyFactory, CustomerAccountFactory, DealFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(org):
    return CompanyFactory(organization=org, name="Initech")


def notified(verb: str) -> list[set[int]]:
    """Per ``verb`` event, oldest first, who it notified."""
    return [
        set(event.notifications.values_list("recipient_id", flat=True))
        for event in ActivityEvent.objects.filter(verb=verb).order_by("pk")
    ]


# --- Health ----------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [-1, 101, "abc", True, False, 50.5, None, "", "1e2", [50]])
def test_a_score_outside_0_to_100_or_not_a_whole_number_is_a_400(company, cs, score):
    with pytest.raises(DomainError) as error:
        accounts.set_health(by=cs, company=company, score=score)
    assert (error.value.status_code, error.value.code, error.value.field) == (
        400,
        "invalid_score",
        "score",
    )
    assert not HealthChange.objects.exists()
    assert not CustomerAccount.objects.filter(health_score__isnull=False).exists()


@pytest.mark.parametrize(("score", "stored"), [(0, 0), (100, 100), ("55", 55), (" 7 ", 7)])
def test_the_bounds_and_whole_numbers_as_text_are_accepted(company, cs, score, stored):
    change = accounts.set_health(by=cs, company=company, score=score)
    assert change.score == stored
    assert CustomerAccount.objects.get(company=company).health_score == stored


def test_every_score_is_kept_in_the_history_with_its_note_and_author(company, cs, cs_manager):
    accounts.set_health(by=cs, company=company, score=80, note="Happy after onboarding.")
    accounts.set_health(by=cs_manager, company=company, score=55, note="  Usage dropping. ")

    account = CustomerAccount.objects.get(company=company)
    assert (account.health_score, account.health_note, account.health_band) == (
        55,
        "Usage dropping.",
        HealthBand.AMBER,
    )
    assert account.health_updated_at is not None
    history = list(account.history.values_list("score", "note", "by"))
    assert history == [
        (55, "Usage dropping.", cs_manager.pk),
        (80, "Happy after onboarding.", cs.pk),
    ]
    payloads = [
        e.payload
        for e in ActivityEvent.objects.filter(verb="account.health_changed").order_by("pk")
    ]
    assert [(p["from"], p["to"], p["band"]) for p in payloads] == [
        (None, 80, "green"),
        (80, 55, "amber"),
    ]


def test_a_note_longer_than_the_limit_is_a_400(company, cs):
    with pytest.raises(DomainError) as error:
        accounts.set_health(by=cs, company=company, score=50, note="x" * 5001)
    assert error.value.code == "invalid_note"


def test_turning_red_tells_the_sales_and_cs_owners_once(org, company, cs, cs2, rep, sales_manager):
    DealFactory(
        organization=org,
        company=company,
        owner=rep,
        stage=DealStage.WON,
        closed_at=timezone.now() - timedelta(days=3),
    )
    CustomerAccountFactory(organization=org, company=company, cs_owner=cs)

    accounts.set_health(by=cs2, company=company, score=75)
    accounts.set_health(by=cs2, company=company, score=39, note="Champion left.")
    accounts.set_health(by=cs2, company=company, score=20, note="Still red.")
    accounts.set_health(by=cs2, company=company, score=45)
    accounts.set_health(by=cs2, company=company, score=10, note="Red again.")

    assert notified("account.health_changed") == [
        set(),
        {rep.pk, cs.pk},
        set(),
        set(),
        {rep.pk, cs.pk},
    ]


def test_a_first_score_in_the_red_tells_the_owners(org, company, cs, rep):
    DealFactory(
        organization=org, company=company, owner=rep, stage=DealStage.WON, closed_at=timezone.now()
    )
    accounts.set_health(by=cs, company=company, score=5)
    assert notified("account.health_changed") == [{rep.pk}]


def test_a_red_customer_without_a_sales_owner_tells_the_sales_managers(company, cs, sales_manager):
    accounts.set_health(by=cs, company=company, score=12)
    assert notified("account.health_changed") == [{sales_manager.pk}]


def test_only_cs_sets_health(company, rep, sales_manager, pm, cs_manager, alice):
    for outsider in (rep, sales_manager, pm):
        with pytest.raises(NotAllowed):
            accounts.set_health(by=outsider, company=company, score=50)
    accounts.set_health(by=cs_manager, company=company, score=50)
    accounts.set_health(by=alice, company=company, score=60)
    assert HealthChange.objects.count() == 2


def test_nobody_sets_the_health_of_another_organizations_customer(other_org, cs):
    with pytest.raises(NotAllowed):
        accounts.set_health(by=cs, company=CompanyFactory(organization=other_org), score=50)
    assert not CustomerAccount.objects.exists()


# --- CS owner --------------------------------------------------------------------------------


def test_a_cs_manager_names_the_customers_cs_owner_who_is_told(company, cs, cs_manager):
    account = accounts.set_cs_owner(by=cs_manager, company=company, cs_owner=cs)
    assert CustomerAccount.objects.get(pk=account.pk).cs_owner == cs
    assert notified("account.cs_owner_changed") == [{cs.pk}]
    # The same owner again changes nothing.
    accounts.set_cs_owner(by=cs_manager, company=company, cs_owner=cs)
    assert ActivityEvent.objects.filter(verb="account.cs_owner_changed").count() == 1


def test_the_cs_owner_must_be_an_active_cs_member_of_the_organization(
    org, other_org, company, cs, rep, cs_manager
):
    gone = member_of(org, DepartmentKind.CS, Role.MEMBER, email="gone@acme.test")
    gone.is_active = False
    gone.save()
    foreign = member_of(other_org, DepartmentKind.CS, Role.MEMBER)
    for candidate in (rep, gone, foreign):
        with pytest.raises(DomainError) as error:
            accounts.set_cs_owner(by=cs_manager, company=company, cs_owner=candidate)
        assert error.value.code == "invalid_cs_owner"
    assert not CustomerAccount.objects.filter(cs_owner__isnull=False).exists()


def test_cs_members_and_sales_do_not_name_cs_owners(company, cs, cs2, rep, sales_manager, alice):
    for outsider in (cs, rep, sales_manager):
        with pytest.raises(NotAllowed):
            accounts.set_cs_owner(by=outsider, company=company, cs_owner=cs2)
    accounts.set_cs_owner(by=alice, company=company, cs_owner=cs2)
    assert CustomerAccount.objects.get(company=company).cs_owner == cs2


# --- Settings and people ---------------------------------------------------------------------


def test_the_settings_row_is_made_once_with_the_defaults(org):
    first = accounts.settings_for(org)
    again = accounts.settings_for(org.pk)
    assert first.pk == again.pk
    assert (
        first.acceptance_sla_hours,
        first.upsell_response_days,
        str(first.cs_credit_percent),
    ) == (
        48,
        5,
        "30.00",
    )
    assert HandoffSettings.objects.count() == 1


def test_managers_of_falls_back_to_the_admins(org, cs, cs_manager, alice):
    assert accounts.managers_of(org.pk, DepartmentKind.CS) == [cs_manager]
    assert accounts.managers_of(org.pk, DepartmentKind.SALES) == [alice]
    cs_manager.is_active = False
    cs_manager.save()
    assert accounts.managers_of(org.pk, DepartmentKind.CS) == [alice]
