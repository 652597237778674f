"""Mixed encodings are reported, never garbled: the encoding is decided over the whole file,
and rows that do not fit it are errors with their row number (issue 8 §4, both measured
cases reproduced first)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from leads import tasks
from leads.models import ImportBatch, Lead
from leads.services import imports

GARBLED = ("Ă‰", "Ă©", "Ĺ‚", "Ă“", "Ă")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def run(marketer, content):
    with TestCase.captureOnCommitCallbacks(execute=False):
        batch = imports.start_import(
            by=marketer,
            file=SimpleUploadedFile("mixed.csv", content, content_type="text/csv"),
            file_name="mixed.csv",
        )
    tasks.run_import(batch.pk)
    return ImportBatch.objects.get(pk=batch.pk)


def assert_nothing_garbled():
    for lead in Lead.objects.all():
        for value in (lead.first_name, lead.last_name, lead.company_name):
            assert not any(mark in value for mark in GARBLED), value


def test_a_utf8_file_with_one_windows_1250_row_in_its_first_64_kb(marketer):
    # The first case: "Émile" in UTF-8 (1,500 of them there; 300 here) and, at row
    # 40, one row Excel saved as Windows-1250. Read whole as cp1250 before, every "Émile"
    # became "Ă‰mile".
    lines = ["Email,First name,Last name"]
    lines += [f"emile{i}@x.test,Émile,Zoë-Żak" for i in range(300)]
    content = "\r\n".join(lines).encode() + b"\r\n"
    odd = "odd@x.test,Łucja,Wiśniewska\r\n".encode("cp1250")
    at = content.index(b"emile38@")
    content = content[:at] + odd + content[at:]
    assert content.index(odd) < 64 * 1024
    batch = run(marketer, content)
    assert batch.encoding == "utf-8"
    assert (batch.created_count, batch.error_count) == (300, 1)
    assert Lead.objects.filter(first_name="Émile", last_name="Zoë-Żak").count() == 300
    assert [(e["row"], e["column"]) for e in batch.errors] == [
        (40, "First name"),
        (40, "Last name"),
    ]
    assert "not UTF-8" in batch.errors[0]["message"]
    assert "Łucja" in batch.errors[0]["message"]  # what the row says, read as Windows-1250
    assert not Lead.objects.filter(email="odd@x.test").exists()
    assert_nothing_garbled()


def test_a_windows_1250_file_with_a_utf8_row_later(marketer):
    # The second case: Polish Excel's cp1250 file; far below 64 KB someone pasted rows saved
    # as UTF-8 ("Émile" would read "Ă‰mile", and "Łukasz" has a byte cp1250 lacks).
    # A long note in an ignored column puts the UTF-8 rows past the first 64 KB.
    lines = [f"lukasz{i}@x.pl;Łukasz;Żółkiewski;Spółka {i};" for i in range(50)]
    lines[0] += "ż" * 70_000
    content = "Adres e-mail;Imię;Nazwisko;Firma;Uwagi\r\n" + "\r\n".join(lines) + "\r\n"
    content = content.encode("cp1250")
    assert len(content) > 64 * 1024
    content += "emile@x.fr;Émile;Zola;Société\r\n".encode()
    content += "lukasz@x.pl;Łukasz;Wójcik;Łódź\r\n".encode()
    content += "last@x.pl;Ewa;Śliwińska;Kraków\r\n".encode("cp1250")
    batch = run(marketer, content)
    assert (batch.encoding, batch.delimiter) == ("cp1250", ";")
    assert (batch.created_count, batch.error_count) == (51, 2)
    assert sorted({e["row"] for e in batch.errors}) == [52, 53]
    first = next(e for e in batch.errors if e["row"] == 52)
    assert first["column"] == "Imię"
    assert "saved as UTF-8 (“Émile”) while the file is Windows-1250" in first["message"]
    assert Lead.objects.filter(first_name="Łukasz", last_name="Żółkiewski").count() == 50
    assert Lead.objects.get(email="last@x.pl").last_name == "Śliwińska"
    assert not Lead.objects.filter(email__in=["emile@x.fr", "lukasz@x.pl"]).exists()
    assert_nothing_garbled()


def test_bytes_that_do_not_decode_are_shown_as_replacement_characters_never_stored(marketer):
    # A header name and an ignored cell that do not decode: the report shows "�"; the
    # stored JSON holds no escaped bytes, and the leads are imported.
    content = "Email,Imię,Uwagi".encode() + b"\xff\r\n" + b"a@x.test,Ala,\xff\xfe\r\n"
    content += "b@x.test,Zoë,ok\r\nc@x.test,Żaneta,\r\nd@x.test,Łucja,\r\n".encode()
    batch = run(marketer, content)
    assert batch.encoding == "utf-8"
    assert batch.created_count == 4  # the undecodable cell is in an ignored column
    assert batch.ignored_columns == ["Uwagi\ufffd"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Email,Imię\nala@x.pl,Łucja\n".encode(), "utf-8"),
        ("Email;Imię\nala@x.pl;Łucja\n".encode("cp1250"), "cp1250"),
        ("Email;Name\nx@x.de;Müller ƒ\n".encode("cp1252"), "cp1252"),
        (b"\xef\xbb\xbfEmail\nx@y.test\n", "utf-8-sig"),
        ("Email\tName\nx@y.test\tZoë\n".encode("utf-16"), "utf-16"),
        # Mostly UTF-8, one line not: UTF-8 (the odd line is reported).
        ("Email,Imię\na@x.pl,Żaneta\nb@x.pl,Łucja\n".encode() + "c@x.pl,Ćma\n".encode("cp1250"),
         "utf-8"),
    ],
)  # fmt: skip
def test_the_encoding_is_decided_over_the_whole_file(content, expected):
    assert imports.detect_encoding(io.BytesIO(content)) == expected


def test_a_file_no_encoding_reads_is_refused():
    with pytest.raises(imports.ImportFileError) as refused:
        imports.detect_encoding(io.BytesIO(b"email,name\nx@y.test,Ala\x81\n"))
    assert refused.value.code == "undecodable"
