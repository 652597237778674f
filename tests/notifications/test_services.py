"""record_event fan-out, on-commit dispatch, @mentions in comments, marking read."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from accounts.models import DepartmentKind, Membership
from collab_hub.exceptions import DomainError, NotAllowed
from collab_hub.notifications import services, tasks
from collab_hub.notifications.models import ActivityEvent, Comment, Notification
from collab_hub.notifications.selectors import describe
from tests.factories import InvitationFactory, NotificationFactory, member_of


@pytest.fixture
def dispatched(monkeypatch):
    """Event ids handed to the broker (``deliver_event.delay``), instead of a real broker."""
    calls = []
    monkeypatch.setattr(tasks.deliver_event, "delay", lambda event_id: calls.append(event_id))
    return calls


def recipients_of(event):
    return sorted(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))


# --- record_event ---------------------------------------------------------------------------


def test_record_event_notifies_each_recipient_once_but_never_the_actor(alice, bob):
    dave = member_of(alice.organization, DepartmentKind.MARKETING)
    event = services.record_event(
        organization=alice.organization,
        actor=alice,
        verb="deal.advanced",
        target=alice.department,
        recipients=[bob, dave, bob, alice, dave],
    )
    assert recipients_of(event) == sorted([bob.pk, dave.pk])
    assert event.target == alice.department
    assert event.target_label == alice.department.name


def test_record_event_never_notifies_inactive_members_or_users(alice, bob):
    gone = member_of(alice.organization)
    Membership.objects.filter(pk=gone.pk).update(is_active=False)
    locked_out = member_of(alice.organization)
    locked_out.user.is_active = False
    locked_out.user.save()
    # ``gone`` is passed as a stale instance that still says is_active=True: the database wins.
    assert gone.is_active
    event = services.record_event(
        organization=alice.organization,
        actor=alice,
        verb="deal.advanced",
        recipients=[bob, gone, locked_out],
    )
    assert recipients_of(event) == [bob.pk]


def test_record_event_never_notifies_members_of_another_organization(alice, bob, charlie):
    event = services.record_event(
        organization=alice.organization, actor=alice, verb="deal.advanced", recipients=[charlie]
    )
    assert recipients_of(event) == []
    assert not Notification.objects.filter(recipient=charlie).exists()


def test_record_event_accepts_a_queryset_of_recipients(alice, bob, charlie):
    event = services.record_event(
        organization=alice.organization,
        actor=alice,
        verb="deal.advanced",
        recipients=Membership.objects.all(),
    )
    assert recipients_of(event) == [bob.pk]


def test_record_event_refuses_an_actor_of_another_organization(alice, charlie):
    with pytest.raises(ValueError):
        services.record_event(organization=alice.organization, actor=charlie, verb="deal.won")
    assert not ActivityEvent.objects.exists()


def test_record_event_queries_do_not_grow_with_the_number_of_recipients(
    alice, django_assert_max_num_queries
):
    few = [member_of(alice.organization) for _ in range(2)]
    many = [member_of(alice.organization) for _ in range(20)]
    # Warm the content-type cache so both runs start from the same state.
    services.record_event(
        organization=alice.organization, verb="department.updated", target=alice.department
    )
    counts = []
    for recipients in (few, many):
        with django_assert_max_num_queries(5) as captured:
            event = services.record_event(
                organization=alice.organization,
                actor=alice,
                verb="deal.advanced",
                target=alice.department,
                recipients=recipients,
            )
        counts.append(len(captured))
        assert len(recipients_of(event)) == len(recipients)
    assert counts[0] == counts[1]


def test_record_event_dispatches_delivery_only_after_commit(
    alice, bob, dispatched, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = services.record_event(
            organization=alice.organization, actor=alice, verb="deal.won", recipients=[bob]
        )
    assert len(callbacks) == 1
    assert dispatched == []
    callbacks[0]()
    assert dispatched == [event.pk]


@pytest.mark.parametrize("who", ["nobody", "only_the_actor", "only_outsiders"])
def test_record_event_dispatches_nothing_when_nobody_is_notified(
    who, alice, charlie, dispatched, django_capture_on_commit_callbacks
):
    recipients = {"nobody": [], "only_the_actor": [alice], "only_outsiders": [charlie]}[who]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = services.record_event(
            organization=alice.organization, actor=alice, verb="deal.won", recipients=recipients
        )
    assert callbacks == []
    assert dispatched == []
    assert recipients_of(event) == []


# --- @mentions in comments ------------------------------------------------------------------


def post(author, body, target=None):
    return services.post_comment(author=author, target=target or author.department, body=body)


def test_comment_notifies_exactly_the_mentioned_members(alice, bob):
    dave = member_of(alice.organization, DepartmentKind.MARKETING, email="dave@acme.test")
    member_of(alice.organization, DepartmentKind.PRODUCT, email="erin@acme.test")
    comment = post(alice, "@bob@acme.test and @dave@acme.test: can you take this?")
    event = ActivityEvent.objects.get(verb="comment.posted")
    assert recipients_of(event) == sorted([bob.pk, dave.pk])
    assert set(comment.mentions.values_list("pk", flat=True)) == {bob.pk, dave.pk}
    assert event.target == alice.department
    assert event.payload["comment_id"] == comment.pk


def test_comment_never_notifies_someone_of_another_organization(alice, bob, charlie):
    post(alice, "Looping in @charlie@globex.test and @bob@acme.test")
    assert not Notification.objects.filter(recipient=charlie).exists()
    assert recipients_of(ActivityEvent.objects.get(verb="comment.posted")) == [bob.pk]


def test_comment_mentioning_the_author_does_not_notify_the_author(alice, bob):
    comment = post(alice, "Note to self, @alice@acme.test")
    assert comment.mentions.get() == alice
    assert not Notification.objects.exists()


def test_comment_mentioning_an_inactive_member_notifies_nobody(alice, bob):
    bob.is_active = False
    bob.save()
    comment = post(alice, "@bob@acme.test?")
    assert comment.mentions.count() == 0
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "@bob@acme.test, please have a look",
        "(@bob@acme.test)",
        "Thanks @bob@acme.test.",
        "Ask @BOB@ACME.TEST",
        "@bob@acme.test's call",
        "cc:@bob@acme.test;",
    ],
)
def test_mentions_are_found_around_punctuation_and_in_any_case(body, alice, bob):
    post(alice, body)
    assert recipients_of(ActivityEvent.objects.get(verb="comment.posted")) == [bob.pk]


@pytest.mark.parametrize(
    "body",
    [
        "foo@bob@acme.test",
        "write to bob@acme.test",
        "@bob@acme.testing",
        "@bob@acme.test_draft",
        "@@bob@acme.test",
        "@bob",
    ],
)
def test_text_that_only_looks_like_a_mention_notifies_nobody(body, alice, bob):
    comment = post(alice, body)
    assert comment.mentions.count() == 0
    assert not Notification.objects.exists()


def test_mention_matches_an_email_stored_with_capitals(alice):
    dana = member_of(alice.organization, email="Dana.Smith@Acme.test")
    post(alice, "@dana.smith@acme.test")
    assert recipients_of(ActivityEvent.objects.get(verb="comment.posted")) == [dana.pk]


def test_comment_on_a_record_of_another_organization_is_refused(alice, charlie):
    with pytest.raises(NotAllowed):
        post(alice, "@charlie@globex.test hi", target=charlie.department)
    assert not Comment.objects.exists()
    assert not Notification.objects.exists()


def test_comment_on_a_record_without_discussion_is_refused(alice):
    invitation = InvitationFactory(organization=alice.organization, department=alice.department)
    with pytest.raises(NotAllowed) as error:
        post(alice, "hello", target=invitation)
    assert error.value.code == "not_commentable"
    assert not Comment.objects.exists()


def test_blank_comment_is_refused(alice):
    with pytest.raises(DomainError) as error:
        post(alice, "   \n ")
    assert error.value.code == "empty"
    assert not Comment.objects.exists()


def test_overlong_comment_is_refused(alice, bob):
    with pytest.raises(DomainError) as error:
        post(alice, "@bob@acme.test " + "x" * 10_000)
    assert error.value.code == "too_long"
    assert not Comment.objects.exists()
    assert not Notification.objects.exists()


def test_comment_is_stored_trimmed_in_the_target_thread(alice):
    comment = post(alice, "  Ship it  \n")
    comment.refresh_from_db()
    assert comment.body == "Ship it"
    assert comment.target == alice.department
    assert comment.author == alice


# --- reading ----------------------------------------------------------------------------------


def test_mark_read_marks_only_the_members_own_notifications(alice, bob):
    mine = NotificationFactory.create_batch(2, organization=bob.organization, recipient=bob)
    theirs = NotificationFactory(organization=alice.organization, recipient=alice)
    assert services.mark_read(membership=bob, ids=[mine[0].pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    mine[0].refresh_from_db()
    mine[1].refresh_from_db()
    assert theirs.read_at is None
    assert mine[0].read_at is not None
    assert mine[1].read_at is None
    assert services.unread_count(membership=bob) == 1
    assert services.mark_read(membership=bob) == 1
    assert services.unread_count(membership=bob) == 0
    assert services.unread_count(membership=alice) == 1


def test_mark_read_ignores_ids_that_cannot_exist(bob):
    mine = NotificationFactory(organization=bob.organization, recipient=bob)
    assert services.mark_read(membership=bob, ids=[2**70, -1, 0]) == 0
    assert services.mark_read(membership=bob, ids=[2**70, mine.pk]) == 1


def test_mark_read_never_touches_another_organizations_notifications(bob, charlie):
    foreign = NotificationFactory(organization=charlie.organization, recipient=charlie)
    assert services.mark_read(membership=bob, ids=[foreign.pk]) == 0
    assert services.mark_read(membership=bob) == 0
    foreign.refresh_from_db()
    assert foreign.read_at is None


# --- how events read --------------------------------------------------------------------------


def test_a_comment_event_reads_as_a_sentence(alice):
    post(alice, "hi")
    event = ActivityEvent.objects.get(verb="comment.posted")
    with translation.override("en"):
        assert describe(event) == f"{alice.user.display_name} commented on Sales"
        assert event.description == describe(event)


def test_an_event_of_a_type_no_longer_registered_still_reads_sensibly(alice, org):
    # Stored by an app that has since been removed: record_event would refuse these verbs now.
    event = ActivityEvent.objects.create(
        organization=org,
        actor=alice,
        verb="handoff.stalled",
        target_type=ContentType.objects.get_for_model(alice.department),
        target_id=alice.department.pk,
        target_label=str(alice.department),
    )
    system = ActivityEvent.objects.create(organization=org, verb="metrics.snapshot_written")
    untargeted = services.record_event(organization=org, actor=alice, verb="comment.posted")
    with translation.override("en"):
        assert describe(event) == f"{alice.user.display_name}: handoff stalled — Sales"
        assert describe(system) == "Collab Hub: metrics snapshot written"
        assert describe(untargeted) == f"{alice.user.display_name}: comment posted"


def test_an_unregistered_event_type_is_refused_and_nothing_is_stored(alice, org):
    with pytest.raises(ValueError, match="no registered event type"):
        services.record_event(organization=org, actor=alice, verb="handoff.stalled")
    assert not ActivityEvent.objects.filter(verb="handoff.stalled").exists()
