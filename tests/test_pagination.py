"""Cursor pagination and ordering (issue 7, DESIGN §4): no row skipped or repeated, whatever
the ordering and whatever is written while a client pages; bad cursors, orderings and page
sizes are 400s with a code.

The route-wide tests iterate ``collab_hub.api._routes``: a new app's list is covered without
anyone editing this file (its model needs a factory in ``tests.factories.REGISTRY``, as the
isolation harness already requires).
"""

from __future__ import annotations

import random
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone

from collab_hub import api
from collab_hub.filters import OrderingFilter
from leads.models import Deal, Lead
from tests.factories import REGISTRY, LeadFactory

LEADS = "/api/v1/leads/"


def list_routes() -> list[tuple[str, type]]:
    """Every registered viewset with a list endpoint, as ``(prefix, viewset)``."""
    return [
        (prefix, viewset)
        for prefix, viewset, _basename, _app in api._routes
        if hasattr(viewset, "list")
    ]


ROUTES = list_routes()
ROUTE_IDS = [prefix for prefix, _viewset in ROUTES]


def url_of(prefix: str) -> str:
    return f"/api/v1/{prefix}/"


def make_rows(model, membership, count: int, start: int = 0) -> list:
    """``count`` rows of ``model`` that ``membership`` (an admin) sees in its list."""
    kwargs = {"organization": membership.organization}
    private_to = getattr(model, "private_to", None)
    if private_to:
        kwargs[private_to] = membership
    return [REGISTRY[model](**kwargs, **_varied(model, start + n)) for n in range(count)]


def _varied(model, n: int) -> dict:
    """Sort keys with ties and NULLs where the model has them (the hard cases for cursors)."""
    now = timezone.now()
    if model is Lead:
        return {"score": n % 3, "sla_due_at": None if n % 2 else now + timedelta(hours=n % 3)}
    if model is Deal:
        return {"value": 1000 * (n % 3), "close_date": None if n % 2 else now.date()}
    if model.__name__ == "Department":
        # Its factory gets or creates by name: distinct names make distinct rows.
        return {"name": f"Team {n}"}
    return {}


def _cursor(link: str) -> str:
    return parse_qs(urlsplit(link).query)["cursor"][0]


def _ids(response) -> list[int]:
    assert response.status_code == 200, (response.status_code, response.content[:500])
    return [row["id"] for row in response.json()["results"]]


def allowed_orderings(client, prefix: str) -> list[str]:
    """The orderings a list offers, as its 400 for an unknown key lists them."""
    response = client.get(url_of(prefix), {"ordering": "no_such_key"})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_ordering"
    return body["allowed"]


# --- Regressions (issue 7, "Measured 2") -----------------------------------------------------


def _leads(org, count):
    now = timezone.now()
    Lead.objects.bulk_create(
        LeadFactory.build(
            organization=org,
            # Mostly ties on score; two in three without an SLA (NULL).
            score=(n * 7) % 5 if n % 4 == 0 else 0,
            sla_due_at=None if n % 3 else now + timedelta(hours=n % 4),
        )
        for n in range(count)
    )
    return set(Lead.objects.filter(organization=org).values_list("pk", flat=True))


def _page_all(client, url, params):
    seen, response = [], client.get(url, params)
    for _page in range(1000):
        seen += _ids(response)
        if not response.json()["next"]:
            return seen
        response = client.get(response.json()["next"])
    raise AssertionError("more than 1000 pages")


@pytest.mark.parametrize("ordering", ["-score", "score", "sla_due_at", "-sla_due_at"])
def test_paging_by_a_key_with_ties_or_nulls_returns_every_lead_once(api_for, alice, org, ordering):
    # Was: -score 106 repeated and 106 skipped of 367 (PostgreSQL); sla_due_at stopped
    # after 99 of 367 (a 400 on the NULL position of the next page).
    ids = _leads(org, 367)
    seen = _page_all(api_for(alice), LEADS, {"ordering": ordering, "page_size": 50})
    assert len(seen) == len(set(seen)) == 367
    assert set(seen) == ids


def test_nulls_sort_last_ascending_and_first_descending(api_for, alice, org):
    now = timezone.now()
    due = LeadFactory(organization=org, sla_due_at=now)
    later = LeadFactory(organization=org, sla_due_at=now + timedelta(hours=1))
    none_a, none_b = LeadFactory(organization=org), LeadFactory(organization=org)
    client = api_for(alice)
    ascending = _ids(client.get(LEADS, {"ordering": "sla_due_at"}))
    descending = _ids(client.get(LEADS, {"ordering": "-sla_due_at"}))
    assert ascending == [due.pk, later.pk, none_a.pk, none_b.pk]
    assert descending == [none_b.pk, none_a.pk, later.pk, due.pk]


def test_a_malformed_cursor_is_a_400(api_for, alice, org):
    # Was a 500 (ValueError) on 16 list routes; every route is checked below.
    response = api_for(alice).get(LEADS, {"cursor": "cD1hYmM="})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_cursor"


def test_a_cursor_reused_under_another_ordering_is_a_400(api_for, alice, org):
    # Was a 500: the score position compared with ids.
    _leads(org, 30)
    client = api_for(alice)
    cursor = _cursor(client.get(LEADS, {"ordering": "-score", "page_size": 10}).json()["next"])
    response = client.get(LEADS, {"cursor": cursor, "page_size": 10})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_cursor"
    assert "-score,-id" in body["detail"]
    # With the ordering it was made under, it goes on.
    again = client.get(LEADS, {"cursor": cursor, "ordering": "-score", "page_size": 10})
    assert len(_ids(again)) == 10


# --- Orderings -------------------------------------------------------------------------------


def test_every_ordering_ends_in_id(api_for, alice, org):
    LeadFactory.create_batch(3, organization=org, score=5)
    client = api_for(alice)
    tied = _ids(client.get(LEADS, {"ordering": "-score"}))
    assert tied == sorted(tied, reverse=True)
    assert _ids(client.get(LEADS, {"ordering": "score"})) == sorted(tied)
    # Keys after id change nothing; several keys, comma-separated or repeated.
    assert _ids(client.get(LEADS, {"ordering": "id,-score"})) == sorted(tied)
    assert _ids(client.get(LEADS, {"ordering": "score,-created_at"})) == sorted(tied, reverse=True)
    assert _ids(client.get(f"{LEADS}?ordering=score&ordering=-created_at")) == sorted(
        tied, reverse=True
    )


@pytest.mark.parametrize(("prefix", "viewset"), ROUTES, ids=ROUTE_IDS)
def test_an_unknown_ordering_is_a_400_listing_the_allowed_ones(
    api_for, alice, org, prefix, viewset
):
    client = api_for(alice)
    allowed = allowed_orderings(client, prefix)
    assert "id" in allowed and "-id" in allowed
    declared = [f if isinstance(f, str) else f[0] for f in viewset.ordering_fields]
    assert {"id" if name == "pk" else name for name in declared} <= set(allowed)
    twice = client.get(url_of(prefix), {"ordering": "id,-id"})
    assert twice.status_code == 400 and twice.json()["code"] == "invalid_ordering"
    for term in allowed:
        assert client.get(url_of(prefix), {"ordering": term}).status_code == 200, term


@pytest.mark.parametrize(("prefix", "viewset"), ROUTES, ids=ROUTE_IDS)
def test_every_list_declares_its_ordering_fields(prefix, viewset):
    fields = getattr(viewset, "ordering_fields", None)
    assert fields is not None and fields != "__all__", f"{viewset.__name__}.ordering_fields"
    assert OrderingFilter.reads_parameter(viewset), f"{viewset.__name__} ignores ?ordering="


def test_an_annotation_can_be_an_ordering_key(api_for, alice, org):
    from tests.factories import CollateralFactory

    assets = CollateralFactory.create_batch(5, organization=org)
    client = api_for(alice)
    first = client.get("/api/v1/collateral/", {"ordering": "-usage_count", "page_size": 2})
    seen = _ids(first)
    second = client.get(first.json()["next"])
    seen += _ids(second)
    seen += _ids(client.get(second.json()["next"]))
    assert sorted(seen) == sorted(asset.pk for asset in assets)


@pytest.mark.parametrize("page_size", ["0", "-1", "abc", "201", "1.5", "", "１", "9" * 5000])
def test_a_page_size_outside_1_to_200_is_a_400(api_for, alice, org, page_size):
    response = api_for(alice).get(LEADS, {"page_size": page_size})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_page_size"


def test_a_detail_ignores_the_ordering_parameter(api_for, alice, org):
    lead = LeadFactory(organization=org)
    assert api_for(alice).get(f"{LEADS}{lead.pk}/", {"ordering": "zzz"}).status_code == 200


def test_page_sizes_from_1_to_200(api_for, alice, org):
    _leads(org, 201)
    client = api_for(alice)
    assert len(_ids(client.get(LEADS, {"page_size": "1"}))) == 1
    assert len(_ids(client.get(LEADS, {"page_size": "200"}))) == 200
    assert len(_ids(client.get(LEADS))) == 50


# --- Cursors ---------------------------------------------------------------------------------


def test_previous_goes_back_to_the_same_pages(api_for, alice, org):
    _leads(org, 23)
    client = api_for(alice)
    pages, link = [], f"{LEADS}?ordering=-score&page_size=5"
    while link:
        body = client.get(link).json()
        pages.append([row["id"] for row in body["results"]])
        last_previous, link = body["previous"], body["next"]
    assert len(pages) == 5 and sum(map(len, pages)) == 23
    back, link = [], last_previous
    while link:
        body = client.get(link).json()
        back.insert(0, [row["id"] for row in body["results"]])
        link = body["previous"]
    assert back == pages[:-1]


def test_a_page_costs_the_same_queries_however_deep(
    api_for, alice, org, django_assert_max_num_queries
):
    _leads(org, 120)
    client = api_for(alice)
    first = client.get(LEADS, {"ordering": "-sla_due_at", "page_size": 10})
    with django_assert_max_num_queries(3):
        deep = client.get(first.json()["next"])
    assert len(_ids(deep)) == 10
    with django_assert_max_num_queries(3):
        wide = client.get(LEADS, {"ordering": "-sla_due_at", "page_size": 100})
    assert len(_ids(wide)) == 100


@pytest.mark.parametrize(("prefix", "viewset"), ROUTES, ids=ROUTE_IDS)
def test_a_malformed_or_foreign_cursor_is_a_400_on_every_list(api_for, alice, org, prefix, viewset):
    make_rows(viewset.queryset.model, alice, 3)
    client = api_for(alice)
    url = url_of(prefix)
    first = client.get(url, {"page_size": 1, "ordering": "-id"})
    cursor = _cursor(first.json()["next"])
    assert client.get(url, {"page_size": 1, "ordering": "-id", "cursor": cursor}).status_code == 200
    other_list = LEADS if prefix != "leads" else "/api/v1/campaigns/"
    bad = {
        "base64 of p=abc": (url, {"cursor": "cD1hYmM="}),
        "not base64": (url, {"cursor": "%%%"}),
        "tampered": (url, {"cursor": cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")}),
        "another ordering": (url, {"cursor": cursor, "ordering": "id"}),
        "another list": (other_list, {"cursor": cursor}),
    }
    for case, (target, params) in bad.items():
        response = client.get(target, params)
        assert response.status_code == 400, (case, response.content)
        assert response.json()["code"] == "invalid_cursor", case
        assert response.json()["detail"], case


# --- Paging while others write ---------------------------------------------------------------

# Writers that move existing rows' sort keys (every list gets new rows inserted).
MOVERS = {
    Lead: lambda rng, now: {
        "score": rng.randrange(4),
        "sla_due_at": rng.choice([None, now + timedelta(hours=rng.randrange(3))]),
        "updated_at": now,
    },
    Deal: lambda rng, now: {
        "value": 1000 * rng.randrange(4),
        "close_date": rng.choice([None, now.date(), (now + timedelta(days=1)).date()]),
        "updated_at": now,
    },
}


def _visible_ids(client, url) -> set[int]:
    ids, link = set(), f"{url}?page_size=200"
    while link:
        body = client.get(link).json()
        ids |= {row["id"] for row in body["results"]}
        link = body["next"]
    return ids


@pytest.mark.slow
@pytest.mark.parametrize(("prefix", "viewset"), ROUTES, ids=ROUTE_IDS)
def test_paging_while_rows_are_written_never_skips_or_repeats_an_unchanged_row(
    api_for, alice, org, prefix, viewset
):
    """Under every ordering the list offers (and its default), page 3 rows at a time while,
    before every page, a row is inserted and (leads, deals) two rows' sort keys change: every
    row that existed unchanged throughout is listed exactly once."""
    model = viewset.queryset.model
    rng = random.Random(prefix)
    client = api_for(alice)
    url = url_of(prefix)
    make_rows(model, alice, 10)
    orderings = [None, *allowed_orderings(client, prefix)]
    mover = MOVERS.get(model)
    paged = 0
    for number, ordering in enumerate(orderings):
        # A fresh throttle window per ordering (a thousand requests would be throttled).
        cache.clear()
        before = _visible_ids(client, url)
        changed: set[int] = set()
        seen: list[int] = []
        link = f"{url}?page_size=3" + (f"&ordering={ordering}" if ordering else "")
        while link:
            response = client.get(link)
            seen += _ids(response)
            link = response.json()["next"]
            if len(seen) <= 9:  # a row inserted before each of the first pages
                make_rows(model, alice, 1, start=100 * number + len(seen))
            if mover is not None:
                for pk in rng.sample(sorted(before), 2):
                    model.objects.filter(pk=pk).update(**mover(rng, timezone.now()))
                    changed.add(pk)
        unchanged = before - changed
        counted = [pk for pk in seen if pk in unchanged]
        assert sorted(counted) == sorted(unchanged), (ordering, "skipped or repeated")
        paged += len(seen)
    print(f"\n{prefix}: {len(orderings)} orderings, {paged} rows paged")
