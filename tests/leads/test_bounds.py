"""Bounded configuration (issue 7, DESIGN §7.7): every number an admin or an integration
configures has bounds (model validators: API, admin, forms, schema) that the services check
again; a lead's score is clamped to its column; an SLA never overflows the calendar. Also:
``updated_at`` moves on every write path of the leads services, and DELETE of a scoring rule
answers 204 as the schema says."""

import re
from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from rest_framework.test import APIClient

from collab_hub.exceptions import DomainError
from leads.admin import TierForm
from leads.api.config import (
    CampaignSerializer,
    ScoringRuleSerializer,
    TierSerializer,
    decimal_pattern,
)
from leads.forms import CampaignForm
from leads.models import (
    POINTS_MAX,
    SCORE_MAX,
    SCORE_MIN,
    SLA_HOURS_MAX,
    Campaign,
    Collateral,
    Company,
    ComplaintStatus,
    ContentRequest,
    Lead,
    LeadStatus,
    QualityComplaint,
    ScoringRule,
    Tier,
)
from leads.services import campaigns, collateral, config, lifecycle, quality, scoring
from tests.factories import (
    CampaignFactory,
    CollateralFactory,
    CompanyFactory,
    ContentRequestFactory,
    LeadFactory,
    QualityComplaintFactory,
    ScoringRuleFactory,
    TierFactory,
)
from tests.leads.test_tasks import eager  # noqa: F401  (a fixture)

INT32_MAX = 2_147_483_647
EVERY_EMAIL = {"field": "email", "operator": "contains", "value": "@"}


@pytest.fixture
def admin_api(api_for, alice):
    client = api_for(alice)
    client.raise_request_exception = False
    return client


@pytest.fixture
def anon():
    client = APIClient()
    client.raise_request_exception = False
    return client


# --- Measured 1: one scoring rule stopped all lead intake ------------------------------------


def test_a_rule_worth_more_than_the_bound_is_a_400_naming_points_and_is_not_saved(admin_api):
    response = admin_api.post(
        "/api/v1/scoring-rules/", {**EVERY_EMAIL, "points": INT32_MAX}, format="json"
    )
    assert response.status_code == 400
    assert "1000" in response.json()["points"][0]
    below = admin_api.post("/api/v1/scoring-rules/", {**EVERY_EMAIL, "points": -1001})
    assert below.status_code == 400
    assert "points" in below.json()
    assert not ScoringRule.objects.exists()


@pytest.mark.parametrize("points", [-1000, 1000])
def test_rules_at_the_bounds_are_accepted(admin_api, points):
    response = admin_api.post("/api/v1/scoring-rules/", {**EVERY_EMAIL, "points": points})
    assert response.status_code == 201, response.json()
    assert ScoringRule.objects.get().points == points


# ``eager``: the re-score the new rule sends runs here, with or without a broker.
@pytest.mark.usefixtures("eager")
def test_rules_saved_before_the_bounds_no_longer_stop_lead_intake(
    admin_api, anon, org, django_capture_on_commit_callbacks
):
    # The measured case: a rule worth 2**31 - 1 was accepted, then a second one made every
    # score overflow. Such a row may still be in the database.
    ScoringRuleFactory(organization=org, **EVERY_EMAIL, points=INT32_MAX)
    existing = LeadFactory(organization=org, email="old@lead.test")
    with django_capture_on_commit_callbacks(execute=True):
        second = admin_api.post("/api/v1/scoring-rules/", {**EVERY_EMAIL, "points": 1})
    assert second.status_code == 201
    existing.refresh_from_db()
    assert existing.score == SCORE_MAX

    created = admin_api.post("/api/v1/leads/", {"email": "new@lead.test"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["score"] == SCORE_MAX
    captured = anon.post(
        f"/api/v1/capture/{org.capture_key}/", {"email": "web@lead.test"}, format="json"
    )
    assert captured.status_code == 201
    assert Lead.objects.get(email="web@lead.test").score == SCORE_MAX


def test_the_score_stays_within_its_range_however_many_rules_match(org):
    many = [ScoringRule(organization=org, **EVERY_EMAIL, points=POINTS_MAX)] * 1500
    lead = Lead(organization=org, email="a@b.test")
    assert scoring.compute_score(lead, many) == SCORE_MAX
    negative = [ScoringRule(organization=org, **EVERY_EMAIL, points=-POINTS_MAX)] * 1500
    assert scoring.compute_score(lead, negative) == SCORE_MIN


def test_a_tier_sla_beyond_a_year_is_a_400_naming_the_field(admin_api):
    response = admin_api.post(
        "/api/v1/tiers/", {"rank": 1, "name": "Big", "response_sla_hours": INT32_MAX}
    )
    assert response.status_code == 400
    assert "8760" in response.json()["response_sla_hours"][0]
    zero = admin_api.post("/api/v1/tiers/", {"rank": 1, "name": "Big", "response_sla_hours": 0})
    assert zero.status_code == 400
    assert "response_sla_hours" in zero.json()
    assert not Tier.objects.exists()


def test_qualifying_in_a_tier_with_the_longest_sla_is_due_a_year_later(admin_api, org, alice):
    created = admin_api.post(
        "/api/v1/tiers/", {"rank": 1, "name": "Slow", "response_sla_hours": SLA_HOURS_MAX}
    )
    assert created.status_code == 201
    lead = LeadFactory(organization=org, tier=Tier.objects.get())
    before = timezone.now()
    response = admin_api.post(f"/api/v1/leads/{lead.pk}/qualify/", {}, format="json")
    assert response.status_code == 200, response.json()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.MQL
    assert lead.sla_due_at - before >= timedelta(hours=SLA_HOURS_MAX)
    assert lead.sla_due_at - before < timedelta(hours=SLA_HOURS_MAX, minutes=1)


def test_a_tier_saved_before_the_bounds_no_longer_makes_qualify_fail(admin_api, org):
    # The measured case: response_sla_hours 2**31 - 1 made every qualify an OverflowError.
    tier = TierFactory(organization=org, rank=1, response_sla_hours=INT32_MAX)
    lead = LeadFactory(organization=org, tier=tier)
    response = admin_api.post(f"/api/v1/leads/{lead.pk}/qualify/", {}, format="json")
    assert response.status_code == 200, response.json()
    lead.refresh_from_db()
    assert lead.sla_due_at - lead.qualified_at == timedelta(hours=SLA_HOURS_MAX)


def test_an_sla_near_the_end_of_the_calendar_does_not_overflow():
    late = timezone.now().replace(year=9999, month=12, day=31)
    assert lifecycle.sla_due_at(late, SLA_HOURS_MAX).year == 9999


# --- Every configurable number is bounded, in every layer ----------------------------------


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/tiers/", {"rank": 0, "name": "T"}, "rank"),
        ("/api/v1/tiers/", {"rank": 1001, "name": "T"}, "rank"),
        ("/api/v1/tiers/", {"rank": 1, "name": "T", "monthly_mql_target_per_rep": 10001}, None),
        ("/api/v1/tiers/", {"rank": 1, "name": "T", "min_employees": 10_000_001}, None),
        ("/api/v1/tiers/", {"rank": 1, "name": "T", "max_employees": -1}, None),
        ("/api/v1/tiers/", {"rank": 1, "name": "T", "min_annual_revenue": "-1"}, None),
        ("/api/v1/campaigns/", {"name": "C", "channel": "email", "cost": "1000000000.01"}, None),
        ("/api/v1/campaigns/", {"name": "C", "channel": "email", "cost": "-0.01"}, None),
    ],
)
def test_out_of_bounds_configuration_is_a_400_with_the_field_message(admin_api, url, body, field):
    field = field or next(name for name in body if name not in ("rank", "name", "channel"))
    response = admin_api.post(url, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_the_serializers_carry_the_bounds_into_the_schema():
    points = ScoringRuleSerializer().fields["points"]
    sla = TierSerializer().fields["response_sla_hours"]
    cost = CampaignSerializer().fields["cost"]
    assert (points.min_value, points.max_value) == (-1000, 1000)
    assert (sla.min_value, sla.max_value) == (1, 8760)
    assert (cost.min_value, cost.max_value) == (Decimal("0"), Decimal("1000000000.00"))


@pytest.mark.parametrize(
    ("value", "matches"),
    [("0", True), ("999999999.99", True), (".5", True), ("1000000000.00", True),
     ("1000000000.01", False), ("1000000001", False), ("-1", False), ("", False)],
)  # fmt: skip
def test_a_bounded_decimal_pattern_matches_only_values_the_api_accepts(admin_api, value, matches):
    pattern = decimal_pattern(Decimal("0"), Decimal("1000000000.00"), places=2, whole=12)
    assert bool(re.match(pattern, value)) is matches
    response = admin_api.post(
        "/api/v1/campaigns/", {"name": "C", "channel": "email", "cost": value}, format="json"
    )
    if matches:
        assert response.status_code == 201, response.json()


@pytest.mark.slow
def test_the_schema_states_the_bounds_and_a_204_for_deleting_a_rule(admin_api):
    schema = admin_api.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    points = components["ScoringRuleRequest"]["properties"]["points"]
    sla = components["TierRequest"]["properties"]["response_sla_hours"]
    cost = components["CampaignRequest"]["properties"]["cost"]
    assert (points["minimum"], points["maximum"]) == (-1000, 1000)
    assert (sla["minimum"], sla["maximum"]) == (1, 8760)
    assert not re.match(cost["pattern"], "1000000000.01")
    deleting = schema["paths"]["/api/v1/scoring-rules/{id}/"]["delete"]["responses"]
    assert "204" in deleting
    assert "200" not in deleting


def test_admin_and_page_forms_refuse_out_of_bounds_numbers(org):
    tier_form = TierForm({"rank": 1, "name": "T", "response_sla_hours": 9000})
    assert "8760" in tier_form.errors["response_sla_hours"][0]
    campaign_form = CampaignForm({"name": "C", "channel": "email", "cost": "2000000000"})
    assert "cost" in campaign_form.errors


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda by, org: config.create_scoring_rule(by=by, data={**EVERY_EMAIL, "points": 1001}),
         "points"),
        (lambda by, org: config.update_scoring_rule(
            by=by, rule=ScoringRuleFactory(organization=org), data={"points": -5000}), "points"),
        (lambda by, org: config.create_tier(
            by=by, data={"rank": 1, "name": "T", "response_sla_hours": INT32_MAX}),
         "response_sla_hours"),
        (lambda by, org: config.update_tier(
            by=by, tier=TierFactory(organization=org, rank=1),
            data={"monthly_mql_target_per_rep": 10**6}), "monthly_mql_target_per_rep"),
        (lambda by, org: config.update_lead_settings(by=by, data={"mql_threshold": 10**7}),
         "mql_threshold"),
        (lambda by, org: config.update_lead_settings(
            by=by, data={"complaint_response_days": 0}), "complaint_response_days"),
        (lambda by, org: campaigns.create_campaign(
            by=by, data={"name": "C", "channel": "email", "cost": Decimal("1e12")}), "cost"),
    ],
)  # fmt: skip
def test_services_refuse_out_of_bounds_numbers_whoever_calls(alice, org, call, field):
    # Tasks, commands and the admin call services directly, past the serializers.
    with pytest.raises(DomainError) as refused:
        call(alice, org)
    assert (refused.value.field, refused.value.code) == (field, "out_of_range")


def test_a_service_given_text_for_a_number_converts_it_or_refuses_it(alice):
    rule = config.create_scoring_rule(by=alice, data={**EVERY_EMAIL, "points": "12"})
    assert rule.points == 12
    with pytest.raises(DomainError) as refused:
        config.create_scoring_rule(by=alice, data={**EVERY_EMAIL, "points": "a lot"})
    assert refused.value.field == "points"


def test_a_row_saved_before_the_bounds_stays_editable_in_its_other_fields(alice, org):
    tier = TierFactory(organization=org, rank=1, response_sla_hours=INT32_MAX)
    changed = config.update_tier(by=alice, tier=tier, data={"name": "Renamed"})
    assert changed.name == "Renamed"


def test_the_migration_brings_old_configuration_inside_the_bounds_and_dates_old_rows(org):
    migration = import_module("leads.migrations.0007_fill_updated_at_and_clamp_configuration")
    tier = TierFactory(organization=org, rank=1, response_sla_hours=INT32_MAX)
    rule = ScoringRuleFactory(organization=org, points=-INT32_MAX)
    lead = LeadFactory(organization=org, score=INT32_MAX)
    created = timezone.now() - timedelta(days=400)
    company = CompanyFactory(organization=org, created_at=created)
    migration.forwards(django_apps, None)
    tier.refresh_from_db()
    rule.refresh_from_db()
    lead.refresh_from_db()
    company.refresh_from_db()
    assert (tier.response_sla_hours, rule.points, lead.score) == (8760, -1000, SCORE_MAX)
    assert company.updated_at == created


# --- DELETE answers what the schema says ----------------------------------------------------


def test_deleting_a_scoring_rule_answers_204_and_switches_it_off(admin_api, org):
    rule = ScoringRuleFactory(organization=org)
    response = admin_api.delete(f"/api/v1/scoring-rules/{rule.pk}/")
    assert response.status_code == 204
    assert response.content == b""
    rule.refresh_from_db()
    assert rule.is_active is False
    listed = admin_api.get("/api/v1/scoring-rules/").json()["results"]
    assert [(row["id"], row["is_active"]) for row in listed] == [(rule.pk, False)]


def test_deleting_a_tier_answers_204(admin_api, org):
    tier = TierFactory(organization=org)
    response = admin_api.delete(f"/api/v1/tiers/{tier.pk}/")
    assert (response.status_code, response.content) == (204, b"")
    assert not Tier.objects.exists()


def test_an_outsider_cannot_delete_a_scoring_rule(api_for, charlie, org):
    rule = ScoringRuleFactory(organization=org)
    assert api_for(charlie).delete(f"/api/v1/scoring-rules/{rule.pk}/").status_code == 404
    rule.refresh_from_db()
    assert rule.is_active is True


# --- updated_at moves on every write path ---------------------------------------------------

LONG_AGO = timezone.now() - timedelta(days=30)


def _age(row):
    type(row).objects.filter(pk=row.pk).update(updated_at=LONG_AGO)


def _moved(row) -> bool:
    row.refresh_from_db()
    return row.updated_at > LONG_AGO + timedelta(days=1)


def test_config_rows_record_when_they_changed_and_show_it(admin_api, org, alice):
    tier, rule = TierFactory(organization=org, rank=1), ScoringRuleFactory(organization=org)
    campaign = CampaignFactory(organization=org)
    for row in (tier, rule, campaign):
        _age(row)
    config.update_tier(by=alice, tier=tier, data={"name": "New name"})
    config.update_scoring_rule(by=alice, rule=rule, data={"points": 3})
    campaigns.update_campaign(by=alice, campaign=campaign, data={"name": "New"})
    assert all(_moved(row) for row in (tier, rule, campaign))
    body = admin_api.get(f"/api/v1/tiers/{tier.pk}/").json()
    assert body["updated_at"].startswith(str(tier.updated_at.year))


def test_switching_a_rule_off_moves_its_updated_at(alice, org):
    rule = ScoringRuleFactory(organization=org)
    _age(rule)
    config.deactivate_scoring_rule(by=alice, rule=rule)
    assert _moved(rule)


def test_rescoring_moves_updated_at_of_the_leads_it_changes_only(org):
    ScoringRuleFactory(organization=org, field="industry", operator="eq", value="software")
    changed = LeadFactory(organization=org, industry="Software")
    unchanged = LeadFactory(organization=org, industry="Retail")
    _age(changed)
    _age(unchanged)
    scoring.rescore_all_leads(organization_id=org.pk)
    assert _moved(changed)
    assert not _moved(unchanged)


def test_flagging_an_sla_breach_moves_the_leads_updated_at(org):
    lead = LeadFactory(
        organization=org, status=LeadStatus.MQL, sla_due_at=timezone.now() - timedelta(hours=1)
    )
    _age(lead)
    assert lifecycle.flag_sla_breaches() == 1
    assert _moved(lead)


def test_flagging_and_answering_a_complaint_move_its_updated_at(org, alice):
    complaint = QualityComplaintFactory(organization=org, due_at=timezone.now() - timedelta(days=1))
    _age(complaint)
    assert quality.flag_overdue_complaints() == 1
    assert _moved(complaint)
    _age(complaint)
    quality.answer_complaint(by=alice, complaint=complaint, answer="We fixed the targeting.")
    assert _moved(complaint)
    assert QualityComplaint.objects.get().status == ComplaintStatus.ANSWERED


def test_archiving_collateral_and_starting_a_content_request_move_updated_at(org, marketer):
    asset = CollateralFactory(organization=org)
    request = ContentRequestFactory(organization=org)
    _age(asset)
    _age(request)
    collateral.archive_collateral(by=marketer, collateral=asset)
    collateral.start_content_request(by=marketer, request=request)
    assert _moved(asset)
    assert _moved(request)
    assert Collateral.objects.get().archived_at is not None
    assert ContentRequest.objects.get().assignee == marketer


def test_every_business_model_of_leads_has_an_updated_at_index_leading_with_organization():
    from leads import models

    for model in (
        models.Lead, models.Deal, models.Company, models.Contact, Campaign, Tier, ScoringRule,
        Collateral, ContentRequest, QualityComplaint,
    ):  # fmt: skip
        assert model._meta.get_field("updated_at").auto_now
        assert ["organization", "updated_at", "id"] in [
            index.fields for index in model._meta.indexes
        ], model.__name__


def test_new_rows_of_every_new_updated_at_model_get_a_time(org):
    assert Company.objects.create(organization=org, name="X").updated_at is not None
