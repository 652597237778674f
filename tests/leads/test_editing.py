"""Correcting leads and deals: the update services (history events, policy, rules), their
API (PATCH/PUT) and pages (edit forms, the history the detail pages show), and the country
picker on the lead form."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.models import ActivityEvent, Notification
from leads.forms.fields import country_choices, country_names
from leads.forms.leads import LeadForm
from leads.models import Deal, DealStage, LeadStatus
from leads.selectors import reports
from leads.selectors.history import change_history
from leads.services import deals as deal_services
from leads.services import lifecycle
from tests.factories import (
    CampaignFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    ScoringRuleFactory,
)


@pytest.fixture
def lead(org, marketer):
    return LeadFactory(
        organization=org,
        email="jane@prospect.test",
        first_name="Jane",
        company_name="Prospect",
        country="PL",
        marketing_owner=marketer,
    )


@pytest.fixture
def deal(org, rep):
    company = CompanyFactory(organization=org, name="Acme")
    return DealFactory(organization=org, company=company, owner=rep, value=0, name="Acme deal")


def _updates(obj, verb):
    return list(ActivityEvent.objects.filter(verb=verb, target_id=obj.pk).order_by("pk"))


# --- Lead service ----------------------------------------------------------------------------


def test_editing_a_lead_records_who_changed_which_field_from_what_to_what(org, marketer, lead):
    spring, expo = (
        CampaignFactory(organization=org, name="Spring"),
        CampaignFactory(organization=org, name="Expo"),
    )
    lead.campaign = spring
    lead.save()
    lifecycle.update_lead(
        by=marketer,
        lead=lead,
        data={"country": "de", "employees": 250, "campaign": expo, "first_name": "Jane"},
    )
    lead.refresh_from_db()
    assert (lead.country, lead.employees, lead.campaign) == ("DE", 250, expo)
    [event] = _updates(lead, "lead.updated")
    assert event.actor == marketer
    assert event.payload["changes"] == {
        "country": ["PL", "DE"],
        "employees": [None, 250],
        "campaign": [spring.pk, expo.pk],
    }
    assert event.payload["labels"] == {"campaign": ["Spring", "Expo"]}
    assert event.payload["fields"] == ["campaign", "country", "employees"]


def test_saving_a_lead_unchanged_records_nothing(marketer, lead):
    lifecycle.update_lead(
        by=marketer,
        lead=lead,
        data={"first_name": "Jane", "country": "pl", "email": "JANE@prospect.test"},
    )
    assert _updates(lead, "lead.updated") == []


def test_editing_a_lead_rescores_it(org, marketer, lead):
    ScoringRuleFactory(organization=org, field="country", operator="eq", value="DE", points=30)
    lead = lifecycle.update_lead(by=marketer, lead=lead, data={"country": "DE"})
    assert lead.score == 30


def test_editing_keeps_the_email_rules(org, marketer, lead):
    LeadFactory(organization=org, email="taken@prospect.test")
    with pytest.raises(DomainError) as refused:
        lifecycle.update_lead(by=marketer, lead=lead, data={"email": "Taken@prospect.test"})
    assert (refused.value.code, refused.value.field) == ("duplicate", "email")
    with pytest.raises(DomainError) as refused:
        lifecycle.update_lead(by=marketer, lead=lead, data={"country": "Atlantis"})
    assert refused.value.code == "invalid_country"


def test_product_may_not_edit_leads(product_person, lead):
    with pytest.raises(NotAllowed):
        lifecycle.update_lead(by=product_person, lead=lead, data={"first_name": "X"})


# --- Deal service ----------------------------------------------------------------------------


def test_a_converted_zero_value_deal_is_corrected_and_the_report_sees_it(
    org, marketer, rep, sales_manager
):
    lead = lifecycle.create_lead(organization=org, data={"email": "a@acme.test"}, by=marketer)
    lifecycle.qualify_lead(by=marketer, lead=lead, owner=rep)
    lifecycle.accept_lead(by=rep, lead=lead)
    deal = lifecycle.convert_lead(by=rep, lead=lead)
    assert deal.value == Decimal("0")
    deal_services.update_deal(by=rep, deal=deal, data={"value": "12000"})
    deal_services.win_deal(by=rep, deal=deal)
    deal.refresh_from_db()
    assert deal.value == Decimal("12000.00")
    [event] = _updates(deal, "deal.updated")
    assert (event.actor, event.payload["changes"]) == (rep, {"value": ["0.00", "12000.00"]})
    today = timezone.localdate()
    _, totals = reports.split_totals(
        reports.lead_quality_report(
            organization=org, start=date(today.year - 1, 1, 1), end=date(today.year + 1, 1, 1)
        )
    )
    assert (totals["won"], totals["revenue_won"]) == (1, Decimal("12000.00"))


def test_moving_a_deal_to_another_company_needs_a_contact_there(org, rep, deal):
    old_contact = ContactFactory(organization=org, company=deal.company)
    deal.contact = old_contact
    deal.save()
    other = CompanyFactory(organization=org, name="Globex Poland")
    with pytest.raises(DomainError) as refused:
        deal_services.update_deal(by=rep, deal=deal, data={"company": other})
    assert (refused.value.code, refused.value.field) == ("invalid_contact", "contact")
    contact = ContactFactory(organization=org, company=other, first_name="Ola", last_name="Nowak")
    deal_services.update_deal(by=rep, deal=deal, data={"company": other, "contact": contact})
    deal.refresh_from_db()
    assert (deal.company, deal.contact) == (other, contact)
    [event] = _updates(deal, "deal.updated")
    assert event.payload["labels"]["company"] == ["Acme", "Globex Poland"]
    assert event.payload["labels"]["contact"][1] == "Ola Nowak"


def test_a_company_of_another_organization_is_refused(other_org, rep, deal):
    foreign = CompanyFactory(organization=other_org)
    with pytest.raises(DomainError) as refused:
        deal_services.update_deal(by=rep, deal=deal, data={"company": foreign})
    assert refused.value.code == "invalid_company"


def test_a_closed_deals_value_is_not_changed_without_reopening(rep, deal):
    deal_services.win_deal(by=rep, deal=deal)
    with pytest.raises(IllegalTransition):
        deal_services.update_deal(by=rep, deal=deal, data={"value": "5"})


def test_a_rep_cannot_take_over_someone_elses_deal(rep2, deal, rep):
    with pytest.raises(NotAllowed):
        deal_services.update_deal(by=rep2, deal=deal, data={"owner": rep2})


def test_marketing_may_not_edit_deals(marketer, deal):
    with pytest.raises(NotAllowed):
        deal_services.update_deal(by=marketer, deal=deal, data={"name": "Mine"})


def test_a_new_owner_is_notified(sales_manager, rep2, deal):
    deal_services.update_deal(by=sales_manager, deal=deal, data={"owner": rep2})
    assert Notification.objects.filter(recipient=rep2, event__verb="deal.updated").exists()


def test_history_reads_in_the_active_language(org, rep, deal):
    deal_services.update_deal(
        by=rep, deal=deal, data={"value": "12000", "close_date": date(2026, 12, 31)}
    )
    with translation.override("en"):
        [entry] = change_history(obj=deal, verb="deal.updated", currency="EUR")
    lines = {change.name: (change.label, change.old, change.new) for change in entry.changes}
    assert lines["value"] == ("Annual value", "€0.00", "€12,000.00")
    assert lines["close_date"][1:] == ("—", "12/31/2026")


# --- API -------------------------------------------------------------------------------------


def test_patch_a_lead_changes_it_and_records_the_change(api_for, marketer, lead):
    response = api_for(marketer).patch(
        f"/api/v1/leads/{lead.pk}/", {"country": "de", "title": "CTO"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["country"], response.json()["title"]) == ("DE", "CTO")
    [event] = _updates(lead, "lead.updated")
    assert event.payload["changes"] == {"country": ["PL", "DE"], "title": ["", "CTO"]}


def test_put_a_lead(api_for, marketer, lead):
    response = api_for(marketer).put(
        f"/api/v1/leads/{lead.pk}/",
        {"email": "jane@prospect.test", "first_name": "Janet", "source": "event"},
        format="json",
    )
    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.first_name, lead.source) == ("Janet", "event")


def test_patch_a_lead_with_a_bad_country_is_a_400_with_a_code(api_for, marketer, lead):
    response = api_for(marketer).patch(
        f"/api/v1/leads/{lead.pk}/", {"country": "9Z"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_country"


def test_patch_another_organizations_lead_is_a_404(api_for, charlie, lead):
    response = api_for(charlie).patch(
        f"/api/v1/leads/{lead.pk}/", {"first_name": "X"}, format="json"
    )
    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.first_name == "Jane"


def test_patch_a_deals_value_company_and_contact(api_for, org, rep, deal):
    other = CompanyFactory(organization=org)
    contact = ContactFactory(organization=org, company=other)
    response = api_for(rep).patch(
        f"/api/v1/deals/{deal.pk}/",
        {"value": "12000.00", "company": other.pk, "contact": contact.pk},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["value"], body["company"], body["contact"]) == ("12000.00", other.pk, contact.pk)


def test_patch_a_won_deals_value_is_a_409(api_for, rep, deal):
    deal_services.win_deal(by=rep, deal=deal)
    response = api_for(rep).patch(f"/api/v1/deals/{deal.pk}/", {"value": "1"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "deal_closed"


def test_patch_another_organizations_deal_is_a_404(api_for, charlie, deal):
    response = api_for(charlie).patch(f"/api/v1/deals/{deal.pk}/", {"value": "1"}, format="json")
    assert response.status_code == 404


def test_patch_a_deal_with_a_foreign_company_is_a_400(api_for, other_org, rep, deal):
    foreign = CompanyFactory(organization=other_org)
    response = api_for(rep).patch(
        f"/api/v1/deals/{deal.pk}/", {"company": foreign.pk}, format="json"
    )
    assert response.status_code == 400
    assert Deal.objects.get(pk=deal.pk).company_id == deal.company_id


# --- Pages -----------------------------------------------------------------------------------


def test_marketing_edits_a_lead_on_its_page_and_sees_the_change_in_the_history(
    browser_for, marketer, lead
):
    client = browser_for(marketer)
    page = client.get(reverse("leads:lead_detail", args=[lead.pk]))
    assert reverse("leads:lead_edit", args=[lead.pk]) in page.content.decode()
    form = client.get(reverse("leads:lead_edit", args=[lead.pk]))
    assert form.status_code == 200
    assert 'value="PL" selected' in form.content.decode()
    response = client.post(
        reverse("leads:lead_edit", args=[lead.pk]),
        {"email": "jane@prospect.test", "first_name": "Jane", "country": "CZ", "source": "event"},
    )
    assert response.status_code == 302
    with translation.override("en"):
        detail = client.get(reverse("leads:lead_detail", args=[lead.pk])).content.decode()
    assert "Details changed" in detail
    assert "Country: Poland → Czechia" in detail


def test_the_lead_form_shows_errors_in_place(browser_for, org, marketer, lead):
    LeadFactory(organization=org, email="taken@prospect.test")
    response = browser_for(marketer).post(
        reverse("leads:lead_edit", args=[lead.pk]),
        {"email": "taken@prospect.test", "country": "PL", "source": "event"},
    )
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    response = browser_for(marketer).post(
        reverse("leads:lead_edit", args=[lead.pk]),
        {"email": "jane@prospect.test", "country": "PL", "source": "event", "employees": "-1"},
    )
    assert response.status_code == 400
    assert "employees" in response.context["form"].errors
    lead.refresh_from_db()
    assert lead.email == "jane@prospect.test"


def test_product_gets_no_edit_page(browser_for, product_person, lead):
    assert (
        browser_for(product_person).get(reverse("leads:lead_edit", args=[lead.pk])).status_code
        == 403
    )


def test_another_organization_cannot_open_the_edit_pages(browser_for, charlie, lead, deal):
    client = browser_for(charlie)
    assert client.get(reverse("leads:lead_edit", args=[lead.pk])).status_code == 404
    assert client.get(reverse("leads:deal_edit", args=[deal.pk])).status_code == 404


def test_sales_corrects_a_deal_on_its_page(browser_for, org, rep, deal):
    client = browser_for(rep)
    contact = ContactFactory(organization=org, company=deal.company)
    response = client.post(
        reverse("leads:deal_edit", args=[deal.pk]),
        {
            "name": "Acme platform",
            "value": "12000",
            "kind": "new",
            "close_date": "2026-12-31",
            "company": deal.company_id,
            "contact": contact.pk,
            "owner": rep.pk,
        },
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.name, deal.value, deal.contact) == ("Acme platform", Decimal("12000"), contact)
    with translation.override("en"):
        detail = client.get(reverse("leads:deal_detail", args=[deal.pk])).content.decode()
    assert "Annual value: €0.00 → €12,000.00" in detail


def test_the_deal_form_shows_the_services_refusal_on_the_field(browser_for, org, rep, deal):
    other = CompanyFactory(organization=org)
    contact = ContactFactory(organization=org, company=deal.company)
    response = browser_for(rep).post(
        reverse("leads:deal_edit", args=[deal.pk]),
        {
            "name": "X",
            "value": "1",
            "kind": "new",
            "company": other.pk,
            "contact": contact.pk,
            "owner": rep.pk,
        },
    )
    assert response.status_code == 400
    assert "contact" in response.context["form"].errors


def test_a_closed_deals_form_leaves_out_value_and_kind(browser_for, rep, deal):
    deal_services.win_deal(by=rep, deal=deal)
    form = browser_for(rep).get(reverse("leads:deal_edit", args=[deal.pk])).context["form"]
    assert "value" not in form.fields and "kind" not in form.fields


def test_deal_page_query_count_does_not_grow_with_its_history(
    browser_for, rep, deal, django_assert_max_num_queries
):
    client = browser_for(rep)
    deal_services.update_deal(by=rep, deal=deal, data={"value": "1"})
    url = reverse("leads:deal_detail", args=[deal.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for value in range(2, 12):
        deal_services.update_deal(by=rep, deal=deal, data={"value": str(value)})
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


# --- Country picker --------------------------------------------------------------------------


def test_the_country_picker_lists_every_country_by_localized_name():
    with translation.override("en"):
        names = country_names()
        assert names["PL"] == "Poland" and names["DE"] == "Germany"
        assert len(names) > 240 and "EU" not in names and "ZZ" not in names
        assert country_choices()[0][0] == ""
    with translation.override("pl"):
        assert country_names()["DE"] == "Niemcy"


def test_the_lead_form_stores_the_iso_code_and_accepts_a_name(org, marketer):
    form = LeadForm(
        {"email": "a@b.test", "country": "Polska", "source": "event"}, membership=marketer
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["country"] == "PL"
    refused = LeadForm(
        {"email": "a@b.test", "country": "QQ", "source": "event"}, membership=marketer
    )
    assert "country" in refused.errors


def test_an_unknown_stored_code_stays_a_choice_when_editing(org, marketer):
    lead = LeadFactory(organization=org, country="XK")
    form = LeadForm(instance=lead, membership=marketer)
    assert "XK" in dict(form.fields["country"].choices)


def test_the_new_lead_page_renders_a_country_select(browser_for, marketer):
    html = browser_for(marketer).get(reverse("leads:lead_create")).content.decode()
    assert '<select name="country"' in html and "data-country-picker" in html
    assert "js/country_picker.js" in html


def test_deal_stage_is_untouched_by_edits(rep, deal):
    deal_services.update_deal(by=rep, deal=deal, data={"name": "Renamed"})
    deal.refresh_from_db()
    assert deal.stage == DealStage.QUALIFICATION


def test_lead_status_is_untouched_by_edits(marketer, lead):
    lead = lifecycle.update_lead(by=marketer, lead=lead, data={"title": "CFO"})
    assert lead.status == LeadStatus.NEW
