"""Collateral and content-request services, shadow collateral, and the usage / win-rate /
coverage figures computed against a hand-built data set."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.models import ActivityEvent, Notification
from leads.models import CollateralUse, ContentRequest, ContentRequestStatus
from leads.selectors import collateral as selectors
from leads.services import collateral as services
from leads.services import deals as deal_services
from tests.factories import (
    CollateralFactory,
    CompanyFactory,
    ContentRequestFactory,
    DealFactory,
    TierFactory,
    member_of,
)


@pytest.fixture
def marketing_manager(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MANAGER, email="mona@acme.test")


@pytest.fixture
def tier(org):
    return TierFactory(organization=org, name="Enterprise", rank=1)


@pytest.fixture
def deal(org, tier):
    company = CompanyFactory(organization=org, tier=tier)
    return DealFactory(organization=org, company=company, stage="proposal")


@pytest.fixture
def asset(org, marketer):
    return CollateralFactory(organization=org, owner=marketer, title="ROI calculator")


# --- Adding and curating -------------------------------------------------------------------


def test_marketing_adds_a_link_tagged_by_tier_and_stage(marketer, tier, sales_manager):
    collateral = services.add_collateral(
        by=marketer,
        title=" Case study ",
        url="https://example.com/case",
        tiers=[tier],
        stages=["negotiation", "proposal", "proposal"],
    )
    assert (collateral.title, collateral.owner) == ("Case study", marketer)
    assert collateral.stages == ["proposal", "negotiation"]
    assert list(collateral.tiers.all()) == [tier]
    assert Notification.objects.filter(
        recipient=sales_manager, event__verb="collateral.shared"
    ).exists()


def test_marketing_uploads_a_file(marketer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("deck.pdf", b"%PDF-1.4 tiny", content_type="application/pdf")
    collateral = services.add_collateral(by=marketer, title="Deck", file=upload)
    assert collateral.file.name.startswith(f"collateral/{marketer.organization_id}/")
    assert "deck" not in collateral.file.name
    assert collateral.file_name == "deck.pdf"
    assert (tmp_path / collateral.file.name).read_bytes() == b"%PDF-1.4 tiny"
    assert ActivityEvent.objects.get(verb="collateral.shared").payload["kind"] == "file"


def test_collateral_needs_a_file_or_a_link(marketer):
    with pytest.raises(DomainError) as error:
        services.add_collateral(by=marketer, title="Nothing")
    assert error.value.code == "file_or_link"


def test_unknown_stages_and_foreign_tiers_are_refused(marketer, other_org):
    with pytest.raises(DomainError) as error:
        services.add_collateral(by=marketer, title="X", url="https://x.test", stages=["closing"])
    assert error.value.code == "invalid_stage"
    with pytest.raises(DomainError) as error:
        services.add_collateral(
            by=marketer,
            title="X",
            url="https://x.test",
            tiers=[TierFactory(organization=other_org)],
        )
    assert error.value.code == "invalid_tier"


def test_sales_cannot_curate_the_library(rep, asset):
    with pytest.raises(NotAllowed):
        services.add_collateral(by=rep, title="Mine", url="https://x.test")
    with pytest.raises(NotAllowed):
        services.archive_collateral(by=rep, collateral=asset)


def test_update_keeps_a_file_or_a_link(marketer, asset, tier):
    with pytest.raises(DomainError):
        services.update_collateral(by=marketer, collateral=asset, data={"url": ""})
    services.update_collateral(
        by=marketer, collateral=asset, data={"title": "ROI v2", "tiers": [tier]}
    )
    asset.refresh_from_db()
    assert (asset.title, list(asset.tiers.all())) == ("ROI v2", [tier])
    assert ActivityEvent.objects.get(verb="collateral.updated").payload["fields"] == [
        "tiers",
        "title",
    ]


def test_archiving_twice_is_a_conflict(marketer, asset):
    services.archive_collateral(by=marketer, collateral=asset)
    asset.refresh_from_db()
    assert asset.archived_at is not None
    with pytest.raises(IllegalTransition) as error:
        services.archive_collateral(by=marketer, collateral=asset)
    assert error.value.code == "collateral_archived"


# --- Use on deals --------------------------------------------------------------------------


def test_using_collateral_records_the_deals_stage_and_tells_its_owner(rep, asset, deal, marketer):
    use = services.use_collateral(by=rep, collateral=asset, deal=deal)
    assert (use.by, use.stage) == (rep, "proposal")
    assert Notification.objects.filter(recipient=marketer, event__verb="collateral.used").exists()


def test_using_the_same_collateral_again_is_idempotent(rep, rep2, asset, deal):
    first = services.use_collateral(by=rep, collateral=asset, deal=deal)
    again = services.use_collateral(by=rep2, collateral=asset, deal=deal)
    assert again.pk == first.pk
    assert CollateralUse.objects.count() == 1
    assert ActivityEvent.objects.filter(verb="collateral.used").count() == 1


def test_archived_collateral_and_closed_deals_cannot_take_new_uses(rep, marketer, asset, deal):
    closed = DealFactory(organization=deal.organization, stage="won")
    with pytest.raises(IllegalTransition) as error:
        services.use_collateral(by=rep, collateral=asset, deal=closed)
    assert error.value.code == "deal_closed"
    services.archive_collateral(by=marketer, collateral=asset)
    asset.refresh_from_db()
    with pytest.raises(IllegalTransition) as error:
        services.use_collateral(by=rep, collateral=asset, deal=deal)
    assert error.value.code == "collateral_archived"


def test_marketing_cannot_record_use(marketer, asset, deal):
    with pytest.raises(NotAllowed):
        services.use_collateral(by=marketer, collateral=asset, deal=deal)


# --- Content requests ----------------------------------------------------------------------


def test_sales_requests_content_for_a_deal_and_marketing_managers_hear(
    rep, deal, tier, marketing_manager
):
    request = services.request_content(
        by=rep, title="Battle card", need="Against Globex", deal=deal
    )
    assert (request.status, request.tier, request.stage, request.requested_by) == (
        "open",
        tier,
        "proposal",
        rep,
    )
    assert Notification.objects.filter(
        recipient=marketing_manager, event__verb="content.requested"
    ).exists()


def test_a_request_needs_a_title_and_a_need(rep):
    with pytest.raises(DomainError):
        services.request_content(by=rep, title=" ", need="x")
    with pytest.raises(DomainError):
        services.request_content(by=rep, title="x", need="")


def test_marketing_cannot_request_content(marketer):
    with pytest.raises(NotAllowed):
        services.request_content(by=marketer, title="x", need="y")


def test_request_goes_open_in_progress_done_and_the_requester_hears(rep, marketer, asset):
    request = services.request_content(by=rep, title="Deck", need="For banks")
    request = services.start_content_request(by=marketer, request=request)
    assert (request.status, request.assignee) == ("in_progress", marketer)
    request = services.complete_content_request(
        by=marketer, request=request, collateral=asset, note="Here you go"
    )
    request.refresh_from_db()
    assert (request.status, request.collateral, request.resolution_note) == (
        "done",
        asset,
        "Here you go",
    )
    assert request.closed_at is not None
    verbs = set(Notification.objects.filter(recipient=rep).values_list("event__verb", flat=True))
    assert {"content.started", "content.completed"} <= verbs


def test_an_open_request_may_be_declined_with_a_reason(rep, marketer):
    request = services.request_content(by=rep, title="Deck", need="For banks")
    with pytest.raises(DomainError) as error:
        services.decline_content_request(by=marketer, request=request, reason=" ")
    assert error.value.code == "invalid_reason"
    request = services.decline_content_request(by=marketer, request=request, reason="Exists")
    assert (request.status, request.resolution_note) == ("declined", "Exists")
    assert Notification.objects.filter(recipient=rep, event__verb="content.declined").exists()


@pytest.mark.parametrize("status", ["done", "declined"])
def test_a_closed_request_does_not_move(org, marketer, status):
    request = ContentRequestFactory(organization=org, status=status)
    for move in (
        lambda: services.start_content_request(by=marketer, request=request),
        lambda: services.complete_content_request(by=marketer, request=request),
        lambda: services.decline_content_request(by=marketer, request=request, reason="No"),
    ):
        with pytest.raises(IllegalTransition) as error:
            move()
        assert error.value.code == f"content_request_{status}"


def test_starting_twice_is_a_conflict(org, marketer):
    request = ContentRequestFactory(organization=org, status=ContentRequestStatus.IN_PROGRESS)
    with pytest.raises(IllegalTransition) as error:
        services.start_content_request(by=marketer, request=request)
    assert error.value.code == "content_request_in_progress"


def test_sales_cannot_handle_requests(org, rep):
    with pytest.raises(NotAllowed):
        services.start_content_request(by=rep, request=ContentRequestFactory(organization=org))


def test_completing_with_an_archived_or_foreign_asset_is_refused(org, other_org, marketer):
    request = ContentRequestFactory(organization=org)
    for asset in (
        CollateralFactory(organization=org, archived_at=timezone.now()),
        CollateralFactory(organization=other_org),
    ):
        with pytest.raises(DomainError) as error:
            services.complete_content_request(by=marketer, request=request, collateral=asset)
        assert error.value.code == "invalid_collateral"


# --- Shadow collateral ---------------------------------------------------------------------


def test_own_material_becomes_a_content_request_for_marketing(rep, deal, tier, marketing_manager):
    request = services.record_own_material(
        by=rep,
        deal=deal,
        description="My own slides on SOC 2",
        missing="A security whitepaper for banks\nWith SOC 2 details",
    )
    request.refresh_from_db()
    assert (request.status, request.own_material, request.deal, request.tier, request.stage) == (
        "open",
        "My own slides on SOC 2",
        deal,
        tier,
        "proposal",
    )
    assert request.title == "A security whitepaper for banks"
    assert request.need == "A security whitepaper for banks\nWith SOC 2 details"
    assert Notification.objects.filter(
        recipient=marketing_manager, event__verb="content.own_material"
    ).exists()


def test_own_material_needs_both_texts_and_an_open_deal(rep, deal, org):
    with pytest.raises(DomainError):
        services.record_own_material(by=rep, deal=deal, description="", missing="x")
    with pytest.raises(DomainError):
        services.record_own_material(by=rep, deal=deal, description="x", missing=" ")
    closed = DealFactory(organization=org, stage="lost", lost_reason="price")
    with pytest.raises(IllegalTransition):
        services.record_own_material(by=rep, deal=closed, description="x", missing="y")
    assert not ContentRequest.objects.exists()


# --- Figures against a hand-built data set -------------------------------------------------


@pytest.fixture
def dataset(org, rep, marketer):
    """Tiers T1, T2; deals d1 (T1, won), d2 (T1, lost), d3 (T2, won), d4 (no tier, open),
    d5 (T1, open). X used on d1 and d2 at proposal, d3 at negotiation, d4 at qualification;
    Y used on d2 at proposal; Z never used. Own material: d4 at proposal, d5 twice at
    qualification."""
    t1 = TierFactory(organization=org, name="T1", rank=1)
    t2 = TierFactory(organization=org, name="T2", rank=2)
    a = CompanyFactory(organization=org, tier=t1)
    b = CompanyFactory(organization=org, tier=t2)
    c = CompanyFactory(organization=org, tier=None)
    x, y, z = (
        services.add_collateral(by=marketer, title=title, url="https://x.test")
        for title in ("X", "Y", "Z")
    )

    def open_(company):
        return deal_services.open_deal(by=rep, company=company, name="d", source="sales")

    def advance(deal, *stages):
        for stage in stages:
            deal = deal_services.advance_deal(by=rep, deal=deal, stage=stage)
        return deal

    d1 = advance(open_(a), "proposal")
    services.use_collateral(by=rep, collateral=x, deal=d1)
    deal_services.win_deal(by=rep, deal=d1)
    d2 = advance(open_(a), "proposal")
    services.use_collateral(by=rep, collateral=x, deal=d2)
    services.use_collateral(by=rep, collateral=y, deal=d2)
    deal_services.lose_deal(by=rep, deal=d2, reason="price")
    d3 = advance(open_(b), "proposal", "negotiation")
    services.use_collateral(by=rep, collateral=x, deal=d3)
    deal_services.win_deal(by=rep, deal=d3)
    d4 = open_(c)
    services.use_collateral(by=rep, collateral=x, deal=d4)
    d4 = advance(d4, "proposal")
    services.record_own_material(by=rep, deal=d4, description="mine", missing="pricing sheet")
    d5 = open_(a)
    for _ in range(2):
        services.record_own_material(by=rep, deal=d5, description="mine", missing="a demo")
    return {"t1": t1, "t2": t2, "x": x, "y": y, "z": z}


def test_library_figures_per_asset(dataset, rep):
    rows = {
        c.title: (c.usage_count, c.deals_won, c.deals_lost, c.win_rate)
        for c in selectors.collateral_library(membership=rep)
    }
    assert rows["X"][:3] == (4, 2, 1)
    assert rows["X"][3] == pytest.approx(2 / 3)
    assert rows["Y"] == (1, 0, 1, 0.0)
    assert rows["Z"] == (0, 0, 0, None)


def test_asset_figures_per_tier_and_stage(dataset):
    stats = selectors.collateral_stats(collateral=dataset["x"])
    assert (stats.overall.uses, stats.overall.won, stats.overall.lost) == (4, 2, 1)
    assert [(f.label, f.uses, f.won, f.lost, f.win_rate) for f in stats.by_tier] == [
        ("T1", 2, 1, 1, 0.5),
        ("T2", 1, 1, 0, 1.0),
        ("", 1, 0, 0, None),
    ]
    assert [(f.key, f.uses, f.won, f.lost, f.win_rate) for f in stats.by_stage] == [
        ("qualification", 1, 0, 0, None),
        ("proposal", 2, 1, 1, 0.5),
        ("negotiation", 1, 1, 0, 1.0),
    ]


def test_library_coverage_per_tier_and_stage(dataset, org):
    coverage = selectors.library_coverage(organization=org)
    t1, t2 = dataset["t1"].pk, dataset["t2"].pk
    assert [
        (c.tier_id, c.stage, c.library_uses, c.own_material, c.coverage) for c in coverage.cells
    ] == [
        (t1, "qualification", 0, 2, 0.0),
        (t1, "proposal", 3, 0, 1.0),
        (t2, "negotiation", 1, 0, 1.0),
        (None, "qualification", 1, 0, 1.0),
        (None, "proposal", 0, 1, 0.0),
    ]
    assert [(c.tier_name, c.needs, c.coverage) for c in coverage.by_tier] == [
        ("T1", 5, 0.6),
        ("T2", 1, 1.0),
        ("", 2, 0.5),
    ]
    assert [(c.stage, c.library_uses, c.own_material) for c in coverage.by_stage] == [
        ("qualification", 1, 2),
        ("proposal", 3, 1),
        ("negotiation", 1, 0),
    ]
    assert (coverage.total.library_uses, coverage.total.own_material) == (5, 3)
    assert coverage.total.coverage == pytest.approx(5 / 8)


def test_coverage_counts_only_its_own_organization(dataset, other_org):
    assert selectors.library_coverage(organization=other_org).cells == []


def test_library_filters_by_tier_and_stage_with_untagged_assets_fitting_all(org, rep):
    t1 = TierFactory(organization=org)
    t2 = TierFactory(organization=org)
    tagged = CollateralFactory(organization=org, title="T1 proposal", stages=["proposal"])
    tagged.tiers.set([t1])
    CollateralFactory(organization=org, title="Everywhere")
    other = CollateralFactory(organization=org, title="T2 only", stages=["negotiation"])
    other.tiers.set([t2])

    def titles(**filters):
        return [c.title for c in selectors.collateral_library(membership=rep, **filters)]

    assert titles(tier=t1.pk) == ["Everywhere", "T1 proposal"]
    assert titles(stage="negotiation") == ["Everywhere", "T2 only"]
    assert titles(tier=t1.pk, stage="proposal") == ["Everywhere", "T1 proposal"]
    assert titles(search="only") == ["T2 only"]


def test_a_multi_tier_asset_is_counted_once(org, rep, marketer):
    t1, t2 = TierFactory(organization=org), TierFactory(organization=org)
    asset = services.add_collateral(by=marketer, title="A", url="https://a.test", tiers=[t1, t2])
    deal = DealFactory(organization=org)
    services.use_collateral(by=rep, collateral=asset, deal=deal)
    (row,) = selectors.collateral_library(membership=rep, tier=t1.pk)
    assert row.usage_count == 1


# --- API -----------------------------------------------------------------------------------


def test_api_marketing_adds_a_link_and_a_file(api_for, marketer, tier, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = api_for(marketer)
    link = client.post(
        "/api/v1/collateral/",
        {"title": "Case", "url": "https://x.test/case", "tiers": [tier.pk], "stages": ["proposal"]},
    )
    assert link.status_code == 201
    body = link.json()
    assert (body["tiers"], body["stages"], body["usage_count"], body["win_rate"]) == (
        [tier.pk],
        ["proposal"],
        0,
        None,
    )
    upload = client.post(
        "/api/v1/collateral/",
        {
            "title": "Deck",
            "file": SimpleUploadedFile("deck.pdf", b"%PDF tiny"),
            "stages": ["negotiation"],
        },
        format="multipart",
    )
    assert upload.status_code == 201
    body = upload.json()
    assert body["file"] == f"http://testserver/api/v1/collateral/{body['id']}/download/"
    assert body["file_name"] == "deck.pdf"
    assert upload.json()["owner"] == marketer.pk


def test_api_collateral_needs_a_file_or_a_link(api_for, marketer):
    response = api_for(marketer).post("/api/v1/collateral/", {"title": "Nothing"})
    assert (response.status_code, response.json()["code"]) == (400, "file_or_link")


def test_api_use_is_idempotent_and_for_sales_only(api_for, rep, marketer, asset, deal):
    client = api_for(rep)
    first = client.post(f"/api/v1/collateral/{asset.pk}/use/", {"deal": deal.pk})
    again = client.post(f"/api/v1/collateral/{asset.pk}/use/", {"deal": deal.pk})
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["stage"] == "proposal"
    assert (
        api_for(marketer).post(f"/api/v1/collateral/{asset.pk}/use/", {"deal": deal.pk}).status_code
        == 403
    )
    listed = client.get("/api/v1/collateral/").json()["results"]
    assert [(row["id"], row["usage_count"]) for row in listed] == [(asset.pk, 1)]


def test_api_use_on_a_foreign_deal_is_a_field_error(api_for, rep, asset, other_org):
    response = api_for(rep).post(
        f"/api/v1/collateral/{asset.pk}/use/", {"deal": DealFactory(organization=other_org).pk}
    )
    assert response.status_code == 400
    assert "deal" in response.json()


def test_api_sales_cannot_curate(api_for, rep, asset):
    client = api_for(rep)
    assert (
        client.post("/api/v1/collateral/", {"title": "x", "url": "https://x.test"}).status_code
        == 403
    )
    assert client.patch(f"/api/v1/collateral/{asset.pk}/", {"title": "y"}).status_code == 403
    assert client.post(f"/api/v1/collateral/{asset.pk}/archive/").status_code == 403


def test_api_archive_twice_is_409_and_filters(api_for, marketer, asset, org):
    CollateralFactory(organization=org, title="Live")
    client = api_for(marketer)
    assert client.post(f"/api/v1/collateral/{asset.pk}/archive/").status_code == 200
    again = client.post(f"/api/v1/collateral/{asset.pk}/archive/")
    assert (again.status_code, again.json()["code"]) == (409, "collateral_archived")

    def titles(**params):
        return sorted(
            r["title"] for r in client.get("/api/v1/collateral/", params).json()["results"]
        )

    assert titles(archived="false") == ["Live"]
    assert titles(archived="true") == ["ROI calculator"]
    assert titles() == ["Live", "ROI calculator"]
    assert client.delete(f"/api/v1/collateral/{asset.pk}/").status_code == 405


def test_api_collateral_filters_by_tier_and_stage(api_for, rep, org, tier):
    tagged = CollateralFactory(organization=org, title="Tagged", stages=["proposal"])
    tagged.tiers.set([tier])
    CollateralFactory(organization=org, title="Elsewhere", stages=["negotiation"])
    client = api_for(rep)
    rows = client.get("/api/v1/collateral/", {"tier": tier.pk, "stage": "proposal"}).json()
    assert [r["title"] for r in rows["results"]] == ["Tagged"]
    assert client.get("/api/v1/collateral/", {"stage": "nope"}).status_code == 400


def test_api_stats_and_coverage(api_for, rep, dataset):
    client = api_for(rep)
    stats = client.get(f"/api/v1/collateral/{dataset['x'].pk}/stats/").json()
    assert (stats["overall"]["uses"], stats["overall"]["won"], stats["overall"]["lost"]) == (
        4,
        2,
        1,
    )
    assert [row["key"] for row in stats["by_stage"]] == ["qualification", "proposal", "negotiation"]
    coverage = client.get("/api/v1/collateral/coverage/").json()
    assert (coverage["total"]["library_uses"], coverage["total"]["own_material"]) == (5, 3)
    assert coverage["total"]["coverage"] == pytest.approx(5 / 8)
    assert len(coverage["cells"]) == 5
    assert client.get("/api/v1/collateral/coverage/", {"since": "nope"}).status_code == 400


def test_api_content_request_flow(api_for, rep, marketer, deal, tier, asset):
    created = api_for(rep).post(
        "/api/v1/content-requests/", {"title": "Deck", "need": "For banks", "deal": deal.pk}
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["tier"], body["stage"], body["requested_by"]) == (
        "open",
        tier.pk,
        "proposal",
        rep.pk,
    )
    url = f"/api/v1/content-requests/{body['id']}"
    assert api_for(rep).post(f"{url}/start/").status_code == 403
    client = api_for(marketer)
    assert client.post(f"{url}/start/").json()["status"] == "in_progress"
    done = client.post(f"{url}/complete/", {"collateral": asset.pk, "note": "Here"})
    assert (done.json()["status"], done.json()["collateral"]) == ("done", asset.pk)
    declined = client.post(f"{url}/decline/", {"reason": "late"})
    assert (declined.status_code, declined.json()["code"]) == (409, "content_request_done")
    assert (
        api_for(marketer).post("/api/v1/content-requests/", {"title": "x", "need": "y"}).status_code
        == 403
    )


def test_api_content_request_filters(api_for, rep, rep2, org, deal):
    services.record_own_material(by=rep, deal=deal, description="mine", missing="a sheet")
    ContentRequestFactory(organization=org, requested_by=rep2, title="Other")
    client = api_for(rep)

    def titles(**params):
        return [
            r["title"] for r in client.get("/api/v1/content-requests/", params).json()["results"]
        ]

    assert titles(own_material="true") == ["a sheet"]
    assert titles(requested_by=rep2.pk) == ["Other"]
    assert titles(deal=deal.pk) == ["a sheet"]
    assert titles(search="sheet") == ["a sheet"]


def test_api_outsider_gets_404_on_collateral(api_for, charlie, asset, org):
    client = api_for(charlie)
    item = ContentRequestFactory(organization=org)
    assert client.get(f"/api/v1/collateral/{asset.pk}/").status_code == 404
    assert client.get(f"/api/v1/collateral/{asset.pk}/stats/").status_code == 404
    assert client.post(f"/api/v1/content-requests/{item.pk}/start/").status_code == 404
    assert client.get("/api/v1/collateral/").json()["results"] == []
    assert client.get("/api/v1/collateral/coverage/").json()["cells"] == []


@pytest.mark.parametrize("resource", ["collateral", "content-requests"])
def test_api_list_query_count_does_not_grow(
    api_for, rep, org, tier, resource, django_assert_max_num_queries
):
    client = api_for(rep)

    def make(n):
        for _ in range(n):
            asset = CollateralFactory(organization=org)
            asset.tiers.set([tier])
            deal = DealFactory(organization=org)
            CollateralUse.objects.create(
                organization=org, collateral=asset, deal=deal, stage="proposal"
            )
            ContentRequestFactory(organization=org, deal=deal, requested_by=rep)

    make(3)
    with django_assert_max_num_queries(6) as few:
        client.get(f"/api/v1/{resource}/")
    make(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = client.get(f"/api/v1/{resource}/").json()["results"]
    assert len(rows) == 33
