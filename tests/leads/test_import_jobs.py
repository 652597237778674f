"""Imports as background jobs: the 202 contract (page and API), queued → running → done,
chunks that commit with their offset, a run killed mid-way, the watchdog, resume without
duplicates, re-runs that change nothing, the progress page, repeated emails, ignored
columns and the errors download in the file's own delimiter and encoding."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from collab_hub.notifications.models import Notification
from leads import tasks
from leads.models import ImportBatch, ImportStatus, Lead, LeadTransition
from leads.services import imports

URL = "/api/v1/leads/import/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def api(api_for, marketer):
    return api_for(marketer)


def csv_file(rows, *, header=("Email", "First name", "Company"), delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def people(count, *, start=0):
    return [(f"p{i}@x.test", f"Person{i}", f"Co{i}") for i in range(start, start + count)]


def upload(content, name="leads.csv"):
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(name, content, content_type="text/csv")


def queue(marketer, content, name="leads.csv"):
    """Store the file and queue its import; the after-commit work is NOT run."""
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        batch = imports.start_import(by=marketer, file=upload(content, name), file_name=name)
    return batch, callbacks


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the import catches it, as nothing runs after a kill."""


def kill_after_chunks(monkeypatch, chunks):
    """The worker dies while writing chunk ``chunks + 1`` (before its commit)."""
    original = imports._Importer._commit
    done = {"chunks": 0}

    def commit(self):
        if done["chunks"] == chunks:
            raise Killed
        original(self)
        done["chunks"] += 1

    monkeypatch.setattr(imports._Importer, "_commit", commit)


# --- The 202 contract ------------------------------------------------------------------------


def test_the_api_answers_202_with_the_queued_batch_and_its_location(api, marketer):
    content = csv_file(people(3), header=("Email", "First name", "Company", "Notes"))
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = api.post(URL, {"file": upload(content)}, format="multipart")
    assert response.status_code == 202
    body = response.json()
    batch = ImportBatch.objects.get()
    assert (body["id"], body["status"], body["progress"]) == (batch.pk, "queued", 0)
    assert body["ignored_columns"] == ["Notes"]
    assert body["columns"] == {
        "Email": "email",
        "First name": "first_name",
        "Company": "company_name",
    }
    assert (body["encoding"], body["delimiter"]) == ("utf-8", ",")
    assert response["Location"] == f"/api/v1/leads/imports/{batch.pk}/"
    assert body["url"] == reverse("leads:lead_import_detail", args=[batch.pk])
    # The file is stored under an unguessable name of the organization, nothing imported yet.
    assert batch.file.name.startswith(f"imports/{marketer.organization_id}/")
    assert len(batch.file.name.rsplit("/", 1)[1]) == len("0" * 32 + ".csv")
    assert default_storage.exists(batch.file.name)
    assert not Lead.objects.exists()
    assert len(callbacks) == 1  # the import is dispatched after the commit

    callbacks[0]()
    detail = api.get(response["Location"]).json()
    assert (detail["status"], detail["created"], detail["progress"]) == ("done", 3, 100)
    assert Lead.objects.count() == 3


def test_a_large_file_goes_to_the_celery_task(api, marketer, monkeypatch):
    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 10)
    sent = []
    monkeypatch.setattr(tasks.run_import, "delay", lambda batch_id: sent.append(batch_id))
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post(URL, {"file": upload(csv_file(people(5)))}, format="multipart")
    assert response.status_code == 202
    assert sent == [response.json()["id"]]
    assert ImportBatch.objects.get().status == ImportStatus.QUEUED


def test_the_page_answers_an_htmx_upload_202_and_redirects_to_the_batch(browser_for, marketer):
    browser = browser_for(marketer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = browser.post(
            reverse("leads:lead_import"), {"file": upload(csv_file(people(2)))}, **HTMX
        )
    batch = ImportBatch.objects.get()
    assert response.status_code == 202
    assert response["HX-Redirect"] == reverse("leads:lead_import_detail", args=[batch.pk])


def test_a_refused_file_is_a_400_on_the_page_and_nothing_is_stored(browser_for, marketer, tmp_path):
    response = browser_for(marketer).post(
        reverse("leads:lead_import"), {"file": upload("Foo\n1\n")}, **HTMX
    )
    assert response.status_code == 400
    assert "Recognised column names" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert not (tmp_path / "imports").exists()


# --- Lifecycle ------------------------------------------------------------------------------


def test_queued_running_done_with_counts_times_and_the_file_removed(marketer):
    batch, _callbacks = queue(marketer, csv_file([*people(4), ("bad", "X", "Y")]))
    assert batch.status == ImportStatus.QUEUED
    stored = batch.file.name
    seen = []
    original = imports._Importer._commit

    def watch(self):
        seen.append(ImportBatch.objects.get(pk=self.batch.pk).status)
        original(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(imports._Importer, "_commit", watch)
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert tasks.run_import(batch.pk) is True
    assert seen == [ImportStatus.RUNNING]
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert (batch.total_records, batch.records_done, batch.rows) == (5, 5, 5)
    assert (batch.created_count, batch.updated_count, batch.error_count) == (4, 0, 1)
    assert batch.started_at <= batch.finished_at
    assert batch.file.name == ""
    assert not default_storage.exists(stored)
    notice = Notification.objects.get(recipient=marketer)
    assert notice.event.verb == "lead.import_finished"


def test_each_chunk_commits_its_rows_with_the_offset(marketer, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_SIZE", 3)
    batch, _callbacks = queue(marketer, csv_file(people(10)))
    kill_after_chunks(monkeypatch, 2)
    with pytest.raises(Killed):
        tasks.run_import(batch.pk)
    batch.refresh_from_db()
    # Killed in the third chunk: two chunks are in, their offset with them; still "running".
    assert (batch.status, batch.records_done, batch.created_count) == ("running", 6, 6)
    assert Lead.objects.count() == 6
    assert batch.heartbeat_at is not None


def test_a_killed_import_is_failed_by_the_watchdog_and_resumes_without_duplicates(
    api, marketer, monkeypatch
):
    monkeypatch.setattr(imports, "CHUNK_SIZE", 4)
    # An email twice, across chunks: the second is "repeated", also after the resume.
    rows = [*people(9), ("p1@x.test", "Again", "Later Co"), *people(5, start=9)]
    batch, _callbacks = queue(marketer, csv_file(rows))
    kill_after_chunks(monkeypatch, 1)
    with pytest.raises(Killed):
        tasks.run_import(batch.pk)
    monkeypatch.undo()
    monkeypatch.setattr(imports, "CHUNK_SIZE", 4)

    # A fresh heartbeat: the watchdog leaves it alone, and a second task does not take it.
    assert imports.fail_stalled_imports() == 0
    assert tasks.run_import(batch.pk) is False
    later = timezone.now() + imports.STALLED_AFTER + timedelta(seconds=1)
    assert imports.fail_stalled_imports(now=later) == 1
    batch.refresh_from_db()
    assert (batch.status, batch.records_done) == ("failed", 4)
    assert "stopped responding" in batch.failure
    assert Notification.objects.get(recipient=marketer).event.verb == "lead.import_failed"
    assert imports.fail_stalled_imports(now=later) == 0  # told once

    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = api.post(f"/api/v1/leads/imports/{batch.pk}/resume/")
    assert (response.status_code, response.json()["status"]) == (202, "queued")
    assert len(callbacks) == 1  # the task is queued after the commit; here it runs at once
    assert tasks.run_import(batch.pk) is True
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert Lead.objects.count() == 14
    assert not Lead.objects.values("email").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert LeadTransition.objects.count() == 14
    assert (batch.rows, batch.created_count, batch.updated_count) == (15, 14, 0)
    assert (batch.repeated_count, batch.records_done, batch.error_count) == (1, 15, 0)
    assert batch.repeated[0]["row"] == 11 and batch.repeated[0]["first_row"] == 3
    assert Lead.objects.get(email="p1@x.test").company_name == "Later Co"


def test_rerunning_a_done_batch_changes_nothing(marketer):
    batch, _callbacks = queue(marketer, csv_file(people(3)))
    assert tasks.run_import(batch.pk) is True
    batch.refresh_from_db()
    before = list(Lead.objects.order_by("pk").values("pk", "email", "updated_at"))
    state = (batch.status, batch.created_count, batch.updated_count, batch.finished_at)
    assert tasks.run_import(batch.pk) is False
    assert tasks.run_import(batch.pk + 1000) is False  # gone: nothing to do
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.updated_count, batch.finished_at) == state
    assert list(Lead.objects.order_by("pk").values("pk", "email", "updated_at")) == before
    assert Notification.objects.filter(recipient=marketer).count() == 1


def test_an_error_fails_the_batch_with_the_reason_and_it_can_be_resumed(
    marketer, monkeypatch, browser_for
):
    batch, _callbacks = queue(marketer, csv_file(people(3)))
    monkeypatch.setattr(imports, "count_records", lambda batch: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        tasks.run_import(batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "division by zero" in batch.failure
    html = browser_for(marketer).get(batch.get_absolute_url()).content.decode()
    assert reverse("leads:lead_import_resume", args=[batch.pk]) in html
    monkeypatch.undo()
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = browser_for(marketer).post(reverse("leads:lead_import_resume", args=[batch.pk]))
    assert response.status_code == 303
    assert len(callbacks) == 1
    assert tasks.run_import(batch.pk) is True
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == ("done", 3)


def test_only_a_failed_import_can_be_resumed(api, marketer, api_for, rep, charlie):
    batch, _callbacks = queue(marketer, csv_file(people(1)))
    response = api.post(f"/api/v1/leads/imports/{batch.pk}/resume/")
    assert (response.status_code, response.json()["code"]) == (409, "import_not_failed")
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED)
    assert api_for(rep).post(f"/api/v1/leads/imports/{batch.pk}/resume/").status_code == 403
    assert api_for(charlie).post(f"/api/v1/leads/imports/{batch.pk}/resume/").status_code == 404
    assert api_for(charlie).get(f"/api/v1/leads/imports/{batch.pk}/").status_code == 404
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.FAILED


def test_a_queued_import_whose_task_was_lost_is_failed_after_an_hour(marketer):
    batch, _callbacks = queue(marketer, csv_file(people(2)))
    assert imports.fail_stalled_imports(now=timezone.now() + timedelta(minutes=30)) == 0
    assert imports.fail_stalled_imports(now=timezone.now() + timedelta(minutes=61)) == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert tasks.run_import(batch.pk) is False


# --- The page ---------------------------------------------------------------------------------


def test_the_page_polls_while_running_and_stops_when_done(browser_for, marketer):
    batch, _callbacks = queue(marketer, csv_file(people(4)))
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.RUNNING, total_records=4, records_done=2
    )
    browser = browser_for(marketer)
    html = browser.get(batch.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert 'value="50"' in html  # the progress bar
    assert "2 of 4 rows (50 %)" in html
    partial = browser.get(batch.get_absolute_url(), **HTMX).content.decode()
    assert "<html" not in partial and 'id="import-report"' in partial
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.QUEUED)
    tasks.run_import(batch.pk)
    partial = browser.get(batch.get_absolute_url(), **HTMX).content.decode()
    assert "hx-trigger" not in partial
    assert "Done" in partial


def test_the_report_lists_ignored_columns_and_repeated_emails(browser_for, api, marketer):
    content = csv_file(
        [("a@x.test", "A", "One", "x", "y"), ("b@x.test", "B", "Two", "", ""),
         ("A@X.test", "A2", "Three", "", "")],
        header=("Email", "First name", "Company", "Notes", "Owner"),
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post(URL, {"file": upload(content)}, format="multipart")
    detail = api.get(response["Location"]).json()
    assert detail["ignored_columns"] == ["Notes", "Owner"]
    assert (detail["created"], detail["updated"], detail["repeated_rows"]) == (2, 0, 1)
    assert detail["repeated"] == [
        {
            "row": 4,
            "column": "Email",
            "first_row": 2,
            "message": "Repeated in the file: row 2 has the same email; this later row's "
            "values were imported.",
        }
    ]
    html = browser_for(marketer).get(reverse("leads:lead_import_detail", args=[detail["id"]]))
    text = html.content.decode()
    assert "These columns were not understood and were ignored:" in text
    assert "<strong>Notes</strong>, <strong>Owner</strong>" in text
    assert "Emails repeated in the file" in text


# --- The errors download ----------------------------------------------------------------------


def test_errors_download_in_the_files_semicolons_and_windows_1250(browser_for, marketer):
    content = "Adres e-mail;Imię;Liczba pracowników\r\nzła-wartość;Łucja;10\r\nok@x.pl;Ola;dużo\r\n"
    batch, _callbacks = queue(marketer, content.encode("cp1250"))
    tasks.run_import(batch.pk)
    response = browser_for(marketer).get(reverse("leads:lead_import_errors", args=[batch.pk]))
    assert response["Content-Type"] == "text/csv; charset=windows-1250"
    rows = list(csv.reader(io.StringIO(response.content.decode("cp1250")), delimiter=";"))
    assert rows[0] == ["Row", "Column", "Message"]
    assert [row[:2] for row in rows[1:]] == [["2", "Adres e-mail"], ["3", "Liczba pracowników"]]
    assert "“dużo” is not a number." in rows[2][2]


def test_errors_download_of_a_comma_utf8_file_is_utf8_with_a_bom_and_commas(browser_for, marketer):
    batch, _callbacks = queue(marketer, "Email,Imię\nbroken,Zoë\nok@x.test,Ann\nOK@x.test,A\n")
    tasks.run_import(batch.pk)
    marketer.user.language = "pl"  # the file's delimiter wins over the reader's language
    marketer.user.save()
    response = browser_for(marketer).get(reverse("leads:lead_import_errors", args=[batch.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert [row[:2] for row in rows[1:]] == [["2", "Email"], ["4", "Email"]]
    assert "3" in rows[2][2]  # the repeated row names the earlier one
