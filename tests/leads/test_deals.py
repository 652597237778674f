"""Deal services: companies and contacts, the stage machine (409s), win and lose rules,
history and events; conversion reusing the company by domain; the board and page selectors."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.models import ActivityEvent, Notification
from leads.models import Company, Deal, DealStage, DealStageChange
from leads.selectors import deals as selectors
from leads.services import deals as services
from leads.services import lifecycle
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    TierFactory,
)


@pytest.fixture
def company(org):
    return CompanyFactory(organization=org, name="Prospect", domain="prospect.test")


@pytest.fixture
def deal(rep, company):
    return services.open_deal(
        by=rep, company=company, name="Prospect platform", source="sales", value="12000"
    )


def stages(deal):
    return list(DealStageChange.objects.filter(deal=deal).values_list("from_stage", "to_stage"))


# --- Companies and contacts ----------------------------------------------------------------


def test_sales_creates_a_company_with_a_normalized_domain(rep):
    company = services.create_company(
        by=rep, data={"name": " Initech ", "domain": "https://www.Initech.test/about"}
    )
    assert (company.name, company.domain, company.owner) == ("Initech", "initech.test", rep)
    assert ActivityEvent.objects.filter(verb="company.created", target_id=company.pk).exists()


def test_a_domain_is_unique_in_the_organization(rep, company, charlie):
    with pytest.raises(DomainError) as error:
        services.create_company(by=rep, data={"name": "Other", "domain": "PROSPECT.test"})
    assert error.value.code == "duplicate"
    # Another organization may have a company with the same domain.
    assert services.create_company(by=charlie, data={"name": "P", "domain": "prospect.test"})


def test_renaming_a_company_keeps_its_domain_check_and_records_the_change(rep, org, company):
    other = CompanyFactory(organization=org, domain="other.test")
    with pytest.raises(DomainError):
        services.update_company(by=rep, company=other, data={"domain": "prospect.test"})
    services.update_company(by=rep, company=company, data={"name": "Prospect Inc."})
    company.refresh_from_db()
    assert company.name == "Prospect Inc."
    event = ActivityEvent.objects.get(verb="company.updated")
    assert event.payload["changes"] == {"name": ["Prospect", "Prospect Inc."]}


def test_marketing_cannot_create_companies(marketer):
    with pytest.raises(NotAllowed):
        services.create_company(by=marketer, data={"name": "X"})


def test_contacts_have_unique_emails_and_a_company_of_the_organization(rep, company, other_org):
    contact = services.create_contact(
        by=rep, data={"company": company, "email": "Ann@Prospect.test", "first_name": "Ann"}
    )
    assert contact.email == "ann@prospect.test"
    with pytest.raises(DomainError) as error:
        services.create_contact(by=rep, data={"company": company, "email": "ann@prospect.TEST"})
    assert error.value.code == "duplicate"
    with pytest.raises(DomainError) as error:
        services.create_contact(
            by=rep, data={"company": CompanyFactory(organization=other_org), "email": "b@b.test"}
        )
    assert error.value.code == "invalid_company"


def test_find_or_create_company_reuses_by_domain_then_name(rep, company):
    assert (
        services.find_or_create_company(by=rep, name="Whatever", domain="prospect.test") == company
    )
    assert services.find_or_create_company(by=rep, name="PROSPECT") == company
    new = services.find_or_create_company(by=rep, name="Brand new", domain="new.test")
    assert new.pk != company.pk
    assert Company.objects.count() == 2


# --- Opening deals and the stage machine ---------------------------------------------------


def test_sales_opens_a_deal_at_qualification_with_history(deal, rep):
    assert (deal.stage, deal.source, deal.owner, deal.value) == (
        "qualification",
        "sales",
        rep,
        Decimal("12000.00"),
    )
    assert stages(deal) == [("", "qualification")]


def test_naming_another_owner_needs_the_reassign_right(rep, rep2, sales_manager, company):
    with pytest.raises(NotAllowed):
        services.open_deal(by=rep, company=company, name="X", source="sales", owner=rep2)
    deal = services.open_deal(
        by=sales_manager, company=company, name="X", source="sales", owner=rep2
    )
    assert deal.owner == rep2
    assert Notification.objects.filter(recipient=rep2, event__verb="deal.opened").exists()


def test_a_deal_owner_must_be_able_to_manage_deals(sales_manager, marketer, company):
    with pytest.raises(DomainError) as error:
        services.open_deal(
            by=sales_manager, company=company, name="X", source="sales", owner=marketer
        )
    assert error.value.code == "invalid_owner"


def test_deal_value_cannot_be_negative(rep, company):
    with pytest.raises(DomainError) as error:
        services.open_deal(by=rep, company=company, name="X", source="sales", value="-1")
    assert error.value.code == "invalid_value"


def test_opening_a_deal_at_a_typed_company_reuses_it_by_domain(rep, company):
    deal = services.open_deal_with_company(
        by=rep, company_name="Prospect Holding", company_domain="www.prospect.test", value="10"
    )
    assert (deal.company, deal.name, deal.source, deal.kind) == (
        company,
        "Prospect",
        "sales",
        "new",
    )
    assert Company.objects.count() == 1


def test_opening_a_deal_creates_the_company_it_does_not_find(rep, company):
    deal = services.open_deal_with_company(
        by=rep, company_name="Initech", company_domain="initech.test", name="Pilot", value="5"
    )
    assert (deal.company.name, deal.company.domain, deal.name) == (
        "Initech",
        "initech.test",
        "Pilot",
    )
    assert deal.company.organization_id == rep.organization_id
    assert stages(deal) == [("", "qualification")]
    assert ActivityEvent.objects.filter(verb="company.created", target_id=deal.company.pk).exists()


def test_opening_a_deal_with_a_chosen_company_ignores_the_typed_name(rep, company):
    deal = services.open_deal_with_company(by=rep, company=company, company_name="Other", value=1)
    assert deal.company == company
    assert Company.objects.count() == 1


def test_a_refused_deal_does_not_keep_the_company_typed_for_it(rep):
    with pytest.raises(DomainError) as error:
        services.open_deal_with_company(by=rep, company_name="Initech", value="-1")
    assert error.value.code == "invalid_value"
    assert not Company.objects.exists()
    assert not ActivityEvent.objects.filter(verb="company.created").exists()


def test_opening_a_deal_needs_a_company_or_its_name(rep):
    with pytest.raises(DomainError) as error:
        services.open_deal_with_company(by=rep, company_name=" ", company_domain="", value=1)
    assert error.value.code == "invalid_company"
    assert not Deal.objects.exists()


def test_marketing_cannot_open_a_deal_at_a_typed_company(marketer):
    with pytest.raises(NotAllowed):
        services.open_deal_with_company(by=marketer, company_name="Initech", value=1)
    assert not Company.objects.exists()


def test_advancing_moves_forward_and_back_and_records_every_move(deal, rep):
    services.advance_deal(by=rep, deal=deal, stage="proposal")
    services.advance_deal(by=rep, deal=deal, stage="negotiation")
    deal = services.advance_deal(by=rep, deal=deal, stage="proposal", note="Buyer reopened")
    assert deal.stage == "proposal"
    assert stages(deal) == [
        ("", "qualification"),
        ("qualification", "proposal"),
        ("proposal", "negotiation"),
        ("negotiation", "proposal"),
    ]
    directions = list(
        ActivityEvent.objects.filter(verb="deal.advanced")
        .order_by("pk")
        .values_list("payload__direction", flat=True)
    )
    assert directions == ["forward", "forward", "back"]


def test_advancing_to_the_same_stage_is_a_conflict(deal, rep):
    with pytest.raises(IllegalTransition) as error:
        services.advance_deal(by=rep, deal=deal, stage="qualification")
    assert error.value.code == "same_stage"


@pytest.mark.parametrize("stage", ["won", "lost", "bogus"])
def test_advance_never_closes_a_deal(deal, rep, stage):
    with pytest.raises(DomainError) as error:
        services.advance_deal(by=rep, deal=deal, stage=stage)
    assert error.value.status_code == 400
    assert error.value.code == "invalid_stage"
    deal.refresh_from_db()
    assert deal.stage == "qualification"


def test_a_closed_deal_does_not_move(deal, rep):
    services.win_deal(by=rep, deal=deal)
    for move in (
        lambda: services.advance_deal(by=rep, deal=deal, stage="proposal"),
        lambda: services.win_deal(by=rep, deal=deal),
        lambda: services.lose_deal(by=rep, deal=deal, reason="price"),
    ):
        with pytest.raises(IllegalTransition) as error:
            move()
        assert error.value.status_code == 409
        assert error.value.code == "deal_won"


def test_product_cannot_move_deals(deal, product_person, marketer):
    for member in (product_person, marketer):
        with pytest.raises(NotAllowed):
            services.advance_deal(by=member, deal=deal, stage="proposal")
        with pytest.raises(NotAllowed):
            services.win_deal(by=member, deal=deal)


# --- Win and lose --------------------------------------------------------------------------


def test_winning_closes_the_deal_and_tells_the_owner_and_sales_managers(deal, rep2, sales_manager):
    before = timezone.now()
    deal = services.win_deal(by=rep2, deal=deal)
    deal.refresh_from_db()
    assert deal.stage == "won"
    assert deal.closed_at >= before
    assert deal.close_date == timezone.localdate()
    assert stages(deal)[-1] == ("qualification", "won")
    notified = set(
        Notification.objects.filter(event__verb="deal.won").values_list("recipient", flat=True)
    )
    assert notified == {deal.owner_id, sales_manager.pk}


def test_winning_a_converted_lead_tells_its_marketer(org, marketer, rep):
    lead = LeadFactory(
        organization=org, email="jo@bigco.test", company_name="BigCo", marketing_owner=marketer
    )
    lead = lifecycle.qualify_lead(by=marketer, lead=lead, owner=rep)
    lifecycle.accept_lead(by=rep, lead=lead)
    deal = lifecycle.convert_lead(by=rep, lead=lead)
    services.win_deal(by=rep, deal=deal)
    assert Notification.objects.filter(recipient=marketer, event__verb="deal.won").exists()


def test_losing_needs_a_reason_from_the_contract(deal, rep):
    with pytest.raises(DomainError) as error:
        services.lose_deal(by=rep, deal=deal, reason="ugly")
    assert error.value.code == "invalid_reason"
    deal.refresh_from_db()
    assert deal.stage == "qualification"


def test_missing_feature_needs_at_least_one_feature_name(deal, rep):
    for names in ([], ["", "  "]):
        with pytest.raises(DomainError) as error:
            services.lose_deal(by=rep, deal=deal, reason="missing_feature", feature_requests=names)
        assert error.value.status_code == 400
        assert error.value.code == "feature_requests_required"
    deal.refresh_from_db()
    assert deal.stage == "qualification"


def test_lost_for_missing_features_stores_their_names(deal, rep):
    deal = services.lose_deal(
        by=rep,
        deal=deal,
        reason="missing_feature",
        note="Needs SSO",
        feature_requests=[" SSO ", "sso", "Audit log"],
    )
    deal.refresh_from_db()
    assert (deal.stage, deal.lost_reason, deal.lost_note) == (
        "lost",
        "missing_feature",
        "Needs SSO",
    )
    assert deal.missing_features == ["SSO", "Audit log"]
    event = ActivityEvent.objects.get(verb="deal.lost")
    assert event.payload["missing_features"] == ["SSO", "Audit log"]
    assert event.payload["reason"] == "missing_feature"


def test_feature_names_are_ignored_for_other_reasons(deal, rep):
    deal = services.lose_deal(by=rep, deal=deal, reason="price", feature_requests=["SSO"])
    deal.refresh_from_db()
    assert (deal.lost_reason, deal.missing_features) == ("price", [])


# --- Lost for missing features given by id (resolved by the flow subscribed to deal.lost) --


@pytest.fixture
def resolver(monkeypatch):
    from tests.scratch_app.subscribers import resolve_feature_ids_only

    resolve_feature_ids_only(monkeypatch)


def test_lost_by_feature_request_ids_and_names_carries_both(deal, rep, resolver):
    deal = services.lose_deal(
        by=rep, deal=deal, reason="missing_feature", feature_requests=["SSO", 7, 8, 7]
    )
    deal.refresh_from_db()
    assert (deal.stage, deal.missing_features) == ("lost", ["SSO"])
    payload = ActivityEvent.objects.get(verb="deal.lost").payload
    assert (payload["missing_features"], payload["feature_request_ids"]) == (["SSO"], [7, 8])


def test_ids_alone_are_enough_for_a_missing_feature(deal, rep, resolver):
    deal = services.lose_deal(by=rep, deal=deal, reason="missing_feature", feature_requests=[8])
    deal.refresh_from_db()
    assert (deal.stage, deal.missing_features) == ("lost", [])
    assert ActivityEvent.objects.get(verb="deal.lost").payload["feature_request_ids"] == [8]


def test_an_id_the_subscriber_cannot_resolve_rolls_the_lose_back(deal, rep, resolver):
    with pytest.raises(DomainError) as error:
        services.lose_deal(by=rep, deal=deal, reason="missing_feature", feature_requests=[7, 99])
    assert (error.value.status_code, error.value.code) == (400, "unknown_feature_request")
    deal.refresh_from_db()
    assert (deal.stage, deal.lost_reason, deal.closed_at) == ("qualification", "", None)
    assert not ActivityEvent.objects.filter(verb="deal.lost").exists()
    assert stages(deal) == [("", "qualification")]


@pytest.mark.parametrize("item", [True, 0, -3, 2**63])
def test_a_feature_request_is_a_name_or_a_positive_id(deal, rep, resolver, item):
    with pytest.raises(DomainError) as error:
        services.lose_deal(by=rep, deal=deal, reason="missing_feature", feature_requests=[item])
    assert error.value.code == "invalid_feature_requests"


def test_ids_without_a_flow_to_resolve_them_are_refused(deal, rep, monkeypatch):
    from tests.scratch_app.subscribers import no_lost_subscribers

    no_lost_subscribers(monkeypatch)
    with pytest.raises(DomainError) as error:
        services.lose_deal(by=rep, deal=deal, reason="missing_feature", feature_requests=[7])
    assert error.value.code == "feature_request_ids_unsupported"
    # Names need no one to resolve them.
    services.lose_deal(by=rep, deal=deal, reason="missing_feature", feature_requests=["SSO"])


def test_another_flow_reopens_a_lost_deal_naming_the_feature(deal, rep, sales_manager):
    """What the roadmap's "re-engage" calls: ``reopen_deal`` (sales managers and admins)."""
    services.advance_deal(by=rep, deal=deal, stage="proposal")
    services.lose_deal(by=rep, deal=deal, reason="missing_feature", feature_requests=["SSO"])
    with pytest.raises(NotAllowed):
        services.reopen_deal(by=rep, deal=deal, reason="SSO shipped")
    deal = services.reopen_deal(by=sales_manager, deal=deal, reason="SSO shipped")
    deal.refresh_from_db()
    assert (deal.stage, deal.missing_features, deal.lost_reason) == ("proposal", [], "")
    event = ActivityEvent.objects.get(verb="deal.reopened")
    assert (event.payload["reason"], event.payload["to"]) == ("SSO shipped", "proposal")


# --- Updating a deal -----------------------------------------------------------------------


def test_update_records_old_and_new_values(deal, rep):
    services.update_deal(by=rep, deal=deal, data={"value": "15000", "name": "Bigger"})
    deal.refresh_from_db()
    assert (deal.name, deal.value) == ("Bigger", Decimal("15000.00"))
    changes = ActivityEvent.objects.get(verb="deal.updated").payload["changes"]
    assert changes == {"value": ["12000.00", "15000.00"], "name": ["Prospect platform", "Bigger"]}


def test_only_managers_reassign_someone_elses_deal(deal, rep, rep2, sales_manager):
    with pytest.raises(NotAllowed):
        services.update_deal(by=rep2, deal=deal, data={"owner": rep2})
    # The owner may hand the deal over.
    services.update_deal(by=rep, deal=deal, data={"owner": rep2})
    services.update_deal(by=sales_manager, deal=deal, data={"owner": rep})
    deal.refresh_from_db()
    assert deal.owner == rep


def test_a_closed_deals_value_is_frozen(deal, rep):
    services.win_deal(by=rep, deal=deal)
    with pytest.raises(IllegalTransition) as error:
        services.update_deal(by=rep, deal=deal, data={"value": 1})
    assert error.value.code == "deal_closed"
    services.update_deal(by=rep, deal=deal, data={"name": "Renamed after the win"})


def test_a_contact_of_another_company_is_refused(deal, rep, org):
    stranger = ContactFactory(organization=org)
    with pytest.raises(DomainError) as error:
        services.update_deal(by=rep, deal=deal, data={"contact": stranger})
    assert error.value.code == "invalid_contact"


# --- Conversion reuses the company ---------------------------------------------------------


def test_converting_a_lead_reuses_the_company_with_its_domain(org, marketer, rep, company):
    lead = LeadFactory(organization=org, email="ceo@Prospect.test", company_name="Prospect SA")
    lead = lifecycle.qualify_lead(by=marketer, lead=lead, owner=rep)
    lifecycle.accept_lead(by=rep, lead=lead)
    deal = lifecycle.convert_lead(by=rep, lead=lead, value="900")
    assert deal.company == company
    assert deal.source == "marketing"
    assert Company.objects.for_org(org).count() == 1
    assert deal.contact.email == "ceo@prospect.test"


# --- Selectors -----------------------------------------------------------------------------


def test_board_groups_open_deals_with_totals_and_recent_outcomes(org, alice):
    company = CompanyFactory(organization=org)
    for value, stage in ((100, "qualification"), (200, "qualification"), (50, "negotiation")):
        DealFactory(organization=org, company=company, value=value, stage=stage)
    now = timezone.now()
    DealFactory(organization=org, company=company, value=1000, stage="won", closed_at=now)
    DealFactory(
        organization=org, company=company, value=7, stage="lost", lost_reason="price", closed_at=now
    )
    DealFactory(
        organization=org,
        company=company,
        value=999,
        stage="won",
        closed_at=now - timedelta(days=45),
    )
    board = selectors.pipeline_board(membership=alice)
    summary = [(c.stage, c.count, c.total, len(c.deals)) for c in board.columns]
    assert summary == [
        ("qualification", 2, Decimal("300"), 2),
        ("proposal", 0, Decimal("0"), 0),
        ("negotiation", 1, Decimal("50"), 1),
    ]
    assert (board.won_count, board.won_value, board.lost_count) == (1, Decimal("1000"), 1)


def test_board_shows_a_limited_number_of_cards_but_counts_them_all(org, alice):
    company = CompanyFactory(organization=org)
    DealFactory.create_batch(5, organization=org, company=company, stage="proposal", value=1)
    board = selectors.pipeline_board(membership=alice, per_stage=2)
    proposal = board.columns[1]
    assert (len(proposal.deals), proposal.count, proposal.hidden) == (2, 5, 3)


def test_board_never_shows_another_organizations_deals(alice, other_org):
    DealFactory(organization=other_org)
    assert selectors.pipeline_board(membership=alice).open_count == 0


def test_deal_page_suggests_collateral_for_the_deals_tier_and_stage(org, rep, marketer):
    from tests.factories import CollateralFactory

    tier = TierFactory(organization=org)
    other_tier = TierFactory(organization=org)
    company = CompanyFactory(organization=org, tier=tier)
    deal = DealFactory(organization=org, company=company, stage=DealStage.PROPOSAL)
    fits = CollateralFactory(organization=org, title="Fits", stages=["proposal"])
    fits.tiers.set([tier])
    anywhere = CollateralFactory(organization=org, title="Anywhere")
    wrong_tier = CollateralFactory(organization=org, title="Other tier")
    wrong_tier.tiers.set([other_tier])
    CollateralFactory(organization=org, title="Later", stages=["negotiation"])
    CollateralFactory(organization=org, title="Old", archived_at=timezone.now())
    page = selectors.deal_page(deal=Deal.objects.get(pk=deal.pk))
    assert sorted(c.title for c in page.suggestions) == sorted([fits.title, anywhere.title])


# --- API -----------------------------------------------------------------------------------

DEAL_KEY_FIELDS = {
    "id", "name", "company", "owner", "value", "stage", "kind", "source", "lost_reason",
    "close_date",
}  # fmt: skip


def test_api_sales_creates_a_deal_with_source_sales(api_for, rep, company):
    response = api_for(rep).post(
        "/api/v1/deals/", {"company": company.pk, "name": "API deal", "value": "1500"}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= DEAL_KEY_FIELDS
    assert (body["source"], body["stage"], body["owner"], body["value"]) == (
        "sales",
        "qualification",
        rep.pk,
        "1500.00",
    )


def test_api_deal_of_a_foreign_company_is_a_field_error(api_for, rep, other_org):
    response = api_for(rep).post(
        "/api/v1/deals/", {"company": CompanyFactory(organization=other_org).pk, "value": "1"}
    )
    assert response.status_code == 400
    assert "company" in response.json()


def test_api_stage_actions_and_their_errors(api_for, rep, deal):
    client = api_for(rep)
    url = f"/api/v1/deals/{deal.pk}"
    assert client.post(f"{url}/advance/", {"stage": "won"}).status_code == 400
    moved = client.post(f"{url}/advance/", {"stage": "proposal"})
    assert (moved.status_code, moved.json()["stage"]) == (200, "proposal")
    same = client.post(f"{url}/advance/", {"stage": "proposal"})
    assert (same.status_code, same.json()["code"]) == (409, "same_stage")
    missing = client.post(f"{url}/lose/", {"reason": "missing_feature"})
    assert (missing.status_code, missing.json()["code"]) == (400, "feature_requests_required")
    lost = client.post(
        f"{url}/lose/",
        {"reason": "missing_feature", "note": "SSO", "feature_requests": ["SSO"]},
    )
    assert lost.status_code == 200
    assert (lost.json()["lost_reason"], lost.json()["missing_features"]) == (
        "missing_feature",
        ["SSO"],
    )
    closed = client.post(f"{url}/win/")
    assert (closed.status_code, closed.json()["code"]) == (409, "deal_lost")
    history = client.get(f"{url}/").json()["stage_changes"]
    assert [step["to_stage"] for step in history] == ["qualification", "proposal", "lost"]


def test_api_lose_takes_feature_request_ids_and_names(api_for, rep, deal, resolver):
    client = api_for(rep)
    url = f"/api/v1/deals/{deal.pk}/lose/"
    for items in ([True], [0], [2**63], [{"id": 7}], [None], ["x" * 201]):
        bad = client.post(url, {"reason": "missing_feature", "feature_requests": items}, "json")
        assert bad.status_code == 400, items
        assert "feature_requests" in bad.json(), items
    unknown = client.post(
        url, {"reason": "missing_feature", "feature_requests": ["SSO", 99]}, "json"
    )
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_feature_request")
    deal.refresh_from_db()
    assert deal.stage == "qualification"
    lost = client.post(url, {"reason": "missing_feature", "feature_requests": ["SSO", 7]}, "json")
    assert lost.status_code == 200, lost.content
    assert lost.json()["missing_features"] == ["SSO"]
    payload = ActivityEvent.objects.get(verb="deal.lost").payload
    assert payload["feature_request_ids"] == [7]


def test_the_schema_says_a_missing_feature_is_an_id_or_a_name():
    from drf_spectacular.settings import spectacular_settings

    schema = spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)
    body = schema["paths"]["/api/v1/deals/{id}/lose/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    items = schema["components"]["schemas"][ref]["properties"]["feature_requests"]["items"]
    assert [(kind["type"], kind.get("minimum")) for kind in items["oneOf"]] == [
        ("integer", 1),
        ("string", None),
    ]


def test_api_deals_cannot_be_deleted(api_for, alice, deal):
    assert api_for(alice).delete(f"/api/v1/deals/{deal.pk}/").status_code == 405
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_api_non_sales_get_403_on_deal_writes(api_for, marketer, product_person, deal, company):
    for member in (marketer, product_person):
        client = api_for(member)
        assert client.get(f"/api/v1/deals/{deal.pk}/").status_code == 200
        assert client.post(f"/api/v1/deals/{deal.pk}/win/").status_code == 403
        assert (
            client.post(f"/api/v1/deals/{deal.pk}/advance/", {"stage": "proposal"}).status_code
            == 403
        )
        assert client.patch(f"/api/v1/deals/{deal.pk}/", {"value": "1"}).status_code == 403
        assert client.post("/api/v1/companies/", {"name": "X"}).status_code == 403
        assert (
            client.post(
                f"/api/v1/deals/{deal.pk}/own-material/", {"description": "a", "missing": "b"}
            ).status_code
            == 403
        )
    deal.refresh_from_db()
    assert deal.stage == "qualification"


def test_api_outsider_gets_404(api_for, charlie, deal, company):
    client = api_for(charlie)
    assert client.get(f"/api/v1/deals/{deal.pk}/").status_code == 404
    assert client.post(f"/api/v1/deals/{deal.pk}/win/").status_code == 404
    assert client.get(f"/api/v1/companies/{company.pk}/").status_code == 404
    assert client.get("/api/v1/deals/").json()["results"] == []


def test_api_own_material_creates_a_content_request(api_for, rep, deal):
    response = api_for(rep).post(
        f"/api/v1/deals/{deal.pk}/own-material/",
        {"description": "My deck", "missing": "An industry case study"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["own_material"], body["need"], body["deal"], body["status"]) == (
        "My deck",
        "An industry case study",
        deal.pk,
        "open",
    )


def test_api_reassigning_needs_a_manager(api_for, rep, rep2, sales_manager, deal):
    assert api_for(rep2).patch(f"/api/v1/deals/{deal.pk}/", {"owner": rep2.pk}).status_code == 403
    response = api_for(sales_manager).patch(f"/api/v1/deals/{deal.pk}/", {"owner": rep2.pk})
    assert (response.status_code, response.json()["owner"]) == (200, rep2.pk)


def test_api_deal_filters_search_and_ordering(api_for, rep, rep2, org, company):
    other = CompanyFactory(organization=org, name="Globex", domain="globex.test")
    DealFactory(organization=org, company=company, name="Alpha", value=10, owner=rep)
    DealFactory(
        organization=org,
        company=other,
        name="Beta",
        value=30,
        owner=rep2,
        stage="proposal",
        kind="expansion",
    )
    DealFactory(
        organization=org,
        company=other,
        name="Gamma",
        value=20,
        owner=rep,
        stage="won",
        source="marketing",
    )
    client = api_for(rep)

    def names(**params):
        return [row["name"] for row in client.get("/api/v1/deals/", params).json()["results"]]

    assert names(stage="proposal") == ["Beta"]
    assert sorted(names(owner=rep.pk)) == ["Alpha", "Gamma"]
    assert sorted(names(company=other.pk)) == ["Beta", "Gamma"]
    assert names(kind="expansion") == ["Beta"]
    assert names(source="marketing") == ["Gamma"]
    assert sorted(names(search="globex")) == ["Beta", "Gamma"]
    assert names(search="alph") == ["Alpha"]
    assert names(ordering="-value") == ["Beta", "Gamma", "Alpha"]
    assert client.get("/api/v1/deals/", {"owner": "x"}).status_code == 400


def test_api_companies_and_contacts(api_for, rep, company):
    client = api_for(rep)
    duplicate = client.post("/api/v1/companies/", {"name": "P2", "domain": "https://prospect.test"})
    assert duplicate.status_code == 400
    assert "domain" in duplicate.json()
    created = client.post(
        "/api/v1/contacts/", {"company": company.pk, "email": "Zed@Prospect.test", "last_name": "Z"}
    )
    assert created.status_code == 201
    assert created.json()["email"] == "zed@prospect.test"
    found = client.get("/api/v1/contacts/", {"search": "prospect"}).json()["results"]
    assert [row["email"] for row in found] == ["zed@prospect.test"]
    assert client.get("/api/v1/companies/", {"search": "prosp"}).json()["results"][0]["id"] == (
        company.pk
    )
    renamed = client.patch(f"/api/v1/companies/{company.pk}/", {"name": "Prospect SA"})
    assert (renamed.status_code, renamed.json()["name"]) == (200, "Prospect SA")


@pytest.mark.parametrize("resource", ["deals", "companies", "contacts"])
def test_api_list_query_count_does_not_grow_with_rows(
    api_for, rep, org, resource, django_assert_max_num_queries
):
    client = api_for(rep)

    def make(n):
        for _ in range(n):
            ContactFactory(
                organization=org, company=DealFactory(organization=org, owner=rep).company
            )

    make(3)
    with django_assert_max_num_queries(6) as few:
        client.get(f"/api/v1/{resource}/")
    make(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = client.get(f"/api/v1/{resource}/").json()["results"]
    assert len(rows) >= 33
