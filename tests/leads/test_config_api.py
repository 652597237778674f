"""The funnel's configuration API: tiers/, scoring-rules/ (admins write, changes re-score
every lead), campaigns/ (marketing writes); roles, validation, outsiders, query counts."""

import pytest

from collab_hub.notifications.models import ActivityEvent
from leads.models import Campaign, ScoringRule, Tier
from leads.tasks import rescore_leads
from tests.factories import CampaignFactory, LeadFactory, ScoringRuleFactory, TierFactory


@pytest.fixture
def rescore(monkeypatch):
    """Run the re-scoring task the captured on-commit callback would enqueue, here and now,
    following its chain of chunks without a broker or eager mode."""

    def run(org) -> None:
        chunks = [(org.pk,)]
        monkeypatch.setattr(rescore_leads, "delay", lambda *args: chunks.append(args))
        while chunks:
            rescore_leads.run(*chunks.pop())

    return run


# --- Tiers ----------------------------------------------------------------------------------


def test_everyone_in_the_organization_reads_tiers(api_for, org, product_person):
    TierFactory(organization=org, rank=2, name="Mid-market")
    TierFactory(organization=org, rank=1, name="Enterprise")
    response = api_for(product_person).get("/api/v1/tiers/")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Enterprise", "Mid-market"]


def test_admin_creates_a_tier_and_existing_leads_get_it(
    api_for, org, alice, django_capture_on_commit_callbacks, rescore
):
    lead = LeadFactory(organization=org, industry="Software", country="PL")
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_for(alice).post(
            "/api/v1/tiers/",
            {
                "rank": 1,
                "name": "Software in Poland",
                "industries": ["software"],
                "countries": ["pl"],
                "value_proposition": "Ship faster.",
                "response_sla_hours": 8,
            },
        )
    assert response.status_code == 201, response.json()
    assert response.json()["countries"] == ["PL"]
    assert len(callbacks) == 1
    lead.refresh_from_db()
    assert lead.tier is None  # not yet: the re-tiering runs in the background
    rescore(org)
    lead.refresh_from_db()
    assert lead.tier.name == "Software in Poland"
    assert ActivityEvent.objects.filter(verb="tier.created", actor=alice).exists()


def test_changing_a_tier_retiers_existing_leads(
    api_for, org, alice, django_capture_on_commit_callbacks, rescore
):
    tier = TierFactory(organization=org, rank=1, countries=["PL"])
    polish = LeadFactory(organization=org, country="PL", tier=tier)
    german = LeadFactory(organization=org, country="DE")
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_for(alice).patch(f"/api/v1/tiers/{tier.pk}/", {"countries": ["DE"]})
    assert response.status_code == 200
    assert len(callbacks) == 1
    rescore(org)
    polish.refresh_from_db()
    german.refresh_from_db()
    assert (polish.tier, german.tier) == (None, tier)
    event = ActivityEvent.objects.get(verb="tier.updated")
    assert event.payload["fields"] == ["countries"]


def test_unchanged_tier_does_not_rescore(api_for, org, alice, django_capture_on_commit_callbacks):
    tier = TierFactory(organization=org, rank=1, name="Same")
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_for(alice).patch(f"/api/v1/tiers/{tier.pk}/", {"name": "Same"})
    assert response.status_code == 200
    assert callbacks == []


def test_only_admins_write_tiers(api_for, org, marketer, sales_manager):
    tier = TierFactory(organization=org, rank=1, name="Keep")
    for member in (marketer, sales_manager):
        client = api_for(member)
        assert client.post("/api/v1/tiers/", {"rank": 2, "name": "X"}).status_code == 403
        assert client.patch(f"/api/v1/tiers/{tier.pk}/", {"name": "Y"}).status_code == 403
        assert client.delete(f"/api/v1/tiers/{tier.pk}/").status_code == 403
    tier.refresh_from_db()
    assert tier.name == "Keep"
    assert Tier.objects.count() == 1


def test_tier_rank_is_unique_in_the_organization(api_for, org, alice, other_org):
    TierFactory(organization=org, rank=1)
    TierFactory(organization=other_org, rank=2)
    client = api_for(alice)
    response = client.post("/api/v1/tiers/", {"rank": 1, "name": "Clash"})
    assert response.status_code == 400
    assert "rank" in response.json()
    assert client.post("/api/v1/tiers/", {"rank": 2, "name": "Fine"}).status_code == 201


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"min_employees": 500, "max_employees": 50}, "max_employees"),
        ({"countries": ["Poland"]}, "countries"),
        ({"response_sla_hours": 0}, "response_sla_hours"),
        ({"industries": "software"}, "industries"),
    ],
)
def test_tier_validation_names_the_field(api_for, alice, payload, field):
    response = api_for(alice).post("/api/v1/tiers/", {"rank": 1, "name": "T", **payload})
    assert response.status_code == 400
    assert field in response.json()
    assert not Tier.objects.exists()


def test_tier_that_leads_have_cannot_be_deleted(api_for, org, alice):
    tier = TierFactory(organization=org)
    LeadFactory(organization=org, tier=tier)
    response = api_for(alice).delete(f"/api/v1/tiers/{tier.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "tier_in_use"
    assert Tier.objects.filter(pk=tier.pk).exists()


def test_unused_tier_is_deleted(api_for, org, alice, django_capture_on_commit_callbacks):
    tier = TierFactory(organization=org)
    with django_capture_on_commit_callbacks() as callbacks:
        assert api_for(alice).delete(f"/api/v1/tiers/{tier.pk}/").status_code == 204
    assert not Tier.objects.exists()
    assert len(callbacks) == 1
    assert ActivityEvent.objects.filter(verb="tier.deleted", target_label=tier.name).exists()


def test_outsider_cannot_see_or_change_tiers(api_for, org, charlie):
    tier = TierFactory(organization=org, name="Ours")
    client = api_for(charlie)
    assert client.get("/api/v1/tiers/").json()["results"] == []
    assert client.get(f"/api/v1/tiers/{tier.pk}/").status_code == 404
    assert client.patch(f"/api/v1/tiers/{tier.pk}/", {"name": "Theirs"}).status_code == 404
    assert client.delete(f"/api/v1/tiers/{tier.pk}/").status_code == 404
    tier.refresh_from_db()
    assert tier.name == "Ours"


# --- Scoring rules --------------------------------------------------------------------------


def test_admin_adds_a_rule_and_leads_are_rescored(
    api_for, org, alice, django_capture_on_commit_callbacks, rescore
):
    big = LeadFactory(organization=org, employees=800)
    small = LeadFactory(organization=org, employees=20)
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_for(alice).post(
            "/api/v1/scoring-rules/",
            {"field": "employees", "operator": "gte", "value": " 500 ", "points": 30},
        )
    assert response.status_code == 201
    assert response.json()["value"] == "500"
    assert len(callbacks) == 1
    rescore(org)
    big.refresh_from_db()
    small.refresh_from_db()
    assert (big.score, small.score) == (30, 0)
    assert ActivityEvent.objects.filter(verb="scoring_rule.created").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"field": "industry", "operator": "gte", "value": "5"}, "operator"),
        ({"field": "employees", "operator": "gte", "value": "many"}, "value"),
        ({"field": "annual_revenue", "operator": "lte", "value": "NaN"}, "value"),
        ({"field": "employees", "operator": "eq", "value": "Infinity"}, "value"),
        ({"field": "industry", "operator": "eq", "value": "   "}, "value"),
        ({"field": "shoe_size", "operator": "eq", "value": "42"}, "field"),
    ],
)
def test_rule_operator_must_fit_the_field(api_for, alice, payload, field):
    response = api_for(alice).post("/api/v1/scoring-rules/", {"points": 5, **payload})
    assert response.status_code == 400
    assert field in response.json()
    assert not ScoringRule.objects.exists()


def test_partial_update_checks_the_rule_as_a_whole(api_for, org, alice):
    rule = ScoringRuleFactory(organization=org, field="industry", operator="eq", value="saas")
    response = api_for(alice).patch(f"/api/v1/scoring-rules/{rule.pk}/", {"operator": "gte"})
    assert response.status_code == 400
    assert "operator" in response.json()
    rule.refresh_from_db()
    assert rule.operator == "eq"


def test_deleting_a_rule_deactivates_it(
    api_for, org, alice, django_capture_on_commit_callbacks, rescore
):
    rule = ScoringRuleFactory(organization=org, field="industry", value="software", points=20)
    lead = LeadFactory(organization=org, industry="software", score=20)
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_for(alice).delete(f"/api/v1/scoring-rules/{rule.pk}/")
    assert response.status_code == 204  # as the schema says; the rule is switched off
    rule.refresh_from_db()
    assert rule.is_active is False
    assert len(callbacks) == 1
    rescore(org)
    lead.refresh_from_db()
    assert lead.score == 0
    assert ActivityEvent.objects.filter(verb="scoring_rule.deactivated").exists()


def test_only_admins_write_rules(api_for, org, marketer, sales_manager):
    rule = ScoringRuleFactory(organization=org)
    for member in (marketer, sales_manager):
        client = api_for(member)
        payload = {"field": "industry", "operator": "eq", "value": "x", "points": 1}
        assert client.post("/api/v1/scoring-rules/", payload).status_code == 403
        assert client.delete(f"/api/v1/scoring-rules/{rule.pk}/").status_code == 403
        assert client.get("/api/v1/scoring-rules/").status_code == 200
    rule.refresh_from_db()
    assert rule.is_active


def test_rules_filter_by_active(api_for, org, alice):
    ScoringRuleFactory(organization=org, value="on")
    ScoringRuleFactory(organization=org, value="off", is_active=False)
    rows = api_for(alice).get("/api/v1/scoring-rules/", {"is_active": "false"}).json()["results"]
    assert [row["value"] for row in rows] == ["off"]


# --- Campaigns ------------------------------------------------------------------------------


def test_marketing_creates_a_campaign(api_for, marketer):
    response = api_for(marketer).post(
        "/api/v1/campaigns/",
        {"name": " Spring webinar ", "channel": "webinar", "cost": "1500.00"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["owner"], body["cost"]) == ("Spring webinar", marketer.pk, "1500.00")
    assert ActivityEvent.objects.filter(verb="campaign.created", actor=marketer).exists()


def test_sales_reads_campaigns_but_cannot_write_them(api_for, org, rep):
    campaign = CampaignFactory(organization=org, name="Fair")
    client = api_for(rep)
    assert client.get("/api/v1/campaigns/").status_code == 200
    payload = {"name": "X", "channel": "email"}
    assert client.post("/api/v1/campaigns/", payload).status_code == 403
    assert client.patch(f"/api/v1/campaigns/{campaign.pk}/", {"name": "Y"}).status_code == 403
    campaign.refresh_from_db()
    assert campaign.name == "Fair"


def test_campaign_cannot_end_before_it_starts(api_for, org, marketer):
    campaign = CampaignFactory(organization=org, starts_on="2025-05-01")
    response = api_for(marketer).patch(
        f"/api/v1/campaigns/{campaign.pk}/", {"ends_on": "2025-04-30"}
    )
    assert response.status_code == 400
    assert "ends_on" in response.json()


def test_campaigns_filter_by_channel_and_order_by_cost(api_for, org, marketer):
    CampaignFactory(organization=org, name="Mail", channel="email", cost=10)
    CampaignFactory(organization=org, name="Expo", channel="events", cost=900)
    CampaignFactory(organization=org, name="Webinar", channel="webinar", cost=300)
    client = api_for(marketer)
    rows = client.get("/api/v1/campaigns/", {"channel": "events"}).json()["results"]
    assert [row["name"] for row in rows] == ["Expo"]
    rows = client.get("/api/v1/campaigns/", {"ordering": "-cost"}).json()["results"]
    assert [row["name"] for row in rows] == ["Expo", "Webinar", "Mail"]
    assert client.get("/api/v1/campaigns/", {"channel": "fax"}).status_code == 400


def test_outsider_cannot_see_or_change_campaigns(api_for, org, charlie):
    campaign = CampaignFactory(organization=org, name="Ours")
    client = api_for(charlie)
    assert client.get("/api/v1/campaigns/").json()["results"] == []
    assert client.get(f"/api/v1/campaigns/{campaign.pk}/").status_code == 404
    assert client.patch(f"/api/v1/campaigns/{campaign.pk}/", {"name": "x"}).status_code == 404
    campaign.refresh_from_db()
    assert campaign.name == "Ours"
    assert Campaign.objects.count() == 1


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/v1/tiers/", lambda org, n: [TierFactory(organization=org) for _ in range(n)]),
        (
            "/api/v1/scoring-rules/",
            lambda org, n: ScoringRuleFactory.create_batch(n, organization=org),
        ),
        ("/api/v1/campaigns/", lambda org, n: CampaignFactory.create_batch(n, organization=org)),
    ],
)
def test_config_lists_query_count_does_not_grow_with_rows(
    api_for, org, marketer, url, make, django_assert_max_num_queries
):
    client = api_for(marketer)
    make(org, 2)
    with django_assert_max_num_queries(4):
        assert len(client.get(url).json()["results"]) == 2
    make(org, 30)
    with django_assert_max_num_queries(4):
        assert len(client.get(url).json()["results"]) == 32
