"""Tier assignment and scoring rules: edge cases of the pure rules."""

from decimal import Decimal

import pytest

from leads.models import Lead, ScoringRule, Tier
from leads.services import scoring


def lead(**fields):
    return Lead(email="a@b.test", **fields)


def tier(rank=1, **criteria):
    return Tier(rank=rank, name=f"T{rank}", **criteria)


def rule(field, operator, value, points=10, is_active=True):
    return ScoringRule(field=field, operator=operator, value=value, points=points,
                       is_active=is_active)  # fmt: skip


def test_a_tier_with_no_criteria_matches_every_lead():
    assert scoring.tier_matches(tier(), lead())


def test_the_best_ranked_matching_tier_wins_whatever_the_order_given():
    broad, narrow = tier(rank=2), tier(rank=1, countries=["PL"])
    assert scoring.best_tier(lead(country="pl"), [broad, narrow]) is narrow
    assert scoring.best_tier(lead(country="DE"), [broad, narrow]) is broad


def test_no_matching_tier_means_none():
    assert scoring.best_tier(lead(industry="retail"), [tier(industries=["software"])]) is None


def test_set_criteria_need_the_leads_value():
    assert not scoring.tier_matches(tier(min_employees=10), lead())
    assert not scoring.tier_matches(tier(min_annual_revenue=Decimal("1")), lead())
    assert not scoring.tier_matches(tier(industries=["software"]), lead())


@pytest.mark.parametrize(
    ("employees", "matches"), [(49, False), (50, True), (200, True), (201, False)]
)
def test_employee_range_bounds_are_inclusive(employees, matches):
    assert scoring.tier_matches(tier(min_employees=50, max_employees=200),
                                lead(employees=employees)) is matches  # fmt: skip


def test_industry_and_country_compare_ignoring_case_and_spaces():
    criteria = tier(industries=[" Software "], countries=["pl"])
    assert scoring.tier_matches(criteria, lead(industry="SOFTWARE", country="PL"))


@pytest.mark.parametrize(
    ("the_rule", "the_lead", "matches"),
    [
        (rule("industry", "eq", "FinTech"), lead(industry="fintech"), True),
        (rule("industry", "in", "software, fintech"), lead(industry="Fintech"), True),
        (rule("industry", "in", "software, fintech"), lead(industry="retail"), False),
        (rule("employees", "gte", "200"), lead(employees=200), True),
        (rule("employees", "gte", "200"), lead(employees=199), False),
        (rule("annual_revenue", "lte", "1000000"), lead(annual_revenue=Decimal("999999.99")),
         True),
        (rule("title", "contains", "head"), lead(title="Head of Sales"), True),
        (rule("title", "contains", "head"), lead(title=""), False),
        (rule("employees", "gte", "200"), lead(employees=None), False),
        (rule("employees", "eq", "200"), lead(employees=200), True),
    ],
)  # fmt: skip
def test_rule_operators(the_rule, the_lead, matches):
    assert scoring.rule_matches(the_rule, the_lead) is matches


def test_score_sums_active_rules_and_negative_points_lower_it():
    rules = [
        rule("industry", "eq", "software", 30),
        rule("country", "eq", "PL", 10),
        rule("title", "contains", "intern", -25),
        rule("country", "eq", "PL", 100, is_active=False),
    ]
    assert scoring.compute_score(lead(industry="Software", country="PL", title="Intern"),
                                 rules) == 15  # fmt: skip


def test_rescoring_an_organization_writes_only_changed_leads_in_chunks(org, monkeypatch):
    from tests.factories import LeadFactory, ScoringRuleFactory, TierFactory

    monkeypatch.setattr(scoring, "RESCORE_CHUNK", 2)
    leads = [LeadFactory(organization=org, industry="software") for _ in range(3)]
    ScoringRuleFactory(organization=org, field="industry", operator="eq", value="software",
                       points=40)  # fmt: skip
    top = TierFactory(organization=org, rank=1, industries=["software"])
    last = scoring.rescore_organization(organization_id=org.pk)
    assert last == leads[1].pk
    assert scoring.rescore_organization(organization_id=org.pk, after_pk=last) == leads[2].pk
    assert scoring.rescore_organization(organization_id=org.pk, after_pk=leads[2].pk) is None
    for one in leads:
        one.refresh_from_db()
        assert (one.score, one.tier) == (40, top)
