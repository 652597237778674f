"""Small things a reader notices: ISO values in every date input (in Polish too), Polish short
dates with dots, emails that wrap at "@", the icon at /favicon.ico and in the admin, and the
admin's capitalized labels."""

from datetime import date

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from leads.forms import CampaignForm, ContentRequestForm, DealForm, LeadFilterForm
from leads.forms.fields import DateInput
from leads.forms.reports import ReportRangeForm

DAY = date(2026, 9, 4)

# Every form of the leads flow with a date, and the field holding it.
DATE_FIELDS = [
    (ReportRangeForm, "start"),
    (ReportRangeForm, "end"),
    (LeadFilterForm, "created_after"),
    (CampaignForm, "starts_on"),
    (CampaignForm, "ends_on"),
    (DealForm, "close_date"),
    (ContentRequestForm, "due_date"),
]


@pytest.mark.parametrize(("form_class", "name"), DATE_FIELDS)
@pytest.mark.parametrize("language", ["en", "pl"])
def test_date_inputs_carry_iso_values_in_every_language(form_class, name, language):
    field = form_class.base_fields[name]
    assert isinstance(field.widget, DateInput)
    with translation.override(language):
        html = field.widget.render(name, DAY)
    assert 'type="date"' in html
    assert 'value="2026-09-04"' in html


def test_polish_date_input_still_reads_what_people_type():
    with translation.override("pl"):
        assert forms.DateField().clean("2026-09-04") == DAY
        assert forms.DateField().clean("04.09.2026") == DAY


@pytest.mark.parametrize(
    ("language", "short", "short_datetime"),
    [("en", "09/04/2026", "09/04/2026 2:44 p.m."), ("pl", "04.09.2026", "04.09.2026 14:44")],
)
def test_short_dates_follow_the_language(language, short, short_datetime):
    from datetime import UTC, datetime

    template = Template('{{ d|date:"SHORT_DATE_FORMAT" }}|{{ t|date:"SHORT_DATETIME_FORMAT" }}')
    with translation.override(language):
        text = template.render(Context({"d": DAY, "t": datetime(2026, 9, 4, 14, 44, tzinfo=UTC)}))
    assert text == f"{short}|{short_datetime}"


def test_breakable_escapes_and_lets_an_email_wrap_at_the_at_sign():
    html = Template("{% load formatting %}{{ e|breakable }}").render(
        Context({"e": "<b>jane</b>@example.test"})
    )
    assert html == "&lt;b&gt;jane&lt;/b&gt;<wbr>@example.test"


def test_lead_list_emails_wrap_at_the_at_sign(browser_for, org, marketer):
    from tests.factories import LeadFactory

    LeadFactory(organization=org, email="jane.doe@prospect.test")
    page = browser_for(marketer).get("/leads/").content.decode()
    assert "jane.doe<wbr>@prospect.test" in page
    assert '<div class="table-scroll">' in page


def test_favicon_points_at_the_logo(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("img/logo.svg")
    assert "max-age=86400" in response["Cache-Control"]


def test_admin_pages_declare_the_icon_and_capitalize_labels(browser_for, alice):
    page = browser_for(alice).get("/admin/leads/tier/add/").content.decode()
    assert 'rel="icon"' in page and "img/logo.svg" in page
    assert '<label for="id_industries">Industries:</label>' in page
    assert '<label for="id_countries">Countries:</label>' in page
    assert "industries:" not in page
