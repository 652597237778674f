"""Collateral pages: the library (figures, filters, coverage, bounded queries), upload with a
real small file, edit and archive, the asset page, and content requests worked in place."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leads.models import Collateral, CollateralUse, ContentRequest
from leads.services import collateral as services
from tests.factories import (
    CollateralFactory,
    CompanyFactory,
    ContentRequestFactory,
    DealFactory,
    TierFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def asset(org, marketer):
    return CollateralFactory(organization=org, owner=marketer, title="ROI calculator")


# --- The library ---------------------------------------------------------------------------


def test_library_shows_usage_and_win_rate(browser_for, rep, org, asset):
    won = DealFactory(organization=org, stage="won")
    lost = DealFactory(organization=org, stage="lost", lost_reason="price")
    for deal in (won, lost, DealFactory(organization=org)):
        CollateralUse.objects.create(
            organization=org, collateral=asset, deal=deal, stage="proposal"
        )
    response = browser_for(rep).get(reverse("leads:collateral_library"))
    assert response.status_code == 200
    (row,) = response.context["items"]
    assert (row.usage_count, row.deals_won, row.deals_lost, row.win_rate) == (3, 1, 1, 0.5)
    assert "50%" in response.content.decode()


def test_library_query_count_does_not_grow_with_assets(
    browser_for, marketer, org, django_assert_max_num_queries
):
    tier = TierFactory(organization=org)
    client = browser_for(marketer)
    CollateralFactory.create_batch(2, organization=org, owner=marketer)
    client.get(reverse("leads:collateral_library"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("leads:collateral_library"))
    for asset in CollateralFactory.create_batch(30, organization=org, owner=marketer):
        asset.tiers.set([tier])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("leads:collateral_library"))
    assert len(response.context["items"]) == 32


def test_library_filters_by_tier_and_stage(browser_for, rep, org):
    tier = TierFactory(organization=org)
    tagged = CollateralFactory(organization=org, title="Tier deck", stages=["negotiation"])
    tagged.tiers.set([tier])
    CollateralFactory(organization=org, title="Other tier", stages=["negotiation"]).tiers.set(
        [TierFactory(organization=org)]
    )
    response = browser_for(rep).get(
        reverse("leads:collateral_library"), {"tier": tier.pk, "stage": "negotiation"}, **HTMX
    )
    assert [c.title for c in response.context["items"]] == ["Tier deck"]
    assert "<html" not in response.content.decode()


def test_library_empty_states(browser_for, rep, marketer):
    assert (
        "The library is empty"
        in browser_for(rep).get(reverse("leads:collateral_library")).content.decode()
    )
    html = browser_for(marketer).get(reverse("leads:collateral_library")).content.decode()
    assert "Add to the library" in html


def test_library_shows_coverage(browser_for, rep, org, asset):
    deal = DealFactory(organization=org, company=CompanyFactory(organization=org))
    services.use_collateral(by=rep, collateral=asset, deal=deal)
    services.record_own_material(by=rep, deal=deal, description="mine", missing="a demo")
    response = browser_for(rep).get(reverse("leads:collateral_library"))
    assert response.context["coverage"].total.coverage == 0.5
    assert "Library coverage" in response.content.decode()


# --- Upload, edit, archive -----------------------------------------------------------------


def test_marketing_uploads_a_small_file(browser_for, marketer, org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tier = TierFactory(organization=org)
    upload = SimpleUploadedFile("battle-card.pdf", b"%PDF-1.4 small", "application/pdf")
    response = browser_for(marketer).post(
        reverse("leads:collateral_create"),
        {"title": "Battle card", "file": upload, "tiers": [tier.pk], "stages": ["proposal"]},
    )
    assert response.status_code == 302
    collateral = Collateral.objects.get()
    assert (collateral.title, collateral.stages, list(collateral.tiers.all())) == (
        "Battle card",
        ["proposal"],
        [tier],
    )
    assert (tmp_path / collateral.file.name).read_bytes() == b"%PDF-1.4 small"


def test_upload_needs_a_file_or_a_link(browser_for, marketer):
    response = browser_for(marketer).post(reverse("leads:collateral_create"), {"title": "Nothing"})
    assert response.status_code == 400
    assert response.context["form"].errors["url"]
    assert not Collateral.objects.exists()


def test_sales_cannot_upload_edit_or_archive(browser_for, rep, asset):
    client = browser_for(rep)
    assert client.get(reverse("leads:collateral_create")).status_code == 403
    assert (
        client.post(
            reverse("leads:collateral_create"), {"title": "x", "url": "https://x.test"}
        ).status_code
        == 403
    )
    assert client.get(reverse("leads:collateral_edit", args=[asset.pk])).status_code == 403
    assert client.post(reverse("leads:collateral_archive", args=[asset.pk])).status_code == 403
    asset.refresh_from_db()
    assert asset.archived_at is None


def test_marketing_retags_and_archives(browser_for, marketer, org, asset):
    tier = TierFactory(organization=org)
    client = browser_for(marketer)
    response = client.post(
        reverse("leads:collateral_edit", args=[asset.pk]),
        {"title": "ROI v2", "url": asset.url, "tiers": [tier.pk], "stages": ["negotiation"]},
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert (asset.title, asset.stages, list(asset.tiers.all())) == (
        "ROI v2",
        ["negotiation"],
        [tier],
    )
    assert client.post(reverse("leads:collateral_archive", args=[asset.pk])).status_code == 302
    asset.refresh_from_db()
    assert asset.archived_at is not None
    live = client.get(reverse("leads:collateral_library")).context["items"]
    assert asset not in list(live)


def test_asset_page_shows_figures_per_tier_and_stage(browser_for, rep, org, asset):
    tier = TierFactory(organization=org, name="Mid-market")
    deal = DealFactory(organization=org, company=CompanyFactory(organization=org, tier=tier))
    services.use_collateral(by=rep, collateral=asset, deal=deal)
    response = browser_for(rep).get(reverse("leads:collateral_detail", args=[asset.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mid-market" in html and deal.name in html
    assert response.context["stats"].overall.uses == 1


def test_outsider_gets_404_on_collateral_pages(browser_for, charlie, asset):
    client = browser_for(charlie)
    assert client.get(reverse("leads:collateral_detail", args=[asset.pk])).status_code == 404
    assert client.post(reverse("leads:collateral_archive", args=[asset.pk])).status_code == 404
    assert "ROI calculator" not in client.get(reverse("leads:collateral_library")).content.decode()


# --- Content requests ----------------------------------------------------------------------


def test_sales_requests_content_and_sees_its_own(browser_for, rep, rep2, org):
    ContentRequestFactory(organization=org, requested_by=rep2, title="Not mine")
    client = browser_for(rep)
    response = client.post(
        reverse("leads:content_request_create"), {"title": "Banking deck", "need": "For Q3 deals"}
    )
    assert response.status_code == 302
    page = client.get(reverse("leads:content_requests"))
    assert [r.title for r in page.context["requests"]] == ["Banking deck"]
    assert page.context["scope"] == "mine"


def test_marketing_works_requests_in_place(browser_for, marketer, rep, org, asset):
    item = ContentRequestFactory(organization=org, requested_by=rep)
    client = browser_for(marketer)
    response = client.post(reverse("leads:content_request_start", args=[item.pk]), **HTMX)
    assert response.status_code == 200
    assert f'id="request-{item.pk}"' in response.content.decode()
    item.refresh_from_db()
    assert (item.status, item.assignee) == ("in_progress", marketer)
    response = client.post(
        reverse("leads:content_request_complete", args=[item.pk]),
        {"collateral": asset.pk, "note": "Use this"},
        **HTMX,
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.status, item.collateral) == ("done", asset)
    again = client.post(reverse("leads:content_request_start", args=[item.pk]), **HTMX)
    assert again.status_code == 409
    assert "cannot become in progress" in again.content.decode()


def test_declining_needs_a_reason(browser_for, marketer, org):
    item = ContentRequestFactory(organization=org)
    client = browser_for(marketer)
    response = client.post(reverse("leads:content_request_decline", args=[item.pk]), **HTMX)
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == "open"
    client.post(reverse("leads:content_request_decline", args=[item.pk]), {"reason": "We have one"})
    item.refresh_from_db()
    assert (item.status, item.resolution_note) == ("declined", "We have one")


def test_a_content_request_for_another_organizations_deal_is_a_form_error(
    browser_for, rep, other_org
):
    foreign = DealFactory(organization=other_org)
    response = browser_for(rep).post(
        reverse("leads:content_request_create"),
        {"title": "Deck", "need": "For them", "deal": foreign.pk},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["deal"]
    assert not ContentRequest.objects.exists()


def test_completing_with_another_organizations_collateral_is_refused(
    browser_for, marketer, org, other_org
):
    item = ContentRequestFactory(organization=org)
    foreign = CollateralFactory(organization=other_org)
    response = browser_for(marketer).post(
        reverse("leads:content_request_complete", args=[item.pk]),
        {"collateral": foreign.pk},
        **HTMX,
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    item.refresh_from_db()
    assert (item.status, item.collateral) == ("open", None)


def test_library_ignores_a_tier_of_another_organization(browser_for, rep, other_org, asset):
    foreign = TierFactory(organization=other_org)
    response = browser_for(rep).get(reverse("leads:collateral_library"), {"tier": foreign.pk})
    assert response.status_code == 200
    assert response.context["filter_form"].errors["tier"]
    assert [item.pk for item in response.context["items"]] == [asset.pk]


def test_sales_cannot_handle_requests(browser_for, rep, org):
    item = ContentRequestFactory(organization=org)
    assert (
        browser_for(rep).post(reverse("leads:content_request_start", args=[item.pk])).status_code
        == 403
    )
    item.refresh_from_db()
    assert item.status == "open"


def test_requests_list_query_count_does_not_grow(
    browser_for, marketer, rep, org, asset, django_assert_max_num_queries
):
    client = browser_for(marketer)
    deal = DealFactory(organization=org)
    ContentRequestFactory.create_batch(2, organization=org, requested_by=rep, deal=deal)
    client.get(reverse("leads:content_requests"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("leads:content_requests"))
    ContentRequestFactory.create_batch(30, organization=org, requested_by=rep, deal=deal)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("leads:content_requests"))
    assert len(response.context["requests"]) == 32


def test_requests_empty_state(browser_for, marketer):
    assert (
        "No open requests"
        in browser_for(marketer).get(reverse("leads:content_requests")).content.decode()
    )


def test_outsider_gets_404_on_request_actions(browser_for, charlie, org):
    item = ContentRequestFactory(organization=org)
    assert (
        browser_for(charlie)
        .post(reverse("leads:content_request_start", args=[item.pk]))
        .status_code
        == 404
    )
    assert ContentRequest.objects.get().status == "open"
