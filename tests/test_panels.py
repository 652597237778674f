"""Panels: a later app adds content to another app's pages (``collab_hub.panels``).

``tests/scratch_app/panels.py`` puts a card on the leads flow's deal page and a button in its
actions card (product only), and a feature-request picker inside the lose form; leads names
none of it. The registry refuses duplicates at start-up, ``manage.py check`` catches unknown
permissions, slots and templates, and the tag costs no query of its own.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.urls import reverse

from accounts.models import DepartmentKind, Role
from collab_hub.panels import (
    Panel,
    check_panels,
    panels_for,
    register_panels,
    register_slots,
    slots,
    unregister_app_panels,
)
from tests.factories import CompanyFactory, DealFactory, member_of
from tests.scratch_app.models import Note


@pytest.fixture
def writer(org):
    return member_of(org, DepartmentKind.PRODUCT, Role.MEMBER)


@pytest.fixture
def seller(org):
    return member_of(org, DepartmentKind.SALES, Role.MEMBER)


@pytest.fixture
def deal(org, seller):
    company = CompanyFactory(organization=org, name="Prospect")
    return DealFactory(organization=org, company=company, owner=seller, name="Big one")


@pytest.fixture
def extra_panels():
    """Register panels for one test, under an app label of their own."""
    registered: list[str] = []

    def add(*panels, app="panels_test"):
        register_panels(panels, app=app)
        registered.append(app)

    yield add
    for app in registered:
        unregister_app_panels(app)


def panel(name, slot, template="scratch/panels/deal_note_action.html", **attrs):
    """An instance of a one-off ``Panel`` subclass."""
    attrs = {"name": name, "slot": slot, "template": template, **attrs}
    return type(name.title().replace(".", ""), (Panel,), attrs)()


# --- On the page ---------------------------------------------------------------------------


def test_a_panel_shows_on_the_deal_page_to_those_its_permission_allows(
    browser_for, writer, seller, deal
):
    Note.objects.create(organization=deal.organization, author=writer, title="Ask about SSO")
    html = browser_for(writer).get(reverse("leads:deal_detail", args=[deal.pk])).content.decode()
    assert "Scratch notes for Big one" in html
    assert "Ask about SSO" in html
    # Its button lands in the actions card.
    actions = html.split('id="actions-title"')[1]
    assert "Write a scratch note" in actions
    hidden = browser_for(seller).get(reverse("leads:deal_detail", args=[deal.pk]))
    assert hidden.status_code == 200
    assert "Scratch notes" not in hidden.content.decode()
    assert "Write a scratch note" not in hidden.content.decode()


def test_a_panel_whose_context_is_none_renders_nothing(browser_for, writer, deal):
    deal.stage, deal.lost_reason = "lost", "price"
    deal.save()
    html = browser_for(writer).get(reverse("leads:deal_detail", args=[deal.pk])).content.decode()
    assert "Scratch notes for Big one" in html
    assert "Write a scratch note" not in html


def test_the_deal_page_costs_the_same_queries_whatever_the_panels_show(
    browser_for, writer, deal, django_assert_max_num_queries
):
    client = browser_for(writer)
    url = reverse("leads:deal_detail", args=[deal.pk])
    client.get(url)  # warm caches (content types, session)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    Note.objects.bulk_create(
        Note(organization=deal.organization, author=writer, title=f"Note {n}") for n in range(30)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert "Note 29" in html and "Note 3</li>" not in html  # the latest five


def test_panels_fill_the_company_page_and_the_win_page_in_order(
    browser_for, seller, deal, extra_panels
):
    extra_panels(
        panel("panels_test.second", "deal.win", "scratch/panels/deal_note_action.html", order=20),
        panel("panels_test.first", "deal.win", "scratch/panels/feature_picker.html", order=10),
        panel("panels_test.company", "company.detail", "scratch/panels/deal_notes.html"),
        panel("panels_test.company_button", "company.actions"),
    )
    win = browser_for(seller).get(reverse("leads:deal_win", args=[deal.pk])).content.decode()
    assert win.index("Scratch feature requests") < win.index("Write a scratch note")
    assert win.index("Write a scratch note") < win.index("Yes, mark won")
    company = browser_for(seller).get(reverse("leads:company_detail", args=[deal.company_id]))
    html = company.content.decode()
    assert "Scratch notes for Prospect" in html
    assert "Write a scratch note" in html.split('class="page-actions"')[1]


def test_the_lose_page_renders_the_lose_slot_inside_its_form(browser_for, seller, deal):
    html = browser_for(seller).get(reverse("leads:deal_lose", args=[deal.pk])).content.decode()
    form = html.split('action="/deals/')[1].split("</form>")[0]
    assert 'name="feature_request_ids" value="7"' in form
    # The board's quick lose forms (one per card) render no panels.
    board = browser_for(seller).get(reverse("leads:deal_board")).content.decode()
    assert 'name="feature_request_ids"' not in board


def test_the_tag_refuses_an_undeclared_slot():
    with pytest.raises(ImproperlyConfigured, match=r"deal\.detial"):
        Template('{% load panels %}{% panels "deal.detial" %}').render(Context({}))


# --- The registry --------------------------------------------------------------------------


def test_the_leads_flow_declares_its_slots():
    assert {"deal.detail", "deal.actions", "deal.win", "deal.lose", "company.detail"} <= {
        slot.name for slot in slots()
    }
    # The scratch app's panel, beside the roadmap's (leads itself contributes none).
    assert "scratch.deal_notes" in [p.name for p in panels_for("deal.detail")]


def test_a_taken_panel_name_or_slot_fails_at_start_up(extra_panels):
    with pytest.raises(ImproperlyConfigured, match="already registered by 'scratch'"):
        extra_panels(panel("scratch.deal_notes", "deal.detail"))
    with pytest.raises(ImproperlyConfigured, match="already declared by 'leads'"):
        register_slots({"deal.detail": "again"}, app="panels_test")
    with pytest.raises(ImproperlyConfigured, match="not a Panel"):
        extra_panels(object())
    with pytest.raises(ImproperlyConfigured, match="needs a name, a slot and a template"):
        extra_panels(panel("panels_test.blank", "deal.detail", template=""))


def test_check_fails_on_an_unknown_permission_slot_or_template(extra_panels):
    assert check_panels() == []
    extra_panels(
        panel("panels_test.perm", "deal.detail", permission="notes.fly"),
        panel("panels_test.slot", "deal.sidebar"),
        panel("panels_test.template", "deal.detail", "scratch/panels/missing.html"),
    )
    errors = {error.id: error.msg for error in check_panels()}
    assert set(errors) == {"panels.E001", "panels.E002", "panels.E003"}
    assert "notes.fly" in errors["panels.E001"]
    assert "deal.sidebar" in errors["panels.E002"]
    assert "missing.html" in errors["panels.E003"]
