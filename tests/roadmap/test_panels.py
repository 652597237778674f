"""The roadmap's panels on the leads flow's pages: a deal's promises and the "record a
promise" form, "Raise a demand", the win page's warning, the lose form's picker (ids posted
with the lose), and a company's demands. Leads knows none of it."""

import pytest
from django.urls import reverse

from leads.models import DealStage
from roadmap import services
from roadmap.models import Demand, DemandKind
from tests.factories import CompanyFactory, DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(org, rep):
    return DealFactory(
        organization=org, owner=rep, company=CompanyFactory(organization=org, name="Initech")
    )


def test_deal_page_shows_promises_with_live_status_and_the_form(deal, rep, pm, browser_for):
    request = services.create_feature_request(by=rep, title="Custom roles")
    services.record_promise(by=rep, deal=deal, feature_request=request, note="By Q3")
    services.change_status(by=pm, feature_request=request, status="under_review")

    html = browser_for(rep).get(deal.get_absolute_url()).content.decode()

    assert "Promises" in html and "Custom roles" in html and "By Q3" in html
    assert "Under review" in html and "Pending product" in html
    assert "Record a promise" in html
    assert reverse("roadmap:company_demand", args=[deal.company_id]) + f"?deal={deal.pk}" in html


def test_product_sees_promises_but_no_promise_form_or_demand_button(deal, rep, pm, browser_for):
    request = services.create_feature_request(by=rep, title="Custom roles")
    services.record_promise(by=rep, deal=deal, feature_request=request)

    html = browser_for(pm).get(deal.get_absolute_url()).content.decode()

    assert "Custom roles" in html
    assert "Record a promise" not in html and "Raise a demand" not in html


def test_deal_page_query_count_does_not_grow_with_promises(
    org, deal, rep, browser_for, django_assert_max_num_queries
):
    client = browser_for(rep)
    services.record_promise(
        by=rep, deal=deal, feature_request=services.create_feature_request(by=rep, title="A")
    )
    client.get(deal.get_absolute_url())
    with django_assert_max_num_queries(60) as few:
        client.get(deal.get_absolute_url())
    for n in range(10):
        services.record_promise(
            by=rep,
            deal=deal,
            feature_request=services.create_feature_request(by=rep, title=f"F{n}"),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(deal.get_absolute_url())


def test_win_page_warns_about_a_pending_promise(deal, rep, browser_for):
    client = browser_for(rep)
    assert (
        "has not confirmed"
        not in client.get(reverse("leads:deal_win", args=[deal.pk])).content.decode()
    )
    request = services.create_feature_request(by=rep, title="Custom roles")
    services.record_promise(by=rep, deal=deal, feature_request=request)

    html = client.get(reverse("leads:deal_win", args=[deal.pk])).content.decode()

    assert "Product has not confirmed a feature promised on this deal" in html
    assert "Custom roles" in html


def test_lose_page_offers_the_picker_and_ids_become_lost_demands(org, deal, rep, browser_for):
    request = services.create_feature_request(by=rep, title="Custom roles")
    client = browser_for(rep)

    page = client.get(reverse("leads:deal_lose", args=[deal.pk])).content.decode()
    assert 'id="feature-picker"' in page and f'value="{request.pk}"' in page

    client.post(
        reverse("leads:deal_lose", args=[deal.pk]),
        {"reason": "missing_feature", "features": "", "feature_request_ids": [request.pk]},
    )

    deal.refresh_from_db()
    assert deal.stage == DealStage.LOST
    demand = Demand.objects.get()
    assert demand.feature_request == request and demand.kind == DemandKind.LOST


def test_company_page_lists_its_demands(org, deal, rep, cs, browser_for):
    request = services.create_feature_request(by=rep, title="Custom roles")
    services.raise_demand(
        by=rep, feature_request=request, company=deal.company, deal=deal, kind="blocking"
    )

    html = (
        browser_for(cs)
        .get(reverse("leads:company_detail", args=[deal.company_id]))
        .content.decode()
    )

    assert "On the roadmap" in html and "Custom roles" in html and "Blocking an open deal" in html
    assert reverse("roadmap:company_demand", args=[deal.company_id]) in html


def test_outsider_sees_no_panels_on_foreign_records(deal, charlie, browser_for):
    assert browser_for(charlie).get(deal.get_absolute_url()).status_code == 404
