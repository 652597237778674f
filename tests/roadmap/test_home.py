"""The roadmap's "my work" items: product's pending promises and new requests to review,
sales' promises declined or at risk; each member gets only their own."""

import pytest
from django.urls import reverse

from collab_hub.home import my_work
from roadmap import services
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db

SHIP = ("under_review", "planned")


def _kinds(membership) -> dict[str, int]:
    return {kind.name: kind.total for kind in my_work(membership).kinds}


def test_product_gets_pending_promises_and_new_requests(org, rep, pm, browser_for):
    request = services.create_feature_request(by=rep, title="Custom roles")
    services.record_promise(
        by=rep, deal=DealFactory(organization=org, owner=rep), feature_request=request
    )

    kinds = _kinds(pm)

    assert kinds["roadmap.promises_to_decide"] == 1
    assert kinds["roadmap.requests_to_review"] == 1
    titles = [item.title for item in my_work(pm).items]
    assert titles.count("Custom roles") == 2
    home = browser_for(pm).get(reverse("home")).content.decode()
    assert "Promises to decide" in home and "New requests to review" in home


def test_sales_gets_declined_and_at_risk_promises_of_their_deals(org, rep, rep2, pm):
    declined_request = services.create_feature_request(by=rep, title="Custom roles")
    planned = services.create_feature_request(by=rep, title="Audit log")
    for status in SHIP:
        planned = services.change_status(by=pm, feature_request=planned, status=status)
    deal = DealFactory(organization=org, owner=rep)
    promise = services.record_promise(by=rep, deal=deal, feature_request=declined_request)
    services.decline_promise(by=pm, promise=promise, reason="Not this year")
    services.record_promise(by=rep, deal=deal, feature_request=planned)
    services.change_status(by=pm, feature_request=planned, status="under_review")

    work = my_work(rep)

    mine = [item for item in work.items if item.provider == "roadmap.promises_to_follow_up"]
    assert sorted(item.kind for item in mine) == ["Promise at risk", "Promise declined"]
    assert all(item.url == reverse("leads:deal_detail", args=[deal.pk]) for item in mine)
    assert "roadmap.promises_to_follow_up" not in _kinds(rep2)


def test_sales_does_not_get_product_items(org, rep):
    services.create_feature_request(by=rep, title="Custom roles")
    kinds = _kinds(rep)
    assert "roadmap.requests_to_review" not in kinds
    assert "roadmap.promises_to_decide" not in kinds


def test_home_items_cost_one_query_each(org, rep, pm, django_assert_max_num_queries):
    request = services.create_feature_request(by=rep, title="Custom roles")
    for _ in range(3):
        services.record_promise(
            by=rep, deal=DealFactory(organization=org, owner=rep), feature_request=request
        )
    my_work(pm)
    with django_assert_max_num_queries(20) as few:
        my_work(pm)
    for _ in range(20):
        services.record_promise(
            by=rep, deal=DealFactory(organization=org, owner=rep), feature_request=request
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert _kinds(pm)["roadmap.promises_to_decide"] == 23
