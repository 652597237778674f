"""Lost and won deals feed the roadmap through the subscriber registry: leads knows nothing
of roadmap, and roadmap records the lost demand and stops the blocking ones."""

from __future__ import annotations

import pytest

from collab_hub.exceptions import DomainError
from collab_hub.notifications import registry
from collab_hub.notifications.models import ActivityEvent
from leads.models import DealStage
from leads.services import deals as deal_services
from roadmap import services, subscribers
from roadmap.models import Demand, DemandKind, DemandOutcome, FeatureRequest, FeatureStatus
from tests.factories import CompanyFactory, DealFactory, FeatureRequestFactory

pytestmark = pytest.mark.django_db


def test_roadmap_subscribes_to_lost_and_won_deals():
    handlers = {(s.verb, s.handler) for s in registry.subscriptions() if s.app == "roadmap"}
    assert handlers == {
        ("deal.lost", subscribers.on_deal_lost),
        ("deal.won", subscribers.on_deal_won),
    }


def lose(rep, deal, *features, reason="missing_feature"):
    return deal_services.lose_deal(by=rep, deal=deal, reason=reason, feature_requests=features)


def test_names_match_existing_requests_ignoring_case_and_accents_or_create_new_ones(org, rep):
    existing = FeatureRequestFactory(organization=org, title="Zażółć export")
    deal = DealFactory(organization=org, owner=rep, value=24000)

    lose(rep, deal, "ZAZOLC Export", "Single sign-on")

    created = FeatureRequest.objects.get(title="Single sign-on")
    assert created.status == FeatureStatus.NEW and created.created_by == rep
    assert ActivityEvent.objects.filter(verb="feature.created", target_id=created.pk).exists()
    demands = Demand.objects.filter(deal=deal).order_by("feature_request_id")
    assert [(d.feature_request_id, d.kind, d.value, d.company_id) for d in demands] == [
        (existing.pk, DemandKind.LOST, 24000, deal.company_id),
        (created.pk, DemandKind.LOST, 24000, deal.company_id),
    ]
    assert all(d.raised_by == rep and d.department_id == rep.department_id for d in demands)


def test_ids_resolve_to_the_organizations_requests(org, rep):
    request = FeatureRequestFactory(organization=org, title="Audit log")
    deal = DealFactory(organization=org, owner=rep)

    lose(rep, deal, request.pk)

    (demand,) = Demand.objects.filter(deal=deal)
    assert (demand.feature_request, demand.kind) == (request, DemandKind.LOST)


def test_an_unknown_id_rolls_the_loss_back(org, other_org, rep):
    foreign = FeatureRequestFactory(organization=other_org)
    deal = DealFactory(organization=org, owner=rep)

    with pytest.raises(DomainError) as error:
        lose(rep, deal, foreign.pk)

    assert error.value.code == "invalid_feature_request"
    deal.refresh_from_db()
    assert deal.stage == DealStage.QUALIFICATION
    assert not Demand.objects.exists()


def test_a_merged_requests_name_resolves_to_the_request_it_was_merged_into(org, rep, pm):
    source = FeatureRequestFactory(organization=org, title="SSO")
    into = FeatureRequestFactory(organization=org, title="Single sign-on")
    services.merge_feature_request(by=pm, source=source, into=into)
    deal = DealFactory(organization=org, owner=rep)

    lose(rep, deal, "sso")

    (demand,) = Demand.objects.filter(deal=deal)
    assert demand.feature_request == into


def test_a_blocking_demand_becomes_lost_when_its_deal_is_lost_for_the_feature(org, rep):
    blocked = services.create_feature_request(by=rep, title="SAML")
    other = services.create_feature_request(by=rep, title="Audit log")
    deal = DealFactory(organization=org, owner=rep, value=9000)
    for request in (blocked, other):
        services.raise_demand(
            by=rep, feature_request=request, company=deal.company, deal=deal, kind="blocking"
        )

    lose(rep, deal, "saml")

    lost = Demand.objects.get(feature_request=blocked)
    assert (lost.kind, lost.value, lost.ended_at) == (DemandKind.LOST, 9000, None)
    # The deal no longer waits on the other feature: that demand ended, kept as history.
    ended = Demand.objects.get(feature_request=other)
    assert ended.outcome == DemandOutcome.DEAL_LOST and ended.ended_at is not None
    assert Demand.objects.count() == 2


def test_a_deal_lost_for_another_reason_ends_its_blocking_demands(org, rep):
    request = services.create_feature_request(by=rep, title="SAML")
    deal = DealFactory(organization=org, owner=rep)
    services.raise_demand(
        by=rep, feature_request=request, company=deal.company, deal=deal, kind="blocking"
    )

    lose(rep, deal, reason="price")

    demand = Demand.objects.get()
    assert demand.kind == DemandKind.BLOCKING and demand.outcome == DemandOutcome.DEAL_LOST


def test_a_won_deal_stops_blocking_and_stays_as_history(org, rep):
    request = services.create_feature_request(by=rep, title="SAML")
    deal = DealFactory(organization=org, owner=rep)
    other_deal = DealFactory(organization=org, owner=rep, company=CompanyFactory(organization=org))
    for each in (deal, other_deal):
        services.raise_demand(
            by=rep, feature_request=request, company=each.company, deal=each, kind="blocking"
        )

    deal_services.win_deal(by=rep, deal=deal)

    won = Demand.objects.get(deal=deal)
    assert (won.kind, won.outcome) == (DemandKind.BLOCKING, DemandOutcome.WON)
    assert won.ended_at is not None
    assert Demand.objects.get(deal=other_deal).ended_at is None
