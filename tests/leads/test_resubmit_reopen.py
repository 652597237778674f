"""A rejected lead resubmitted by marketing (rejected → mql), and a closed deal reopened by a
sales manager: services (transitions, events, policy, 409s), reports, API and pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.models import ActivityEvent, Notification
from leads.models import DealStage, DealStageChange, LeadStatus, LeadTransition
from leads.selectors import reports
from leads.services import deals as deal_services
from leads.services import lifecycle
from tests.factories import DealFactory, LeadFactory, TierFactory


@pytest.fixture
def rejected(org, marketer, rep):
    lead = LeadFactory(organization=org, email="jane@prospect.test", marketing_owner=marketer)
    lifecycle.qualify_lead(by=marketer, lead=lead, owner=rep)
    return lifecycle.reject_lead(
        by=rep, lead=lead, reason="bad_contact_data", note="The phone number is wrong."
    )


@pytest.fixture
def won(org, rep):
    deal = DealFactory(organization=org, owner=rep, value=24000)
    deal_services.advance_deal(by=rep, deal=deal, stage=DealStage.NEGOTIATION)
    return deal_services.win_deal(by=rep, deal=deal)


def _year(org):
    today = timezone.localdate()
    return reports.split_totals(
        reports.lead_quality_report(
            organization=org, start=today - timedelta(days=30), end=today + timedelta(days=1)
        )
    )[1]


# --- Resubmit: service -----------------------------------------------------------------------


def test_resubmitting_puts_the_lead_back_in_the_queue_with_a_fresh_deadline(
    org, marketer, rep, rejected
):
    TierFactory(organization=org, rank=1, response_sla_hours=4)
    lifecycle.update_lead(by=marketer, lead=rejected, data={"phone": "+48 600 100 200"})
    before = timezone.now()
    lead = lifecycle.resubmit_lead(by=marketer, lead=rejected, note="Phone fixed.")
    assert lead.status == LeadStatus.MQL
    assert lead.owner == rep
    assert (lead.rejection_reason, lead.rejection_note, lead.responded_at) == ("", "", None)
    assert lead.resubmissions == 1 and lead.resubmitted_at >= before
    assert lead.qualified_at >= before
    assert lead.sla_due_at == lead.qualified_at + timedelta(hours=4)
    step = lead.transitions.order_by("at", "pk").last()
    assert (step.from_status, step.to_status, step.reason, step.note, step.by) == (
        "rejected", "mql", "resubmitted", "Phone fixed.", marketer,
    )  # fmt: skip
    # The rejection stays in the history.
    assert lead.transitions.filter(to_status="rejected", reason="bad_contact_data").exists()


def test_resubmission_notifies_the_sales_owner_with_the_previous_rejection(marketer, rep, rejected):
    lifecycle.resubmit_lead(by=marketer, lead=rejected, note="Phone fixed.")
    event = ActivityEvent.objects.get(verb="lead.resubmitted")
    assert event.payload["previous_reason"] == "bad_contact_data"
    assert event.payload["previous_note"] == "The phone number is wrong."
    assert event.payload["note"] == "Phone fixed."
    assert Notification.objects.filter(recipient=rep, event=event).exists()


def test_an_inactive_owner_hands_the_resubmission_to_the_next_rep(marketer, rep, rep2, rejected):
    rep.is_active = False
    rep.save()
    assert lifecycle.resubmit_lead(by=marketer, lead=rejected, note="Fixed.").owner == rep2


def test_resubmitting_needs_a_note(marketer, rejected):
    with pytest.raises(DomainError) as refused:
        lifecycle.resubmit_lead(by=marketer, lead=rejected, note="  ")
    assert refused.value.code == "note_required"
    rejected.refresh_from_db()
    assert rejected.status == LeadStatus.REJECTED


def test_only_a_rejected_lead_is_resubmitted(org, marketer):
    lead = LeadFactory(organization=org)
    with pytest.raises(IllegalTransition) as refused:
        lifecycle.resubmit_lead(by=marketer, lead=lead, note="x")
    assert refused.value.code == "lead_new"


def test_a_rejected_lead_is_not_qualified_again_around_the_resubmission(marketer, rejected):
    with pytest.raises(IllegalTransition):
        lifecycle.qualify_lead(by=marketer, lead=rejected)


def test_sales_cannot_resubmit(rep, rejected):
    with pytest.raises(NotAllowed):
        lifecycle.resubmit_lead(by=rep, lead=rejected, note="x")


def test_reports_count_resubmissions(org, marketer, rep, rejected):
    totals = _year(org)
    assert (totals["rejected"], totals["resubmitted"]) == (1, 0)
    lead = lifecycle.resubmit_lead(by=marketer, lead=rejected, note="Fixed.")
    lifecycle.accept_lead(by=rep, lead=lead)
    totals = _year(org)
    assert (totals["rejected"], totals["accepted"], totals["resubmitted"]) == (0, 1, 1)
    card = reports.sla_scorecard(organization=org, month=timezone.localdate())
    row = next(r for r in card["sales"]["reps"] if r["membership"] == rep.pk)
    assert (row["received"], row["accepted"], row["resubmitted"]) == (1, 1, 1)
    assert card["sales"]["totals"]["resubmitted"] == 1


# --- Resubmit: API and pages -----------------------------------------------------------------


def test_api_resubmit(api_for, marketer, rejected):
    response = api_for(marketer).post(
        f"/api/v1/leads/{rejected.pk}/resubmit/", {"note": "Fixed."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "mql"
    assert response.json()["rejection_reason"] == ""
    assert response.json()["resubmissions"] == 1


def test_api_resubmit_without_a_note_is_a_400(api_for, marketer, rejected):
    response = api_for(marketer).post(f"/api/v1/leads/{rejected.pk}/resubmit/", {}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()


def test_api_resubmit_of_a_lead_that_is_not_rejected_is_a_409(api_for, org, marketer):
    lead = LeadFactory(organization=org)
    response = api_for(marketer).post(
        f"/api/v1/leads/{lead.pk}/resubmit/", {"note": "x"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "lead_new"


def test_api_resubmit_is_for_marketing(api_for, rep, rejected):
    response = api_for(rep).post(
        f"/api/v1/leads/{rejected.pk}/resubmit/", {"note": "x"}, format="json"
    )
    assert response.status_code == 403


def test_api_resubmit_of_another_organizations_lead_is_a_404(api_for, charlie, rejected):
    response = api_for(charlie).post(
        f"/api/v1/leads/{rejected.pk}/resubmit/", {"note": "x"}, format="json"
    )
    assert response.status_code == 404


def test_marketing_resubmits_from_the_lead_page_and_sales_sees_why_it_was_rejected(
    browser_for, marketer, rep, rejected, django_assert_max_num_queries
):
    client = browser_for(marketer)
    page = client.get(reverse("leads:lead_detail", args=[rejected.pk])).content.decode()
    assert reverse("leads:lead_resubmit", args=[rejected.pk]) in page
    response = client.post(
        reverse("leads:lead_resubmit", args=[rejected.pk]), {"note": "Phone fixed."}
    )
    assert response.status_code == 302
    sales = browser_for(rep)
    with translation.override("en"):
        queue = sales.get(reverse("leads:mql_queue")).content.decode()
        detail = sales.get(reverse("leads:lead_detail", args=[rejected.pk])).content.decode()
    assert "Resubmitted" in queue
    assert "Rejected before: Bad contact data" in queue and "The phone number is wrong." in queue
    assert "Resubmitted by marketing after a rejection." in detail
    assert "Phone fixed." in detail


def test_the_page_refuses_a_resubmission_without_a_note(browser_for, marketer, rejected):
    client = browser_for(marketer)
    client.post(reverse("leads:lead_resubmit", args=[rejected.pk]), {"note": ""})
    rejected.refresh_from_db()
    assert rejected.status == LeadStatus.REJECTED


def test_queue_query_count_stays_flat_with_resubmitted_leads(
    browser_for, org, marketer, rep, django_assert_max_num_queries
):
    def resubmitted_lead():
        lead = LeadFactory(organization=org)
        lifecycle.qualify_lead(by=marketer, lead=lead, owner=rep)
        lifecycle.reject_lead(by=rep, lead=lead, reason="no_budget")
        lifecycle.resubmit_lead(by=marketer, lead=lead, note="Budget approved.")

    client = browser_for(rep)
    resubmitted_lead()
    with django_assert_max_num_queries(7):
        assert len(client.get(reverse("leads:mql_queue")).context["leads"]) == 1
    for _ in range(10):
        resubmitted_lead()
    with django_assert_max_num_queries(7):
        assert len(client.get(reverse("leads:mql_queue")).context["leads"]) == 11


# --- Reopen: service -------------------------------------------------------------------------


def test_reopening_a_won_deal_returns_it_to_the_stage_it_closed_from(sales_manager, rep, won):
    deal = deal_services.reopen_deal(by=sales_manager, deal=won, reason="Signed the wrong entity.")
    assert deal.stage == DealStage.NEGOTIATION
    assert deal.closed_at is None
    step = DealStageChange.objects.filter(deal=deal).order_by("at", "pk").last()
    assert (step.from_stage, step.to_stage, step.note, step.by) == (
        "won", "negotiation", "Signed the wrong entity.", sales_manager,
    )  # fmt: skip
    event = ActivityEvent.objects.get(verb="deal.reopened")
    assert event.payload["reason"] == "Signed the wrong entity."
    assert Notification.objects.filter(recipient=rep, event=event).exists()


def test_reopening_a_lost_deal_clears_the_loss(org, sales_manager, rep):
    deal = DealFactory(organization=org, owner=rep)
    deal_services.lose_deal(
        by=rep, deal=deal, reason="missing_feature", note="SSO", feature_requests=["SSO"]
    )
    deal = deal_services.reopen_deal(by=sales_manager, deal=deal, reason="SSO shipped.")
    assert (deal.stage, deal.lost_reason, deal.lost_note, deal.missing_features) == (
        DealStage.QUALIFICATION, "", "", [],
    )  # fmt: skip


def test_a_reopened_won_deal_is_no_longer_counted_as_won(org, marketer, rep, sales_manager):
    lead = LeadFactory(organization=org)
    lifecycle.qualify_lead(by=marketer, lead=lead, owner=rep)
    lifecycle.accept_lead(by=rep, lead=lead)
    deal = lifecycle.convert_lead(by=rep, lead=lead, value=Decimal("5000"))
    deal_services.win_deal(by=rep, deal=deal)
    assert (_year(org)["won"], _year(org)["revenue_won"]) == (1, Decimal("5000"))
    deal_services.reopen_deal(by=sales_manager, deal=deal, reason="Booked by mistake.")
    assert (_year(org)["won"], _year(org)["revenue_won"]) == (0, Decimal("0"))


def test_reopening_needs_a_reason(sales_manager, won):
    with pytest.raises(DomainError) as refused:
        deal_services.reopen_deal(by=sales_manager, deal=won, reason=" ")
    assert refused.value.code == "reason_required"


def test_an_open_deal_is_not_reopened(org, sales_manager):
    deal = DealFactory(organization=org)
    with pytest.raises(IllegalTransition) as refused:
        deal_services.reopen_deal(by=sales_manager, deal=deal, reason="x")
    assert refused.value.code == "deal_open"


def test_a_sales_rep_cannot_reopen(rep, won):
    with pytest.raises(NotAllowed):
        deal_services.reopen_deal(by=rep, deal=won, reason="x")


def test_a_reopened_deal_can_be_corrected_and_won_again(sales_manager, rep, won):
    deal_services.reopen_deal(by=sales_manager, deal=won, reason="Value was wrong.")
    deal_services.update_deal(by=rep, deal=won, data={"value": "30000"})
    deal = deal_services.win_deal(by=rep, deal=won)
    assert (deal.stage, deal.value) == (DealStage.WON, Decimal("30000.00"))


# --- Reopen: API and pages -------------------------------------------------------------------


def test_api_reopen(api_for, sales_manager, won):
    response = api_for(sales_manager).post(
        f"/api/v1/deals/{won.pk}/reopen/", {"reason": "Wrong entity."}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["stage"], response.json()["closed_at"]) == ("negotiation", None)


def test_api_reopen_of_an_open_deal_is_a_409(api_for, org, sales_manager):
    deal = DealFactory(organization=org)
    response = api_for(sales_manager).post(
        f"/api/v1/deals/{deal.pk}/reopen/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "deal_open"


def test_api_reopen_needs_a_reason_and_a_manager(api_for, sales_manager, rep, won):
    missing = api_for(sales_manager).post(f"/api/v1/deals/{won.pk}/reopen/", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    forbidden = api_for(rep).post(f"/api/v1/deals/{won.pk}/reopen/", {"reason": "x"}, format="json")
    assert forbidden.status_code == 403


def test_api_reopen_of_another_organizations_deal_is_a_404(api_for, charlie, won):
    response = api_for(charlie).post(
        f"/api/v1/deals/{won.pk}/reopen/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 404


def test_winning_on_the_page_asks_first_with_the_deals_value(browser_for, org, rep):
    deal = DealFactory(organization=org, owner=rep, value=12000)
    client = browser_for(rep)
    with translation.override("en"):
        detail = client.get(reverse("leads:deal_detail", args=[deal.pk])).content.decode()
        confirm = client.get(reverse("leads:deal_win", args=[deal.pk]))
    assert f'href="{reverse("leads:deal_win", args=[deal.pk])}"' in detail
    assert confirm.status_code == 200
    assert "€12,000.00" in confirm.content.decode()
    deal.refresh_from_db()
    assert deal.stage == DealStage.QUALIFICATION
    with translation.override("en"):
        response = client.post(reverse("leads:deal_win", args=[deal.pk]), follow=True)
    assert "is won (€12,000.00)" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == DealStage.WON


def test_the_lose_page_shows_the_deals_value(browser_for, org, rep):
    deal = DealFactory(organization=org, owner=rep, value=7000)
    with translation.override("en"):
        page = browser_for(rep).get(reverse("leads:deal_lose", args=[deal.pk])).content.decode()
    assert "€7,000.00" in page


def test_a_sales_manager_reopens_on_the_deal_page(browser_for, sales_manager, rep, won):
    manager = browser_for(sales_manager)
    page = manager.get(reverse("leads:deal_detail", args=[won.pk])).content.decode()
    assert reverse("leads:deal_reopen", args=[won.pk]) in page
    response = manager.post(reverse("leads:deal_reopen", args=[won.pk]), {"reason": "Oops."})
    assert response.status_code == 302
    won.refresh_from_db()
    assert won.stage == DealStage.NEGOTIATION


def test_a_rep_sees_no_reopen_and_may_not_post_it(browser_for, rep, won):
    client = browser_for(rep)
    page = client.get(reverse("leads:deal_detail", args=[won.pk])).content.decode()
    assert reverse("leads:deal_reopen", args=[won.pk]) not in page
    assert (
        client.post(reverse("leads:deal_reopen", args=[won.pk]), {"reason": "x"}).status_code == 403
    )


def test_reopen_without_a_reason_on_the_page_changes_nothing(browser_for, sales_manager, won):
    browser_for(sales_manager).post(reverse("leads:deal_reopen", args=[won.pk]), {"reason": ""})
    won.refresh_from_db()
    assert won.stage == DealStage.WON


def test_outsiders_get_404_on_the_new_actions(browser_for, charlie, rejected, won):
    client = browser_for(charlie)
    assert (
        client.post(reverse("leads:lead_resubmit", args=[rejected.pk]), {"note": "x"}).status_code
        == 404
    )
    assert (
        client.post(reverse("leads:deal_reopen", args=[won.pk]), {"reason": "x"}).status_code == 404
    )
    assert client.get(reverse("leads:deal_win", args=[won.pk])).status_code == 404
    assert LeadTransition.objects.filter(lead=rejected).count() == 2


def test_the_board_asks_before_winning_with_the_deals_value(browser_for, org, rep):
    deal = DealFactory(organization=org, owner=rep, value=9000)
    with translation.override("en"):
        board = browser_for(rep).get(reverse("leads:deal_board")).content.decode()
    win_url = reverse("leads:deal_win", args=[deal.pk])
    # Without JavaScript the link opens the confirmation page; htmx asks first, in a dialog.
    assert f'href="{win_url}"' in board
    assert f"Mark {deal.name} as won (€9,000.00)?" in board
    deal.refresh_from_db()
    assert deal.stage == DealStage.QUALIFICATION
