"""The admin goes through the services: for the same action it answers as the API does.

Every ``TenantAdmin`` names the services it saves and deletes with, or says it saves or
deletes nothing, or that its rows are plain configuration; "delete selected" deletes through
the same service, all or nothing.
"""

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured

from accounts.models import Department, DepartmentKind
from collab_hub.admin import TenantAdmin
from collab_hub.notifications.models import ActivityEvent
from leads.models import Lead, LeadSettings, ScoringRule, Tier
from tests.factories import LeadFactory, ScoringRuleFactory, TierFactory, member_of


def _bulk_delete(client, model, ids):
    opts = model._meta
    return client.post(
        f"/admin/{opts.app_label}/{opts.model_name}/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        follow=True,
    )


def test_every_tenant_admin_declares_how_it_writes():
    for model_admin in admin.site._registry.values():
        if not isinstance(model_admin, TenantAdmin) or model_admin.plain_configuration:
            continue
        cls = type(model_admin)
        saves = cls.save_with_service is not TenantAdmin.save_with_service or (
            cls.create_service and cls.update_service
        )
        deletes = cls.delete_with_service is not TenantAdmin.delete_with_service or bool(
            cls.delete_service
        )
        assert saves or not cls.saves, cls.__name__
        assert deletes or not cls.deletes, cls.__name__


def test_an_admin_that_names_no_service_fails_at_definition():
    with pytest.raises(ImproperlyConfigured, match="must name create_service"):

        class Careless(TenantAdmin):
            pass


def test_a_tier_in_use_is_kept_by_the_admin_as_by_the_api(api_for, browser_for, alice, org):
    tier = TierFactory(organization=org)
    lead = LeadFactory(organization=org, tier=tier)
    api = api_for(alice).delete(f"/api/v1/tiers/{tier.pk}/")
    assert (api.status_code, api.json()["code"]) == (409, "tier_in_use")

    client = browser_for(alice)
    single = client.post(f"/admin/leads/tier/{tier.pk}/delete/", {"post": "yes"}, follow=True)
    assert "Leads have this tier" in single.content.decode()
    bulk = _bulk_delete(client, Tier, [tier.pk])
    assert "Leads have this tier" in bulk.content.decode()
    assert "Successfully deleted" not in bulk.content.decode()

    lead.refresh_from_db()
    assert Tier.objects.filter(pk=tier.pk).exists() and lead.tier_id == tier.pk
    assert not ActivityEvent.objects.filter(verb="tier.deleted").exists()


def test_bulk_delete_is_all_or_nothing_and_records_each_deletion(browser_for, alice, org):
    unused = TierFactory(organization=org)
    used = TierFactory(organization=org)
    LeadFactory(organization=org, tier=used)
    client = browser_for(alice)
    _bulk_delete(client, Tier, [unused.pk, used.pk])
    assert Tier.objects.filter(pk__in=[unused.pk, used.pk]).count() == 2

    spare = TierFactory(organization=org)
    response = _bulk_delete(client, Tier, [unused.pk, spare.pk])
    assert "Successfully deleted 2" in response.content.decode()
    assert not Tier.objects.filter(pk__in=[unused.pk, spare.pk]).exists()
    assert ActivityEvent.objects.filter(verb="tier.deleted").count() == 2


def test_switching_a_rule_off_in_the_admin_is_the_apis_delete(
    api_for, browser_for, alice, org, django_capture_on_commit_callbacks
):
    by_api, by_admin = ScoringRuleFactory(organization=org), ScoringRuleFactory(organization=org)
    with django_capture_on_commit_callbacks(execute=False) as api_callbacks:
        assert api_for(alice).delete(f"/api/v1/scoring-rules/{by_api.pk}/").status_code == 204
    with django_capture_on_commit_callbacks(execute=False) as admin_callbacks:
        browser_for(alice).post(
            "/admin/leads/scoringrule/",
            {"action": "switch_off", "_selected_action": [by_admin.pk]},
        )
    for rule in (by_api, by_admin):
        rule.refresh_from_db()
        assert rule.is_active is False
    # Both re-score the leads once, and both are recorded.
    assert len(api_callbacks) == len(admin_callbacks) == 1
    assert ActivityEvent.objects.filter(verb="scoring_rule.deactivated").count() == 2
    # Rules are never hard-deleted, one by one or in bulk.
    client = browser_for(alice)
    assert client.post(f"/admin/leads/scoringrule/{by_admin.pk}/delete/").status_code == 403
    _bulk_delete(client, ScoringRule, [by_admin.pk])
    assert ScoringRule.objects.filter(pk=by_admin.pk).exists()


def test_a_rule_edited_in_the_admin_rescores_like_the_api(
    browser_for, alice, org, django_capture_on_commit_callbacks
):
    rule = ScoringRuleFactory(organization=org, points=10)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = browser_for(alice).post(
            f"/admin/leads/scoringrule/{rule.pk}/change/",
            {"field": "industry", "operator": "eq", "value": "software", "points": 25,
             "is_active": "on"},
        )  # fmt: skip
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.points == 25
    assert len(callbacks) == 1
    event = ActivityEvent.objects.get(verb="scoring_rule.updated")
    assert event.actor == alice and event.payload["fields"] == ["points"]


def test_a_department_with_members_is_kept_by_the_admin_as_by_the_api(
    api_for, browser_for, alice, org
):
    sales = Department.objects.get(organization=org, kind=DepartmentKind.SALES)
    api = api_for(alice).delete(f"/api/v1/departments/{sales.pk}/")
    assert (api.status_code, api.json()["code"]) == (409, "department_not_empty")
    page = _bulk_delete(browser_for(alice), Department, [sales.pk]).content.decode()
    # Django's own protection (members point at it) or the service's refusal: never deleted.
    assert "Cannot delete department" in page or "Move this department" in page
    assert Department.objects.filter(pk=sales.pk).exists()
    assert not ActivityEvent.objects.filter(verb="department.deleted").exists()


def test_campaigns_are_created_through_the_service_and_never_deleted(browser_for, alice, org):
    client = browser_for(alice)
    response = client.post(
        "/admin/leads/campaign/add/",
        {"name": "  Expo  ", "channel": "events", "cost": "1200", "starts_on": "2026-11-01"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = ActivityEvent.objects.get(verb="campaign.created")
    assert event.target.name == "Expo" and event.target.owner == alice
    assert client.post(f"/admin/leads/campaign/{event.target_id}/delete/").status_code == 403


def test_lead_settings_are_changed_through_the_service(browser_for, alice, org):
    from leads.services.scoring import lead_settings

    settings = lead_settings(org)
    response = browser_for(alice).post(
        f"/admin/leads/leadsettings/{settings.pk}/change/",
        {"mql_threshold": 70, "complaint_response_days": 3},
    )
    assert response.status_code == 302
    settings.refresh_from_db()
    assert (settings.mql_threshold, settings.auto_qualify) == (70, False)
    event = ActivityEvent.objects.get(verb="lead_settings.updated")
    assert event.payload["changes"]["mql_threshold"] == [50, 70]
    assert LeadSettings.objects.filter(organization=org).count() == 1


def test_the_organization_is_changed_through_the_service(browser_for, alice, org):
    response = browser_for(alice).post(
        f"/admin/accounts/organization/{org.pk}/change/",
        {
            "name": "Acme Corp",
            "capture_key": org.capture_key,
            "currency": "pln",
            "timezone": "Europe/Warsaw",
            "visibility": '{"leads": "own"}',
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    org.refresh_from_db()
    assert (org.name, org.currency, org.visibility) == ("Acme Corp", "PLN", {"leads": "own"})
    event = ActivityEvent.objects.get(verb="organization.updated")
    assert event.actor == alice and "capture_key" not in event.payload["changes"]


def test_a_refused_save_keeps_the_row_and_says_why(browser_for, alice, org):
    member = member_of(org, DepartmentKind.SALES)
    assert Lead.objects.count() == 0
    response = browser_for(alice).post(
        f"/admin/accounts/membership/{alice.pk}/change/",
        {"department": alice.department_id, "role": "member", "is_active": "on"},
        follow=True,
    )
    # Alice is the only admin: demoting her is refused by the service (last_admin).
    assert "at least one active admin" in response.content.decode()
    alice.refresh_from_db()
    assert alice.role == "admin" and member.role == "member"
