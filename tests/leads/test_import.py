"""CSV import: files as spreadsheets export them, every row validated and reported, bulk
writes, re-import updates, the upload page and the errors download."""

import codecs
import csv
import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from accounts.models import DepartmentKind, Role
from collab_hub.notifications.models import ActivityEvent, Notification
from leads import tasks
from leads.models import ImportBatch, Lead, LeadStatus, LeadTransition
from leads.services import imports
from leads.services.scoring import lead_settings
from tests.factories import (
    CampaignFactory,
    ImportBatchFactory,
    LeadFactory,
    ScoringRuleFactory,
    TierFactory,
    member_of,
)

URL = "/api/v1/leads/import/"

GOOD = (
    "Email,First Name,Last Name,Company,Job title,Country,Employees,Annual revenue,Industry\r\n"
    "ann@alpha.test,Ann,Able,Alpha,CTO,PL,250,1500000.50,Software\r\n"
    "bob@beta.test,Bob,Baker,Beta,CEO,Germany,40,,Retail\r\n"
)


def upload(content, name="leads.csv"):
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(name, content, content_type="text/csv")


def post_file(client, content, name="leads.csv"):
    """The upload, and what runs after its commit (the import of a small file)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(URL, {"file": upload(content, name)}, format="multipart")


def import_file(client, content, name="leads.csv"):
    """Upload (202 + the batch), then the batch as the API shows it afterwards."""
    response = post_file(client, content, name)
    assert response.status_code == 202, response.json()
    if response.json()["status"] == "queued":
        # A large file went to the broker: run its task here.
        tasks.run_import(response.json()["id"])
    return client.get(response["Location"]).json()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Uploads are stored before they are imported: into a directory of this test's own.
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def api(api_for, marketer):
    return api_for(marketer)


def test_a_good_file_imports_every_row(api, org, marketer):
    TierFactory(organization=org, rank=1, name="Enterprise PL", countries=["PL"])
    ScoringRuleFactory(organization=org, field="title", operator="eq", value="cto", points=30)
    report = import_file(api, GOOD)
    assert report["status"] == "done"
    batch = ImportBatch.objects.get()
    assert report["id"] == batch.pk
    assert (report["rows"], report["created"], report["updated"], report["errors"]) == (2, 2, 0, [])
    assert report["ignored_columns"] == []
    assert report["delimiter"] == ","
    ann = Lead.objects.get(email="ann@alpha.test")
    assert (ann.first_name, ann.company_name, ann.country, ann.employees) == (
        "Ann",
        "Alpha",
        "PL",
        250,
    )
    assert str(ann.annual_revenue) == "1500000.50"
    assert (ann.score, ann.tier.name, ann.source, ann.status) == (
        30,
        "Enterprise PL",
        "import",
        "new",
    )
    assert (ann.import_batch, ann.marketing_owner) == (batch, marketer)
    assert Lead.objects.get(email="bob@beta.test").country == "DE"
    assert LeadTransition.objects.filter(to_status=LeadStatus.NEW, by=marketer).count() == 2
    # One event for the batch, not one per row.
    # One activity event for the batch, not one per row, and the uploader is notified.
    events = {e.verb: e for e in ActivityEvent.objects.filter(organization=org)}
    assert sorted(events) == ["lead.import_finished", "lead.imported"]
    assert events["lead.imported"].payload["created"] == 2
    assert events["lead.imported"].actor == marketer
    notified = Notification.objects.get(event=events["lead.import_finished"])
    assert (notified.recipient, notified.event.target) == (marketer, batch)


def test_bad_rows_are_reported_and_the_good_rows_of_the_same_file_imported(api, org):
    CampaignFactory(organization=org, name="Spring Webinar")
    content = (
        "Email,First name,Employees,Country,Campaign,Source\n"
        "good@one.test,One,10,PL,spring webinar,event\n"
        "not-an-email,Two,10,PL,,\n"
        "\n"
        'good@three.test,"Three\nlines",ten,Narnia,Autumn,radio\n'
        "good@four.test,Four,,,,\n"
    )
    report = import_file(api, content)
    assert (report["rows"], report["created"], report["invalid_rows"]) == (4, 2, 2)
    assert {(e["row"], e["column"]) for e in report["errors"]} == {
        (3, "Email"),
        (5, "Employees"),
        (5, "Country"),
        (5, "Campaign"),
        (5, "Source"),
    }
    # A row's errors read left to right, as the columns do.
    assert [e["column"] for e in report["errors"] if e["row"] == 5] == [
        "Employees",
        "Country",
        "Campaign",
        "Source",
    ]
    messages = {e["column"]: e["message"] for e in report["errors"] if e["row"] == 5}
    assert "not a number" in messages["Employees"]
    assert "Autumn" in messages["Campaign"]
    assert "radio" in messages["Source"]
    assert sorted(Lead.objects.values_list("email", flat=True)) == [
        "good@four.test",
        "good@one.test",
    ]
    one = Lead.objects.get(email="good@one.test")
    assert (one.campaign.name, one.source) == ("Spring Webinar", "event")
    batch = ImportBatch.objects.get()
    assert (batch.error_count, len(batch.errors)) == (2, 5)


def test_reimport_updates_by_email_instead_of_duplicating(api, org):
    existing = LeadFactory(
        organization=org, email="ann@alpha.test", first_name="Ann", phone="123", source="website"
    )
    content = "E-mail,Imię,Telefon,Stanowisko\nANN@Alpha.test,Anna,,Founder\nnew@x.test,New,,\n"
    report = import_file(api, content)
    assert (report["created"], report["updated"], report["invalid_rows"]) == (1, 1, 0)
    assert Lead.objects.filter(email__iexact="ann@alpha.test").count() == 1
    existing.refresh_from_db()
    # Non-empty cells overwrite, empty cells never erase, the source stays where it came from.
    assert (existing.first_name, existing.title, existing.phone, existing.source) == (
        "Anna",
        "Founder",
        "123",
        "website",
    )
    # The updated lead keeps the batch that brought it; the created one is this batch's.
    assert existing.import_batch is None
    assert Lead.objects.get(email="new@x.test").import_batch_id == report["id"]

    again = import_file(api, content)
    assert (again["created"], again["updated"]) == (0, 2)
    assert Lead.objects.count() == 2


def test_the_same_email_twice_in_a_file_the_later_row_wins(api):
    content = "email,company\nsam@x.test,First Co\nsam@x.test,Second Co\n"
    report = import_file(api, content)
    assert (report["rows"], report["created"], report["updated"]) == (2, 1, 0)
    assert Lead.objects.get().company_name == "Second Co"


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        ("Foo,Bar\n1,2\n", "unknown_columns", "Recognised column names: Email, First name"),
        ("First name,Company\nAnn,Alpha\n", "no_email_column", "no email column"),
        ("ann@alpha.test,Ann\n", "unknown_columns", "first row must name the columns"),
    ],
)
def test_a_wrong_header_is_a_400_with_a_clear_message(api, content, code, words):
    response = post_file(api, content)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert words in response.json()["detail"]
    assert not ImportBatch.objects.exists()


def test_a_polish_excel_file_in_windows_1250_with_semicolons_and_decimal_commas(api, org):
    content = (
        "Adres e-mail;Imię;Nazwisko;Firma;Kraj;Liczba pracowników;Przychód;Branża;Uwagi\r\n"
        "lukasz@zolw.pl;Łukasz;Żółkiewski;Spółka Zoo;Polska;1 200;1 234 567,89;Usługi;x\r\n"
        "ewa@example.pl;Ewa;Śliwińska;Kraków Sp. z o.o.;PL;15;2.500,50 zł;Handel;\r\n"
    ).encode("cp1250")
    report = import_file(api, content)
    assert (report["created"], report["invalid_rows"]) == (2, 0), report["errors"]
    assert (report["encoding"], report["delimiter"]) == ("cp1250", ";")
    assert report["ignored_columns"] == ["Uwagi"]
    lukasz = Lead.objects.get(email="lukasz@zolw.pl")
    assert (lukasz.first_name, lukasz.last_name, lukasz.company_name) == (
        "Łukasz",
        "Żółkiewski",
        "Spółka Zoo",
    )
    assert (lukasz.country, lukasz.employees, str(lukasz.annual_revenue)) == (
        "PL",
        1200,
        "1234567.89",
    )
    assert str(Lead.objects.get(email="ewa@example.pl").annual_revenue) == "2500.50"


def test_utf8_with_a_bom(api):
    report = import_file(api, codecs.BOM_UTF8 + "Email,Imię\nzoe@x.test,Zoë\n".encode())
    assert report["encoding"] == "utf-8-sig"
    assert Lead.objects.get().first_name == "Zoë"


def test_utf16_tab_separated_as_excel_saves_unicode_text(api):
    text = "Email\tFirst name\tAnnual revenue\nkai@x.test\tKai\t1,234.50\n"
    report = import_file(api, text.encode("utf-16"))
    assert (report["encoding"], report["delimiter"]) == ("utf-16", "\t")
    assert str(Lead.objects.get().annual_revenue) == "1234.50"


def test_excel_sep_line_names_the_delimiter(api):
    report = import_file(api, "sep=|\nEmail|Name\nx@y.test|Jan Maria Kowalski\n")
    assert (report["delimiter"], report["created"]) == ("|", 1)
    lead = Lead.objects.get()
    # "Name" is split when the file has no first/last name columns.
    assert (lead.first_name, lead.last_name) == ("Jan Maria", "Kowalski")


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n", codecs.BOM_UTF8])
def test_an_empty_file_is_a_400(api, content):
    response = post_file(api, content)
    assert response.status_code == 400
    assert response.json()["detail"] == "The file is empty."
    assert not ImportBatch.objects.exists()


def test_a_file_that_is_not_text_is_a_400(api):
    noise = random.Random(7).randbytes(5000)
    response = post_file(api, noise, name="photo.csv")
    assert response.status_code == 400
    assert response.json()["code"] == "not_text"
    workbook = post_file(api, b"PK\x03\x04" + noise, name="leads.xlsx")
    assert workbook.status_code == 400
    assert "Excel workbook" in workbook.json()["detail"]


def test_a_file_in_no_known_encoding_is_a_400(api):
    # 0x81 means nothing in UTF-8, Windows-1250 or Windows-1252.
    response = post_file(api, b"email,name\nx@y.test,Ala\x81\n")
    assert response.status_code == 400
    assert response.json()["code"] == "undecodable"
    assert "CSV UTF-8" in response.json()["detail"]


def test_a_row_too_long_to_read_is_reported_and_the_others_imported(api):
    content = f"email,notes\nfirst@x.test,a\nhuge@x.test,{'x' * 200_000}\nlast@x.test,b\n"
    report = import_file(api, content)
    assert (report["rows"], report["created"], report["invalid_rows"]) == (3, 2, 1)
    assert report["errors"][0]["row"] == 3
    assert "cannot be read" in report["errors"][0]["message"]


def test_characters_that_do_not_decode_later_in_the_file_are_reported_on_their_row(api):
    # The first 64 KB are UTF-8 (a long ignored cell); a row below was saved as cp1250.
    long_note = "ż" * 40_000
    content = f"email,first name,notes\nfirst@x.test,Ala,{long_note}\n".encode()
    content += "late@x.test,Łucja,\nlast@x.test,Ola,\n".encode("cp1250")
    report = import_file(api, content)
    assert report["encoding"] == "utf-8"
    assert (report["created"], report["invalid_rows"]) == (2, 1)
    assert report["errors"] == [
        {
            "row": 3,
            "column": "first name",
            "message": "This row is not UTF-8 like the rest of the file (it looks like "
            "Windows-1250: “Łucja”); save the whole file as “CSV UTF-8” and upload it again.",
        }
    ]


def test_a_file_with_only_a_header_imports_nothing(api):
    report = import_file(api, "Email,Company\n")
    assert (report["rows"], report["created"]) == (0, 0)


def test_stored_errors_are_capped_with_a_count_of_the_rest(api, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ERROR_ROWS", 3)
    content = "email\n" + "".join(f"bad{i}\n" for i in range(10)) + "ok@x.test\n"
    report = import_file(api, content)
    assert (report["invalid_rows"], report["created"]) == (10, 1)
    assert [e["row"] for e in report["errors"]] == [2, 3, 4]
    assert report["error_rows_not_shown"] == 7


def test_leads_at_the_threshold_are_qualified_when_the_organization_auto_qualifies(api, org, rep):
    settings = lead_settings(org)
    settings.auto_qualify, settings.mql_threshold = True, 20
    settings.save()
    ScoringRuleFactory(organization=org, field="country", operator="eq", value="PL", points=20)
    report = import_file(api, "email,country\nhot@x.test,PL\ncold@x.test,US\n")
    assert report["qualified"] == 1
    hot = Lead.objects.get(email="hot@x.test")
    assert (hot.status, hot.owner) == (LeadStatus.MQL, rep)
    assert Lead.objects.get(email="cold@x.test").status == LeadStatus.NEW


def test_a_500_row_import_takes_a_bounded_number_of_queries(
    api, org, django_assert_max_num_queries
):
    CampaignFactory(organization=org, name="Fair")
    ScoringRuleFactory(organization=org, field="country", operator="eq", value="PL", points=5)
    LeadFactory.create_batch(50, organization=org)
    existing = list(Lead.objects.values_list("email", flat=True))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Email", "First name", "Country", "Employees", "Campaign"])
    for i in range(450):
        writer.writerow([f"lead{i}@bulk.test", f"N{i}", "PL", i, "Fair"])
    for email in existing:
        writer.writerow([email, "Updated", "DE", 5, "Fair"])
    with django_assert_max_num_queries(60):
        response = post_file(api, buffer.getvalue())
    assert response.status_code == 202
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created_count, batch.updated_count) == ("done", 450, 50)


def test_sales_may_not_import(api_for, rep):
    response = post_file(api_for(rep), GOOD)
    assert response.status_code == 403
    assert not Lead.objects.exists()


def test_a_request_without_a_file_is_a_400(api):
    assert api.post(URL, {}, format="multipart").status_code == 400


def test_imports_are_throttled_per_user(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"lead_import": "2/hour"},
    }
    statuses = [post_file(api, f"email\nx{i}@y.test\n").status_code for i in range(3)]
    assert statuses == [202, 202, 429]


# --- Past imports in the API -----------------------------------------------------------------


def test_past_imports_list_and_detail(api, org, django_assert_max_num_queries):
    post_file(api, "email\nbad\n")
    ImportBatchFactory.create_batch(3, organization=org)
    with django_assert_max_num_queries(6):
        listed = api.get("/api/v1/leads/imports/").json()["results"]
    assert len(listed) == 4
    ImportBatchFactory.create_batch(20, organization=org)
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/leads/imports/").json()["results"]) == 24
    batch = ImportBatch.objects.get(file_name="leads.csv")
    detail = api.get(f"/api/v1/leads/imports/{batch.pk}/").json()
    assert detail["errors"] == [
        {"row": 2, "column": "email", "message": "Enter a valid email address."}
    ]


def test_an_outsider_cannot_see_another_organizations_import(api_for, charlie, org):
    batch = ImportBatchFactory(organization=org)
    assert api_for(charlie).get(f"/api/v1/leads/imports/{batch.pk}/").status_code == 404


# --- Pages ---------------------------------------------------------------------------------


def test_the_upload_page_imports_and_shows_the_report(browser_for, marketer):
    browser = browser_for(marketer)
    page = browser.get(reverse("leads:lead_import"))
    assert page.status_code == 200
    assert "adres e-mail" in page.content.decode()  # the accepted column names are listed
    content = "Email,Notes\nok@x.test,hi\nbroken,\n"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = browser.post(reverse("leads:lead_import"), {"file": upload(content)})
    batch = ImportBatch.objects.get()
    # A plain form post is redirected to the import's page (htmx gets 202, test_import_jobs).
    assert response.status_code == 303
    assert response["Location"] == reverse("leads:lead_import_detail", args=[batch.pk])
    html = browser.get(response["Location"]).content.decode()
    assert "Done" in html
    assert "hx-trigger" not in html  # finished: the page does not poll
    assert "Notes" in html  # the ignored column is named
    assert "Enter a valid email address." in html
    assert reverse("leads:lead_import_errors", args=[batch.pk]) in html


def test_the_upload_page_shows_a_file_level_error(browser_for, marketer):
    response = browser_for(marketer).post(
        reverse("leads:lead_import"), {"file": upload("Foo\n1\n")}
    )
    assert response.status_code == 400
    assert "Recognised column names" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_errors_download_as_csv(browser_for, marketer, api):
    post_file(api, 'Email,"=cmd|calc"\nbroken,x\nok@x.test,y\n')
    batch = ImportBatch.objects.get()
    batch.errors.append({"row": 9, "column": '=HYPERLINK("x")', "message": "injected"})
    batch.save()
    response = browser_for(marketer).get(reverse("leads:lead_import_errors", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="leads-errors.csv"' in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Row", "Column", "Message"]
    assert rows[1] == ["2", "Email", "Enter a valid email address."]
    # A cell a spreadsheet would run as a formula is neutralised.
    assert rows[2][1] == '\'=HYPERLINK("x")'


def test_errors_download_uses_semicolons_for_polish_readers(browser_for, marketer, api):
    post_file(api, "Email\nbroken\n")
    batch = ImportBatch.objects.get()
    browser = browser_for(marketer)
    marketer.user.language = "pl"
    marketer.user.save()
    body = browser.get(reverse("leads:lead_import_errors", args=[batch.pk])).content.decode()
    assert body.lstrip("\ufeff").splitlines()[1].startswith("2;Email;")


def test_sales_sees_imports_but_not_the_upload_form(browser_for, rep, org):
    batch = ImportBatchFactory(organization=org)
    browser = browser_for(rep)
    assert browser.get(reverse("leads:lead_import")).status_code == 403
    assert browser.post(reverse("leads:lead_import"), {"file": upload(GOOD)}).status_code == 403
    listing = browser.get(reverse("leads:lead_import_list"))
    assert listing.status_code == 200
    assert batch.file_name in listing.content.decode()
    assert reverse("leads:lead_import") not in listing.content.decode()
    assert browser.get(reverse("leads:lead_import_detail", args=[batch.pk])).status_code == 200


def test_a_sales_manager_may_import(browser_for, org):
    manager = member_of(org, DepartmentKind.SALES, Role.MANAGER, email="mgr@acme.test")
    assert browser_for(manager).get(reverse("leads:lead_import")).status_code == 200


def test_the_imports_page_has_an_empty_state(browser_for, marketer):
    html = browser_for(marketer).get(reverse("leads:lead_import_list")).content.decode()
    assert "No imports yet" in html


def test_the_imports_page_query_count_does_not_grow(
    browser_for, marketer, org, django_assert_max_num_queries
):
    browser = browser_for(marketer)
    ImportBatchFactory.create_batch(3, organization=org, uploaded_by=marketer)
    with django_assert_max_num_queries(12):
        browser.get(reverse("leads:lead_import_list"))
    ImportBatchFactory.create_batch(30, organization=org, uploaded_by=marketer)
    with django_assert_max_num_queries(12):
        html = browser.get(reverse("leads:lead_import_list")).content.decode()
    assert html.count("/leads/imports/") >= 33


def test_the_report_page_query_count_is_constant(
    browser_for, marketer, org, django_assert_max_num_queries
):
    errors = [{"row": i, "column": "Email", "message": "bad"} for i in range(2, 500)]
    batch = ImportBatchFactory(
        organization=org, uploaded_by=marketer, errors=errors, error_count=498
    )
    browser = browser_for(marketer)
    with django_assert_max_num_queries(10):
        response = browser.get(reverse("leads:lead_import_detail", args=[batch.pk]))
    assert response.content.decode().count("<td>bad</td>") == 498


def test_an_outsider_gets_404_for_another_organizations_import_pages(browser_for, charlie, org):
    batch = ImportBatchFactory(organization=org)
    browser = browser_for(charlie)
    for name in ("leads:lead_import_detail", "leads:lead_import_errors"):
        assert browser.get(reverse(name, args=[batch.pk])).status_code == 404
        assert browser.post(reverse(name, args=[batch.pk])).status_code == 404
    assert batch.file_name not in browser.get(reverse("leads:lead_import_list")).content.decode()


# --- Reading numbers and names ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("1 234,50", True, "1234.50"),
        ("1.234,50", True, "1234.50"),
        ("1,234.50", False, "1234.50"),
        ("1234.5", False, "1234.5"),
        ("1\u00a0234,5", True, "1234.5"),
        ("1,234", False, "1234"),
        ("1,234", True, "1.234"),
        ("1.234", True, "1234"),
        ("1.000.000", False, "1000000"),
        ("12,5", False, "12.5"),
        ("€ 1,234.50", False, "1234.50"),
        ("2 500 zł", True, "2500"),
        ("-3,5", True, "-3.5"),
        ("12,34,5", False, None),
        ("1.2.3,4,5", True, None),
        ("abc", False, None),
        ("", False, None),
    ],
)
def test_numbers_as_spreadsheets_write_them(text, decimal_comma, expected):
    assert imports.parse_number(text, decimal_comma=decimal_comma) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("51-200", "51"), ("1 000 – 5 000", "1000"), ("10000+", "10000")]
)
def test_a_headcount_range_counts_its_lower_bound(text, expected):
    assert imports.parse_headcount(text, decimal_comma=True) == expected


def test_column_names_ignore_case_spacing_punctuation_and_accents():
    mapping, ignored = imports.map_header(
        ["EMAIL ADDRESS", "given-name", "Nazwisko", "Organization", "Position", "Phone number",
         "KRAJ", "Company size", "Revenue", "BRANŻA", "Źródło", "campaign", "E-mail", "Notes"]
    )  # fmt: skip
    assert list(mapping.values()) == [
        "email", "first_name", "last_name", "company_name", "title", "phone", "country",
        "employees", "annual_revenue", "industry", "source", "campaign",
    ]  # fmt: skip
    assert ignored == ["E-mail", "Notes"]
