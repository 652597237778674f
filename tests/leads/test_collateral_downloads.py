"""Collateral files served safely: who may download (page and API), the headers every file is
served with, the upload allow-list, unguessable storage names, and nothing under /media/."""

import importlib
import io
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import DepartmentKind, Role
from leads.models import Collateral
from leads.services import collateral as services
from tests.factories import CollateralFactory, member_of

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(16)
GIF = b"GIF89a\x01\x00\x01\x00" + bytes(16)
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + bytes(16)
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def office(folder: str) -> bytes:
    """The smallest Office Open XML package: its content types and one part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(marketer, name: str, content: bytes, **kwargs) -> Collateral:
    return services.add_collateral(
        by=marketer, title=name, file=SimpleUploadedFile(name, content), **kwargs
    )


def stored(org, name: str, content: bytes) -> Collateral:
    """A file that reached the storage before the allow-list existed (an .html, an .svg)."""
    row = CollateralFactory.build(organization=org, url="", original_name=name)
    row.file.save(name, ContentFile(content))
    return row


def download(client, collateral):
    return client.get(reverse("leads:collateral_download", args=[collateral.pk]))


def api_download(client, collateral):
    return client.get(f"/api/v1/collateral/{collateral.pk}/download/")


def disposition(response) -> tuple[str, str]:
    """(``inline``/``attachment``, the UTF-8 file name of ``filename*``) from the header."""
    header = response["Content-Disposition"]
    kind = header.split(";", 1)[0]
    match = re.search(r"filename\*=UTF-8''([^;\s]+)", header)
    assert match, header
    return kind, unquote(match.group(1))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- Who may download ------------------------------------------------------------------------


def test_a_member_downloads_a_pdf_shown_inline_with_safe_headers(browser_for, marketer, rep):
    asset = upload(marketer, "deck.pdf", PDF)
    response = download(browser_for(rep), asset)
    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert disposition(response) == ("inline", "deck.pdf")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"].startswith("private")


def test_the_library_and_the_asset_page_link_to_the_download(browser_for, marketer, rep):
    asset = upload(marketer, "deck.pdf", PDF)
    client = browser_for(rep)
    url = reverse("leads:collateral_download", args=[asset.pk])
    library = client.get(reverse("leads:collateral_library")).content.decode()
    page = client.get(reverse("leads:collateral_detail", args=[asset.pk])).content.decode()
    assert f'href="{url}"' in library
    assert f'href="{url}"' in page
    assert "deck.pdf" in page
    assert "/media/" not in library + page


def test_members_of_other_departments_download_as_they_see_the_library(
    browser_for, marketer, product_person, org
):
    # The library is shared with the whole organization (Collateral has no record-visibility
    # kind), whatever the organization restricts for leads and deals.
    org.visibility = {"leads": "own", "deals": "department", "companies": "own"}
    org.save()
    asset = upload(marketer, "deck.pdf", PDF)
    client = browser_for(product_person)
    assert client.get(reverse("leads:collateral_detail", args=[asset.pk])).status_code == 200
    assert download(client, asset).status_code == 200


def test_a_download_is_hidden_where_the_visibility_rules_hide_the_asset(
    browser_for, marketer, product_person, org, monkeypatch
):
    # Were collateral ever under a record-visibility setting, the download follows it: it is
    # looked up through the same scoped accessor as the asset's page.
    monkeypatch.setattr(Collateral, "visibility_kind", "collateral", raising=False)
    monkeypatch.setattr(Collateral, "owner_fields", ("owner",), raising=False)
    org.visibility = {"collateral": "department"}
    org.save()
    asset = upload(marketer, "deck.pdf", PDF)
    assert download(browser_for(marketer), asset).status_code == 200
    client = browser_for(product_person)
    assert client.get(reverse("leads:collateral_detail", args=[asset.pk])).status_code == 404
    assert download(client, asset).status_code == 404


def test_another_organization_gets_404(browser_for, api_for, marketer, charlie):
    asset = upload(marketer, "deck.pdf", PDF)
    assert download(browser_for(charlie), asset).status_code == 404
    response = api_download(api_for(charlie), asset)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_anonymous_visitors_are_not_served(client, api_client, marketer):
    asset = upload(marketer, "deck.pdf", PDF)
    response = download(client, asset)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = api_download(api_client, asset)
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def test_archived_collateral_can_still_be_downloaded(browser_for, marketer, rep):
    # Like its page: archived assets keep their history and stay readable, only unusable.
    asset = upload(marketer, "deck.pdf", PDF)
    services.archive_collateral(by=marketer, collateral=asset)
    assert download(browser_for(rep), asset).status_code == 200


def test_a_link_only_asset_has_nothing_to_download(browser_for, rep, org):
    asset = CollateralFactory(organization=org)
    assert download(browser_for(rep), asset).status_code == 404


def test_a_file_missing_from_the_storage_is_404_not_500(browser_for, marketer, rep, media):
    asset = upload(marketer, "deck.pdf", PDF)
    (media / asset.file.name).unlink()
    assert download(browser_for(rep), asset).status_code == 404


def test_downloads_answer_only_get(browser_for, marketer):
    asset = upload(marketer, "deck.pdf", PDF)
    response = browser_for(marketer).post(reverse("leads:collateral_download", args=[asset.pk]))
    assert response.status_code == 405


# --- Headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.png", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("anim.gif", GIF, "image/gif"),
        ("pic.webp", WEBP, "image/webp"),
        ("deck.pdf", PDF, "application/pdf"),
    ],
)
def test_images_and_pdf_are_inline(browser_for, marketer, rep, name, content, content_type):
    response = download(browser_for(rep), upload(marketer, name, content))
    assert response["Content-Type"] == content_type
    assert disposition(response) == ("inline", name)
    assert response["X-Content-Type-Options"] == "nosniff"


def test_inline_images_are_sandboxed(browser_for, marketer, rep):
    response = download(browser_for(rep), upload(marketer, "photo.png", PNG))
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("brief.docx", office("word/"), "wordprocessingml.document"),
        ("figures.xlsx", office("xl/"), "spreadsheetml.sheet"),
        ("pitch.pptx", office("ppt/"), "presentationml.presentation"),
        ("logos.zip", office("logos/"), "application/zip"),
        ("notes.txt", b"Talking points\n", "text/plain"),
        ("prices.csv", b"plan;price\nbasic;10\n", "text/csv"),
    ],
)
def test_other_types_are_attachments(browser_for, marketer, rep, name, content, content_type):
    response = download(browser_for(rep), upload(marketer, name, content))
    assert content_type in response["Content-Type"]
    assert disposition(response) == ("attachment", name)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("name", "content"),
    [("page.html", HTML), ("logo.svg", SVG), ("run.js", b"alert(1)"), ("x.exe", b"MZ\x90")],
)
def test_files_stored_before_the_allow_list_are_attachments_of_no_type(
    browser_for, rep, org, name, content
):
    response = download(browser_for(rep), stored(org, name, content))
    assert response["Content-Type"] == "application/octet-stream"
    assert disposition(response) == ("attachment", name)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_content_type_comes_from_the_allow_list_not_the_upload(browser_for, marketer, rep):
    claimed = SimpleUploadedFile("deck.pdf", PDF, content_type="text/html")
    asset = services.add_collateral(by=marketer, title="Deck", file=claimed)
    assert download(browser_for(rep), asset)["Content-Type"] == "application/pdf"


def test_non_ascii_names_are_kept_exactly_with_an_ascii_fallback(browser_for, marketer, rep):
    name = 'Oferta "Zieliński" – łódź.pdf'
    response = download(browser_for(rep), upload(marketer, name, PDF))
    assert disposition(response) == ("inline", name)
    header = response["Content-Disposition"]
    header.encode("ascii")
    assert 'filename="Oferta _Zielinski_' in header


def test_the_api_downloads_with_the_same_headers(api_for, marketer, rep):
    docx = office("word/")
    asset = upload(marketer, "brief.docx", docx)
    listed = api_for(rep).get(f"/api/v1/collateral/{asset.pk}/").json()
    assert listed["file"] == f"http://testserver/api/v1/collateral/{asset.pk}/download/"
    assert listed["file_name"] == "brief.docx"
    response = api_download(api_for(rep), asset)
    assert response.status_code == 200
    assert body(response) == docx
    assert disposition(response) == ("attachment", "brief.docx")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_api_has_no_file_for_a_link(api_for, rep, org):
    asset = CollateralFactory(organization=org)
    assert api_for(rep).get(f"/api/v1/collateral/{asset.pk}/").json()["file"] is None
    response = api_download(api_for(rep), asset)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_fronting_proxy_can_send_the_file(browser_for, marketer, rep, settings, media):
    asset = upload(marketer, "deck.pdf", PDF)
    client = browser_for(rep)
    settings.FILES_SERVE = "x-accel-redirect"
    response = download(client, asset)
    assert response["X-Accel-Redirect"] == f"/protected-media/{asset.file.name}"
    assert response.content == b""
    assert disposition(response) == ("inline", "deck.pdf")
    assert response["X-Content-Type-Options"] == "nosniff"
    settings.FILES_SERVE = "x-sendfile"
    response = download(client, asset)
    assert response["X-Sendfile"] == str(media / asset.file.name)
    assert response["Content-Type"] == "application/pdf"


# --- The upload allow-list -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("page.html", HTML, "file_type_not_allowed"),
        ("logo.svg", SVG, "file_type_not_allowed"),
        ("run.js", b"alert(1)", "file_type_not_allowed"),
        ("setup.exe", b"MZ\x90\x00", "file_type_not_allowed"),
        ("README", b"plain", "file_type_not_allowed"),
        ("deck.pdf", HTML, "file_content_mismatch"),
        ("photo.png", SVG, "file_content_mismatch"),
        ("brief.docx", b"PK\x03\x04 not a zip", "file_content_mismatch"),
        ("brief.docx", office("xl/"), "file_content_mismatch"),
        ("notes.txt", HTML, "file_content_mismatch"),
        ("prices.csv", b"\xef\xbb\xbf<svg onload=alert(1)>", "file_content_mismatch"),
    ],
)
def test_the_api_refuses_files_off_the_allow_list(api_for, marketer, name, content, code):
    response = api_for(marketer).post(
        "/api/v1/collateral/",
        {"title": "Sneaky", "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["file"]
    assert not Collateral.objects.exists()


def test_the_page_refuses_an_html_file_on_the_file_field(browser_for, marketer, media):
    response = browser_for(marketer).post(
        reverse("leads:collateral_create"),
        {"title": "Sneaky", "file": SimpleUploadedFile("page.html", HTML)},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert "cannot be uploaded" in errors[0]
    assert ".pdf" in errors[0]
    assert not Collateral.objects.exists()
    assert not list(media.rglob("*.*"))


def test_the_page_refuses_a_pdf_that_is_really_html(browser_for, marketer):
    response = browser_for(marketer).post(
        reverse("leads:collateral_create"),
        {"title": "Sneaky", "file": SimpleUploadedFile("deck.pdf", HTML)},
    )
    assert response.status_code == 400
    assert "content is not PDF" in response.context["form"].errors["file"][0]


def test_replacing_a_file_is_checked_too_and_removes_the_old_one(
    browser_for, marketer, media, django_capture_on_commit_callbacks
):
    asset = upload(marketer, "deck.pdf", PDF)
    old = asset.file.name
    client = browser_for(marketer)
    url = reverse("leads:collateral_edit", args=[asset.pk])
    refused = client.post(url, {"title": "Deck", "file": SimpleUploadedFile("deck.svg", SVG)})
    assert refused.status_code == 400
    assert "file" in refused.context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(url, {"title": "Deck", "file": SimpleUploadedFile("v2.png", PNG)})
    assert saved.status_code == 302
    asset.refresh_from_db()
    assert (asset.file_name, (media / asset.file.name).read_bytes()) == ("v2.png", PNG)
    assert not (media / old).exists()


# --- Storage names ---------------------------------------------------------------------------


def test_storage_names_are_unguessable_and_unique(marketer):
    first = upload(marketer, "Q3 pricing.pdf", PDF)
    second = upload(marketer, "Q3 pricing.pdf", PDF)
    assert first.file.name != second.file.name
    for asset in (first, second):
        assert asset.file_name == "Q3 pricing.pdf"
        folder, stored_name = asset.file.name.rsplit("/", 1)
        assert folder == f"collateral/{marketer.organization_id}"
        assert "pricing" not in stored_name.lower()
        assert len(Path(stored_name).stem) == 32  # a uuid4's 122 random bits, in hex


def test_the_migration_moves_old_files_to_random_names(org, media):
    migration = importlib.import_module("leads.migrations.0010_collateral_files")
    old = f"collateral/{org.pk}/Price list.pdf"
    (media / old).parent.mkdir(parents=True)
    (media / old).write_bytes(PDF)
    asset = CollateralFactory(organization=org, url="", file=old)
    lost = CollateralFactory(organization=org, url="", file=f"collateral/{org.pk}/gone.pdf")
    migration.move_files_to_random_names(django_apps, None)
    asset.refresh_from_db()
    assert asset.original_name == "Price list.pdf"
    assert "Price" not in asset.file.name
    assert (media / asset.file.name).read_bytes() == PDF
    assert not (media / old).exists()
    lost.refresh_from_db()
    assert (lost.file.name, lost.original_name) == (f"collateral/{org.pk}/gone.pdf", "gone.pdf")


# --- Nothing under /media/ -------------------------------------------------------------------


def test_media_is_not_served_even_with_debug_on(client, settings, media, org):
    (media / "collateral" / str(org.pk)).mkdir(parents=True)
    (media / "collateral" / str(org.pk) / "page.html").write_bytes(HTML)
    import collab_hub.urls

    settings.DEBUG = True
    try:
        settings.ROOT_URLCONF = importlib.reload(collab_hub.urls)
        response = client.get(f"/media/collateral/{org.pk}/page.html")
    finally:
        settings.DEBUG = False
        importlib.reload(collab_hub.urls)
    assert response.status_code == 404
    assert HTML not in response.content


def test_a_manager_of_another_kind_downloads_too(browser_for, marketer, org):
    asset = upload(marketer, "deck.pdf", PDF)
    manager = member_of(org, DepartmentKind.CS, Role.MANAGER, email="cm@acme.test")
    assert download(browser_for(manager), asset).status_code == 200


def test_the_api_checks_a_replacement_file_too(api_for, marketer, media):
    asset = upload(marketer, "deck.pdf", PDF)
    response = api_for(marketer).patch(
        f"/api/v1/collateral/{asset.pk}/",
        {"file": SimpleUploadedFile("deck.svg", SVG)},
        format="multipart",
    )
    assert (response.status_code, response.json()["code"]) == (400, "file_type_not_allowed")
    asset.refresh_from_db()
    assert (asset.file_name, (media / asset.file.name).read_bytes()) == ("deck.pdf", PDF)
