"""Who sees what: inbox, unread count, threads, activity, and record visibility."""

from collab_hub.notifications import selectors
from tests.factories import ActivityEventFactory, CommentFactory, NotificationFactory


def test_inbox_and_unread_count_are_the_members_own(alice, bob, charlie):
    mine = NotificationFactory(organization=bob.organization, recipient=bob)
    NotificationFactory(organization=alice.organization, recipient=alice)
    NotificationFactory(organization=charlie.organization, recipient=charlie)
    assert selectors.inbox(membership=bob) == [mine]
    assert selectors.unread_count(membership=bob) == 1
    assert selectors.unread_count(membership=charlie) == 1


def test_recent_activity_and_threads_stay_in_the_organization(alice, charlie):
    ours = ActivityEventFactory(organization=alice.organization, actor=alice)
    ActivityEventFactory(organization=charlie.organization, actor=charlie)
    comment = CommentFactory(organization=alice.organization, author=alice, target=alice.department)
    CommentFactory(organization=charlie.organization, author=charlie, target=charlie.department)
    assert selectors.recent_activity(organization=alice.organization) == [ours]
    assert selectors.thread(membership=alice, target=alice.department) == [comment]
    assert selectors.thread(membership=alice, target=charlie.department) == []


def test_is_visible_to_follows_the_tenancy_rules(alice, bob, charlie):
    bobs = NotificationFactory(organization=bob.organization, recipient=bob)
    # Shared records: everyone in the organization, nobody outside it.
    assert selectors.is_visible_to(membership=bob, obj=alice.department)
    assert not selectors.is_visible_to(membership=charlie, obj=alice.department)
    # Personal records: only their owner, not even an admin of the same organization.
    assert selectors.is_visible_to(membership=bob, obj=bobs)
    assert not selectors.is_visible_to(membership=alice, obj=bobs)
    assert not selectors.is_visible_to(membership=charlie, obj=bobs)
