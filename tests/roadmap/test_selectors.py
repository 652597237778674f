"""Revenue at stake and priority against a hand-built data set (merged requests, deals that
change value, are won or lost), the impact figures, and the ranking's query count."""

from __future__ import annotations

from decimal import Decimal

import pytest

from leads.services import deals as deal_services
from roadmap import selectors, services
from roadmap.models import Demand, FeatureRequest
from tests.factories import CompanyFactory, DealFactory, TierFactory, TierWeightFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org, rep, cs, pm):
    """Tier "Strategic" weighs 3, "SMB" has no weight (1.0); companies A (strategic), B (SMB)
    and C (no tier)."""
    strategic = TierFactory(organization=org, name="Strategic", rank=1)
    smb = TierFactory(organization=org, name="SMB", rank=2)
    TierWeightFactory(organization=org, tier=strategic, weight=3)
    a = CompanyFactory(organization=org, name="A", tier=strategic)
    b = CompanyFactory(organization=org, name="B", tier=smb)
    c = CompanyFactory(organization=org, name="C")

    x = services.create_feature_request(by=pm, title="Single sign-on", effort=4)
    deal_a = DealFactory(organization=org, company=a, owner=rep, value=10000)
    deal_b = DealFactory(organization=org, company=b, owner=rep, value=5000)
    deal_c = DealFactory(organization=org, company=c, owner=rep, value=8000)
    for deal in (deal_a, deal_b, deal_c):
        services.raise_demand(
            by=rep, feature_request=x, company=deal.company, deal=deal, kind="blocking"
        )
    services.raise_demand(by=cs, feature_request=x, company=b, kind="expansion", value=1000)
    services.raise_demand(by=cs, feature_request=x, company=c, kind="retention", value=500)
    # The deal's value changes: the blocking figure follows it.
    deal_services.update_deal(by=rep, deal=deal_a, data={"value": 12000})
    # Won: no longer blocking. Lost for the feature (named with other case): lost at 8000.
    deal_services.win_deal(by=rep, deal=deal_b)
    deal_services.lose_deal(
        by=rep, deal=deal_c, reason="missing_feature", feature_requests=["SINGLE sign-on"]
    )

    # A duplicate, merged into X: its blocking demand on deal A is the same; its expansion
    # need from C moves.
    y = services.create_feature_request(by=rep, title="SSO")
    services.raise_demand(by=rep, feature_request=y, company=a, deal=deal_a, kind="blocking")
    services.raise_demand(by=cs, feature_request=y, company=c, kind="expansion", value=2000)
    services.merge_feature_request(by=pm, source=y, into=x)

    z = services.create_feature_request(by=rep, title="Dark mode")
    services.raise_demand(by=cs, feature_request=z, company=b, kind="expansion", value=100)
    w = services.create_feature_request(by=rep, title="Offline")
    deal_d = DealFactory(organization=org, company=b, owner=rep, value=70000)
    services.raise_demand(by=rep, feature_request=w, company=b, deal=deal_d, kind="blocking")
    deal_services.lose_deal(by=rep, deal=deal_d, reason="price")
    return {"x": x, "y": y, "z": z, "w": w, "strategic": strategic, "smb": smb}


def test_revenue_at_stake_and_priority_of_a_hand_built_roadmap(org, world):
    rows = list(selectors.ranked(org))

    assert [row.title for row in rows] == ["Single sign-on", "Dark mode", "Offline"]
    x, z, w = rows
    assert (x.blocking, x.lost, x.expansion, x.retention) == (
        Decimal("12000"), Decimal("8000"), Decimal("3000"), Decimal("500"),
    )  # fmt: skip
    assert x.revenue_at_stake == Decimal("23500")
    assert x.customers_count == 3  # A (waiting), B (expansion), C (lost, retention, expansion)
    assert x.tier_weight == Decimal("3")
    assert x.priority_score == Decimal("17625")  # 23500 × 3 ÷ 4
    assert (z.revenue_at_stake, z.tier_weight, z.priority_score) == (100, 1, 100)
    # A deal lost for another reason no longer counts for the feature it waited on.
    assert (w.revenue_at_stake, w.customers_count, w.priority_score) == (0, 0, 0)


def test_the_ranking_filters_and_orders(org, world, pm):
    assert [r.title for r in selectors.ranked(org, tier=world["strategic"].pk)] == [
        "Single sign-on"
    ]
    assert [r.title for r in selectors.ranked(org, status="new", search="dark")] == ["Dark mode"]
    services.update_feature_request(by=pm, feature_request=world["z"], data={"owner": pm})
    assert [r.title for r in selectors.ranked(org, owner=pm)] == ["Dark mode"]
    assert next(r.title for r in selectors.ranked(org, ordering="customers_count")) == (
        "Single sign-on"
    )


def test_tier_weights_are_bounded_and_move_the_score(org, world, alice, pm):
    from collab_hub.exceptions import DomainError, NotAllowed

    with pytest.raises(DomainError) as error:
        services.set_tier_weight(by=alice, tier=world["smb"], weight="250")
    assert error.value.code == "invalid_weight"
    with pytest.raises(NotAllowed):
        services.set_tier_weight(by=pm, tier=world["smb"], weight="2")
    services.set_tier_weight(by=alice, tier=world["smb"], weight="5")
    dark = selectors.ranked(org).get(title="Dark mode")
    assert (dark.tier_weight, dark.priority_score) == (Decimal("5"), Decimal("500"))


def test_the_tier_mix_of_a_page(org, world):
    mix = selectors.tier_mix([world["x"].pk, world["z"].pk])
    assert sorted(mix[world["x"].pk]) == [("", 1), ("SMB", 1), ("Strategic", 1)]
    assert mix[world["z"].pk] == [("SMB", 1)]


def test_impact_answers_the_seed_questions(org, world):
    result = selectors.impact(org)
    rows = {row.title: row for row in result.rows}
    assert set(rows) == {"Single sign-on", "Dark mode"}
    x = rows["Single sign-on"]
    assert (x.lost_customers, x.lost_revenue) == (1, Decimal("8000"))
    assert (x.waiting_deals, x.waiting_value) == (1, Decimal("12000"))
    assert (x.expansion_value, x.retention_value, x.total) == (
        Decimal("3000"), Decimal("500"), Decimal("23500"),
    )  # fmt: skip
    assert result.totals == {
        "lost_customers": 1,
        "lost_revenue": Decimal("8000"),
        "waiting_deals": 1,
        "waiting_value": Decimal("12000"),
        "expansion_value": Decimal("3100"),
        "retention_value": Decimal("500"),
    }
    by_tier = selectors.impact(org, tier=world["smb"].pk)
    assert {row.title: row.total for row in by_tier.rows} == {
        "Single sign-on": Decimal("1000"),
        "Dark mode": Decimal("100"),
    }
    sales_only = selectors.impact(org, source="sales")
    assert {row.title: row.total for row in sales_only.rows} == {"Single sign-on": Decimal("20000")}


def test_ranking_500_requests_is_one_query(org, rep, django_assert_num_queries):
    companies = [CompanyFactory(organization=org) for _ in range(5)]
    deals = [DealFactory(organization=org, company=c, owner=rep, value=1000) for c in companies]
    requests = FeatureRequest.objects.bulk_create(
        FeatureRequest(organization=org, title=f"Feature {n}", effort=n % 7) for n in range(500)
    )
    Demand.objects.bulk_create(
        Demand(
            organization=org,
            feature_request=request,
            company=deals[n % 5].company,
            deal=deals[n % 5] if n % 2 else None,
            kind="blocking" if n % 2 else "expansion",
            value=None if n % 2 else 100 + n,
        )
        for n, request in enumerate(requests)
        for _twice in range(1 if n % 2 else 2)
    )

    with django_assert_num_queries(1):
        rows = list(selectors.ranked(org))
        assert len(rows) == 500
        assert all(row.owner is None for row in rows)
    with django_assert_num_queries(1):
        selectors.tier_mix([row.pk for row in rows[:50]])
    with django_assert_num_queries(3):
        result = selectors.impact(org)
        assert len(list(result.rows)) == 500


def test_the_promise_queues(org, rep, rep2, pm):
    request = services.create_feature_request(by=rep, title="Audit log")
    deal = DealFactory(organization=org, owner=rep2)
    other = DealFactory(organization=org, owner=rep2)
    waiting = services.record_promise(by=rep, deal=deal, feature_request=request)
    declined = services.record_promise(by=rep, deal=other, feature_request=request)
    services.decline_promise(by=pm, promise=declined, reason="No.")

    assert list(selectors.pending_promises(org)) == [waiting]
    assert selectors.has_pending_promises(deal) and not selectors.has_pending_promises(other)
    assert list(selectors.promises_to_follow_up(rep)) == [declined]
    assert list(selectors.promises_to_follow_up(rep2)) == [declined]
    assert list(selectors.promises_to_follow_up(pm)) == []
    assert [p.status for p in selectors.promises_of_deal(other)] == ["declined"]
