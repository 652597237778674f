"""Notifications that lead somewhere: every event type links to its record in the inbox, in
the API (``url``) and in email; mentions read as mentions; the inbox groups by record;
breach runs send one digest per person; no doubled full stop after a date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.db import models
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from accounts.emails import send_invitation
from accounts.models import DepartmentKind, Role
from collab_hub.notifications import registry, selectors, services
from collab_hub.notifications.models import ActivityEvent, Notification
from collab_hub.notifications.tasks import deliver_event
from leads.models import LeadStatus
from leads.services import lifecycle, quality
from tests.factories import (
    ActionItemFactory,
    ApiKeyFactory,
    CampaignFactory,
    CollateralFactory,
    CompanyFactory,
    ContactFactory,
    ContentRequestFactory,
    CustomerAccountFactory,
    DealFactory,
    DemandFactory,
    DepartmentFactory,
    DiscrepancyFactory,
    FeatureRequestFactory,
    FeedbackRoundFactory,
    HandoffFactory,
    ImportBatchFactory,
    InvitationFactory,
    LeadFactory,
    LeadSettingsFactory,
    PromiseFactory,
    QualityComplaintFactory,
    ScoringRuleFactory,
    TierFactory,
    UpsellSignalFactory,
    member_of,
)
from tests.scratch_app.models import Note

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/api/v1/notifications/"
EVENTS = "/api/v1/events/"

Maker = Callable[[Any], models.Model]

# What each kind of event is about, by the noun of its verb ("deal.won" → a deal). A new
# kind of event about a new kind of record adds its factory here (the test below says so).
TARGETS: dict[str, Maker] = {
    "lead": lambda org: LeadFactory(organization=org),
    "deal": lambda org: DealFactory(organization=org),
    "company": lambda org: CompanyFactory(organization=org),
    "contact": lambda org: ContactFactory(organization=org),
    "collateral": lambda org: CollateralFactory(organization=org),
    "content": lambda org: ContentRequestFactory(organization=org),
    "campaign": lambda org: CampaignFactory(organization=org),
    "tier": lambda org: TierFactory(organization=org),
    "scoring_rule": lambda org: ScoringRuleFactory(organization=org),
    "lead_settings": lambda org: LeadSettingsFactory(organization=org),
    "complaint": lambda org: QualityComplaintFactory(organization=org),
    "import": lambda org: ImportBatchFactory(organization=org),
    "import_batch": lambda org: ImportBatchFactory(organization=org),
    "organization": lambda org: org,
    "department": lambda org: DepartmentFactory(organization=org, kind=DepartmentKind.PRODUCT),
    "member": lambda org: member_of(org, DepartmentKind.CS, Role.MEMBER),
    "invitation": lambda org: InvitationFactory(
        organization=org, department=DepartmentFactory(organization=org)
    ),
    "api_key": lambda org: ApiKeyFactory(organization=org),
    "feature": lambda org: FeatureRequestFactory(organization=org),
    "demand": lambda org: DemandFactory(organization=org),
    "promise": lambda org: PromiseFactory(organization=org),
    "handoff": lambda org: HandoffFactory(organization=org),
    "discrepancy": lambda org: DiscrepancyFactory(organization=org),
    "upsell": lambda org: UpsellSignalFactory(organization=org),
    "account": lambda org: CustomerAccountFactory(organization=org),
    "round": lambda org: FeedbackRoundFactory(organization=org),
    "action_item": lambda org: ActionItemFactory(organization=org),
    # A comment is posted on a record: a lead here.
    "comment": lambda org: LeadFactory(organization=org),
    # The plug-in app of the test settings (tests/scratch_app).
    "note": lambda org: Note.objects.create(
        organization=org, title="Ideas", author=member_of(org, DepartmentKind.PRODUCT)
    ),
}
# Verbs whose record is not of their noun.
TARGET_OF_VERB: dict[str, Maker] = {
    "lead.imported": lambda org: ImportBatchFactory(organization=org),
    "invitation.accepted": lambda org: member_of(org, DepartmentKind.CS, Role.MEMBER),
}


def make_target(verb: str, org) -> models.Model | None:
    """The record an event of ``verb`` is about, or None for a type that links without one."""
    registered = registry.event_type(verb)
    assert registered is not None
    if registered.link is not None:
        return None
    if verb in TARGET_OF_VERB:
        return TARGET_OF_VERB[verb](org)
    noun = verb.partition(".")[0]
    assert noun in TARGETS, f"add a factory for the record of {verb!r} to TARGETS"
    return TARGETS[noun](org)


def path_of(url: str) -> str:
    """The part of an absolute ``url`` the test client requests (SITE_URL's origin gone)."""
    assert url.startswith(settings.SITE_URL.rstrip("/") + "/"), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- Every event type links to its record -------------------------------------------------


@pytest.mark.parametrize("verb", [t.verb for t in registry.event_types()])
def test_every_event_type_links_the_recipient_to_its_record(
    verb, org, alice, bob, browser_for, api_for
):
    target = make_target(verb, org)
    registered = registry.event_type(verb)
    assert registered is not None
    event = services.record_event(
        organization=org,
        actor=bob,
        verb=verb,
        target=target,
        payload=dict(registered.payload),
        recipients=[alice],
    )
    path = selectors.record_url(event)
    assert path, f"{verb} leads nowhere"

    client = browser_for(alice)
    inbox = client.get(reverse("notifications")).content.decode()
    assert f'href="{path.replace("&", "&amp;")}"' in inbox
    assert client.get(path).status_code == 200, f"{verb}: {path}"

    (row,) = api_for(alice).get(NOTIFICATIONS).json()["results"]
    assert row["url"] == row["event"]["url"] == settings.SITE_URL.rstrip("/") + path
    assert client.get(path_of(row["url"])).status_code == 200


def test_the_url_is_null_once_the_record_is_gone(org, alice, bob, api_for, browser_for):
    company = CompanyFactory(organization=org)
    services.record_event(
        organization=org, actor=bob, verb="company.created", target=company, recipients=[alice]
    )
    company.delete()

    (row,) = api_for(alice).get(NOTIFICATIONS).json()["results"]
    assert row["url"] is None and row["event"]["url"] is None
    inbox = browser_for(alice).get(reverse("notifications")).content.decode()
    assert "inbox-link" not in inbox  # the sentence stays, without a dead link
    assert "added the company" in inbox


def test_another_organizations_record_page_stays_404(org, other_org, alice, charlie, browser_for):
    lead = LeadFactory(organization=org)
    event = services.record_event(
        organization=org, actor=alice, verb="lead.created", target=lead, recipients=[]
    )
    path = selectors.record_url(event)
    assert path is not None
    assert browser_for(charlie).get(path).status_code == 404


# --- Mentions -------------------------------------------------------------------------------


def test_a_mention_reads_as_a_mention_with_the_comments_first_line(
    org, alice, bob, browser_for, api_for
):
    lead = LeadFactory(organization=org, first_name="Jane", last_name="Doe")
    services.post_comment(
        author=alice,
        target=lead,
        body="@bob@acme.test can you call them today?\nThey asked about pricing.",
    )
    name = alice.user.display_name

    inbox = browser_for(bob).get(reverse("notifications")).content.decode()
    assert f"{name} mentioned you on Jane Doe" in inbox
    assert "can you call them today?" in inbox
    assert "They asked about pricing." not in inbox
    (row,) = api_for(bob).get(NOTIFICATIONS).json()["results"]
    assert row["description"] == f"{name} mentioned you on Jane Doe"
    # The organization's feed still says what happened, to everyone.
    assert row["event"]["description"] == f"{name} commented on Jane Doe"


# --- Email ----------------------------------------------------------------------------------


@override_settings(SITE_URL="http://127.0.0.1:8101")
def test_the_mail_links_to_the_record_on_site_url(org, alice, bob, mailoutbox):
    lead = LeadFactory(organization=org)
    comment = services.post_comment(author=alice, target=lead, body="@bob@acme.test look")
    mailoutbox.clear()
    event = ActivityEvent.objects.get(verb="comment.posted", payload__comment_id=comment.pk)

    assert deliver_event.run(event.pk) == 1
    (message,) = mailoutbox
    assert f"http://127.0.0.1:8101/leads/{lead.pk}/" in message.body
    assert "http://127.0.0.1:8101/notifications/" in message.body
    assert ":8000" not in message.body


@override_settings(SITE_URL="http://127.0.0.1:8101")
def test_the_invitation_links_with_site_url(org, alice):
    invitation = InvitationFactory(organization=org, invited_by=alice)
    assert send_invitation(invitation_id=invitation.pk)
    (message,) = mail.outbox
    assert f"http://127.0.0.1:8101/invitations/{invitation.token}/" in message.body


# --- No doubled full stop -------------------------------------------------------------------

AT_2_44_AM = datetime(2026, 12, 4, 2, 44, tzinfo=UTC)


@pytest.mark.parametrize("language", ["en", "pl"])
def test_no_doubled_full_stop_after_a_time_in_the_invitation(org, alice, language):
    invitation = InvitationFactory(organization=org, invited_by=alice, expires_at=AT_2_44_AM)
    with translation.override(language):
        body = render_to_string(
            "accounts/email/invitation_body.txt", {"invitation": invitation, "url": "x"}
        )
    if language == "en":
        assert "2:44 a.m." in body
    assert ".." not in body
    assert body.rstrip().endswith(".")


@pytest.mark.parametrize("language", ["en", "pl"])
def test_no_doubled_full_stop_after_a_time_on_the_complaint_page(org, alice, browser_for, language):
    complaint = QualityComplaintFactory(
        organization=org,
        status="answered",
        answer="Fixed the filter.",
        answered_by=alice,
        answered_at=AT_2_44_AM,
    )
    alice.user.language = language
    alice.user.save()
    page = browser_for(alice).get(reverse("leads:quality_complaint_detail", args=[complaint.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    if language == "en":
        assert "2:44 a.m." in content
    assert "a.m.." not in content and "..<" not in content
    assert not any(line.strip().endswith("..") for line in content.splitlines())


def test_the_mail_adds_no_second_full_stop_to_a_sentence_that_ends_in_one(
    org, alice, bob, mailoutbox
):
    company = CompanyFactory(organization=org, name="Acme Inc.")
    event = services.record_event(
        organization=org, actor=alice, verb="company.created", target=company, recipients=[bob]
    )
    deliver_event.run(event.pk)
    (message,) = mailoutbox
    assert "added the company Acme Inc.\n" in message.body
    assert ".." not in message.body


# --- Breach digests -------------------------------------------------------------------------


def breached(org, count: int, **fields):
    due = timezone.now() - timedelta(hours=1)
    return [
        LeadFactory(organization=org, status=LeadStatus.MQL, sla_due_at=due, **fields)
        for _ in range(count)
    ]


def test_a_breach_run_tells_each_person_once_listing_their_leads(org, browser_for):
    rep = member_of(org, DepartmentKind.SALES, Role.MEMBER)
    manager = member_of(org, DepartmentKind.SALES, Role.MANAGER)
    marketing = member_of(org, DepartmentKind.MARKETING, Role.MANAGER)
    leads = breached(org, 7, owner=rep)

    assert lifecycle.flag_sla_breaches() == 7

    for person in (rep, manager, marketing):
        (notification,) = Notification.objects.filter(recipient=person)
        listed = notification.event.listed_records
        assert {item["id"] for item in listed} == {lead.pk for lead in leads}
        assert notification.event.payload["count"] == 7
    # Sales goes to its queue, marketing to its MQLs; each lead links to its page.
    inbox = browser_for(rep).get(reverse("notifications")).content.decode()
    assert "Leads past their response deadline: 7" in inbox
    assert f'href="{reverse("leads:mql_queue")}"' in inbox
    for lead in leads:
        assert f"/leads/{lead.pk}/" in inbox
    marketing_inbox = browser_for(marketing).get(reverse("notifications")).content.decode()
    assert f'href="{reverse("leads:lead_list")}?status=mql"' in marketing_inbox

    # The next run tells them of the new breaches only, again once.
    later = breached(org, 2, owner=rep)
    assert lifecycle.flag_sla_breaches() == 2
    newest = Notification.objects.filter(recipient=rep).order_by("-pk").first()
    assert newest is not None
    assert {item["id"] for item in newest.event.listed_records} == {lead.pk for lead in later}
    assert Notification.objects.filter(recipient=rep).count() == 2


@override_settings(SITE_URL="http://127.0.0.1:8101")
def test_the_digest_mail_links_every_lead_on_site_url(org, mailoutbox):
    rep = member_of(org, DepartmentKind.SALES, Role.MEMBER)
    leads = breached(org, 3, owner=rep)
    lifecycle.flag_sla_breaches()
    (notification,) = Notification.objects.filter(recipient=rep)
    deliver_event.run(notification.event_id)
    (message,) = [m for m in mailoutbox if m.to == [rep.user.email]]
    assert "Leads past their response deadline: 3" in message.subject
    for lead in leads:
        assert f"{lead}: http://127.0.0.1:8101/leads/{lead.pk}/" in message.body
    assert "Open it: http://127.0.0.1:8101/leads/queue/" in message.body


def test_an_overdue_run_tells_the_marketing_managers_once_listing_the_complaints(org):
    manager = member_of(org, DepartmentKind.MARKETING, Role.MANAGER)
    complaints = [
        QualityComplaintFactory(organization=org, due_at=timezone.now() - timedelta(hours=1))
        for _ in range(4)
    ]
    assert quality.flag_overdue_complaints() == 4
    (notification,) = Notification.objects.filter(recipient=manager)
    assert notification.event.verb == "complaint.overdue_digest"
    assert {item["id"] for item in notification.event.listed_records} == {c.pk for c in complaints}
    assert selectors.record_url(notification.event) == reverse("leads:quality_complaints")


# --- Inbox grouping and mark all read -------------------------------------------------------


def test_the_inbox_groups_notifications_about_one_record(org, alice, bob, browser_for):
    lead = LeadFactory(organization=org, first_name="Jane", last_name="Doe")
    other = LeadFactory(organization=org, first_name="Ola", last_name="Nowak")
    for verb in ("lead.created", "lead.updated", "lead.qualified"):
        services.record_event(
            organization=org, actor=alice, verb=verb, target=lead, recipients=[bob]
        )
    services.record_event(
        organization=org, actor=alice, verb="lead.created", target=other, recipients=[bob]
    )

    items = selectors.inbox_items(membership=bob)
    assert [(item.event.target_id, item.count) for item in items] == [(other.pk, 1), (lead.pk, 3)]
    content = browser_for(bob).get(reverse("notifications")).content.decode()
    assert content.count('class="inbox-item') == 2
    assert "handed the lead Jane Doe to sales" in content  # the latest sentence
    assert "added the lead Jane Doe" not in content
    assert "3 notifications about this" in content

    # "Mark read" on the group marks all three.
    client = browser_for(bob)
    ids = items[1].unread_ids
    client.post(reverse("notifications_mark_read"), {"id": ids})
    assert not Notification.objects.filter(pk__in=ids, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1


def test_mark_all_read_empties_the_unread_count(org, alice, bob, browser_for):
    for _ in range(3):
        services.record_event(
            organization=org,
            actor=alice,
            verb="lead.created",
            target=LeadFactory(organization=org),
            recipients=[bob],
        )
    client = browser_for(bob)
    assert "Mark all read" in client.get(reverse("notifications")).content.decode()
    response = client.post(reverse("notifications_mark_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=bob, read_at__isnull=True).exists()
    assert "all caught up" in client.get(reverse("notifications")).content.decode()


# --- Constant queries -----------------------------------------------------------------------

KINDS: list[Maker] = [
    lambda org: LeadFactory(organization=org),
    lambda org: DealFactory(organization=org),
    lambda org: CollateralFactory(organization=org),
    lambda org: QualityComplaintFactory(organization=org),
]
VERBS = ["lead.updated", "deal.updated", "collateral.updated", "complaint.answered"]


def notify_about_every_kind(org, actor, recipient, rounds: int) -> None:
    for _ in range(rounds):
        for make, verb in zip(KINDS, VERBS, strict=True):
            services.record_event(
                organization=org,
                actor=actor,
                verb=verb,
                target=make(org),
                recipients=[recipient],
            )


def count_queries(django_assert_max_num_queries, request: Callable[[], Any]) -> int:
    with django_assert_max_num_queries(100) as captured:
        response = request()
    assert response.status_code == 200
    return len(captured.captured_queries)


PAGES: dict[str, Callable[[Any, Any], Any]] = {
    "inbox": lambda browser, api: browser.get(reverse("notifications")),
    "api-notifications": lambda browser, api: api.get(NOTIFICATIONS),
    "api-events": lambda browser, api: api.get(EVENTS),
}


@pytest.mark.parametrize("page", PAGES)
def test_lists_with_links_take_the_same_queries_for_4_or_40_records(
    org, alice, bob, browser_for, api_for, django_assert_max_num_queries, page
):
    browser, api = browser_for(bob), api_for(bob)
    notify_about_every_kind(org, alice, bob, rounds=1)
    few = count_queries(django_assert_max_num_queries, lambda: PAGES[page](browser, api))
    notify_about_every_kind(org, alice, bob, rounds=9)
    # The page itself, the rows, and one query per kind of record (4 here), however many.
    with django_assert_max_num_queries(few):
        response = PAGES[page](browser, api)
    assert response.status_code == 200
    assert response.content.decode().count("/leads/") >= 10
