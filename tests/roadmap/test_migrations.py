"""The data migration: every existing lost deal's missing-feature names become requests and
``lost`` demands (run with the migration's own historical models)."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from roadmap.models import Demand, DemandKind, FeatureRequest
from tests.factories import DealFactory, FeatureRequestFactory

pytestmark = pytest.mark.django_db

MIGRATION = ("roadmap", "0002_lost_deal_features")


def run_migration():
    apps = MigrationExecutor(connection).loader.project_state(MIGRATION).apps
    import_module("roadmap.migrations.0002_lost_deal_features").forwards(apps, None)


def lost_deal(org, names, value=10000):
    return DealFactory(
        organization=org,
        stage="lost",
        lost_reason="missing_feature",
        missing_features=names,
        value=value,
    )


def test_names_become_requests_and_lost_demands(org, other_org):
    existing = FeatureRequestFactory(organization=org, title="Zażółć Export")
    first = lost_deal(org, ["zazolc export", "SSO"], value=12000)
    second = lost_deal(org, ["sso", "Audit log"], value=3000)
    theirs = lost_deal(other_org, ["SSO"])
    DealFactory(organization=org, stage="lost", lost_reason="price")

    run_migration()
    run_migration()  # again: nothing more

    ours = FeatureRequest.objects.for_org(org)
    assert sorted(ours.values_list("title", flat=True)) == ["Audit log", "SSO", "Zażółć Export"]
    sso = ours.get(title="SSO")
    assert sso.status == "new"
    assert FeatureRequest.objects.for_org(other_org).get().title == "SSO"
    demands = {
        (d.deal_id, d.feature_request.title, d.kind, d.value, d.company_id)
        for d in Demand.objects.for_org(org).select_related("feature_request")
    }
    assert demands == {
        (first.pk, existing.title, DemandKind.LOST, 12000, first.company_id),
        (first.pk, "SSO", DemandKind.LOST, 12000, first.company_id),
        (second.pk, "SSO", DemandKind.LOST, 3000, second.company_id),
        (second.pk, "Audit log", DemandKind.LOST, 3000, second.company_id),
    }
    assert Demand.objects.for_org(other_org).get().deal_id == theirs.pk
