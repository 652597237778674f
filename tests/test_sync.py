"""Incremental sync (issue 7, DESIGN §4): ``?updated_after=`` with ``ordering=updated_at`` on
every list whose model has ``updated_at``, ``events/?after=<id>``, and date-time filters that
answer 400, not 500, for offsets and dates the database cannot take."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from collab_hub.filters import TenantFilterBackend, has_sync_field
from leads.models import Deal, Lead
from tests.factories import ActivityEventFactory, DealFactory, LeadFactory
from tests.test_pagination import ROUTES, make_rows, url_of

LEADS = "/api/v1/leads/"
EVENTS = "/api/v1/events/"


def _all(client, url, params=None) -> list[dict]:
    rows, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        rows += response.json()["results"]
        if not response.json()["next"]:
            return rows
        response = client.get(response.json()["next"])


# --- updated_after ---------------------------------------------------------------------------


def test_a_sync_by_updated_after_gets_only_the_changed_leads_in_change_order(api_for, alice, org):
    leads = LeadFactory.create_batch(6, organization=org)
    client = api_for(alice)
    since = client.get(LEADS, {"ordering": "-updated_at", "page_size": 1}).json()["results"][0][
        "updated_at"
    ]
    # Changed after the last sync, in this order: leads 4, 1, then a new one.
    for lead in (leads[4], leads[1]):
        response = client.patch(f"{LEADS}{lead.pk}/", {"title": "CTO"})
        assert response.status_code == 200, response.content
    new = client.post(LEADS, {"email": "new@prospect.test", "company_name": "New"}).json()

    rows = _all(client, LEADS, {"updated_after": since, "ordering": "updated_at", "page_size": 1})

    assert [row["id"] for row in rows] == [leads[4].pk, leads[1].pk, new["id"]]
    # Strictly later: the last row already synced is not sent again.
    assert _all(client, LEADS, {"updated_after": rows[-1]["updated_at"]}) == []


def test_updated_after_with_ordering_updated_at_is_updated_at_then_id(api_for, alice, org):
    now = timezone.now()
    a, b, c = LeadFactory.create_batch(3, organization=org)
    # Two leads changed in the same instant: id breaks the tie, so paging loses neither.
    Lead.objects.filter(pk__in=[a.pk, c.pk]).update(updated_at=now + timedelta(seconds=1))
    Lead.objects.filter(pk=b.pk).update(updated_at=now + timedelta(seconds=2))
    rows = _all(
        api_for(alice),
        LEADS,
        {"updated_after": now.isoformat(), "ordering": "updated_at", "page_size": 1},
    )
    assert [row["id"] for row in rows] == [a.pk, c.pk, b.pk]


def test_deals_sync_by_updated_after(api_for, alice, org):
    deals = DealFactory.create_batch(3, organization=org)
    since = timezone.now()
    Deal.objects.filter(pk=deals[0].pk).update(updated_at=since + timedelta(seconds=1))
    rows = _all(
        api_for(alice),
        "/api/v1/deals/",
        {"updated_after": since.isoformat(), "ordering": "updated_at"},
    )
    assert [row["id"] for row in rows] == [deals[0].pk]


# The lists whose model has updated_at (test_the_main_lists_offer_sync names the ones that
# must); the others have nothing to sync by and are not parametrized.
SYNC_ROUTES = [(p, viewset) for p, viewset in ROUTES if has_sync_field(viewset.queryset.model)]


@pytest.mark.parametrize(("prefix", "viewset"), SYNC_ROUTES, ids=[p for p, _ in SYNC_ROUTES])
def test_every_list_of_a_model_with_updated_at_offers_sync(api_for, alice, org, prefix, viewset):
    model = viewset.queryset.model
    rows = make_rows(model, alice, 2)
    client = api_for(alice)
    later = timezone.now() + timedelta(seconds=5)
    model.objects.filter(pk=rows[0].pk).update(updated_at=later)
    synced = _all(
        client,
        url_of(prefix),
        {"updated_after": (later - timedelta(seconds=1)).isoformat(), "ordering": "updated_at"},
    )
    assert [row["id"] for row in synced] == [rows[0].pk]
    bad = client.get(url_of(prefix), {"updated_after": "yesterday"})
    assert bad.status_code == 400 and "updated_after" in bad.json()


def test_the_main_lists_offer_sync():
    """The lists DESIGN §4 names have updated_at (so updated_after and ordering=updated_at)."""
    main = {
        "leads", "deals", "companies", "contacts", "campaigns", "collateral",
        "content-requests", "tiers", "scoring-rules", "handoffs", "discrepancies",
        "upsell-signals", "feedback-rounds", "action-items",
    }  # fmt: skip
    without = [
        p for p, viewset in ROUTES if p in main and not has_sync_field(viewset.queryset.model)
    ]
    assert without == []


# --- events/?after= --------------------------------------------------------------------------


def test_events_after_an_id_come_oldest_first_and_resume(api_for, alice, org, other_org):
    events = ActivityEventFactory.create_batch(5, organization=org, actor=alice)
    ActivityEventFactory(organization=other_org)
    client = api_for(alice)
    last_seen = events[1].pk

    rows = _all(client, EVENTS, {"after": last_seen, "page_size": 2})

    assert [row["id"] for row in rows] == [event.pk for event in events[2:]]
    # Resuming from the last id seen gets only what happened since.
    newer = ActivityEventFactory(organization=org, actor=alice)
    assert [row["id"] for row in _all(client, EVENTS, {"after": rows[-1]["id"]})] == [newer.pk]
    # after=0 is the whole feed, oldest first; without after it stays newest first.
    everything = [row["id"] for row in _all(client, EVENTS, {"after": 0})]
    assert everything == sorted(everything) and newer.pk == everything[-1]
    assert [row["id"] for row in _all(client, EVENTS)] == everything[::-1]


@pytest.mark.parametrize("after", ["-1", "abc", str(2**63)])
def test_events_after_must_be_an_id(api_for, alice, org, after):
    response = api_for(alice).get(EVENTS, {"after": after})
    assert response.status_code == 400 and "after" in response.json()


# --- Date-time filters -----------------------------------------------------------------------

BAD_DATETIMES = [
    "2026-01-01T00:00:00+99:00",
    "2026-01-01T00:00:00+16:00",
    "2026-01-01T00:00:00-16:00",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+05:00",
    "10000-01-01T00:00:00",
]


@pytest.mark.parametrize("value", BAD_DATETIMES)
def test_a_date_time_filter_out_of_range_is_a_400(api_for, alice, org, value):
    # Was a 500 for an offset beyond ±15:59 in created_after.
    response = api_for(alice).get(LEADS, {"created_after": value})
    assert response.status_code == 400, response.content
    assert "created_after" in response.json()


def test_the_widest_real_offsets_filter(api_for, alice, org):
    lead = LeadFactory(organization=org)
    client = api_for(alice)
    for value in ("2000-01-01T00:00:00+14:00", "2000-01-01T00:00:00-12:00"):
        rows = client.get(LEADS, {"created_after": value}).json()["results"]
        assert [row["id"] for row in rows] == [lead.pk]


def _datetime_filters(viewset) -> list[str]:
    from django import forms

    queryset = viewset.queryset
    filterset = TenantFilterBackend().get_filterset_class(viewset(), queryset)
    if filterset is None:
        return []
    return [
        name
        for name, filter_ in filterset.base_filters.items()
        if issubclass(getattr(filter_, "field_class", object), forms.DateTimeField)
    ]


DATETIME_ROUTES = [(p, viewset) for p, viewset in ROUTES if _datetime_filters(viewset)]


def test_the_lists_with_date_time_filters_are_found():
    assert {"leads", "deals"} <= {p for p, _ in DATETIME_ROUTES}


@pytest.mark.parametrize(
    ("prefix", "viewset"), DATETIME_ROUTES, ids=[p for p, _ in DATETIME_ROUTES]
)
def test_every_date_time_filter_refuses_what_the_database_cannot_take(
    api_for, alice, org, prefix, viewset
):
    names = _datetime_filters(viewset)
    client = api_for(alice)
    for name in names:
        for value in BAD_DATETIMES:
            response = client.get(url_of(prefix), {name: value})
            assert response.status_code == 400, (name, value, response.content)
