"""The roadmap's API (DESIGN §4): feature requests ranked by priority, status and merge,
nested demands, the impact figures, and the promise guard on deals — happy paths, 400, 403,
404 and 409 with their codes, other organizations' rows, query counts, cursor paging."""

from __future__ import annotations

from decimal import Decimal

import pytest

from collab_hub.notifications.models import Notification
from leads.services import deals as deal_services
from roadmap import services
from roadmap.models import Demand, FeatureRequest, FeatureStatus, Promise, PromiseStatus
from tests.factories import (
    CompanyFactory,
    DealFactory,
    DemandFactory,
    FeatureRequestFactory,
    PromiseFactory,
    TierFactory,
    TierWeightFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

FEATURES = "/api/v1/feature-requests/"
PROMISES = "/api/v1/promises/"


def feature_url(pk, tail=""):
    return f"{FEATURES}{pk}/{tail}"


def demands_url(pk):
    return f"{FEATURES}{pk}/demands/"


def deal_promises_url(pk):
    return f"/api/v1/deals/{pk}/promises/"


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _error(response, status, code):
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    return body


def _move(pm, feature_request, *statuses):
    for status in statuses:
        services.change_status(by=pm, feature_request=feature_request, status=status)


# --- The ranked list -----------------------------------------------------------------------


@pytest.fixture
def ranked(org, rep, cs, pm):
    """Three requests: "Offline" ranks first by priority (a strategic customer, weight 3),
    "Single sign-on" has the most revenue at stake but a big effort, "Dark mode" the least."""
    strategic = TierFactory(organization=org, name="Strategic", rank=1)
    TierWeightFactory(organization=org, tier=strategic, weight=3)
    big = CompanyFactory(organization=org, name="Big", tier=strategic)
    small = CompanyFactory(organization=org, name="Small")
    sso = services.create_feature_request(by=pm, title="Single sign-on", effort=10)
    offline = services.create_feature_request(by=pm, title="Offline", effort=2)
    dark = services.create_feature_request(by=rep, title="Dark mode")
    deal = DealFactory(organization=org, company=small, owner=rep, value=50000)
    services.raise_demand(by=rep, feature_request=sso, company=small, deal=deal, kind="blocking")
    services.raise_demand(
        by=cs, feature_request=offline, company=big, kind="expansion", value=20000
    )
    services.raise_demand(by=cs, feature_request=dark, company=small, kind="retention", value=1000)
    return {"sso": sso, "offline": offline, "dark": dark, "strategic": strategic, "deal": deal}


def test_the_roadmap_is_ranked_by_priority_score_with_its_figures(api_for, bob, ranked):
    response = api_for(bob).get(FEATURES)

    rows = response.json()["results"]
    assert [row["title"] for row in rows] == ["Offline", "Single sign-on", "Dark mode"]
    offline, sso, _dark = rows
    # 20000 × 3 ÷ 2 = 30000; 50000 × 1 ÷ 10 = 5000.
    assert offline["priority_score"] == "30000.00" and offline["tier_weight"] == "3.00"
    assert offline["tier_mix"] == [{"tier": "Strategic", "customers": 1}]
    assert sso["revenue_at_stake"] == "50000.00" and sso["blocking"] == "50000.00"
    assert sso["priority_score"] == "5000.00" and sso["customers_count"] == 1
    assert sso["status"] == "new" and sso["merged_into"] is None and sso["effort"] == 10


def test_the_roadmap_orders_by_revenue_at_stake_and_filters(api_for, bob, pm, ranked):
    client = api_for(bob)
    by_revenue = client.get(FEATURES, {"ordering": "-revenue_at_stake"}).json()["results"]
    assert [row["title"] for row in by_revenue] == ["Single sign-on", "Offline", "Dark mode"]
    assert _ids(client.get(FEATURES, {"tier": ranked["strategic"].pk})) == [ranked["offline"].pk]
    assert _ids(client.get(FEATURES, {"owner": pm.pk})) == []
    services.update_feature_request(by=pm, feature_request=ranked["sso"], data={"owner": pm})
    assert _ids(client.get(FEATURES, {"owner": pm.pk})) == [ranked["sso"].pk]
    _move(pm, ranked["dark"], "under_review")
    assert _ids(client.get(FEATURES, {"status": "under_review"})) == [ranked["dark"].pk]


def test_search_ignores_case_and_accents(api_for, bob, org):
    wanted = FeatureRequestFactory(organization=org, title="Zażółć gęślą jaźń export")
    FeatureRequestFactory(organization=org, title="Something else")
    assert _ids(api_for(bob).get(FEATURES, {"search": "ZAZOLC"})) == [wanted.pk]


def test_merged_requests_leave_the_list_unless_asked_for(api_for, bob, pm, ranked):
    services.merge_feature_request(by=pm, source=ranked["dark"], into=ranked["sso"])
    client = api_for(bob)
    assert ranked["dark"].pk not in _ids(client.get(FEATURES))
    assert _ids(client.get(FEATURES, {"merged": "true"})) == [ranked["dark"].pk]


def test_cursor_paging_of_the_ranked_list_returns_every_request_once(api_for, bob, org):
    company = CompanyFactory(organization=org)
    # Effort 3: scores with endless decimals (1000 ÷ 3), tied.
    requests = FeatureRequestFactory.create_batch(23, organization=org, effort=3)
    # Ties on the score (and requests without demand at 0).
    for n, request in enumerate(requests[:15]):
        DemandFactory(
            organization=org, feature_request=request, company=company, value=1000 * (n % 3)
        )
    client = api_for(bob)
    for ordering in ("-priority_score", "priority_score", "-revenue_at_stake", "customers_count"):
        seen, link = [], f"{FEATURES}?page_size=4&ordering={ordering}"
        while link:
            response = client.get(link)
            seen += _ids(response)
            link = response.json()["next"]
        assert len(seen) == len(set(seen)) == 23, ordering
    scores = [Decimal(row["priority_score"]) for row in client.get(FEATURES).json()["results"]]
    assert scores == sorted(scores, reverse=True)


def test_the_list_costs_the_same_queries_for_3_or_30_requests(
    api_for, bob, org, django_assert_max_num_queries
):
    def fill(count):
        for _n in range(count):
            DemandFactory(organization=org, company=CompanyFactory(organization=org))

    client = api_for(bob)
    fill(3)
    with django_assert_max_num_queries(4) as few:
        assert len(_ids(client.get(FEATURES))) == 3
    fill(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_ids(client.get(FEATURES))) == 30


# --- Detail, create, update ------------------------------------------------------------------


def test_a_request_shows_its_figures_tier_mix_and_history(api_for, cs, pm, ranked):
    _move(pm, ranked["offline"], "under_review")
    body = api_for(cs).get(feature_url(ranked["offline"].pk)).json()
    assert body["revenue_at_stake"] == "20000.00" and body["expansion"] == "20000.00"
    assert body["customers_count"] == 1
    assert body["tier_mix"] == [{"tier": "Strategic", "customers": 1}]
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [
        ("", "new"),
        ("new", "under_review"),
    ]


def test_sales_proposes_a_request_and_product_is_told(api_for, bob, pm):
    response = api_for(bob).post(FEATURES, {"title": "  Audit log ", "description": "Who did what"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Audit log" and body["status"] == "new"
    assert body["revenue_at_stake"] == "0.00" and body["created_by"] == bob.pk
    assert Notification.objects.filter(recipient=pm, event__verb="feature.created").exists()


def test_creating_a_request_is_idempotent_with_a_key(api_for, bob, org):
    client = api_for(bob)
    first = client.post(FEATURES, {"title": "Audit log"}, HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(FEATURES, {"title": "Audit log"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert FeatureRequest.objects.filter(organization=org).count() == 1


def test_a_request_needs_a_title_and_a_bounded_effort(api_for, pm):
    client = api_for(pm)
    assert "title" in client.post(FEATURES, {"title": ""}).json()
    assert client.post(FEATURES, {"title": "X", "effort": 5000}).status_code == 400


def test_marketing_cannot_propose_a_request(api_for, org):
    marketer = member_of(org, "marketing", "member", email="mia@acme.test")
    _error(api_for(marketer).post(FEATURES, {"title": "X"}), 403, "permission_denied")


def test_product_updates_effort_and_owner_and_the_ranking_follows(api_for, pm, ranked):
    response = api_for(pm).patch(
        feature_url(ranked["sso"].pk), {"effort": 1, "owner": pm.pk, "target_release": "2026.2"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["effort"] == 1 and body["owner"] == pm.pk and body["target_release"] == "2026.2"
    assert body["priority_score"] == "50000.00"


def test_sales_cannot_update_a_request(api_for, bob, ranked):
    response = api_for(bob).patch(feature_url(ranked["sso"].pk), {"effort": 1})
    _error(response, 403, "permission_denied")


def test_the_owner_must_be_in_product(api_for, pm, bob, ranked):
    body = _error(
        api_for(pm).patch(feature_url(ranked["sso"].pk), {"owner": bob.pk}), 400, "invalid_owner"
    )
    assert "owner" in body


def test_the_status_field_is_not_writable_by_patch(api_for, pm, ranked):
    api_for(pm).patch(feature_url(ranked["sso"].pk), {"status": "shipped"})
    ranked["sso"].refresh_from_db()
    assert ranked["sso"].status == "new"


# --- Status ----------------------------------------------------------------------------------


def test_product_moves_a_request_and_requesters_are_told(api_for, pm, rep, ranked):
    response = api_for(pm).post(
        feature_url(ranked["sso"].pk, "status/"), {"status": "under_review", "note": "Looking"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "under_review"
    assert (
        Notification.objects.filter(recipient=rep, event__verb="feature.status_changed").count()
        == 1
    )


def test_an_illegal_move_is_a_409_with_the_current_status(api_for, pm, ranked):
    client = api_for(pm)
    _error(client.post(feature_url(ranked["sso"].pk, "status/"), {"status": "shipped"}), 409,
           "feature_new")  # fmt: skip
    _error(client.post(feature_url(ranked["sso"].pk, "status/"), {"status": "new"}), 409,
           "same_status")  # fmt: skip


def test_an_unknown_status_is_a_400(api_for, pm, ranked):
    body = _error(
        api_for(pm).post(feature_url(ranked["sso"].pk, "status/"), {"status": "done"}), 400,
        "invalid",
    )  # fmt: skip
    assert "status" in body


def test_sales_cannot_change_feature_status(api_for, bob, ranked):
    response = api_for(bob).post(feature_url(ranked["sso"].pk, "status/"), {"status": "declined"})
    _error(response, 403, "permission_denied")


# --- Merge -----------------------------------------------------------------------------------


def test_merging_moves_the_demand(api_for, pm, ranked):
    response = api_for(pm).post(
        feature_url(ranked["dark"].pk, "merge/"), {"into": ranked["sso"].pk}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == ranked["sso"].pk and body["revenue_at_stake"] == "51000.00"
    ranked["dark"].refresh_from_db()
    assert ranked["dark"].merged_into_id == ranked["sso"].pk


def test_a_merged_request_is_a_409_for_merge_status_and_demand(api_for, pm, cs, org, ranked):
    services.merge_feature_request(by=pm, source=ranked["dark"], into=ranked["sso"])
    client = api_for(pm)
    _error(client.post(feature_url(ranked["dark"].pk, "merge/"), {"into": ranked["offline"].pk}),
           409, "feature_merged")  # fmt: skip
    _error(client.post(feature_url(ranked["dark"].pk, "status/"), {"status": "under_review"}),
           409, "feature_merged")  # fmt: skip
    _error(client.patch(feature_url(ranked["dark"].pk), {"effort": 3}), 409, "feature_merged")
    company = CompanyFactory(organization=org)
    response = api_for(cs).post(
        demands_url(ranked["dark"].pk), {"company": company.pk, "kind": "expansion", "value": 10}
    )
    _error(response, 409, "feature_merged")


def test_merging_into_itself_is_a_409(api_for, pm, ranked):
    response = api_for(pm).post(feature_url(ranked["sso"].pk, "merge/"), {"into": ranked["sso"].pk})
    _error(response, 409, "same_request")


def test_merging_into_another_organizations_request_is_a_400(api_for, pm, other_org, ranked):
    foreign = FeatureRequestFactory(organization=other_org)
    body = _error(
        api_for(pm).post(feature_url(ranked["sso"].pk, "merge/"), {"into": foreign.pk}),
        400, "invalid",
    )  # fmt: skip
    assert "into" in body


# --- Demands ---------------------------------------------------------------------------------


def test_sales_raises_a_blocking_demand_at_the_deals_value(api_for, bob, org, ranked):
    deal = DealFactory(organization=org, owner=bob, value=7000)
    response = api_for(bob).post(
        demands_url(ranked["offline"].pk),
        {"company": deal.company_id, "deal": deal.pk, "kind": "blocking", "note": "Must have"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["value"], body["deal"], body["raised_by"]) == (
        "blocking", "7000.00", deal.pk, bob.pk,
    )  # fmt: skip
    assert body["feature_request"] == ranked["offline"].pk and body["ended_at"] is None
    # The deal's value changes: the demand's follows.
    deal_services.update_deal(by=bob, deal=deal, data={"value": 9000})
    rows = api_for(bob).get(demands_url(ranked["offline"].pk)).json()["results"]
    assert rows[0]["id"] == body["id"] and rows[0]["value"] == "9000.00"


def test_a_demand_needs_its_value_or_deal(api_for, cs, org, ranked):
    company = CompanyFactory(organization=org)
    client = api_for(cs)
    _error(client.post(demands_url(ranked["sso"].pk), {"company": company.pk, "kind": "expansion"}),
           400, "value_required")  # fmt: skip
    _error(client.post(demands_url(ranked["sso"].pk), {"company": company.pk, "kind": "blocking"}),
           400, "deal_required")  # fmt: skip
    _error(client.post(demands_url(ranked["sso"].pk), {"company": company.pk, "kind": "lost"}),
           400, "invalid_kind")  # fmt: skip


def test_a_second_demand_for_the_same_deal_is_a_409(api_for, rep, ranked):
    deal = ranked["deal"]
    response = api_for(rep).post(
        demands_url(ranked["sso"].pk),
        {"company": deal.company_id, "deal": deal.pk, "kind": "blocking"},
    )
    _error(response, 409, "duplicate_demand")


def test_product_cannot_raise_demand(api_for, pm, org, ranked):
    company = CompanyFactory(organization=org)
    response = api_for(pm).post(
        demands_url(ranked["sso"].pk), {"company": company.pk, "kind": "expansion", "value": 1}
    )
    _error(response, 403, "permission_denied")


def test_demands_list_filters_and_pages(api_for, pm, org, ranked):
    request = ranked["sso"]
    company = CompanyFactory(organization=org)
    made = [
        DemandFactory(organization=org, feature_request=request, company=company) for _n in range(5)
    ]
    client = api_for(pm)
    seen, link = [], f"{demands_url(request.pk)}?page_size=2"
    while link:
        response = client.get(link)
        seen += _ids(response)
        link = response.json()["next"]
    assert len(seen) == len(set(seen)) == 6
    assert set(_ids(client.get(demands_url(request.pk), {"company": company.pk}))) == {
        demand.pk for demand in made
    }
    assert _ids(client.get(demands_url(request.pk), {"kind": "blocking"})) == [
        Demand.objects.get(deal=ranked["deal"]).pk
    ]


def test_demands_list_costs_the_same_queries_for_3_or_30(
    api_for, pm, org, django_assert_max_num_queries
):
    request = FeatureRequestFactory(organization=org)
    client = api_for(pm)

    def fill(count):
        for _n in range(count):
            DemandFactory(
                organization=org, feature_request=request, company=CompanyFactory(organization=org)
            )

    fill(3)
    with django_assert_max_num_queries(4) as few:
        assert len(_ids(client.get(demands_url(request.pk)))) == 3
    fill(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_ids(client.get(demands_url(request.pk)))) == 30


def test_a_demand_on_another_organizations_company_is_a_400(api_for, cs, other_org, ranked):
    foreign = CompanyFactory(organization=other_org)
    body = _error(
        api_for(cs).post(
            demands_url(ranked["sso"].pk), {"company": foreign.pk, "kind": "expansion", "value": 1}
        ),
        400, "invalid",
    )  # fmt: skip
    assert "company" in body


# --- Impact ----------------------------------------------------------------------------------


def test_impact_answers_lost_and_winnable_revenue(api_for, bob, rep, org, ranked):
    lost_deal = DealFactory(organization=org, owner=rep, value=30000, source="marketing")
    deal_services.lose_deal(
        by=rep, deal=lost_deal, reason="missing_feature", feature_requests=["single SIGN-ON"]
    )
    client = api_for(bob)
    body = client.get(f"{FEATURES}impact/").json()
    sso = next(row for row in body["results"] if row["id"] == ranked["sso"].pk)
    assert (sso["lost_customers"], sso["lost_revenue"]) == (1, "30000.00")
    assert (sso["waiting_deals"], sso["waiting_value"]) == (1, "50000.00")
    assert sso["total"] == "80000.00" and body["results"][0]["id"] == ranked["sso"].pk
    assert body["totals"]["lost_revenue"] == "30000.00"
    assert body["totals"]["expansion_value"] == "20000.00"
    # Filters: a tier, a source.
    strategic = client.get(f"{FEATURES}impact/", {"tier": ranked["strategic"].pk}).json()
    assert [row["id"] for row in strategic["results"]] == [ranked["offline"].pk]
    marketing = client.get(f"{FEATURES}impact/", {"source": "marketing"}).json()
    assert [row["id"] for row in marketing["results"]] == [ranked["sso"].pk]
    assert marketing["totals"]["waiting_value"] == "0.00"


def test_impact_refuses_bad_filters(api_for, bob, other_org):
    client = api_for(bob)
    assert client.get(f"{FEATURES}impact/", {"start": "2026-13-01"}).status_code == 400
    body = _error(
        client.get(f"{FEATURES}impact/", {"start": "2026-05-01", "end": "2026-04-01"}),
        400, "invalid",
    )  # fmt: skip
    assert "end" in body
    foreign_tier = TierFactory(organization=other_org)
    assert client.get(f"{FEATURES}impact/", {"tier": foreign_tier.pk}).status_code == 400
    assert client.get(f"{FEATURES}impact/", {"limit": 0}).status_code == 400


# --- Promises --------------------------------------------------------------------------------


@pytest.fixture
def open_deal(org, rep):
    return DealFactory(organization=org, owner=rep, value=40000)


def test_a_promise_of_a_planned_feature_is_confirmed(api_for, rep, pm, open_deal, ranked):
    _move(pm, ranked["sso"], "under_review", "planned")
    response = api_for(rep).post(
        deal_promises_url(open_deal.pk), {"feature_request": ranked["sso"].pk, "note": "Q3"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "confirmed" and body["feature_status"] == "planned"
    assert (body["deal"], body["feature_request"], body["note"]) == (
        open_deal.pk, ranked["sso"].pk, "Q3",
    )  # fmt: skip


def test_a_promise_of_a_new_feature_is_pending_and_product_approves(
    api_for, rep, pm, open_deal, ranked
):
    body = (
        api_for(rep)
        .post(deal_promises_url(open_deal.pk), {"feature_request": ranked["sso"].pk})
        .json()
    )
    assert body["status"] == "pending"
    assert Notification.objects.filter(recipient=pm, event__verb="promise.recorded").exists()

    assert _ids(api_for(pm).get(PROMISES, {"status": "pending"})) == [body["id"]]
    approved = api_for(pm).post(f"{PROMISES}{body['id']}/approve/", {"note": "OK"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "confirmed"
    assert Notification.objects.filter(recipient=rep, event__verb="promise.approved").exists()
    _error(api_for(pm).post(f"{PROMISES}{body['id']}/approve/"), 409, "promise_confirmed")


def test_product_declines_a_promise_with_a_reason(api_for, rep, pm, open_deal, ranked):
    promise = services.record_promise(by=rep, deal=open_deal, feature_request=ranked["sso"])
    client = api_for(pm)
    body = _error(client.post(f"{PROMISES}{promise.pk}/decline/", {"reason": ""}), 400, "invalid")
    assert "reason" in body
    response = client.post(f"{PROMISES}{promise.pk}/decline/", {"reason": "Not this year"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined"
    assert response.json()["decline_reason"] == "Not this year"
    assert Notification.objects.filter(recipient=rep, event__verb="promise.declined").exists()
    _error(client.post(f"{PROMISES}{promise.pk}/decline/", {"reason": "again"}), 409,
           "promise_declined")  # fmt: skip


def test_sales_cannot_approve_its_own_promise(api_for, rep, open_deal, ranked):
    promise = services.record_promise(by=rep, deal=open_deal, feature_request=ranked["sso"])
    _error(api_for(rep).post(f"{PROMISES}{promise.pk}/approve/"), 403, "permission_denied")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.PENDING


def test_product_cannot_promise(api_for, pm, open_deal, ranked):
    response = api_for(pm).post(
        deal_promises_url(open_deal.pk), {"feature_request": ranked["sso"].pk}
    )
    _error(response, 403, "permission_denied")


def test_promises_on_a_closed_deal_or_twice_are_a_409(api_for, rep, open_deal, ranked):
    client = api_for(rep)
    url = deal_promises_url(open_deal.pk)
    assert client.post(url, {"feature_request": ranked["sso"].pk}).status_code == 201
    _error(client.post(url, {"feature_request": ranked["sso"].pk}), 409, "duplicate_promise")
    deal_services.win_deal(by=rep, deal=open_deal)
    _error(client.post(url, {"feature_request": ranked["offline"].pk}), 409, "deal_closed")


def test_a_promise_needs_a_feature_request_of_the_organization(api_for, rep, other_org, open_deal):
    foreign = FeatureRequestFactory(organization=other_org)
    client = api_for(rep)
    assert "feature_request" in _error(client.post(deal_promises_url(open_deal.pk), {}), 400,
                                       "invalid")  # fmt: skip
    body = _error(
        client.post(deal_promises_url(open_deal.pk), {"feature_request": foreign.pk}), 400,
        "invalid",
    )  # fmt: skip
    assert "feature_request" in body


def test_a_declined_feature_puts_its_confirmed_promises_at_risk(
    api_for, rep, pm, open_deal, ranked
):
    _move(pm, ranked["sso"], "under_review", "planned")
    promise = services.record_promise(by=rep, deal=open_deal, feature_request=ranked["sso"])
    api_for(pm).post(feature_url(ranked["sso"].pk, "status/"), {"status": "declined"})
    rows = api_for(rep).get(deal_promises_url(open_deal.pk)).json()["results"]
    assert [(row["id"], row["status"], row["feature_status"]) for row in rows] == [
        (promise.pk, "at_risk", "declined")
    ]


def test_the_promise_lists_filter_and_page(
    api_for, rep, org, open_deal, ranked, django_assert_max_num_queries
):
    other_deal = DealFactory(organization=org)
    for _n in range(3):
        PromiseFactory(organization=org, deal=open_deal)
    PromiseFactory(organization=org, deal=other_deal, feature_request=ranked["sso"])
    client = api_for(rep)
    assert len(_ids(client.get(PROMISES, {"deal": open_deal.pk}))) == 3
    assert len(_ids(client.get(PROMISES, {"feature_request": ranked["sso"].pk}))) == 1
    assert len(_ids(client.get(deal_promises_url(open_deal.pk)))) == 3
    first = client.get(deal_promises_url(open_deal.pk), {"page_size": 2})
    assert len(_ids(first)) == 2 and len(_ids(client.get(first.json()["next"]))) == 1
    with django_assert_max_num_queries(4) as few:
        client.get(PROMISES)
    for _n in range(27):
        PromiseFactory(organization=org, deal=open_deal)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_ids(client.get(PROMISES))) == 31
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        assert len(_ids(client.get(deal_promises_url(open_deal.pk)))) == 30


def test_recording_a_promise_is_idempotent_with_a_key(api_for, rep, open_deal, ranked):
    client = api_for(rep)
    url = deal_promises_url(open_deal.pk)
    first = client.post(url, {"feature_request": ranked["sso"].pk}, HTTP_IDEMPOTENCY_KEY="p-1")
    again = client.post(url, {"feature_request": ranked["sso"].pk}, HTTP_IDEMPOTENCY_KEY="p-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Promise.objects.filter(deal=open_deal).count() == 1


# --- Another organization's rows ---------------------------------------------------------------


def test_another_organizations_rows_are_404_and_never_listed(api_for, charlie, org, rep, ranked):
    deal = DealFactory(organization=org, owner=rep)
    promise = PromiseFactory(organization=org, deal=deal, feature_request=ranked["sso"])
    client = api_for(charlie)
    pk = ranked["sso"].pk
    assert client.get(FEATURES).json()["results"] == []
    assert client.get(PROMISES).json()["results"] == []
    assert client.get(f"{FEATURES}impact/").json()["results"] == []
    for response in (
        client.get(feature_url(pk)),
        client.patch(feature_url(pk), {"effort": 1}),
        client.post(feature_url(pk, "status/"), {"status": "under_review"}),
        client.post(feature_url(pk, "merge/"), {"into": ranked["dark"].pk}),
        client.get(demands_url(pk)),
        client.post(demands_url(pk), {"company": 1, "kind": "expansion", "value": 1}),
        client.get(deal_promises_url(deal.pk)),
        client.post(deal_promises_url(deal.pk), {"feature_request": pk}),
        client.get(f"{PROMISES}{promise.pk}/"),
        client.post(f"{PROMISES}{promise.pk}/approve/"),
        client.post(f"{PROMISES}{promise.pk}/decline/", {"reason": "no"}),
    ):
        _error(response, 404, "not_found")
    ranked["sso"].refresh_from_db()
    assert ranked["sso"].status == FeatureStatus.NEW and ranked["sso"].effort == 10
    assert Promise.objects.get(pk=promise.pk).status == PromiseStatus.PENDING
