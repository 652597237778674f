"""Polish is a first-class language: pages, formats, API errors and a complete catalogue."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

POLISH_CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "pl" / "LC_MESSAGES" / "django.po"
PLURAL_FORMS = (
    "nplurals=3; plural=(n==1 ? 0 : (n%10>=2 && n%10<=4) && (n%100<12 || n%100>14) ? 1 : 2);"
)
# %(name)s / %(count)d style and {0} / {name} style placeholders.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")


def _plain_spaces(text: str) -> str:
    # CLDR separates digit groups and the currency sign with no-break or narrow no-break spaces.
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _set_language(membership, language: str) -> None:
    membership.user.language = language
    membership.user.save(update_fields=["language"])


@pytest.fixture
def catalogue():
    with POLISH_CATALOGUE.open("rb") as po_file:
        return read_po(po_file)


# --- the page a Polish user sees ---------------------------------------------------------


def test_polish_user_sees_the_dashboard_in_polish(alice, bob, browser_for):
    _set_language(alice, "pl")

    response = browser_for(alice).get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="pl">' in html
    for polish in ("Pulpit", "Osoby", "Działy", "Zaproś osoby", "Ostatnia aktywność"):
        assert polish in html
    assert "Wyloguj się" in html
    assert "Miło Cię widzieć" in html
    for english in ("Dashboard", "Invite people", "Recent activity", "Log out", "Good to see"):
        assert english not in html


def test_polish_dashboard_uses_polish_plural_forms(alice, bob, browser_for):
    _set_language(alice, "pl")

    html = browser_for(alice).get("/").content.decode()

    # Alice and Bob are in sales; the other three departments are empty.
    assert "2 osoby" in html
    assert "0 osób" in html
    assert "members" not in html


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 osoba"),
        (2, "2 osoby"),
        (4, "4 osoby"),
        (5, "5 osób"),
        (12, "12 osób"),
        (14, "14 osób"),
        (22, "22 osoby"),
        (25, "25 osób"),
        (104, "104 osoby"),
        (112, "112 osób"),
    ],
)
def test_polish_counts_take_the_right_plural_form(count, expected):
    with translation.override("pl"):
        text = translation.ngettext("%(counter)s member", "%(counter)s members", count)

    assert text % {"counter": count} == expected


def test_money_and_dates_follow_polish_conventions():
    template = Template(
        '{% load formatting %}{{ amount|money:"EUR" }} | {{ day|date:"DATE_FORMAT" }}'
    )

    with translation.override("pl"):
        rendered = template.render(Context({"amount": 1234567.5, "day": date(2026, 11, 28)}))

    money, day = _plain_spaces(rendered).split(" | ")
    assert money == "1 234 567,50 €"
    # Polish writes the month in the genitive after the day number.
    assert day == "28 listopada 2026"


def test_the_same_values_read_in_english_for_english_users():
    template = Template(
        '{% load formatting %}{{ amount|money:"EUR" }} | {{ day|date:"DATE_FORMAT" }}'
    )

    with translation.override("en"):
        rendered = template.render(Context({"amount": 1234567.5, "day": date(2026, 11, 28)}))

    assert rendered == "€1,234,567.50 | Nov. 28, 2026"


# --- which language is chosen ------------------------------------------------------------


def test_browser_asking_for_polish_gets_a_polish_login_page(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="pl")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Zaloguj się" in html
    assert "Witaj ponownie" in html
    assert "Welcome back" not in html


def test_browser_asking_for_english_gets_an_english_login_page(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert "Welcome back" in html
    assert "Zaloguj" not in html


def test_profile_language_beats_the_browser(alice, browser_for):
    _set_language(alice, "en")

    response = browser_for(alice).get("/", HTTP_ACCEPT_LANGUAGE="pl")

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Dashboard" in html
    assert "Pulpit" not in html


def test_user_without_a_language_follows_the_browser(alice, browser_for):
    _set_language(alice, "")

    response = browser_for(alice).get("/", HTTP_ACCEPT_LANGUAGE="pl")

    html = response.content.decode()
    assert '<html lang="pl">' in html
    assert "Pulpit" in html


# --- the API speaks Polish too -----------------------------------------------------------


def test_api_permission_error_is_in_polish_for_a_polish_client(bob, api_for):
    _set_language(bob, "pl")

    response = api_for(bob).post(
        "/api/v1/departments/", {"name": "Partnerzy", "kind": "other"}, HTTP_ACCEPT_LANGUAGE="pl"
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "Twoja rola nie pozwala na to działanie."


def test_api_permission_error_is_in_english_without_a_language_header(bob, api_for):
    response = api_for(bob).post("/api/v1/departments/", {"name": "Partners", "kind": "other"})

    assert response.status_code == 403
    assert response.json()["detail"] == "Your role does not allow this action."


# --- the catalogue -----------------------------------------------------------------------


def test_polish_catalogue_declares_three_plural_forms(catalogue):
    assert catalogue.num_plurals == 3
    assert catalogue.plural_expr == PLURAL_FORMS.split("plural=", 1)[1].rstrip(";")
    assert not catalogue.fuzzy, "a fuzzy header makes Babel skip the whole catalogue"


def test_polish_catalogue_translates_every_entry(catalogue):
    untranslated, fuzzy = [], []
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            fuzzy.append(message.id)
        strings = message.string if message.pluralizable else (message.string,)
        expected = catalogue.num_plurals if message.pluralizable else 1
        if len(strings) != expected or not all(strings):
            untranslated.append(message.id)

    assert not untranslated, f"translate these in {POLISH_CATALOGUE}: {untranslated}"
    assert not fuzzy, f"review and unflag these fuzzy entries: {fuzzy}"


def test_polish_catalogue_keeps_every_placeholder(catalogue):
    broken = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                broken.append((message.id, string))

    assert not broken, f"placeholders differ from the English text: {broken}"


@pytest.mark.slow
def test_the_catalogue_has_every_string_the_code_marks_for_translation(tmp_path):
    """``makemessages`` over a copy of the code adds nothing to the catalogue: every
    translatable string (sentences, event descriptions, errors) is translated already."""
    import shutil
    import subprocess
    import sys

    root = Path(settings.BASE_DIR)
    apps = sorted(path.name for path in root.iterdir() if (path / "apps.py").exists())
    assert {"collab_hub", "accounts", "leads", "roadmap"} <= set(apps)
    for name in (*apps, "templates", "locale"):
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(root / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "pl", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "collab_hub.settings"},
        check=True,
    )
    with (tmp_path / "locale" / "pl" / "LC_MESSAGES" / "django.po").open("rb") as po_file:
        extracted = read_po(po_file)
    missing = [m.id for m in extracted if m.id and (not m.string or m.fuzzy)]
    assert not missing, f"translate these (make translations): {missing}"
