"""The handoffs admin: organization admins set the SLA and credit settings within their
bounds, configure each tier's checklist, and read handoffs, discrepancies, signals and
accounts of their own organization only — every write through ``handoffs.services``."""

from decimal import Decimal

import pytest

from collab_hub.exceptions import DomainError, NotAllowed
from handoffs.models import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    Handoff,
    HandoffSettings,
    HandoffStatus,
)
from handoffs.services import config
from handoffs.services.accounts import settings_for
from handoffs.services.handoffs import open_handoff
from tests.factories import (
    ChecklistTemplateFactory,
    CompanyFactory,
    DealFactory,
    DiscrepancyFactory,
    HandoffFactory,
    HealthChangeFactory,
    StakeholderFactory,
    TierFactory,
    UpsellSignalFactory,
)

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/admin/handoffs/handoffsettings/{}/change/"


def _settings_form(**values):
    return {
        "acceptance_sla_hours": 48,
        "upsell_response_days": 5,
        "cs_credit_percent": "30.00",
        **values,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("acceptance_sla_hours", 0),
        ("acceptance_sla_hours", 8761),
        ("upsell_response_days", 0),
        ("upsell_response_days", 366),
        ("cs_credit_percent", "100.01"),
        ("cs_credit_percent", "-1"),
    ],
)
def test_settings_out_of_bounds_are_refused_and_nothing_changes(
    browser_for, alice, org, field, value
):
    settings = settings_for(org)
    # Another field changes in the same form: it is not saved either.
    other = "upsell_response_days" if field == "acceptance_sla_hours" else "acceptance_sla_hours"
    response = browser_for(alice).post(
        SETTINGS_URL.format(settings.pk), _settings_form(**{other: 7, field: value})
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field]
    settings.refresh_from_db()
    assert (settings.acceptance_sla_hours, settings.upsell_response_days) == (48, 5)


def test_settings_are_changed_through_the_service_one_row_per_organization(browser_for, alice, org):
    settings = settings_for(org)
    client = browser_for(alice)
    response = client.post(
        SETTINGS_URL.format(settings.pk),
        _settings_form(acceptance_sla_hours=24, cs_credit_percent="40"),
    )
    assert response.status_code == 302
    settings.refresh_from_db()
    assert (settings.acceptance_sla_hours, settings.cs_credit_percent) == (24, Decimal("40.00"))
    # The row exists: there is no second one to add, and it is never deleted.
    assert client.get("/admin/handoffs/handoffsettings/add/").status_code == 403
    assert client.post(f"/admin/handoffs/handoffsettings/{settings.pk}/delete/").status_code == 403
    assert HandoffSettings.objects.filter(organization=org).count() == 1


def test_the_settings_service_holds_the_bounds_and_the_policy(alice, bob, org):
    with pytest.raises(DomainError) as error:
        config.update_handoff_settings(by=alice, data={"acceptance_sla_hours": 9000})
    assert (error.value.code, error.value.field) == ("out_of_range", "acceptance_sla_hours")
    with pytest.raises(DomainError):
        config.update_handoff_settings(by=alice, data={"cs_credit_percent": "lots"})
    with pytest.raises(NotAllowed):
        config.update_handoff_settings(by=bob, data={"acceptance_sla_hours": 12})
    assert settings_for(org).acceptance_sla_hours == 48
    saved = config.update_handoff_settings(by=alice, data={"upsell_response_days": "10"})
    assert saved.upsell_response_days == 10


def _items(rows, *, initial=0):
    data = {
        "items-TOTAL_FORMS": len(rows),
        "items-INITIAL_FORMS": initial,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
    }
    for n, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                value = "on"
            if value is not False:
                data[f"items-{n}-{key}"] = value
    return data


def test_a_tiers_checklist_is_configured_with_its_items_and_new_handoffs_get_it(
    browser_for, alice, bob, org
):
    tier = TierFactory(organization=org)
    client = browser_for(alice)
    response = client.post(
        "/admin/handoffs/checklisttemplate/add/",
        {
            "name": "Enterprise onboarding",
            "tier": tier.pk,
            **_items(
                [
                    {"title": "Signed order form attached", "required": True, "position": 1},
                    {"title": "Kick-off date agreed", "required": False, "position": 3},
                    {"title": "SSO requirements collected", "required": True, "position": 2},
                    {"title": "", "position": 0},
                ]
            ),
        },
    )
    assert response.status_code == 302, _errors(response)
    template = ChecklistTemplate.objects.get(organization=org)
    assert (template.name, template.tier) == ("Enterprise onboarding", tier)
    assert [(i.title, i.required) for i in template.items.all()] == [
        ("Signed order form attached", True),
        ("SSO requirements collected", True),
        ("Kick-off date agreed", False),
    ]

    # Edit one, delete one, add one: the checklist is the inline's rows.
    first, second, third = template.items.all()
    rows = [
        {"id": first.pk, "template": template.pk, "title": "Order form", "required": True,
         "position": 1},
        {"id": second.pk, "template": template.pk, "title": second.title, "required": True,
         "position": 2, "DELETE": True},
        {"id": third.pk, "template": template.pk, "title": third.title, "required": False,
         "position": 3},
        {"template": template.pk, "title": "Data migration plan", "required": False,
         "position": 4},
    ]  # fmt: skip
    response = client.post(
        f"/admin/handoffs/checklisttemplate/{template.pk}/change/",
        {"name": "Enterprise onboarding", "tier": tier.pk, **_items(rows, initial=3)},
    )
    assert response.status_code == 302, _errors(response)
    assert [i.title for i in template.items.all()] == [
        "Order form",
        "Kick-off date agreed",
        "Data migration plan",
    ]
    assert template.items.get(title="Order form").pk == first.pk

    # A deal of the tier won now opens its handoff with that checklist.
    deal = DealFactory(organization=org, company=CompanyFactory(organization=org, tier=tier),
                       owner=bob, stage="won")  # fmt: skip
    handoff = open_handoff(deal=deal)
    assert [(i.title, i.required) for i in handoff.checklist.all()] == [
        ("Order form", True),
        ("Kick-off date agreed", False),
        ("Data migration plan", False),
    ]


def test_one_template_per_tier_and_one_default(browser_for, alice, org):
    tier = TierFactory(organization=org)
    ChecklistTemplateFactory(organization=org, tier=tier)
    ChecklistTemplateFactory(organization=org, tier=None, name="Default")
    client = browser_for(alice)
    same_tier = client.post(
        "/admin/handoffs/checklisttemplate/add/", {"name": "Again", "tier": tier.pk, **_items([])}
    )
    assert same_tier.status_code == 200 and same_tier.context["adminform"].form.errors["tier"]
    second_default = client.post(
        "/admin/handoffs/checklisttemplate/add/", {"name": "Another", **_items([])}, follow=True
    )
    assert "has a default checklist already" in second_default.content.decode()
    assert ChecklistTemplate.objects.filter(organization=org).count() == 2


def test_a_template_item_without_a_title_is_refused(alice, org):
    template = config.create_checklist_template(by=alice, data={"name": "Default"})
    with pytest.raises(DomainError) as error:
        config.set_template_items(by=alice, template=template, items=[{"title": "  "}])
    assert error.value.code == "invalid_item"
    assert not ChecklistTemplateItem.objects.filter(template=template).exists()


def test_lists_show_the_admins_organization_only(browser_for, alice, org, other_org):
    mine = HandoffFactory(organization=org)
    theirs = HandoffFactory(organization=other_org)
    DiscrepancyFactory(organization=org, handoff=mine, description="Ours: wrong discount")
    DiscrepancyFactory(organization=other_org, handoff=theirs, description="Theirs: no SSO")
    UpsellSignalFactory(organization=org, note="Ours: 20 seats")
    UpsellSignalFactory(organization=other_org, note="Theirs: upgrade")
    client = browser_for(alice)

    handoffs = client.get("/admin/handoffs/handoff/").content.decode()
    assert f"/admin/handoffs/handoff/{mine.pk}/change/" in handoffs
    assert f"/admin/handoffs/handoff/{theirs.pk}/change/" not in handoffs
    assert client.get(f"/admin/handoffs/handoff/{theirs.pk}/change/").status_code in (302, 404)
    discrepancies = client.get("/admin/handoffs/discrepancy/").content.decode()
    assert "Ours: wrong discount" in discrepancies and "Theirs" not in discrepancies
    signals = client.get("/admin/handoffs/upsellsignal/?status__exact=open")
    assert signals.context["cl"].result_count == 1


def test_a_handoff_is_read_only_in_the_admin(browser_for, alice, org):
    handoff = HandoffFactory(organization=org)
    client = browser_for(alice)
    page = client.get(f"/admin/handoffs/handoff/{handoff.pk}/change/")
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    response = client.post(
        f"/admin/handoffs/handoff/{handoff.pk}/change/", {"status": HandoffStatus.LIVE}
    )
    assert response.status_code == 403
    assert client.post(f"/admin/handoffs/handoff/{handoff.pk}/delete/").status_code == 403
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.DRAFT
    assert Handoff.objects.filter(pk=handoff.pk).exists()


def test_the_overdue_filter_finds_submitted_handoffs_past_the_sla(browser_for, alice, org):
    from django.utils import timezone

    late = HandoffFactory(
        organization=org,
        status=HandoffStatus.SUBMITTED,
        accept_due_at=timezone.now() - timezone.timedelta(hours=2),
    )
    HandoffFactory(
        organization=org,
        status=HandoffStatus.SUBMITTED,
        accept_due_at=timezone.now() + timezone.timedelta(hours=2),
    )
    response = browser_for(alice).get("/admin/handoffs/handoff/?overdue=yes")
    assert [row.pk for row in response.context["cl"].result_list] == [late.pk]


@pytest.mark.parametrize("rows", [3, 30])
def test_the_handoff_list_takes_the_same_queries_for_3_or_30_rows(
    browser_for, alice, org, rows, django_assert_max_num_queries
):
    for _n in range(rows):
        HandoffFactory(organization=org)
    client = browser_for(alice)
    with django_assert_max_num_queries(20):
        assert client.get("/admin/handoffs/handoff/").status_code == 200


def _errors(response):
    """What the admin said was wrong with the form, for a failing assertion."""
    context = response.context
    return (
        context["adminform"].form.errors,
        [formset.formset.errors for formset in context["inline_admin_formsets"]],
        [formset.formset.non_form_errors() for formset in context["inline_admin_formsets"]],
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda org: DiscrepancyFactory(organization=org),
        lambda org: UpsellSignalFactory(organization=org),
        lambda org: HealthChangeFactory(organization=org).account,
        lambda org: ChecklistTemplateFactory(organization=org),
        lambda org: StakeholderFactory(organization=org).handoff,
    ],
    ids=["discrepancy", "upsell signal", "customer account", "checklist template", "handoff"],
)
def test_each_admin_page_opens_for_its_organizations_admin(browser_for, alice, org, make):
    obj = make(org)
    opts = obj._meta
    client = browser_for(alice)
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{obj.pk}/change/").status_code == 200
