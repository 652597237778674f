"""deliver_event: one mail per opted-in recipient, in their language, exactly once."""

from datetime import UTC, datetime, timedelta
from smtplib import SMTPServerDisconnected

import pytest
from celery.utils.time import get_exponential_backoff_interval
from django.core.mail.backends.locmem import EmailBackend

from accounts.models import DepartmentKind
from collab_hub.notifications import services
from collab_hub.notifications.models import ActivityEvent, Notification
from collab_hub.notifications.tasks import deliver_event
from tests.factories import member_of


class FlakySMTPBackend(EmailBackend):
    """The outside world: a mail server that drops the connection for ``refused`` addresses.

    Accepted mails land in ``django.core.mail.outbox`` like with the locmem backend.
    """

    refused: set[str] = set()
    refuse_all = False

    def send_messages(self, messages):
        for message in messages:
            if self.refuse_all or set(message.to) & self.refused:
                raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky_smtp(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakySMTPBackend"
    yield FlakySMTPBackend
    FlakySMTPBackend.refused = set()
    FlakySMTPBackend.refuse_all = False


@pytest.fixture
def dave(org):
    """A marketing member who turned email notifications off."""
    membership = member_of(org, DepartmentKind.MARKETING, email="dave@acme.test")
    membership.email_notifications = False
    membership.save()
    return membership


@pytest.fixture
def erin(org):
    return member_of(org, DepartmentKind.PRODUCT, email="erin@acme.test", language="en")


def mention_event(alice, body="@bob@acme.test @dave@acme.test @erin@acme.test have a look"):
    services.post_comment(author=alice, target=alice.department, body=body)
    return ActivityEvent.objects.get(verb="comment.posted")


def emailed(membership, event):
    return Notification.objects.get(recipient=membership, event=event).emailed_at is not None


def test_delivery_mails_each_opted_in_recipient_once(alice, bob, dave, erin, mailoutbox):
    event = mention_event(alice)
    assert deliver_event.run(event.pk) == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["bob@acme.test", "erin@acme.test"]
    assert all(len(m.to) == 1 for m in mailoutbox)
    assert emailed(bob, event) and emailed(erin, event)
    # Dave turned email off: the notification stays in his inbox only.
    assert not emailed(dave, event)


def test_delivery_mail_says_what_happened_in_words(alice, bob, mailoutbox):
    event = mention_event(alice, body='@bob@acme.test: let\'s "ship" <it> & see')
    deliver_event.run(event.pk)
    (message,) = mailoutbox
    name = alice.user.display_name
    # The recipient was mentioned: that is what their mail says.
    assert message.subject == f"[Acme] {name} mentioned you on Sales"
    assert f"{name} mentioned you on Sales." in message.body
    # Plain text: nothing HTML-escaped.
    assert '@bob@acme.test: let\'s "ship" <it> & see' in message.body
    assert "http://" in message.body and "/notifications/" in message.body


def test_running_delivery_twice_sends_nothing_the_second_time(alice, bob, erin, mailoutbox):
    event = mention_event(alice)
    assert deliver_event.run(event.pk) == 2
    assert deliver_event.run(event.pk) == 0
    assert len(mailoutbox) == 2


def test_mail_is_written_in_the_recipients_language(alice, bob, erin, mailoutbox):
    bob.user.language = "pl"
    bob.user.save()
    event = mention_event(alice)
    ActivityEvent.objects.filter(pk=event.pk).update(
        created_at=datetime(2025, 1, 3, 10, 0, tzinfo=UTC)
    )
    deliver_event.run(event.pk)
    mails = {m.to[0]: m for m in mailoutbox}
    polish, english = mails["bob@acme.test"], mails["erin@acme.test"]
    assert "stycznia 2025" in polish.body
    assert "Jan. 3, 2025" in english.body
    assert "mentioned you on" in english.subject
    assert "See all your notifications" in english.body
    # ("mentioned you on" joins this list once the lead engineer translated it.)
    for english_words in ("See all your notifications", "January"):
        assert english_words not in polish.subject + polish.body


def test_transient_smtp_failure_releases_the_claim_so_the_retry_sends_it(
    alice, bob, flaky_smtp, mailoutbox
):
    event = mention_event(alice)
    flaky_smtp.refuse_all = True
    with pytest.raises(OSError):
        deliver_event.run(event.pk)
    assert mailoutbox == []
    assert not emailed(bob, event)

    flaky_smtp.refuse_all = False
    assert deliver_event.run(event.pk) == 1
    assert [m.to for m in mailoutbox] == [["bob@acme.test"]]
    assert emailed(bob, event)


def test_failure_for_one_recipient_keeps_the_mails_already_sent(
    alice, bob, erin, flaky_smtp, mailoutbox
):
    event = mention_event(alice)
    flaky_smtp.refused = {"erin@acme.test"}
    with pytest.raises(OSError):
        deliver_event.run(event.pk)
    assert [m.to for m in mailoutbox] == [["bob@acme.test"]]
    assert emailed(bob, event) and not emailed(erin, event)

    flaky_smtp.refused = set()
    assert deliver_event.run(event.pk) == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["bob@acme.test", "erin@acme.test"]


def test_member_deactivated_before_delivery_gets_no_mail(alice, bob, erin, mailoutbox):
    event = mention_event(alice)
    erin.is_active = False
    erin.save()
    assert deliver_event.run(event.pk) == 1
    assert [m.to for m in mailoutbox] == [["bob@acme.test"]]


def test_delivery_of_an_event_that_is_gone_sends_nothing(alice, bob, mailoutbox):
    event = mention_event(alice)
    event_id = event.pk
    event.delete()
    assert deliver_event.run(event_id) == 0
    assert mailoutbox == []


def test_outsider_never_gets_mail_for_another_organizations_event(alice, bob, charlie, mailoutbox):
    event = services.record_event(
        organization=alice.organization,
        actor=alice,
        verb="deal.won",
        target=alice.department,
        recipients=[bob, charlie],
    )
    assert deliver_event.run(event.pk) == 1
    assert [m.to for m in mailoutbox] == [["bob@acme.test"]]


def test_transient_failures_are_retried_late_acked_for_about_three_days():
    task = deliver_event
    assert task.acks_late
    assert issubclass(SMTPServerDisconnected, task.autoretry_for)
    waits = [
        get_exponential_backoff_interval(
            factor=task.retry_backoff,
            retries=attempt,
            maximum=task.retry_backoff_max,
            full_jitter=task.retry_jitter,
        )
        for attempt in range(task.max_retries)
    ]
    assert timedelta(days=2.5) < timedelta(seconds=sum(waits)) < timedelta(days=3.5)
