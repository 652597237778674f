"""Lead pages in the browser: marketing's list and bulk qualify, the new-lead form, sales'
MQL queue with htmx accept/reject, the lead page, campaigns; roles, outsiders, query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from collab_hub.notifications.models import ActivityEvent, Notification
from leads.models import Campaign, Deal, Lead, LeadStatus, LeadTransition
from leads.services import lifecycle
from tests.factories import CampaignFactory, LeadFactory, TierFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def _mql(org, owner, *, hours: float = 10, **fields) -> Lead:
    return LeadFactory(
        organization=org,
        status=LeadStatus.MQL,
        owner=owner,
        qualified_at=timezone.now(),
        sla_due_at=timezone.now() + timedelta(hours=hours),
        **fields,
    )


def _text(response) -> str:
    return response.content.decode()


# --- The lead list --------------------------------------------------------------------------


def test_list_shows_the_columns_marketing_works_with(browser_for, org, marketer, rep):
    tier = TierFactory(organization=org, name="Enterprise")
    LeadFactory(
        organization=org,
        email="jane@prospect.test",
        first_name="Jane",
        last_name="Doe",
        company_name="Prospect Ltd",
        score=42,
        tier=tier,
        owner=rep,
        status=LeadStatus.MQL,
    )
    page = _text(browser_for(marketer).get(reverse("leads:lead_list")))
    for shown in (
        "jane@prospect.test",
        "Jane Doe",
        "Prospect Ltd",
        "42",
        "Enterprise",
        "Marketing qualified",
        rep.user.display_name,
    ):
        assert shown in page
    assert "Qualify selected" in page


def test_list_filters_by_status_tier_owner_source_campaign_and_dates(
    browser_for, org, marketer, rep
):
    tier = TierFactory(organization=org)
    campaign = CampaignFactory(organization=org)
    LeadFactory(
        organization=org,
        email="match@a.test",
        status=LeadStatus.MQL,
        tier=tier,
        owner=rep,
        source="event",
        campaign=campaign,
    )
    LeadFactory(organization=org, email="other-status@a.test", tier=tier, source="event")
    LeadFactory(
        organization=org,
        email="old@a.test",
        status=LeadStatus.MQL,
        tier=tier,
        owner=rep,
        source="event",
        campaign=campaign,
        created_at=timezone.now() - timedelta(days=40),
    )
    client = browser_for(marketer)
    today = timezone.localdate()
    response = client.get(
        reverse("leads:lead_list"),
        {
            "status": "mql",
            "tier": tier.pk,
            "owner": rep.pk,
            "source": "event",
            "campaign": campaign.pk,
            "created_after": (today - timedelta(days=7)).isoformat(),
            "created_before": today.isoformat(),
        },
    )
    page = _text(response)
    assert "match@a.test" in page
    assert "other-status@a.test" not in page
    assert "old@a.test" not in page


def test_search_looks_in_name_email_and_company(browser_for, org, marketer):
    LeadFactory(organization=org, email="x@one.test", first_name="Zbigniew", company_name="A")
    LeadFactory(organization=org, email="y@globex.test", company_name="B")
    LeadFactory(organization=org, email="z@three.test", company_name="Initech Polska")
    client = browser_for(marketer)

    def found(term):
        page = _text(client.get(reverse("leads:lead_list"), {"search": term}))
        return {e for e in ("x@one.test", "y@globex.test", "z@three.test") if e in page}

    assert found("zbig") == {"x@one.test"}
    assert found("GLOBEX") == {"y@globex.test"}
    assert found("initech pol") == {"z@three.test"}


def test_bad_filter_values_are_ignored_not_an_error(browser_for, org, marketer):
    LeadFactory(organization=org, email="still@shown.test")
    response = browser_for(marketer).get(
        reverse("leads:lead_list"),
        {"tier": "abc", "status": "zzz", "created_after": "yesterday", "cursor": "%%%"},
    )
    assert response.status_code == 200
    assert "still@shown.test" in _text(response)


def test_htmx_filtering_returns_only_the_results(browser_for, org, marketer):
    LeadFactory(organization=org, email="jane@prospect.test")
    response = browser_for(marketer).get(reverse("leads:lead_list"), {"search": "jane"}, **HTMX)
    page = _text(response)
    assert 'id="lead-results"' in page
    assert "jane@prospect.test" in page
    assert "<html" not in page


def test_list_pages_by_fifty_with_a_cursor(browser_for, org, marketer):
    start = timezone.now() - timedelta(days=1)
    for n in range(60):
        LeadFactory(
            organization=org,
            email=f"lead{n:02d}@page.test",
            created_at=start + timedelta(minutes=n),
        )
    client = browser_for(marketer)
    first = client.get(reverse("leads:lead_list"))
    leads = first.context["leads"]
    assert [lead.email for lead in leads[:2]] == ["lead59@page.test", "lead58@page.test"]
    assert len(leads) == 50
    page = first.context["page"]
    assert page.previous_cursor is None and page.next_cursor

    second = client.get(reverse("leads:lead_list"), {"cursor": page.next_cursor})
    assert [lead.email for lead in second.context["leads"]] == [
        f"lead{n:02d}@page.test" for n in range(9, -1, -1)
    ]
    assert second.context["page"].next_cursor is None

    back = client.get(
        reverse("leads:lead_list"), {"cursor": second.context["page"].previous_cursor}
    )
    assert [lead.email for lead in back.context["leads"]] == [lead.email for lead in leads]


def test_list_query_count_does_not_grow_with_rows(
    browser_for, org, marketer, rep, django_assert_max_num_queries
):
    client = browser_for(marketer)
    tier = TierFactory(organization=org)
    campaign = CampaignFactory(organization=org)

    def add(count):
        LeadFactory.create_batch(count, organization=org, tier=tier, campaign=campaign, owner=rep)

    add(5)
    with django_assert_max_num_queries(10):
        assert len(client.get(reverse("leads:lead_list")).context["leads"]) == 5
    add(55)
    with django_assert_max_num_queries(10):
        assert len(client.get(reverse("leads:lead_list")).context["leads"]) == 50


def test_outsider_never_sees_the_organizations_leads(browser_for, org, charlie):
    LeadFactory(organization=org, email="secret@acme-prospect.test")
    page = _text(browser_for(charlie).get(reverse("leads:lead_list")))
    assert "secret@acme-prospect.test" not in page


# --- Bulk qualify ---------------------------------------------------------------------------


def test_bulk_qualify_hands_legal_leads_to_sales_and_explains_the_rest(
    browser_for, org, marketer, rep
):
    fresh = LeadFactory.create_batch(2, organization=org)
    rejected = LeadFactory(
        organization=org, email="nope@a.test", status="rejected", rejection_reason="not_icp"
    )
    response = browser_for(marketer).post(
        reverse("leads:lead_bulk_qualify"),
        {"ids": [fresh[0].pk, fresh[1].pk, rejected.pk], "next": reverse("leads:lead_list")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("leads:lead_list")
    page = _text(response)
    assert "2 leads qualified and handed to sales." in page
    assert "1 lead was not qualified:" in page
    assert "nope@a.test: A lead that is Rejected cannot become Marketing qualified." in page
    for lead in fresh:
        lead.refresh_from_db()
        assert (lead.status, lead.owner) == (LeadStatus.MQL, rep)
    rejected.refresh_from_db()
    assert rejected.status == LeadStatus.REJECTED


def test_bulk_qualify_to_a_chosen_owner(browser_for, org, marketer, rep, rep2):
    leads = LeadFactory.create_batch(3, organization=org)
    browser_for(marketer).post(
        reverse("leads:lead_bulk_qualify"), {"ids": [lead.pk for lead in leads], "owner": rep2.pk}
    )
    assert set(Lead.objects.values_list("owner", flat=True)) == {rep2.pk}


def test_bulk_qualify_refuses_an_owner_outside_sales(browser_for, org, marketer):
    lead = LeadFactory(organization=org)
    response = browser_for(marketer).post(
        reverse("leads:lead_bulk_qualify"), {"ids": [lead.pk], "owner": marketer.pk}, follow=True
    )
    assert "Select a valid choice" in _text(response)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_bulk_qualify_with_nothing_ticked_says_so(browser_for, marketer):
    response = browser_for(marketer).post(reverse("leads:lead_bulk_qualify"), {}, follow=True)
    assert "Tick the leads to qualify first." in _text(response)


def test_bulk_qualify_refuses_more_than_the_limit(browser_for, org, marketer):
    lead = LeadFactory(organization=org)
    ids = [lead.pk, *range(10_000, 10_200)]
    response = browser_for(marketer).post(
        reverse("leads:lead_bulk_qualify"), {"ids": ids}, follow=True
    )
    assert "Qualify at most 200 leads at once." in _text(response)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_bulk_qualify_never_touches_another_organizations_lead(
    browser_for, org, marketer, rep, other_org
):
    foreign = LeadFactory(organization=other_org)
    response = browser_for(marketer).post(
        reverse("leads:lead_bulk_qualify"), {"ids": [foreign.pk]}, follow=True
    )
    assert f"Lead #{foreign.pk}: not found." in _text(response)
    foreign.refresh_from_db()
    assert foreign.status == LeadStatus.NEW


def test_sales_cannot_bulk_qualify(browser_for, org, rep):
    lead = LeadFactory(organization=org)
    response = browser_for(rep).post(reverse("leads:lead_bulk_qualify"), {"ids": [lead.pk]})
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert "Qualify selected" not in _text(browser_for(rep).get(reverse("leads:lead_list")))


# --- A new lead -----------------------------------------------------------------------------


def test_marketing_adds_a_lead_by_hand(browser_for, org, marketer):
    campaign = CampaignFactory(organization=org)
    response = browser_for(marketer).post(
        reverse("leads:lead_create"),
        {
            "email": "Ann@Example.test",
            "first_name": "Ann",
            "company_name": "Example",
            "country": "pl",
            "source": "event",
            "campaign": campaign.pk,
        },
    )
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("leads:lead_detail", kwargs={"pk": lead.pk})
    assert (lead.email, lead.country, lead.campaign, lead.marketing_owner) == (
        "ann@example.test",
        "PL",
        campaign,
        marketer,
    )
    assert lead.transitions.get().to_status == LeadStatus.NEW


def test_new_lead_form_refuses_a_duplicate_email_and_a_foreign_campaign(
    browser_for, org, marketer, other_org
):
    LeadFactory(organization=org, email="ann@example.test")
    foreign = CampaignFactory(organization=other_org)
    client = browser_for(marketer)
    response = client.post(
        reverse("leads:lead_create"),
        {"email": "new@example.test", "campaign": foreign.pk, "source": "other"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"campaign"}
    # The email rule is the service's: its refusal shows on the email field.
    response = client.post(
        reverse("leads:lead_create"), {"email": "ANN@example.test", "source": "other"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["A lead with this email already exists."]}
    assert Lead.objects.count() == 1


def test_product_cannot_add_leads(browser_for, product_person):
    client = browser_for(product_person)
    assert client.get(reverse("leads:lead_create")).status_code == 403
    assert client.post(reverse("leads:lead_create"), {"email": "a@b.test"}).status_code == 403
    assert not Lead.objects.exists()


# --- The MQL queue --------------------------------------------------------------------------


def test_queue_shows_my_mqls_breached_first_then_by_deadline(browser_for, org, rep, rep2):
    later = _mql(org, rep, hours=30, email="later@a.test")
    soon = _mql(org, rep, hours=2, email="soon@a.test")
    breached = _mql(org, rep, hours=-1, email="breached@a.test", sla_breached_at=timezone.now())
    _mql(org, rep2, hours=1, email="not-mine@a.test")
    LeadFactory(organization=org, owner=rep, status=LeadStatus.ACCEPTED, email="done@a.test")

    response = browser_for(rep).get(reverse("leads:mql_queue"))
    assert [lead.pk for lead in response.context["leads"]] == [breached.pk, soon.pk, later.pk]
    page = _text(response)
    assert "Overdue by" in page
    assert "left" in page
    assert "not-mine@a.test" not in page


def test_sales_manager_sees_every_mql_with_its_owner(browser_for, org, rep, rep2, sales_manager):
    _mql(org, rep, email="a@a.test")
    _mql(org, rep2, email="b@a.test")
    response = browser_for(sales_manager).get(reverse("leads:mql_queue"))
    assert len(response.context["leads"]) == 2
    assert rep2.user.display_name in _text(response)


def test_queue_shows_the_tiers_value_proposition_and_playbook(browser_for, org, rep):
    tier = TierFactory(
        organization=org,
        name="Mid-market SaaS",
        value_proposition="Cut onboarding time in half.",
        acquisition_playbook="Demo with the CTO within a week.",
    )
    _mql(org, rep, tier=tier)
    page = _text(browser_for(rep).get(reverse("leads:mql_queue")))
    for shown in ("Mid-market SaaS", "Cut onboarding time in half.", "Demo with the CTO"):
        assert shown in page


def test_empty_queue_says_nice_work(browser_for, rep):
    assert "No MQLs waiting — nice work" in _text(browser_for(rep).get(reverse("leads:mql_queue")))


def test_marketing_and_product_cannot_open_the_queue(browser_for, marketer, product_person):
    assert browser_for(marketer).get(reverse("leads:mql_queue")).status_code == 403
    assert browser_for(product_person).get(reverse("leads:mql_queue")).status_code == 403


def test_queue_query_count_does_not_grow_with_rows(
    browser_for, org, rep, django_assert_max_num_queries
):
    client = browser_for(rep)
    tier = TierFactory(organization=org)
    campaign = CampaignFactory(organization=org)
    for _ in range(3):
        _mql(org, rep, tier=tier, campaign=campaign)
    with django_assert_max_num_queries(6):
        assert len(client.get(reverse("leads:mql_queue")).context["leads"]) == 3
    for _ in range(30):
        _mql(org, rep, tier=tier, campaign=campaign)
    with django_assert_max_num_queries(6):
        assert len(client.get(reverse("leads:mql_queue")).context["leads"]) == 33


def test_htmx_accept_replaces_the_row_with_the_result(browser_for, org, rep):
    lead = _mql(org, rep, first_name="Jane", last_name="Doe")
    response = browser_for(rep).post(reverse("leads:lead_accept", kwargs={"pk": lead.pk}), **HTMX)
    assert response.status_code == 200
    fragment = _text(response)
    assert fragment.lstrip().startswith(f'<tr id="queue-row-{lead.pk}"')
    assert "accepted. It is yours to work." in fragment
    assert "<html" not in fragment
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED


def test_htmx_reject_records_the_reason_and_tells_marketing(browser_for, org, rep, marketer):
    lead = _mql(org, rep, marketing_owner=marketer)
    response = browser_for(rep).post(
        reverse("leads:lead_reject", kwargs={"pk": lead.pk}),
        {"reason": "no_budget", "note": "Budget frozen until Q3"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "rejected: No budget." in _text(response)
    lead.refresh_from_db()
    assert (lead.status, lead.rejection_reason, lead.rejection_note) == (
        LeadStatus.REJECTED,
        "no_budget",
        "Budget frozen until Q3",
    )
    notification = Notification.objects.get(recipient=marketer, event__verb="lead.rejected")
    assert notification.event.payload["note"] == "Budget frozen until Q3"


def test_htmx_reject_without_a_reason_keeps_the_row_open_with_the_error(browser_for, org, rep):
    lead = _mql(org, rep)
    response = browser_for(rep).post(
        reverse("leads:lead_reject", kwargs={"pk": lead.pk}), {"note": "meh"}, **HTMX
    )
    assert response.status_code == 400
    fragment = _text(response)
    assert 'role="alert"' in fragment
    assert '<details class="reject-form" open>' in fragment
    assert "meh" in fragment
    lead.refresh_from_db()
    assert lead.status == LeadStatus.MQL


def test_htmx_answer_to_an_already_answered_lead_is_a_409_row(browser_for, org, rep):
    lead = _mql(org, rep)
    client = browser_for(rep)
    client.post(reverse("leads:lead_accept", kwargs={"pk": lead.pk}), **HTMX)
    response = client.post(
        reverse("leads:lead_reject", kwargs={"pk": lead.pk}), {"reason": "other"}, **HTMX
    )
    assert response.status_code == 409
    assert "A lead that is Accepted cannot become Rejected." in _text(response)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED


def test_accept_without_javascript_returns_to_the_queue_with_a_message(browser_for, org, rep):
    lead = _mql(org, rep, email="jane@prospect.test", first_name="", last_name="")
    response = browser_for(rep).post(
        reverse("leads:lead_accept", kwargs={"pk": lead.pk}),
        {"next": reverse("leads:mql_queue")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("leads:mql_queue")
    assert "jane@prospect.test accepted." in _text(response)


def test_marketing_cannot_answer_an_mql(browser_for, org, rep, marketer):
    lead = _mql(org, rep)
    client = browser_for(marketer)
    assert client.post(reverse("leads:lead_accept", kwargs={"pk": lead.pk})).status_code == 403
    response = client.post(
        reverse("leads:lead_reject", kwargs={"pk": lead.pk}), {"reason": "other"}
    )
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.status == LeadStatus.MQL


# --- The lead page --------------------------------------------------------------------------


@pytest.fixture
def rejected_lead(org, marketer, rep):
    lead = lifecycle.create_lead(
        organization=org,
        data={"email": "jane@prospect.test", "first_name": "Jane", "company_name": "Prospect"},
        by=marketer,
    )
    lifecycle.qualify_lead(by=marketer, lead=lead, owner=rep)
    return lifecycle.reject_lead(
        by=rep, lead=lead, reason="bad_contact_data", note="Phone number is a fax"
    )


def test_lead_page_shows_marketing_the_history_and_the_rejection_reason(
    browser_for, marketer, rep, rejected_lead
):
    response = browser_for(marketer).get(
        reverse("leads:lead_detail", kwargs={"pk": rejected_lead.pk})
    )
    assert response.status_code == 200
    page = _text(response)
    assert "Sales rejected this lead: Bad contact data" in page
    assert "Phone number is a fax" in page
    steps = [(t.from_status, t.to_status) for t in response.context["transitions"]]
    assert steps == [("", "new"), ("new", "mql"), ("mql", "rejected")]
    assert rep.user.display_name in page
    assert marketer.user.display_name in page
    # The discussion thread is loaded on the page.
    assert reverse("comments", args=["leads.lead", rejected_lead.pk]) in page


def test_lead_page_offers_the_actions_of_the_viewers_role(browser_for, org, marketer, rep):
    lead = LeadFactory(organization=org)
    page = _text(browser_for(marketer).get(reverse("leads:lead_detail", kwargs={"pk": lead.pk})))
    assert "Qualify and hand to sales" in page
    assert reverse("leads:lead_accept", kwargs={"pk": lead.pk}) not in page

    mql = _mql(org, rep)
    page = _text(browser_for(rep).get(reverse("leads:lead_detail", kwargs={"pk": mql.pk})))
    assert reverse("leads:lead_accept", kwargs={"pk": mql.pk}) in page
    assert reverse("leads:lead_reject", kwargs={"pk": mql.pk}) in page
    assert "Qualify and hand to sales" not in page


def test_qualify_from_the_lead_page(browser_for, org, marketer, rep2):
    lead = LeadFactory(organization=org)
    response = browser_for(marketer).post(
        reverse("leads:lead_qualify", kwargs={"pk": lead.pk}), {"owner": rep2.pk}
    )
    assert response.url == reverse("leads:lead_detail", kwargs={"pk": lead.pk})
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == (LeadStatus.MQL, rep2)


def test_illegal_action_on_the_lead_page_is_a_message_not_a_crash(browser_for, org, marketer):
    lead = LeadFactory(organization=org, status=LeadStatus.CONVERTED)
    response = browser_for(marketer).post(
        reverse("leads:lead_disqualify", kwargs={"pk": lead.pk}), follow=True
    )
    assert response.status_code == 200
    assert "A lead that is Converted cannot become Disqualified." in _text(response)


def test_convert_opens_a_deal_from_the_lead_page(browser_for, org, rep):
    lead = _mql(org, rep, email="cto@newco.test", company_name="NewCo")
    client = browser_for(rep)
    client.post(reverse("leads:lead_accept", kwargs={"pk": lead.pk}))
    response = client.post(
        reverse("leads:lead_convert", kwargs={"pk": lead.pk}),
        {"deal_name": "NewCo pilot", "value": "12000"},
    )
    assert response.status_code == 302
    deal = Deal.objects.get()
    assert (deal.name, deal.value, deal.source) == ("NewCo pilot", 12000, "marketing")
    lead.refresh_from_db()
    assert (lead.status, lead.deal) == (LeadStatus.CONVERTED, deal)
    page = _text(client.get(reverse("leads:lead_detail", kwargs={"pk": lead.pk})))
    assert "NewCo pilot" in page


def test_lead_page_query_count_does_not_grow_with_history(
    browser_for, org, marketer, rep, django_assert_max_num_queries
):
    lead = _mql(org, rep, tier=TierFactory(organization=org), marketing_owner=marketer)
    client = browser_for(marketer)

    def add_steps(count):
        for _ in range(count):
            LeadTransition.objects.create(
                organization=org, lead=lead, from_status="new", to_status="mql", by=rep
            )

    add_steps(2)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("leads:lead_detail", kwargs={"pk": lead.pk})).status_code == 200
    add_steps(20)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("leads:lead_detail", kwargs={"pk": lead.pk}))
    assert len(response.context["transitions"]) == 22


def test_outsider_gets_404_on_the_lead_page_and_its_actions(browser_for, org, rep, charlie):
    lead = _mql(org, rep)
    client = browser_for(charlie)
    assert client.get(reverse("leads:lead_detail", kwargs={"pk": lead.pk})).status_code == 404
    for name in (
        "leads:lead_qualify",
        "leads:lead_accept",
        "leads:lead_reject",
        "leads:lead_disqualify",
        "leads:lead_convert",
    ):
        response = client.post(reverse(name, kwargs={"pk": lead.pk}), {"reason": "other"})
        assert response.status_code == 404, name
    lead.refresh_from_db()
    assert lead.status == LeadStatus.MQL


def test_hidden_lead_is_404_under_own_visibility(browser_for, org, rep, rep2):
    org.visibility = {"leads": "own"}
    org.save()
    lead = _mql(org, rep2)
    assert (
        browser_for(rep).get(reverse("leads:lead_detail", kwargs={"pk": lead.pk})).status_code
        == 404
    )


# --- Campaigns ------------------------------------------------------------------------------


def test_marketing_creates_a_campaign(browser_for, org, marketer):
    response = browser_for(marketer).post(
        reverse("leads:campaign_create"),
        {
            "name": "Spring webinar",
            "channel": "webinar",
            "cost": "2500.00",
            "starts_on": "2025-03-01",
            "ends_on": "2025-03-31",
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.name, campaign.owner, str(campaign.cost)) == (
        "Spring webinar",
        marketer,
        "2500.00",
    )
    assert ActivityEvent.objects.filter(verb="campaign.created", actor=marketer).exists()


def test_campaign_cannot_end_before_it_starts(browser_for, marketer):
    response = browser_for(marketer).post(
        reverse("leads:campaign_create"),
        {
            "name": "X",
            "channel": "email",
            "cost": "0",
            "starts_on": "2025-03-02",
            "ends_on": "2025-03-01",
        },
    )
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors
    assert not Campaign.objects.exists()


def test_marketing_edits_a_campaign(browser_for, org, marketer):
    campaign = CampaignFactory(organization=org, name="Old", cost=100)
    response = browser_for(marketer).post(
        reverse("leads:campaign_edit", kwargs={"pk": campaign.pk}),
        {"name": "New name", "channel": "events", "cost": "300"},
    )
    assert response.url == reverse("leads:campaign_list")
    campaign.refresh_from_db()
    assert (campaign.name, campaign.channel, campaign.cost) == ("New name", "events", 300)
    assert ActivityEvent.objects.filter(verb="campaign.updated").exists()


def test_sales_reads_campaigns_but_cannot_create_or_edit_them(browser_for, org, rep):
    campaign = CampaignFactory(organization=org, name="Trade fair")
    client = browser_for(rep)
    page = _text(client.get(reverse("leads:campaign_list")))
    assert "Trade fair" in page
    assert reverse("leads:campaign_edit", kwargs={"pk": campaign.pk}) not in page
    assert client.get(reverse("leads:campaign_create")).status_code == 403
    response = client.post(
        reverse("leads:campaign_edit", kwargs={"pk": campaign.pk}),
        {"name": "Hijacked", "channel": "email", "cost": "1"},
    )
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.name == "Trade fair"


def test_campaign_list_counts_leads_in_a_fixed_number_of_queries(
    browser_for, org, marketer, django_assert_max_num_queries
):
    client = browser_for(marketer)
    campaign = CampaignFactory(organization=org, owner=marketer)
    LeadFactory.create_batch(3, organization=org, campaign=campaign)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("leads:campaign_list"))
    assert response.context["campaigns"][0].lead_count == 3
    for _ in range(15):
        CampaignFactory(organization=org, owner=marketer)
    with django_assert_max_num_queries(6):
        assert len(client.get(reverse("leads:campaign_list")).context["campaigns"]) == 16


def test_outsider_gets_404_on_campaign_edit(browser_for, org, charlie):
    campaign = CampaignFactory(organization=org)
    client = browser_for(charlie)
    url = reverse("leads:campaign_edit", kwargs={"pk": campaign.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x", "channel": "email", "cost": "1"}).status_code == 404
    assert campaign.name not in _text(client.get(reverse("leads:campaign_list")))


# --- Navigation -----------------------------------------------------------------------------


def test_sidebar_links_to_leads_and_to_the_queue_for_sales(browser_for, rep, marketer):
    page = _text(browser_for(rep).get(reverse("leads:lead_list")))
    assert f'href="{reverse("leads:lead_list")}"' in page
    assert f'href="{reverse("leads:mql_queue")}"' in page
    page = _text(browser_for(marketer).get(reverse("leads:lead_list")))
    assert f'href="{reverse("leads:mql_queue")}"' not in page
