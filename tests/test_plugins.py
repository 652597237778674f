"""A new app plugs in without touching the core.

``tests/scratch_app`` is installed by the test settings only. It declares one model, one
viewset, one rule, one event type, one sidebar entry, one page, one subscriber and one
home-page provider in its ``AppConfig``; these tests show each is routed, policed, in the
permission matrix, in the event catalogue, in the sidebar, subscribed and on the home page
("my work"), while no core file names it.
"""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import translation

from accounts.models import DepartmentKind, Role
from accounts.policy import rules, rules_of
from collab_hub.api import build_router, register_api
from collab_hub.home import HomeProvider, my_work, register_home_items, unregister_app_home_items
from collab_hub.navigation import entries
from collab_hub.notifications.models import ActivityEvent
from collab_hub.notifications.registry import (
    EventType,
    event_type,
    register_event_types,
    subscribe,
    subscriptions,
    unsubscribe,
)
from collab_hub.notifications.selectors import describe
from leads.models import DealStage
from leads.services import deals as deal_services
from tests.accounts.test_policy import declared, members_of
from tests.factories import member_of
from tests.scratch_app import subscribers
from tests.scratch_app.api import NoteViewSet
from tests.scratch_app.models import Note

ROOT = Path(__file__).resolve().parent.parent
CORE = [ROOT / "collab_hub", ROOT / "accounts", ROOT / "templates"]


@pytest.fixture
def writer(org):
    return member_of(org, DepartmentKind.PRODUCT, Role.MEMBER)


def test_no_core_file_names_the_scratch_app():
    naming = [
        str(path.relative_to(ROOT))
        for folder in CORE
        for path in folder.rglob("*")
        if path.suffix in {".py", ".html", ".txt"} and "scratch" in path.read_text()
    ]
    assert naming == []


def test_its_viewset_is_routed_and_creates_through_its_service(api_for, writer):
    assert ("notes", NoteViewSet, "note") in build_router().registry
    response = api_for(writer).post("/api/v1/notes/", {"title": "Ideas"})
    assert response.status_code == 201, response.content
    note = Note.objects.get(pk=response.json()["id"])
    assert (note.title, note.author, note.organization) == ("Ideas", writer, writer.organization)
    assert ActivityEvent.objects.filter(verb="note.created", target_id=note.pk).exists()
    listing = api_for(writer).get("/api/v1/notes/")
    assert [row["id"] for row in listing.json()["results"]] == [note.pk]


def test_its_rule_polices_the_api(api_for, bob, writer):
    response = api_for(bob).post("/api/v1/notes/", {"title": "Sales notes"})
    assert response.status_code == 403
    assert not Note.objects.exists()


def test_its_rule_is_in_the_registry_and_the_matrix(writer):
    assert rules_of("scratch") == {"notes.create": rules()["notes.create"]}
    assert declared(rules()["notes.create"]) == members_of(DepartmentKind.PRODUCT.value) | {
        (kind, Role.ADMIN.value) for kind in DepartmentKind.values
    }
    # tests/accounts/test_policy.py parametrizes its matrix over the registry at collection.
    from tests.accounts import test_policy

    marks = test_policy.test_policy_matrix.pytestmark
    actions = next(mark.args[1] for mark in marks if mark.name == "parametrize")
    assert "notes.create" in actions


def test_its_event_type_is_in_the_catalogue_and_reads_as_a_sentence(api_for, writer):
    registered = event_type("note.created")
    assert registered is not None and registered.app == "scratch"
    assert registered.payload == {"title": "Ideas"}
    api_for(writer).post("/api/v1/notes/", {"title": "Ideas"})
    event = ActivityEvent.objects.get(verb="note.created")
    with translation.override("en"):
        assert describe(event) == f"{writer.user.display_name} wrote the note Ideas"


def test_its_sidebar_entry_shows_to_those_its_rule_allows(browser_for, writer, bob):
    assert any(entry.url_name == "scratch:note_list" for entry in entries())
    page = browser_for(writer).get("/notes/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/notes/" aria-current="page"' in html
    assert 'class="nav-item is-active" href="/notes/"' in html
    assert 'href="/notes/"' not in browser_for(bob).get("/").content.decode()


def test_its_page_hides_other_organizations_notes(browser_for, writer, charlie):
    Note.objects.create(organization=writer.organization, author=writer, title="Acme secret")
    assert "Acme secret" in browser_for(writer).get("/notes/").content.decode()
    assert "Acme secret" not in browser_for(charlie).get("/notes/").content.decode()


def test_its_subscriber_hears_a_won_deal_inside_the_transaction(alice):
    from tests.factories import DealFactory

    deal = DealFactory(organization=alice.organization, owner=alice, stage=DealStage.NEGOTIATION)
    subscribers.RECEIVED.clear()
    deal_services.win_deal(by=alice, deal=deal)
    assert [("deal.won", deal.pk, True)] == subscribers.RECEIVED
    assert any(s.app == "scratch" and s.verb == "deal.won" for s in subscriptions())


def test_a_failing_subscriber_rolls_the_emitting_action_back(alice):
    from tests.factories import DealFactory

    deal = DealFactory(organization=alice.organization, owner=alice, stage=DealStage.NEGOTIATION)

    def refuse(*, event, target):
        raise RuntimeError("the handoff could not be opened")

    subscribe("deal.won", refuse, app="test")
    try:
        with pytest.raises(RuntimeError):
            deal_services.win_deal(by=alice, deal=deal)
    finally:
        unsubscribe("deal.won", refuse)
    deal.refresh_from_db()
    assert deal.stage == DealStage.NEGOTIATION
    assert not ActivityEvent.objects.filter(verb="deal.won").exists()


def test_registering_a_taken_name_is_an_error_at_start_up():
    with pytest.raises(ImproperlyConfigured, match=r"already registered by 'leads'"):
        register_event_types([EventType("deal.won", "won", "won")], app="impostor")
    with pytest.raises(ImproperlyConfigured, match="clashes with 'scratch'"):
        register_api([("notes", NoteViewSet, "other-note")], app="impostor")
    with pytest.raises(ImproperlyConfigured, match=r"not 'noun\.verb'"):
        register_event_types([EventType("Deal Won", "won", "won")], app="impostor")
    with pytest.raises(ImproperlyConfigured, match="already subscribed"):
        subscribe("deal.won", subscribers.remember_won_deal, app="impostor")


def test_a_subscription_to_an_unknown_event_type_fails_the_system_check():
    def handler(*, event, target):
        return None

    subscribe("nobody.registered_this", handler, app="impostor")
    try:
        with pytest.raises(Exception, match=r"notifications\.E001"):
            call_command("check")
    finally:
        unsubscribe("nobody.registered_this", handler)
    call_command("check")


def test_its_home_items_merge_with_the_leads_flows_by_urgency(browser_for, alice):
    from datetime import timedelta

    from django.utils import timezone

    from leads.models import LeadStatus
    from tests.factories import DealFactory, LeadFactory

    now = timezone.now()
    org = alice.organization
    Note.objects.create(
        organization=org, author=alice, title="Review launch notes", due_at=now - timedelta(days=2)
    )
    Note.objects.create(
        organization=org, author=alice, title="Read the survey", due_at=now + timedelta(hours=3)
    )
    Note.objects.create(organization=org, author=alice, title="Undated idea")
    for title, due in (("Late MQL", -timedelta(hours=5)), ("Fresh MQL", timedelta(hours=10))):
        first, last = title.split()
        LeadFactory(
            organization=org,
            owner=alice,
            status=LeadStatus.MQL,
            first_name=first,
            last_name=last,
            qualified_at=now,
            sla_due_at=now + due,
        )
    DealFactory(
        organization=org,
        owner=alice,
        name="Big renewal",
        close_date=timezone.localdate() + timedelta(days=60),
    )

    work = my_work(alice)

    assert [(item.provider, item.title) for item in work.items] == [
        ("scratch.notes_to_review", "Review launch notes"),
        ("leads.mql_queue", "Late MQL"),
        ("scratch.notes_to_review", "Read the survey"),
        ("leads.mql_queue", "Fresh MQL"),
    ]
    html = browser_for(alice).get("/").content.decode()
    assert (
        html.index("Review launch notes")
        < html.index("Late MQL")
        < html.index("Read the survey")
        < html.index("Fresh MQL")
    )
    assert "Undated idea" not in html and "Big renewal" not in html
    assert 'data-provider="scratch.notes_to_review"' in html
    assert 'href="/notes/"' in html  # its "see all"


def test_its_home_items_go_only_to_those_its_rule_allows(writer, bob):
    Note.objects.create(organization=writer.organization, author=writer, title="Mine", due_at=None)
    Note.objects.create(
        organization=writer.organization, author=writer, title="Due", due_at=writer.created_at
    )

    assert [item.title for item in my_work(writer).items] == ["Due"]
    assert all(kind.name != "scratch.notes_to_review" for kind in my_work(bob).clear)


def test_a_home_provider_with_a_taken_name_or_of_the_wrong_type_fails_at_start_up():
    class Impostor(HomeProvider):
        name = "scratch.notes_to_review"
        title = "Notes"

    with pytest.raises(ImproperlyConfigured, match="already registered by 'scratch'"):
        register_home_items([Impostor()], app="impostor")
    with pytest.raises(ImproperlyConfigured, match="not a HomeProvider"):
        register_home_items([lambda membership: []], app="impostor")  # type: ignore[list-item]


def test_a_home_provider_with_an_unknown_action_or_page_fails_the_system_check():
    class Broken(HomeProvider):
        name = "impostor.broken"
        title = "Broken"
        permission = "notes.fly"
        see_all = "impostor:nowhere"

    register_home_items([Broken()], app="impostor")
    try:
        with pytest.raises(Exception, match=r"home\.E001") as failure:
            call_command("check")
        assert "home.E002" in str(failure.value)
    finally:
        unregister_app_home_items("impostor")
    call_command("check")
