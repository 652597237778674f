"""Deal pages: the pipeline board (bounded queries, htmx advance / win / lose returning the
board), the deal page, the new-deal form, the company page; 403 by department, 404 outsider."""

import pytest
from django.urls import reverse

from collab_hub.notifications.models import ActivityEvent
from leads.models import Company, ContentRequest, Deal, DealStageChange
from tests.factories import (
    CollateralFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    TierFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def company(org):
    return CompanyFactory(organization=org, name="Prospect", domain="prospect.test")


@pytest.fixture
def deal(org, company, rep):
    return DealFactory(organization=org, company=company, owner=rep, name="Big one", value=5000)


# --- The board -----------------------------------------------------------------------------


def test_board_shows_open_deals_by_stage_with_totals(browser_for, rep, org, company, deal):
    DealFactory(organization=org, company=company, stage="negotiation", value=700, name="Late")
    DealFactory(organization=org, company=company, stage="won", name="Done deal")
    page = browser_for(rep).get(reverse("leads:deal_board"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Big one" in html and "Late" in html
    assert "Done deal" not in html
    assert "€5,000.00" in html and "€700.00" in html
    assert page.context["board"].open_count == 2


def test_board_query_count_does_not_grow_with_deals(
    browser_for, rep, org, company, django_assert_max_num_queries
):
    client = browser_for(rep)
    DealFactory.create_batch(2, organization=org, company=company, owner=rep)
    client.get(reverse("leads:deal_board"))  # warm caches (content types, session)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("leads:deal_board"))
    DealFactory.create_batch(
        30, organization=org, company=CompanyFactory(organization=org), owner=rep
    )
    DealFactory.create_batch(10, organization=org, company=company, stage="proposal")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("leads:deal_board"))
    assert response.context["board"].open_count == 42


def test_board_empty_state(browser_for, rep):
    html = browser_for(rep).get(reverse("leads:deal_board")).content.decode()
    assert "No open deals yet" in html


def test_board_filters_to_my_deals_and_search(browser_for, rep, rep2, org, company, deal):
    DealFactory(organization=org, company=company, owner=rep2, name="Someone else's")
    client = browser_for(rep)
    mine = client.get(reverse("leads:deal_board"), {"owner": "me"}, **HTMX)
    assert "Big one" in mine.content.decode()
    assert "Someone else" not in mine.content.decode()
    found = client.get(reverse("leads:deal_board"), {"q": "else"}, **HTMX).content.decode()
    assert "Someone else" in found and "Big one" not in found


def test_htmx_advance_returns_the_board_fragment(browser_for, rep, deal):
    response = browser_for(rep).post(
        reverse("leads:deal_advance", args=[deal.pk]), {"stage": "proposal"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="board"' in html
    assert "<html" not in html
    deal.refresh_from_db()
    assert deal.stage == "proposal"
    proposal_column = html.split('id="column-proposal"')[1].split('id="column-negotiation"')[0]
    assert f'id="deal-{deal.pk}"' in proposal_column


def test_advance_without_htmx_redirects_to_the_deal(browser_for, rep, deal):
    response = browser_for(rep).post(
        reverse("leads:deal_advance", args=[deal.pk]), {"stage": "negotiation"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:deal_detail", args=[deal.pk])
    deal.refresh_from_db()
    assert deal.stage == "negotiation"


def test_moving_a_closed_deal_shows_the_conflict_on_the_board(browser_for, rep, org, company):
    won = DealFactory(organization=org, company=company, stage="won")
    response = browser_for(rep).post(
        reverse("leads:deal_advance", args=[won.pk]), {"stage": "proposal"}, **HTMX
    )
    assert response.status_code == 409
    assert "a closed deal does not move" in response.content.decode()


def test_htmx_win_closes_the_deal(browser_for, rep, deal):
    response = browser_for(rep).post(reverse("leads:deal_win", args=[deal.pk]), **HTMX)
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.stage == "won"
    html = response.content.decode()
    assert f'id="deal-{deal.pk}"' not in html
    assert "€5,000.00" in html  # won in the last 30 days


def test_lose_form_requires_feature_names_for_missing_feature(browser_for, rep, deal):
    client = browser_for(rep)
    response = client.post(
        reverse("leads:deal_lose", args=[deal.pk]), {"reason": "missing_feature"}, **HTMX
    )
    assert response.status_code == 400
    assert "Name at least one missing feature." in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == "qualification"
    response = client.post(
        reverse("leads:deal_lose", args=[deal.pk]),
        {"reason": "missing_feature", "features": "SSO\n\nAudit log\n", "note": "Sad"},
        **HTMX,
    )
    assert response.status_code == 200
    deal.refresh_from_db()
    assert (deal.stage, deal.missing_features, deal.lost_note) == (
        "lost",
        ["SSO", "Audit log"],
        "Sad",
    )


@pytest.fixture
def resolver(monkeypatch):
    from tests.scratch_app.subscribers import resolve_feature_ids_only

    resolve_feature_ids_only(monkeypatch)


def test_lose_page_posts_feature_request_ids_from_its_panel(browser_for, rep, deal, resolver):
    response = browser_for(rep).post(
        reverse("leads:deal_lose", args=[deal.pk]),
        {"reason": "missing_feature", "features": "SSO", "feature_request_ids": ["7", "8"]},
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.missing_features) == ("lost", ["SSO"])
    payload = ActivityEvent.objects.get(verb="deal.lost").payload
    assert payload["feature_request_ids"] == [7, 8]


def test_lose_page_shows_the_subscribers_refusal_and_keeps_the_input(
    browser_for, rep, deal, resolver
):
    response = browser_for(rep).post(
        reverse("leads:deal_lose", args=[deal.pk]),
        {"reason": "missing_feature", "features": "SSO", "feature_request_ids": ["7", "99"]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "No feature request 99 on the roadmap." in html
    assert ">SSO</textarea>" in html
    assert 'value="7" checked' in html
    deal.refresh_from_db()
    assert deal.stage == "qualification"
    assert not ActivityEvent.objects.filter(verb="deal.lost").exists()


def test_board_shows_the_subscribers_refusal_on_the_card(browser_for, rep, deal, resolver):
    response = browser_for(rep).post(
        reverse("leads:deal_lose", args=[deal.pk]),
        {"reason": "missing_feature", "feature_request_ids": "99"},
        **HTMX,
    )
    assert response.status_code == 400
    assert "No feature request 99 on the roadmap." in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == "qualification"


def test_lose_page_refuses_a_malformed_feature_request_id(browser_for, rep, deal, resolver):
    response = browser_for(rep).post(
        reverse("leads:deal_lose", args=[deal.pk]),
        {"reason": "missing_feature", "feature_request_ids": "7; drop"},
    )
    assert response.status_code == 400
    assert "Choose feature requests from the list." in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == "qualification"


def test_lose_without_a_reason_is_refused(browser_for, rep, deal):
    response = browser_for(rep).post(reverse("leads:deal_lose", args=[deal.pk]), {"note": "x"})
    assert response.status_code == 400
    assert "form" in response.context
    deal.refresh_from_db()
    assert deal.stage == "qualification"


def test_lose_page_opens_without_javascript(browser_for, rep, deal):
    response = browser_for(rep).get(reverse("leads:deal_lose", args=[deal.pk]))
    assert response.status_code == 200
    assert "Missing feature" in response.content.decode()


@pytest.mark.parametrize("name", ["leads:deal_advance", "leads:deal_win", "leads:deal_lose"])
def test_non_sales_get_403_on_deal_actions(browser_for, marketer, product_person, deal, name):
    for member in (marketer, product_person):
        response = browser_for(member).post(
            reverse(name, args=[deal.pk]), {"stage": "proposal", "reason": "price"}
        )
        assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.stage == "qualification"


def test_marketing_sees_the_board_without_action_buttons(browser_for, marketer, deal):
    response = browser_for(marketer).get(reverse("leads:deal_board"))
    assert response.status_code == 200
    assert reverse("leads:deal_win", args=[deal.pk]) not in response.content.decode()


def test_outsider_gets_404_on_deal_pages_and_actions(browser_for, charlie, deal):
    client = browser_for(charlie)
    assert client.get(reverse("leads:deal_detail", args=[deal.pk])).status_code == 404
    assert client.post(reverse("leads:deal_win", args=[deal.pk])).status_code == 404
    assert client.get(reverse("leads:deal_lose", args=[deal.pk])).status_code == 404
    assert "Big one" not in client.get(reverse("leads:deal_board")).content.decode()
    deal.refresh_from_db()
    assert deal.stage == "qualification"


# --- The deal page -------------------------------------------------------------------------


def test_deal_page_shows_company_contacts_history_and_picker(
    browser_for, rep, org, django_assert_max_num_queries
):
    tier = TierFactory(organization=org, name="Enterprise")
    company = CompanyFactory(organization=org, tier=tier, name="Initech")
    ContactFactory(organization=org, company=company, first_name="Bill", last_name="Lumbergh")
    deal = DealFactory(organization=org, company=company, stage="proposal", owner=rep)
    DealStageChange.objects.create(
        organization=org, deal=deal, from_stage="qualification", to_stage="proposal", by=rep
    )
    fits = CollateralFactory(organization=org, title="Enterprise deck", stages=["proposal"])
    fits.tiers.set([tier])
    CollateralFactory(organization=org, title="Negotiation only", stages=["negotiation"])
    client = browser_for(rep)
    client.get(reverse("leads:deal_detail", args=[deal.pk]))
    with django_assert_max_num_queries(20):
        response = client.get(reverse("leads:deal_detail", args=[deal.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Initech" in html and "Bill Lumbergh" in html
    assert "Enterprise deck" in html and "Negotiation only" not in html
    assert "thread-loader" in html
    assert "We used our own material" in html


def test_using_collateral_from_the_deal_page(browser_for, rep, org, deal):
    asset = CollateralFactory(organization=org, title="Deck")
    client = browser_for(rep)
    for _ in range(2):
        response = client.post(
            reverse("leads:deal_use_collateral", args=[deal.pk]), {"collateral": asset.pk}
        )
        assert response.status_code == 302
    assert deal.collateral_uses.count() == 1


def test_own_material_form_creates_a_content_request(browser_for, rep, deal):
    client = browser_for(rep)
    response = client.post(
        reverse("leads:deal_own_material", args=[deal.pk]), {"description": "My slides"}
    )
    assert response.status_code == 400
    assert not ContentRequest.objects.exists()
    response = client.post(
        reverse("leads:deal_own_material", args=[deal.pk]),
        {"description": "My slides", "missing": "A pricing one-pager"},
    )
    assert response.status_code == 302
    request = ContentRequest.objects.get()
    assert (request.own_material, request.need, request.deal) == (
        "My slides",
        "A pricing one-pager",
        deal,
    )


def test_marketing_cannot_record_use_or_own_material(browser_for, marketer, org, deal):
    asset = CollateralFactory(organization=org)
    client = browser_for(marketer)
    assert (
        client.post(
            reverse("leads:deal_use_collateral", args=[deal.pk]), {"collateral": asset.pk}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("leads:deal_own_material", args=[deal.pk]), {"description": "a", "missing": "b"}
        ).status_code
        == 403
    )


# --- New deal and the company page ---------------------------------------------------------


def test_sales_opens_a_deal_reusing_the_company_by_domain(browser_for, rep, company):
    response = browser_for(rep).post(
        reverse("leads:deal_create"),
        {
            "company_name": "Prospect Holding",
            "company_domain": "www.prospect.test",
            "value": "2500",
            "kind": "new",
        },
    )
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:deal_detail", args=[deal.pk])
    assert (deal.company, deal.source, deal.owner, deal.name) == (
        company,
        "sales",
        rep,
        "Prospect",
    )


def test_new_deal_needs_a_company(browser_for, rep):
    response = browser_for(rep).post(reverse("leads:deal_create"), {"value": "1", "kind": "new"})
    assert response.status_code == 200
    assert response.context["form"].errors["company_name"]
    assert not Deal.objects.exists()


def test_new_deal_form_refuses_another_organizations_company(browser_for, rep, other_org):
    foreign = CompanyFactory(organization=other_org, name="Globex Corp")
    client = browser_for(rep)
    page = client.get(reverse("leads:deal_create"), {"company": foreign.pk})
    assert page.status_code == 200
    assert page.context["company"] is None and "Globex Corp" not in page.content.decode()
    response = client.post(
        reverse("leads:deal_create"), {"company": foreign.pk, "value": "1", "kind": "new"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["company"])
    assert not Deal.objects.exists()


def test_new_deal_form_refuses_a_company_hidden_by_record_visibility(browser_for, org, rep, rep2):
    org.visibility = {"companies": "own"}
    org.save()
    theirs = CompanyFactory(organization=org, owner=rep2)
    response = browser_for(rep).post(
        reverse("leads:deal_create"), {"company": theirs.pk, "value": "1", "kind": "new"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["company"]
    assert not Deal.objects.exists()


def test_new_deal_owner_must_be_of_the_organization(browser_for, sales_manager, charlie):
    response = browser_for(sales_manager).post(
        reverse("leads:deal_create"),
        {"company_name": "Initech", "value": "1", "kind": "new", "owner": charlie.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["owner"]
    assert not Deal.objects.exists()
    assert not Company.objects.exists()


def test_using_collateral_of_another_organization_is_refused(browser_for, rep, deal, other_org):
    foreign = CollateralFactory(organization=other_org, title="Their deck")
    response = browser_for(rep).post(
        reverse("leads:deal_use_collateral", args=[deal.pk]),
        {"collateral": foreign.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert "Choose collateral from the library." in response.content.decode()
    assert deal.collateral_uses.count() == 0


def test_new_deal_form_is_for_sales_only(browser_for, marketer):
    assert browser_for(marketer).get(reverse("leads:deal_create")).status_code == 403


def test_company_page_lists_contacts_and_deals(browser_for, rep, company, deal):
    ContactFactory(organization=company.organization, company=company, email="ann@prospect.test")
    response = browser_for(rep).get(reverse("leads:company_detail", args=[company.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "ann@prospect.test" in html and "Big one" in html
    assert "thread-loader" in html


def test_adding_a_contact_on_the_company_page(browser_for, rep, company):
    client = browser_for(rep)
    response = client.post(
        reverse("leads:contact_create", args=[company.pk]), {"email": "Bo@Prospect.test"}
    )
    assert response.status_code == 302
    assert company.contacts.get().email == "bo@prospect.test"
    duplicate = client.post(
        reverse("leads:contact_create", args=[company.pk]), {"email": "bo@prospect.test"}
    )
    assert duplicate.status_code == 400
    assert ActivityEvent.objects.filter(verb="contact.created").count() == 1


def test_outsider_gets_404_on_the_company_page(browser_for, charlie, company):
    client = browser_for(charlie)
    assert client.get(reverse("leads:company_detail", args=[company.pk])).status_code == 404
    assert (
        client.post(
            reverse("leads:contact_create", args=[company.pk]), {"email": "x@y.test"}
        ).status_code
        == 404
    )
