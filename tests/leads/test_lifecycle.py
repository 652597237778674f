"""The lead lifecycle services: legal and illegal transitions, history, events, SLA."""

from datetime import timedelta

import pytest
from django.utils import timezone

from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.models import Notification
from leads.models import Deal, LeadStatus, LeadTransition
from leads.services import lifecycle, scoring
from tests.factories import LeadFactory, ScoringRuleFactory, TierFactory


@pytest.fixture
def new_lead(org, marketer):
    return lifecycle.create_lead(
        organization=org,
        data={"email": "Jane@Prospect.test", "first_name": "Jane", "company_name": "Prospect"},
        by=marketer,
    )


@pytest.fixture
def mql(new_lead, marketer, rep):
    return lifecycle.qualify_lead(by=marketer, lead=new_lead, owner=rep)


def test_created_lead_is_new_with_history_and_marketing_owner(new_lead, marketer):
    assert new_lead.status == LeadStatus.NEW
    assert new_lead.email == "jane@prospect.test"
    assert new_lead.marketing_owner == marketer
    assert list(new_lead.transitions.values_list("from_status", "to_status")) == [("", "new")]


def test_qualifying_sets_owner_and_sla_from_the_tier(org, marketer, rep):
    TierFactory(organization=org, rank=1, industries=["software"], response_sla_hours=4)
    lead = lifecycle.create_lead(
        organization=org, data={"email": "a@b.test", "industry": "Software"}, by=marketer
    )
    before = timezone.now()
    lead = lifecycle.qualify_lead(by=marketer, lead=lead)
    assert lead.status == LeadStatus.MQL
    assert lead.owner == rep
    assert before + timedelta(hours=4) <= lead.sla_due_at <= timezone.now() + timedelta(hours=4)
    assert Notification.objects.filter(recipient=rep, event__verb="lead.qualified").exists()


def test_without_a_tier_the_response_is_due_in_a_day(mql):
    assert mql.sla_due_at - mql.qualified_at == timedelta(hours=24)


def test_round_robin_hands_leads_to_sales_reps_in_turn(org, marketer, rep, rep2):
    owners = []
    for _ in range(4):
        lead = LeadFactory(organization=org)
        owners.append(lifecycle.qualify_lead(by=marketer, lead=lead).owner)
    assert owners == [rep, rep2, rep, rep2]


def test_owner_must_be_in_sales(new_lead, marketer):
    with pytest.raises(DomainError):
        lifecycle.qualify_lead(by=marketer, lead=new_lead, owner=marketer)


def test_sales_accepts_and_marketing_hears_of_it(mql, rep, marketer):
    lead = lifecycle.accept_lead(by=rep, lead=mql)
    assert lead.status == LeadStatus.ACCEPTED
    assert lead.responded_at is not None
    assert Notification.objects.filter(recipient=marketer, event__verb="lead.accepted").exists()


def test_rejection_needs_a_contract_reason_and_tells_marketing_why(mql, rep, marketer):
    with pytest.raises(DomainError):
        lifecycle.reject_lead(by=rep, lead=mql, reason="meh")
    lead = lifecycle.reject_lead(by=rep, lead=mql, reason="no_budget", note="Frozen until Q3")
    assert (lead.status, lead.rejection_reason, lead.rejection_note) == (
        "rejected",
        "no_budget",
        "Frozen until Q3",
    )
    notification = Notification.objects.get(recipient=marketer, event__verb="lead.rejected")
    assert notification.event.payload["reason"] == "no_budget"
    assert notification.event.payload["note"] == "Frozen until Q3"
    transition = LeadTransition.objects.get(lead=lead, to_status="rejected")
    assert (transition.by, transition.reason) == (rep, "no_budget")


def test_converting_opens_a_marketing_deal_with_company_and_contact(mql, rep):
    lead = lifecycle.accept_lead(by=rep, lead=mql)
    deal = lifecycle.convert_lead(by=rep, lead=lead, value=12000)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert lead.deal == deal
    assert (deal.source, deal.stage, deal.owner) == ("marketing", "qualification", rep)
    assert deal.company.domain == "prospect.test"
    assert deal.contact.email == "jane@prospect.test"


def test_converting_reuses_the_company_with_the_same_domain(org, marketer, rep):
    deals = []
    for email in ("one@acme-corp.test", "two@acme-corp.test"):
        lead = lifecycle.create_lead(organization=org, data={"email": email}, by=marketer)
        lead = lifecycle.qualify_lead(by=marketer, lead=lead, owner=rep)
        lead = lifecycle.accept_lead(by=rep, lead=lead)
        deals.append(lifecycle.convert_lead(by=rep, lead=lead))
    assert deals[0].company == deals[1].company
    assert Deal.objects.filter(company=deals[0].company).count() == 2


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("new", "accept"),
        ("new", "reject"),
        ("new", "convert"),
        ("mql", "qualify"),
        ("mql", "convert"),
        ("accepted", "qualify"),
        ("rejected", "accept"),
        ("converted", "disqualify"),
        ("disqualified", "qualify"),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(org, marketer, rep, status, action):
    lead = LeadFactory(
        organization=org, status=status, rejection_reason="other" if status == "rejected" else ""
    )
    calls = {
        "qualify": lambda: lifecycle.qualify_lead(by=marketer, lead=lead, owner=rep),
        "accept": lambda: lifecycle.accept_lead(by=rep, lead=lead),
        "reject": lambda: lifecycle.reject_lead(by=rep, lead=lead, reason="other"),
        "convert": lambda: lifecycle.convert_lead(by=rep, lead=lead),
        "disqualify": lambda: lifecycle.disqualify_lead(by=rep, lead=lead),
    }
    with pytest.raises(IllegalTransition):
        calls[action]()
    lead.refresh_from_db()
    assert lead.status == status
    assert not LeadTransition.objects.filter(lead=lead).exists()


def test_marketing_cannot_accept_and_sales_cannot_qualify(org, mql, new_lead, marketer, rep):
    other = LeadFactory(organization=org)
    with pytest.raises(NotAllowed):
        lifecycle.accept_lead(by=marketer, lead=mql)
    with pytest.raises(NotAllowed):
        lifecycle.qualify_lead(by=rep, lead=other)


def test_auto_qualification_at_the_threshold(org, marketer, rep):
    settings = scoring.lead_settings(org)
    settings.auto_qualify, settings.mql_threshold = True, 30
    settings.save()
    ScoringRuleFactory(
        organization=org, field="industry", operator="eq", value="fintech", points=30
    )
    hot = lifecycle.create_lead(
        organization=org, data={"email": "hot@x.test", "industry": "FinTech"}, by=marketer
    )
    cold = lifecycle.create_lead(
        organization=org, data={"email": "cold@x.test", "industry": "retail"}, by=marketer
    )
    assert (hot.status, hot.score, hot.owner) == ("mql", 30, rep)
    assert (cold.status, cold.score) == ("new", 0)


def test_sla_breach_is_flagged_once_and_tells_owner_managers_and_marketing(
    mql, rep, sales_manager, marketer
):
    later = mql.sla_due_at + timedelta(minutes=1)
    assert lifecycle.flag_sla_breaches(now=later) == 1
    assert lifecycle.flag_sla_breaches(now=later + timedelta(hours=1)) == 0
    mql.refresh_from_db()
    assert mql.sla_breached_at == later
    # Told once each, by the run's digest (the lead's own event is its history).
    notified = set(
        Notification.objects.filter(event__verb="lead.sla_digest").values_list(
            "recipient", flat=True
        )
    )
    assert notified == {rep.pk, sales_manager.pk, marketer.pk}


def test_answered_mqls_are_never_breached(mql, rep):
    lifecycle.accept_lead(by=rep, lead=mql)
    assert lifecycle.flag_sla_breaches(now=mql.sla_due_at + timedelta(days=1)) == 0


# --- Bulk qualify ---------------------------------------------------------------------------


def test_bulk_qualify_hands_each_lead_once_in_the_order_given(org, marketer, rep, rep2):
    first, second = LeadFactory.create_batch(2, organization=org)
    result = lifecycle.qualify_leads(
        by=marketer, leads_or_ids=[first.pk, second, first, str(first.pk)], owner=rep2
    )
    assert [lead.pk for lead in result.qualified] == [first.pk, second.pk]
    assert result.failures == []
    assert result.failure_summary() == []
    for lead in (first, second):
        lead.refresh_from_db()
        assert (lead.status, lead.owner) == (LeadStatus.MQL, rep2)
        assert LeadTransition.objects.filter(lead=lead, to_status="mql").count() == 1


def test_bulk_qualify_counts_the_limit_after_removing_duplicates(org, marketer, rep, monkeypatch):
    monkeypatch.setattr(lifecycle, "BULK_QUALIFY_LIMIT", 2)
    leads = LeadFactory.create_batch(3, organization=org)
    with pytest.raises(DomainError) as refused:
        lifecycle.qualify_leads(by=marketer, leads_or_ids=leads)
    assert refused.value.code == "too_many"
    assert str(refused.value.message) == "Qualify at most 2 leads at once."
    assert not LeadTransition.objects.filter(to_status="mql").exists()
    result = lifecycle.qualify_leads(by=marketer, leads_or_ids=[*leads[:2], leads[0]])
    assert len(result.qualified) == 2


def test_bulk_qualify_reports_each_failure_and_summarizes_the_rest(
    org, other_org, marketer, rep, monkeypatch
):
    monkeypatch.setattr(lifecycle, "FAILURES_SHOWN", 2)
    org.visibility = {"leads": "own"}
    org.save()
    fresh = LeadFactory(organization=org, marketing_owner=marketer)
    rejected = LeadFactory(
        organization=org,
        marketing_owner=marketer,
        email="nope@a.test",
        status="rejected",
        rejection_reason="not_icp",
    )
    hidden = LeadFactory(organization=org)  # nobody's: "own" hides it from the marketer
    foreign = LeadFactory(organization=other_org)
    ids = [rejected.pk, fresh.pk, hidden.pk, foreign.pk, 999_999]

    result = lifecycle.qualify_leads(by=marketer, leads_or_ids=ids)

    assert [lead.pk for lead in result.qualified] == [fresh.pk]
    assert [(f.lead_id, f.code) for f in result.failures] == [
        (rejected.pk, "lead_rejected"),
        (hidden.pk, "not_found"),
        (foreign.pk, "not_found"),
        (999_999, "not_found"),
    ]
    assert result.failure_summary() == [
        "nope@a.test: A lead that is Rejected cannot become Marketing qualified.",
        f"Lead #{hidden.pk}: not found.",
        "…and 2 more.",
    ]
    for lead in (rejected, hidden, foreign):
        status = lead.status
        lead.refresh_from_db()
        assert lead.status == status


def test_sales_cannot_bulk_qualify_and_nothing_changes(org, rep):
    lead = LeadFactory(organization=org)
    with pytest.raises(NotAllowed):
        lifecycle.qualify_leads(by=rep, leads_or_ids=[lead.pk])
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
