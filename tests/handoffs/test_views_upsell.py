"""The upsell pages (pipeline, raise, a signal's page and sales' answers), the account forms
behind the health panel (score, CS owner) and the two report pages. Writes go through
``handoffs.services``; another organization's record is a 404, a member who may see but not
act a 403."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from handoffs.models import CustomerAccount, HealthChange, UpsellSignal, UpsellStatus
from handoffs.services import upsell as services
from leads.models import Deal, DealKind, DealSource
from tests.factories import (
    CompanyFactory,
    DealFactory,
    DiscrepancyFactory,
    HandoffFactory,
    UpsellSignalFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(org, rep):
    company = CompanyFactory(organization=org, name="Initech")
    DealFactory(organization=org, company=company, owner=rep, stage="won", closed_at=timezone.now())
    return company


@pytest.fixture
def signal(customer, cs):
    return services.raise_signal(
        by=cs,
        company=customer,
        kind="seats",
        estimated_value="12000",
        confidence="high",
        note="They hired 40 people.",
    )


# --- The pipeline ---------------------------------------------------------------------------


def test_pipeline_lists_open_signals_first_with_totals(org, customer, cs, rep, browser_for):
    answered = services.raise_signal(
        by=cs, company=customer, kind="upgrade", estimated_value="5000", confidence="low"
    )
    services.dismiss_signal(by=rep, signal=answered, reason="Budget frozen until Q3.")
    services.raise_signal(
        by=cs, company=customer, kind="seats", estimated_value="12000", confidence="high"
    )

    page = browser_for(rep).get(reverse("handoffs:upsell_list"))

    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("More seats") < html.index("Upgrade")
    assert "Waiting for sales" in html and "Dismissed" in html
    assert "€12,000.00 estimated" in html and "€5,000.00 estimated" in html
    assert "Raise a signal" not in html


def test_pipeline_marks_a_signal_waiting_past_the_answer_window(org, customer, cs, browser_for):
    late = services.raise_signal(
        by=cs, company=customer, kind="seats", estimated_value="100", confidence="low"
    )
    UpsellSignal.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(days=9))

    html = browser_for(cs).get(reverse("handoffs:upsell_list")).content.decode()

    assert 'badge badge-overdue"' in html and "9 days" in html
    assert "Raise a signal" in html


def test_pipeline_filters_by_status_kind_and_mine(org, customer, cs, cs2, rep, browser_for):
    services.raise_signal(
        by=cs, company=customer, kind="seats", estimated_value="1", confidence="low"
    )
    services.raise_signal(
        by=cs2, company=customer, kind="renewal", estimated_value="1", confidence="low"
    )
    client = browser_for(cs)
    url = reverse("handoffs:upsell_list")

    def rows(**query):
        # The htmx request gets only the results (no filter form, whose options name kinds).
        html = client.get(url, query, headers={"HX-Request": "true"}).content.decode()
        assert "<html" not in html
        return html

    assert "Renewal" not in rows(kind="seats") and "More seats" in rows(kind="seats")
    assert "Renewal" not in rows(mine="on")
    assert "No signal matches these filters" in rows(status="accepted")
    assert "Renewal" in rows(kind="renewal")


def test_empty_pipeline_says_what_to_do(cs, browser_for):
    html = browser_for(cs).get(reverse("handoffs:upsell_list")).content.decode()

    assert "No upsell signals yet" in html
    assert reverse("handoffs:upsell_create") in html


def test_product_and_marketing_may_not_open_the_pipeline(pm, browser_for):
    assert browser_for(pm).get(reverse("handoffs:upsell_list")).status_code == 403


def test_pipeline_query_count_does_not_grow_with_signals(
    org, customer, cs, rep, browser_for, django_assert_max_num_queries
):
    client = browser_for(rep)
    UpsellSignalFactory(organization=org, company=customer, raised_by=cs, routed_to=rep)
    client.get(reverse("handoffs:upsell_list"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("handoffs:upsell_list"))
    deal = DealFactory(organization=org, company=customer, owner=rep)
    UpsellSignalFactory.create_batch(
        15, organization=org, company=customer, raised_by=cs, routed_to=rep
    )
    UpsellSignalFactory(
        organization=org, company=customer, raised_by=cs, status="accepted", deal=deal
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("handoffs:upsell_list"))


# --- Raising a signal -----------------------------------------------------------------------


def test_cs_raises_a_signal_routed_to_the_sales_owner(org, customer, cs, rep, browser_for):
    client = browser_for(cs)
    form = client.get(reverse("handoffs:upsell_create"), {"company": customer.pk})
    assert form.status_code == 200
    assert f'<option value="{customer.pk}" selected>Initech</option>' in form.content.decode()

    response = client.post(
        reverse("handoffs:upsell_create"),
        {
            "company": customer.pk,
            "kind": "cross_sell",
            "estimated_value": "8000",
            "confidence": "medium",
            "note": "Wants the analytics add-on.",
        },
    )

    signal = UpsellSignal.objects.get()
    assert response.status_code == 302 and response["Location"] == signal.get_absolute_url()
    assert (signal.routed_to, signal.raised_by, signal.estimated_value) == (
        rep,
        cs,
        Decimal("8000.00"),
    )
    html = client.get(signal.get_absolute_url()).content.decode()
    assert "the owner of the customer's latest won deal" in html
    assert "Wants the analytics add-on." in html


def test_the_company_choice_offers_only_customers_of_the_organization(
    org, other_org, customer, cs, browser_for
):
    prospect = CompanyFactory(organization=org, name="Prospect Ltd")
    foreign = CompanyFactory(organization=other_org, name="Globex Customer")
    DealFactory(organization=other_org, company=foreign, stage="won")
    client = browser_for(cs)

    html = client.get(reverse("handoffs:upsell_create")).content.decode()
    assert "Initech" in html and "Prospect Ltd" not in html and "Globex Customer" not in html

    response = client.post(
        reverse("handoffs:upsell_create"),
        {"company": foreign.pk, "kind": "seats", "estimated_value": "1", "confidence": "low"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not UpsellSignal.objects.exists() and prospect.pk


def test_sales_may_not_raise_a_signal(rep, browser_for):
    assert browser_for(rep).get(reverse("handoffs:upsell_create")).status_code == 403


def test_a_signal_without_a_sales_owner_goes_to_the_sales_manager(
    org, cs, sales_manager, browser_for
):
    company = CompanyFactory(organization=org, name="Orphan Inc")
    DealFactory(organization=org, company=company, stage="won", owner=None)
    signal = services.raise_signal(
        by=cs, company=company, kind="seats", estimated_value="1", confidence="low"
    )

    html = browser_for(cs).get(signal.get_absolute_url()).content.decode()

    assert signal.routed_to == sales_manager
    assert "the sales manager (the customer has no sales owner)" in html


# --- Answering a signal -----------------------------------------------------------------------


def test_sales_sees_the_answer_forms_and_cs_does_not(signal, rep, cs, browser_for):
    for_rep = browser_for(rep).get(signal.get_absolute_url()).content.decode()
    assert "Accept and open the deal" in for_rep and "Dismiss the signal" in for_rep
    assert 'value="12000.00"' in for_rep  # the deal value defaults to the estimate
    assert 'value="30.00"' in for_rep  # the CS share defaults to the organization's

    for_cs = browser_for(cs).get(signal.get_absolute_url()).content.decode()
    assert "Accept and open the deal" not in for_cs
    assert "Waiting for" in for_cs


def test_accepting_opens_the_expansion_deal_shown_on_the_signal(signal, rep, cs, browser_for):
    client = browser_for(rep)

    response = client.post(
        reverse("handoffs:upsell_accept", args=[signal.pk]),
        {"name": "Initech — 40 seats", "value": "15000", "cs_credit_percent": "25"},
    )

    signal.refresh_from_db()
    deal = signal.deal
    assert response.status_code == 302 and response["Location"] == signal.get_absolute_url()
    assert signal.status == UpsellStatus.ACCEPTED and signal.cs_credit_percent == Decimal("25")
    assert (deal.name, deal.value, deal.kind, deal.source, deal.owner) == (
        "Initech — 40 seats",
        Decimal("15000.00"),
        DealKind.EXPANSION,
        DealSource.CS,
        rep,
    )
    html = client.get(signal.get_absolute_url()).content.decode()
    assert deal.get_absolute_url() in html and "Initech — 40 seats" in html
    assert "25%" in html and "75%" in html
    assert "€3,750.00" in html and "€11,250.00" in html
    assert "Change the split" in html
    assert "Accept and open the deal" not in html


def test_accept_form_errors_stay_on_the_page(signal, rep, browser_for):
    response = browser_for(rep).post(
        reverse("handoffs:upsell_accept", args=[signal.pk]),
        {"value": "", "cs_credit_percent": "130"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "Ensure this value is less than or equal to 100" in html
    assert not Deal.objects.filter(kind="expansion").exists()


def test_an_answered_signal_cannot_be_accepted_again(signal, rep, browser_for):
    client = browser_for(rep)
    services.dismiss_signal(by=rep, signal=signal, reason="No budget.")

    response = client.post(
        reverse("handoffs:upsell_accept", args=[signal.pk]),
        {"value": "1", "cs_credit_percent": "30"},
        follow=True,
    )

    assert "Sales dismissed this signal." in response.content.decode()
    assert not Deal.objects.filter(kind="expansion").exists()


def test_dismissing_needs_a_reason_and_shows_it(signal, rep, cs, browser_for):
    client = browser_for(rep)
    url = reverse("handoffs:upsell_dismiss", args=[signal.pk])

    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()

    assert client.post(url, {"reason": "They are moving to a competitor."}).status_code == 302
    signal.refresh_from_db()
    assert signal.status == UpsellStatus.DISMISSED
    html = browser_for(cs).get(signal.get_absolute_url()).content.decode()
    assert "They are moving to a competitor." in html and "Dismissed by" in html


def test_sales_changes_the_credit_split(signal, rep, browser_for):
    services.accept_signal(by=rep, signal=signal)
    client = browser_for(rep)
    url = reverse("handoffs:upsell_credit", args=[signal.pk])

    assert client.get(url).status_code == 200
    assert client.post(url, {"cs_credit_percent": "40"}).status_code == 302

    signal.refresh_from_db()
    assert signal.cs_credit_percent == Decimal("40.00")


def test_credit_of_an_open_signal_is_refused_with_a_message(signal, rep, browser_for):
    response = browser_for(rep).post(
        reverse("handoffs:upsell_credit", args=[signal.pk]),
        {"cs_credit_percent": "40"},
        follow=True,
    )

    assert "Accept the signal first" in response.content.decode()
    signal.refresh_from_db()
    assert signal.cs_credit_percent is None


def test_cs_may_not_answer_a_signal(signal, cs, browser_for):
    client = browser_for(cs)
    for name, data in (
        ("upsell_accept", {"value": "1", "cs_credit_percent": "30"}),
        ("upsell_dismiss", {"reason": "x"}),
        ("upsell_credit", {"cs_credit_percent": "30"}),
    ):
        assert client.post(reverse(f"handoffs:{name}", args=[signal.pk]), data).status_code == 403
    signal.refresh_from_db()
    assert signal.status == UpsellStatus.OPEN


def test_product_may_not_read_a_signal(signal, pm, browser_for):
    assert browser_for(pm).get(signal.get_absolute_url()).status_code == 403


def test_outsider_gets_404_on_a_signal(signal, charlie, browser_for):
    client = browser_for(charlie)
    assert client.get(signal.get_absolute_url()).status_code == 404
    response = client.post(
        reverse("handoffs:upsell_accept", args=[signal.pk]),
        {"value": "1", "cs_credit_percent": "30"},
    )
    assert response.status_code == 404


# --- Account health and CS owner --------------------------------------------------------------


def test_cs_sets_the_health_score_from_the_company_page(customer, cs, browser_for):
    client = browser_for(cs)
    url = reverse("handoffs:health_set", args=[customer.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"score": "35", "note": "Sponsor left."})

    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    account = CustomerAccount.objects.get(company=customer)
    assert (account.health_score, account.health_note) == (35, "Sponsor left.")
    assert HealthChange.objects.filter(account=account).count() == 1
    followed = client.get(customer.get_absolute_url()).content.decode()
    assert "35 · At risk" in followed


def test_a_health_score_out_of_range_is_a_form_error(customer, cs, browser_for):
    response = browser_for(cs).post(
        reverse("handoffs:health_set", args=[customer.pk]), {"score": "130"}
    )

    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 100" in response.content.decode()
    assert not HealthChange.objects.exists()


def test_sales_may_not_set_health(customer, rep, browser_for):
    response = browser_for(rep).post(
        reverse("handoffs:health_set", args=[customer.pk]), {"score": "80"}
    )
    assert response.status_code == 403


def test_a_cs_manager_changes_the_cs_owner(customer, cs, cs2, cs_manager, browser_for):
    url = reverse("handoffs:cs_owner_set", args=[customer.pk])
    assert browser_for(cs).post(url, {"cs_owner": cs2.pk}).status_code == 403

    client = browser_for(cs_manager)
    assert client.get(url).status_code == 200
    assert client.post(url, {"cs_owner": cs2.pk}).status_code == 302

    assert CustomerAccount.objects.get(company=customer).cs_owner == cs2


def test_the_cs_owner_must_be_in_cs(customer, rep, cs_manager, browser_for):
    response = browser_for(cs_manager).post(
        reverse("handoffs:cs_owner_set", args=[customer.pk]), {"cs_owner": rep.pk}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_a_retention_demand_starts_as_retention(customer, cs, browser_for):
    html = (
        browser_for(cs)
        .get(reverse("roadmap:company_demand", args=[customer.pk]), {"kind": "retention"})
        .content.decode()
    )

    assert '<option value="retention" selected>' in html


# --- Reports ----------------------------------------------------------------------------------


def test_managers_read_the_surprise_report(org, rep, cs_manager, browser_for):
    now = timezone.now()
    HandoffFactory(organization=org, sales_owner=rep, status="accepted", accepted_at=now)
    with_surprise = HandoffFactory(
        organization=org, sales_owner=rep, status="live", accepted_at=now
    )
    DiscrepancyFactory(organization=org, handoff=with_surprise)

    page = browser_for(cs_manager).get(reverse("handoffs:surprise_report"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "50.0%" in html and rep.user.display_name in html
    assert 'id="chart-data"' in html and "handoffs_surprise.js" in html


def test_managers_read_the_upsell_report(org, signal, rep, cs, sales_manager, browser_for):
    accepted = services.accept_signal(by=rep, signal=signal, value="10000", cs_credit_percent="40")
    Deal.objects.filter(pk=accepted.deal_id).update(stage="won")

    page = browser_for(sales_manager).get(reverse("handoffs:upsell_report"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "€10,000.00" in html and "€4,000.00" in html and "€6,000.00" in html
    assert cs.user.display_name in html and rep.user.display_name in html


def test_reports_are_for_managers(rep, cs, browser_for):
    for member in (rep, cs):
        client = browser_for(member)
        assert client.get(reverse("handoffs:surprise_report")).status_code == 403
        assert client.get(reverse("handoffs:upsell_report")).status_code == 403


def test_a_reversed_period_is_a_form_error(sales_manager, browser_for):
    response = browser_for(sales_manager).get(
        reverse("handoffs:surprise_report"), {"start": "2026-05-01", "end": "2026-04-01"}
    )

    assert response.status_code == 200
    assert "The end must come after the start." in response.content.decode()


def test_cs_records_a_retention_demand_for_an_at_risk_customer(customer, cs, browser_for):
    from roadmap import services as roadmap_services
    from roadmap.models import Demand

    request = roadmap_services.create_feature_request(by=cs, title="Audit log")
    client = browser_for(cs)

    response = client.post(
        reverse("roadmap:company_demand", args=[customer.pk]) + "?kind=retention",
        {"feature_request": request.pk, "kind": "retention", "value": "50000", "note": "Or churn."},
    )

    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    demand = Demand.objects.get()
    assert (demand.kind, demand.company, demand.value) == ("retention", customer, Decimal("50000"))
