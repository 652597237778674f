"""The handoffs flow's panels on the leads flow's pages: a won deal's handoff, an expansion
deal's upsell signal and credit split, a customer's health (score, history, CS owner, the
retention demand when at risk) and its upsell signals. Leads knows none of it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from handoffs.services import accounts as account_services
from handoffs.services import upsell as upsell_services
from tests.factories import CompanyFactory, DealFactory, HandoffFactory, UpsellSignalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(org, rep):
    return CompanyFactory(organization=org, name="Initech")


@pytest.fixture
def won(org, customer, rep):
    return DealFactory(
        organization=org, company=customer, owner=rep, stage="won", closed_at=timezone.now()
    )


# --- The deal page ----------------------------------------------------------------------------


def test_a_won_deal_shows_its_handoff(org, won, rep, cs, browser_for):
    handoff = HandoffFactory(organization=org, deal=won, sales_owner=rep, cs_owner=cs)

    html = browser_for(rep).get(won.get_absolute_url()).content.decode()

    assert "Handoff" in html and "Draft" in html
    assert cs.user.display_name in html
    assert handoff.get_absolute_url() in html


def test_an_open_deal_shows_no_handoff_panel(org, customer, rep, browser_for):
    deal = DealFactory(organization=org, company=customer, owner=rep)

    html = browser_for(rep).get(deal.get_absolute_url()).content.decode()

    assert 'id="handoff-panel-title"' not in html and 'id="signal-panel-title"' not in html


def test_an_expansion_deal_shows_its_signal_and_credit_split(won, customer, rep, cs, browser_for):
    signal = upsell_services.raise_signal(
        by=cs, company=customer, kind="seats", estimated_value="1000", confidence="high"
    )
    signal = upsell_services.accept_signal(by=rep, signal=signal, cs_credit_percent="35")

    html = browser_for(rep).get(signal.deal.get_absolute_url()).content.decode()

    assert "Opened from an upsell signal" in html and cs.user.display_name in html
    assert "CS 35% / sales 65%" in html
    assert reverse("handoffs:upsell_credit", args=[signal.pk]) in html
    # CS sees the split but may not change it.
    for_cs = browser_for(cs).get(signal.deal.get_absolute_url()).content.decode()
    assert "CS 35% / sales 65%" in for_cs
    assert reverse("handoffs:upsell_credit", args=[signal.pk]) not in for_cs


def test_product_sees_no_handoff_panel(org, won, rep, cs, pm, browser_for):
    HandoffFactory(organization=org, deal=won, sales_owner=rep, cs_owner=cs)

    html = browser_for(pm).get(won.get_absolute_url()).content.decode()

    assert 'id="handoff-panel-title"' not in html


def test_deal_page_panel_costs_two_queries_at_most(
    org, won, rep, cs, browser_for, django_assert_max_num_queries
):
    client = browser_for(rep)
    open_deal = DealFactory(organization=org, company=won.company, owner=rep)
    client.get(open_deal.get_absolute_url())
    with django_assert_max_num_queries(80) as without:
        client.get(won.get_absolute_url())
    HandoffFactory(organization=org, deal=won, sales_owner=rep, cs_owner=cs)
    UpsellSignalFactory(organization=org, company=won.company, deal=won, raised_by=cs)
    with django_assert_max_num_queries(len(without.captured_queries) + 1):
        client.get(won.get_absolute_url())


# --- The company page -------------------------------------------------------------------------


def test_customer_health_shows_score_history_and_forms_for_cs(won, customer, cs, browser_for):
    account_services.set_health(by=cs, company=customer, score=82, note="Happy.")
    account_services.set_health(by=cs, company=customer, score=55, note="Usage dropping.")

    html = browser_for(cs).get(customer.get_absolute_url()).content.decode()

    assert "Customer health" in html and "55 · Needs attention" in html
    assert "82 · Healthy" in html  # the history
    assert html.index("55 · Needs attention") < html.index("82 · Healthy")
    assert "Usage dropping." in html
    assert "Set the health score" in html
    assert reverse("handoffs:health_set", args=[customer.pk]) in html
    assert "Change the CS owner" not in html  # CS managers only
    assert "Raise a retention demand" not in html


def test_an_at_risk_customer_offers_a_retention_demand(won, customer, cs, browser_for):
    account_services.set_health(by=cs, company=customer, score=20, note="Sponsor left.")

    html = browser_for(cs).get(customer.get_absolute_url()).content.decode()

    assert "20 · At risk" in html and "This customer is at risk." in html
    assert reverse("roadmap:company_demand", args=[customer.pk]) + "?kind=retention" in html


def test_product_reads_health_but_cannot_raise_a_retention_demand(
    won, customer, cs, pm, browser_for
):
    account_services.set_health(by=cs, company=customer, score=20)

    html = browser_for(pm).get(customer.get_absolute_url()).content.decode()

    assert "20 · At risk" in html
    assert "Raise a retention demand" not in html and "Set the health score" not in html


def test_a_cs_manager_may_change_the_cs_owner(won, customer, cs_manager, cs, browser_for):
    html = browser_for(cs_manager).get(customer.get_absolute_url()).content.decode()

    assert "Change the CS owner" in html
    assert reverse("handoffs:cs_owner_set", args=[customer.pk]) in html
    assert cs.user.display_name in html  # a choice


def test_a_prospect_has_no_health_or_signal_panel(org, cs, browser_for):
    prospect = CompanyFactory(organization=org, name="Prospect Ltd")

    html = browser_for(cs).get(prospect.get_absolute_url()).content.decode()

    assert 'id="health-panel-title"' not in html and 'id="signals-panel-title"' not in html


def test_company_page_lists_signals_and_cs_may_raise_one(won, customer, cs, rep, browser_for):
    upsell_services.raise_signal(
        by=cs, company=customer, kind="renewal", estimated_value="9000", confidence="low"
    )
    raise_url = reverse("handoffs:upsell_create") + f"?company={customer.pk}"

    for_cs = browser_for(cs).get(customer.get_absolute_url()).content.decode()
    assert "Upsell signals" in for_cs and "Renewal" in for_cs and "€9,000.00" in for_cs
    assert raise_url in for_cs

    for_rep = browser_for(rep).get(customer.get_absolute_url()).content.decode()
    assert "Renewal" in for_rep and raise_url not in for_rep


def test_company_page_panels_cost_a_fixed_number_of_queries(
    org, won, customer, cs, browser_for, django_assert_max_num_queries
):
    client = browser_for(cs)
    client.get(customer.get_absolute_url())
    with django_assert_max_num_queries(80) as without:
        client.get(customer.get_absolute_url())
    for score in (90, 70, 50, 30, 10, 40, 60, 80, 20, 35, 45, 55):
        account_services.set_health(by=cs, company=customer, score=score)
    UpsellSignalFactory.create_batch(12, organization=org, company=customer, raised_by=cs)
    # The account replaces the "is it a customer?" question with the history: +1 at most.
    with django_assert_max_num_queries(len(without.captured_queries) + 1):
        client.get(customer.get_absolute_url())


def test_outsider_sees_no_panels_on_foreign_records(won, customer, charlie, browser_for):
    client = browser_for(charlie)
    assert client.get(won.get_absolute_url()).status_code == 404
    assert client.get(customer.get_absolute_url()).status_code == 404
