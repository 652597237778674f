"""The roadmap's pages: the ranked list, a request's page and its forms, the shared board,
product's promise queue, the impact page, raising a demand from a company or deal and
recording a promise. Writes go through ``roadmap.services``; another organization's record
is a 404, a member who may see but not act gets a 403."""

import pytest
from django.urls import reverse

from leads.models import DealStage
from roadmap import services
from roadmap.models import Demand, FeatureRequest, FeatureStatus, Promise, PromiseStatus
from tests.factories import CompanyFactory, DealFactory, DemandFactory, TierFactory

pytestmark = pytest.mark.django_db


def _move(feature_request, by, *statuses):
    for status in statuses:
        feature_request = services.change_status(
            by=by, feature_request=feature_request, status=status
        )
    return feature_request


SHIP = ("under_review", "planned", "in_progress", "shipped")


# --- The ranked roadmap -------------------------------------------------------------------


def test_every_department_sees_the_ranked_roadmap(org, rep, cs, pm, marketer, browser_for):
    small = services.create_feature_request(by=rep, title="Dark mode")
    big = services.create_feature_request(by=rep, title="Single sign-on")
    DemandFactory(organization=org, feature_request=small, value=1000)
    DemandFactory(organization=org, feature_request=big, value=90000)

    for member in (rep, cs, pm, marketer):
        page = browser_for(member).get(reverse("roadmap:roadmap_list"))
        assert page.status_code == 200
        html = page.content.decode()
        assert html.index("Single sign-on") < html.index("Dark mode")
    assert "revenue at stake × tier weight ÷ max(effort, 1)" in html


def test_roadmap_sorts_by_customers_and_filters_by_status(org, rep, pm, browser_for):
    wide = services.create_feature_request(by=rep, title="Exports")
    rich = services.create_feature_request(by=rep, title="Audit log")
    DemandFactory.create_batch(3, organization=org, feature_request=wide, value=100)
    DemandFactory(organization=org, feature_request=rich, value=50000)
    _move(rich, pm, "under_review")
    client = browser_for(rep)

    by_customers = client.get(reverse("roadmap:roadmap_list"), {"ordering": "customers_count"})
    html = by_customers.content.decode()
    assert html.index("Exports") < html.index("Audit log")
    by_status = client.get(reverse("roadmap:roadmap_list"), {"ordering": "status"})
    html = by_status.content.decode()
    assert html.index("Audit log") < html.index("Exports")
    reviewed = client.get(reverse("roadmap:roadmap_list"), {"status": "under_review"})
    assert "Audit log" in reviewed.content.decode()
    assert "Exports" not in reviewed.content.decode()


def test_roadmap_filters_by_tier(org, rep, browser_for):
    tier = TierFactory(organization=org, name="Enterprise")
    enterprise = services.create_feature_request(by=rep, title="SAML")
    services.create_feature_request(by=rep, title="Emoji reactions")
    DemandFactory(
        organization=org,
        feature_request=enterprise,
        company=CompanyFactory(organization=org, tier=tier),
    )

    page = browser_for(rep).get(reverse("roadmap:roadmap_list"), {"tier": tier.pk})

    assert "SAML" in page.content.decode() and "Emoji reactions" not in page.content.decode()


def test_empty_roadmap_says_what_to_do(rep, browser_for):
    page = browser_for(rep).get(reverse("roadmap:roadmap_list"))
    assert "No feature requests yet" in page.content.decode()
    filtered = browser_for(rep).get(reverse("roadmap:roadmap_list"), {"search": "nothing"})
    assert "No request matches these filters" in filtered.content.decode()


def test_roadmap_pages_through_fifty_at_a_time(org, rep, browser_for):
    for n in range(51):
        FeatureRequest.objects.create(organization=org, title=f"Request {n:02d}")
    client = browser_for(rep)

    first = client.get(reverse("roadmap:roadmap_list"), {"ordering": "created_at"})
    second = client.get(reverse("roadmap:roadmap_list"), {"ordering": "created_at", "page": 2})

    assert len(first.context["rows"]) == 50 and first.context["next_page"] == 2
    assert [row.title for row in second.context["rows"]] == ["Request 00"]
    assert "page=1" in second.content.decode()


def test_roadmap_query_count_does_not_grow_with_requests(
    org, rep, browser_for, django_assert_max_num_queries
):
    client = browser_for(rep)

    def add(count):
        for _ in range(count):
            request = FeatureRequest.objects.create(organization=org, title="Something")
            DemandFactory(
                organization=org,
                feature_request=request,
                company=CompanyFactory(organization=org, tier=TierFactory(organization=org)),
            )

    add(3)
    client.get(reverse("roadmap:roadmap_list"))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("roadmap:roadmap_list"))
    add(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("roadmap:roadmap_list"))
    assert len(page.context["rows"]) == 30


def test_htmx_filter_gets_only_the_results(rep, browser_for):
    services.create_feature_request(by=rep, title="Webhooks")
    page = browser_for(rep).get(reverse("roadmap:roadmap_list"), HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert 'id="roadmap-results"' in html and "<html" not in html


# --- A request's page ---------------------------------------------------------------------


def test_request_page_shows_demand_promises_history_and_thread(org, rep, cs, pm, browser_for):
    request = services.create_feature_request(by=rep, title="Single sign-on")
    deal = DealFactory(
        organization=org, owner=rep, company=CompanyFactory(organization=org, name="Initech")
    )
    services.raise_demand(
        by=rep, feature_request=request, company=deal.company, deal=deal, kind="blocking"
    )
    services.record_promise(by=rep, deal=deal, feature_request=request, note="By Q3")

    page = browser_for(cs).get(reverse("roadmap:feature_request_detail", args=[request.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Initech" in html and deal.name in html and "By Q3" in html
    assert "1 customer" in html and "Pending product" in html
    assert "thread-loader" in html
    # CS raises demand; only product moves it.
    assert "Raise a demand" in html and "Move it" not in html


def test_product_sees_the_allowed_transitions_as_buttons(rep, pm, browser_for):
    request = services.create_feature_request(by=rep, title="Audit log")

    page = browser_for(pm).get(reverse("roadmap:feature_request_detail", args=[request.pk]))

    buttons = [value for value, _label in page.context["transitions"]]
    assert buttons == ["under_review", "declined"]
    assert 'value="under_review"' in page.content.decode()
    assert "Merge a duplicate" in page.content.decode()


def test_product_changes_status_and_requesters_hear(rep, pm, browser_for):
    request = services.create_feature_request(by=rep, title="Audit log")

    response = browser_for(pm).post(
        reverse("roadmap:feature_request_status", args=[request.pk]),
        {"status": "under_review", "note": "Looking"},
        follow=True,
    )

    request.refresh_from_db()
    assert request.status == FeatureStatus.UNDER_REVIEW
    assert "is now under review" in response.content.decode()
    assert request.status_changes.last().note == "Looking"


def test_an_illegal_transition_is_refused_with_a_message(rep, pm, browser_for):
    request = services.create_feature_request(by=rep, title="Audit log")

    response = browser_for(pm).post(
        reverse("roadmap:feature_request_status", args=[request.pk]),
        {"status": "shipped"},
        follow=True,
    )

    request.refresh_from_db()
    assert request.status == FeatureStatus.NEW
    assert "cannot become shipped" in response.content.decode()


def test_sales_cannot_change_feature_status(rep, browser_for):
    request = services.create_feature_request(by=rep, title="Audit log")
    response = browser_for(rep).post(
        reverse("roadmap:feature_request_status", args=[request.pk]), {"status": "under_review"}
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == FeatureStatus.NEW


def test_product_merges_a_duplicate(org, rep, pm, browser_for):
    source = services.create_feature_request(by=rep, title="SSO")
    into = services.create_feature_request(by=rep, title="Single sign-on")
    DemandFactory(organization=org, feature_request=source, value=700)

    response = browser_for(pm).post(
        reverse("roadmap:feature_request_merge", args=[source.pk]), {"into": into.pk}
    )

    assert response.status_code == 302 and response.url == into.get_absolute_url()
    source.refresh_from_db()
    assert source.merged_into_id == into.pk
    assert Demand.objects.filter(feature_request=into).count() == 1
    page = browser_for(pm).get(source.get_absolute_url())
    assert "Merged into" in page.content.decode() and "Move it" not in page.content.decode()


def test_merge_form_shows_a_missing_target(rep, pm, browser_for, other_org):
    source = services.create_feature_request(by=rep, title="SSO")
    foreign = FeatureRequest.objects.create(organization=other_org, title="Theirs")

    response = browser_for(pm).post(
        reverse("roadmap:feature_request_merge", args=[source.pk]), {"into": foreign.pk}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    source.refresh_from_db()
    assert source.merged_into_id is None


def test_sales_raises_a_demand_on_the_request_page(org, rep, browser_for):
    request = services.create_feature_request(by=rep, title="Exports")
    company = CompanyFactory(organization=org, name="Umbrella")
    url = reverse("roadmap:feature_request_demand", args=[request.pk])

    missing = browser_for(rep).post(url, {"company": company.pk, "kind": "expansion"})
    assert missing.status_code == 400
    assert not Demand.objects.exists()
    assert 'class="field-error"' in missing.content.decode()

    done = browser_for(rep).post(
        url, {"company": company.pk, "kind": "expansion", "value": "12000"}
    )
    assert done.status_code == 302
    demand = Demand.objects.get()
    assert demand.company == company and demand.value == 12000 and demand.raised_by == rep


def test_product_cannot_raise_demand(rep, pm, org, browser_for):
    request = services.create_feature_request(by=rep, title="Exports")
    response = browser_for(pm).post(
        reverse("roadmap:feature_request_demand", args=[request.pk]),
        {"company": CompanyFactory(organization=org).pk, "kind": "expansion", "value": "1"},
    )
    assert response.status_code == 403


def test_outsider_gets_404_on_a_request(rep, charlie, browser_for):
    request = services.create_feature_request(by=rep, title="Exports")
    client = browser_for(charlie)
    assert client.get(request.get_absolute_url()).status_code == 404
    assert (
        client.post(
            reverse("roadmap:feature_request_status", args=[request.pk]), {"status": "declined"}
        ).status_code
        == 404
    )


def test_shipped_request_lists_lost_deals_and_a_manager_reengages(
    org, rep, pm, sales_manager, browser_for
):
    request = services.create_feature_request(by=rep, title="Offline mode")
    deal = DealFactory(
        organization=org,
        owner=rep,
        stage=DealStage.LOST,
        lost_reason="missing_feature",
        value=42000,
    )
    DemandFactory(
        organization=org,
        feature_request=request,
        company=deal.company,
        deal=deal,
        kind="lost",
        value=42000,
    )
    request = _move(request, pm, *SHIP)

    page = browser_for(sales_manager).get(request.get_absolute_url())
    assert "Deals to re-engage" in page.content.decode() and deal.name in page.content.decode()
    response = browser_for(sales_manager).post(
        reverse("roadmap:feature_request_reengage", args=[request.pk, deal.pk])
    )

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.is_open


# --- New and edit -------------------------------------------------------------------------


def test_sales_proposes_a_request_without_product_fields(rep, browser_for):
    client = browser_for(rep)
    form = client.get(reverse("roadmap:feature_request_create"))
    assert form.status_code == 200 and "effort" not in form.context["form"].fields

    response = client.post(
        reverse("roadmap:feature_request_create"),
        {"title": "Bulk edit", "description": "Edit many at once", "effort": "5"},
    )

    created = FeatureRequest.objects.get()
    assert response.url == created.get_absolute_url()
    assert created.created_by == rep and created.effort is None


def test_new_request_needs_a_title(rep, browser_for):
    response = browser_for(rep).post(reverse("roadmap:feature_request_create"), {"title": " "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not FeatureRequest.objects.exists()


def test_marketing_cannot_propose_a_request(marketer, browser_for):
    assert browser_for(marketer).get(reverse("roadmap:feature_request_create")).status_code == 403


def test_product_edits_owner_and_effort(rep, pm, pm2, browser_for):
    request = services.create_feature_request(by=rep, title="Bulk edit")
    url = reverse("roadmap:feature_request_edit", args=[request.pk])

    bad = browser_for(pm).post(url, {"title": "Bulk edit", "effort": "5000"})
    assert bad.status_code == 400 and 'class="field-error"' in bad.content.decode()
    response = browser_for(pm).post(
        url, {"title": "Bulk editing", "owner": pm2.pk, "effort": "8", "target_release": "2027.1"}
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.title, request.owner, request.effort) == ("Bulk editing", pm2, 8)
    assert browser_for(rep).get(url).status_code == 403


# --- The shared board ---------------------------------------------------------------------


def test_shared_board_shows_committed_requests_to_everyone(rep, pm, marketer, browser_for):
    planned = _move(services.create_feature_request(by=rep, title="Planned one"), pm, *SHIP[:2])
    _move(services.create_feature_request(by=rep, title="Shipped one"), pm, *SHIP)
    services.create_feature_request(by=rep, title="Just an idea")

    page = browser_for(marketer).get(reverse("roadmap:roadmap_board"))

    html = page.content.decode()
    assert page.status_code == 200
    assert planned.title in html and "Shipped one" in html and "Just an idea" not in html


# --- Product's promise queue --------------------------------------------------------------


@pytest.fixture
def pending(org, rep):
    request = services.create_feature_request(by=rep, title="Custom roles")
    deal = DealFactory(organization=org, owner=rep)
    return services.record_promise(by=rep, deal=deal, feature_request=request, note="Promised")


def test_product_sees_pending_promises_and_sales_may_not(pending, pm, rep, browser_for):
    page = browser_for(pm).get(reverse("roadmap:promise_queue"))
    assert page.status_code == 200 and "Custom roles" in page.content.decode()
    assert browser_for(rep).get(reverse("roadmap:promise_queue")).status_code == 403


def test_product_approves_a_promise(pending, pm, browser_for):
    browser_for(pm).post(reverse("roadmap:promise_approve", args=[pending.pk]))
    pending.refresh_from_db()
    assert pending.status == PromiseStatus.CONFIRMED and pending.decided_by == pm


def test_declining_a_promise_needs_a_reason(pending, pm, browser_for):
    url = reverse("roadmap:promise_decline", args=[pending.pk])
    page = browser_for(pm).post(url, {"reason": ""}, follow=True)
    pending.refresh_from_db()
    assert pending.status == PromiseStatus.PENDING
    assert "Say why the promise is declined." in page.content.decode()

    browser_for(pm).post(url, {"reason": "Not this year"})
    pending.refresh_from_db()
    assert pending.status == PromiseStatus.DECLINED and pending.decline_reason == "Not this year"


def test_empty_queue_says_so(pm, browser_for):
    page = browser_for(pm).get(reverse("roadmap:promise_queue"))
    assert "No promise waits for you" in page.content.decode()


def test_promise_queue_query_count_does_not_grow(
    org, rep, pm, browser_for, django_assert_max_num_queries
):
    request = services.create_feature_request(by=rep, title="Custom roles")
    client = browser_for(pm)

    def add(count):
        for _ in range(count):
            deal = DealFactory(organization=org, owner=rep)
            services.record_promise(by=rep, deal=deal, feature_request=request)

    add(3)
    client.get(reverse("roadmap:promise_queue"))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("roadmap:promise_queue"))
    add(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("roadmap:promise_queue"))
    assert len(page.context["promises"]) == 30


# --- Promises and demands from the deal and company pages ----------------------------------


def test_sales_records_a_promise_on_a_deal(org, rep, browser_for):
    request = services.create_feature_request(by=rep, title="Custom roles")
    deal = DealFactory(organization=org, owner=rep)

    response = browser_for(rep).post(
        reverse("roadmap:deal_promise", args=[deal.pk]),
        {"feature_request": request.pk, "note": "Next quarter"},
        follow=True,
    )

    promise = Promise.objects.get()
    assert promise.deal == deal and promise.status == PromiseStatus.PENDING
    assert "product was asked to approve" in response.content.decode()


def test_promise_form_refuses_a_closed_deal_and_product(org, rep, pm, browser_for):
    request = services.create_feature_request(by=rep, title="Custom roles")
    won = DealFactory(organization=org, owner=rep, stage=DealStage.WON)

    response = browser_for(rep).post(
        reverse("roadmap:deal_promise", args=[won.pk]), {"feature_request": request.pk}, follow=True
    )
    assert "Promises are made on open deals." in response.content.decode()
    assert not Promise.objects.exists()
    assert (
        browser_for(pm)
        .post(reverse("roadmap:deal_promise", args=[won.pk]), {"feature_request": request.pk})
        .status_code
        == 403
    )


def test_raise_a_blocking_demand_from_a_company_page(org, rep, cs, marketer, browser_for):
    request = services.create_feature_request(by=rep, title="Custom roles")
    deal = DealFactory(organization=org, owner=rep, value=30000)
    url = reverse("roadmap:company_demand", args=[deal.company_id])

    form = browser_for(cs).get(url, {"deal": deal.pk})
    assert form.status_code == 200 and form.context["form"].initial["kind"] == "blocking"
    no_deal = browser_for(rep).post(url, {"feature_request": request.pk, "kind": "blocking"})
    assert no_deal.status_code == 400 and 'class="field-error"' in no_deal.content.decode()
    done = browser_for(rep).post(
        url, {"feature_request": request.pk, "kind": "blocking", "deal": deal.pk}
    )

    assert done.status_code == 302 and done.url == deal.get_absolute_url()
    assert Demand.objects.get().deal == deal
    assert browser_for(marketer).get(url).status_code == 403


def test_company_demand_offers_only_that_companys_deals(org, rep, browser_for):
    company = CompanyFactory(organization=org)
    elsewhere = DealFactory(organization=org)
    page = browser_for(rep).get(reverse("roadmap:company_demand", args=[company.pk]))
    assert elsewhere not in page.context["form"].fields["deal"].queryset


# --- Lost & winnable revenue --------------------------------------------------------------


def test_impact_page_shows_lost_and_waiting_revenue(org, rep, marketer, browser_for):
    request = services.create_feature_request(by=rep, title="Offline mode")
    lost = DealFactory(
        organization=org, stage=DealStage.LOST, lost_reason="missing_feature", value=42000
    )
    DemandFactory(
        organization=org,
        feature_request=request,
        company=lost.company,
        deal=lost,
        kind="lost",
        value=42000,
    )

    page = browser_for(marketer).get(reverse("roadmap:impact_report"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Offline mode" in html and "42,000" in html and "1 customer lost" in html
    assert 'id="chart-data"' in html and "roadmap_impact.js" in html
    assert page.context["chart_data"]["labels"] == ["Offline mode"]


def test_impact_page_filters_by_tier_and_rejects_a_reversed_period(org, rep, browser_for):
    tier = TierFactory(organization=org)
    DemandFactory(
        organization=org, feature_request=services.create_feature_request(by=rep, title="A1")
    )
    client = browser_for(rep)

    page = client.get(reverse("roadmap:impact_report"), {"tier": tier.pk})
    assert "No demand in this selection" in page.content.decode()
    bad = client.get(reverse("roadmap:impact_report"), {"start": "2026-05-01", "end": "2026-01-01"})
    assert "The end comes after the start." in bad.content.decode()


# --- The lose form's picker ---------------------------------------------------------------


def test_feature_picker_matches_titles_of_the_organization(org, other_org, rep, browser_for):
    mine = services.create_feature_request(by=rep, title="Single sign-on")
    kept = services.create_feature_request(by=rep, title="Webhooks")
    FeatureRequest.objects.create(organization=other_org, title="Single sign-on for them")

    page = browser_for(rep).get(
        reverse("roadmap:feature_picker"), {"q": "sign", "feature_request_ids": [kept.pk]}
    )

    assert [r.pk for r in page.context["matches"]] == [mine.pk]
    assert [r.pk for r in page.context["chosen"]] == [kept.pk]
    assert "checked" in page.content.decode()
