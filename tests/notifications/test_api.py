"""/api/v1/events/, /api/v1/notifications/ (+ mark-read/), /api/v1/comments/."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings

from accounts.models import DepartmentKind
from collab_hub.notifications.models import Comment, Notification
from tests.factories import (
    ActivityEventFactory,
    CommentFactory,
    InvitationFactory,
    NotificationFactory,
    member_of,
)

EVENTS = "/api/v1/events/"
NOTIFICATIONS = "/api/v1/notifications/"
MARK_READ = "/api/v1/notifications/mark-read/"
COMMENTS = "/api/v1/comments/"


def event_on(department, actor, verb="deal.advanced", **fields):
    return ActivityEventFactory(
        organization=department.organization,
        actor=actor,
        verb=verb,
        target=department,
        target_label=department.name,
        **fields,
    )


def notify(recipient, actor):
    return NotificationFactory(
        organization=recipient.organization,
        recipient=recipient,
        event=event_on(actor.department, actor),
    )


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def follow(client, url):
    """GET a ``next``/``previous`` link (absolute URL) with the same client."""
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


# --- events -----------------------------------------------------------------------------------


def test_event_list_shows_the_organizations_events_newest_first(alice, bob, api_for):
    older = event_on(alice.department, alice)
    newer = event_on(alice.department, alice, verb="comment.posted")
    response = api_for(bob).get(EVENTS)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "next", "previous"}
    assert ids(response) == [newer.pk, older.pk]
    row = body["results"][0]
    assert row == {
        "id": newer.pk,
        "verb": "comment.posted",
        "description": f"{alice.user.display_name} commented on Sales",
        "actor": {"id": alice.pk, "name": alice.user.display_name},
        "target_type": "accounts.department",
        "target_id": alice.department.pk,
        "target_label": "Sales",
        "url": f"{settings.SITE_URL}/departments/{alice.department.pk}/",
        "payload": {},
        "created_at": row["created_at"],
    }


def test_event_detail_and_filters(alice, bob, api_for):
    marketing = member_of(alice.organization, DepartmentKind.MARKETING).department
    on_sales = event_on(alice.department, alice)
    on_marketing = event_on(marketing, alice, verb="department.updated")
    client = api_for(bob)
    detail = client.get(f"{EVENTS}{on_sales.pk}/")
    assert detail.status_code == 200
    assert detail.json()["target_id"] == alice.department.pk
    assert ids(client.get(EVENTS, {"verb": "department.updated"})) == [on_marketing.pk]
    one_record = client.get(
        EVENTS, {"target_type": "accounts.department", "target_id": marketing.pk}
    )
    assert ids(one_record) == [on_marketing.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"target_type": "nope.nothing"}, "target_type"),
        ({"target_id": "abc"}, "target_id"),
        ({"target_id": str(2**64)}, "target_id"),
    ],
)
def test_event_list_rejects_a_bad_filter_with_a_field_message(params, field, bob, api_for):
    response = api_for(bob).get(EVENTS, params)
    assert response.status_code == 400
    assert field in response.json()


def test_outsider_sees_no_event_of_another_organization(alice, charlie, api_for):
    event = event_on(alice.department, alice)
    client = api_for(charlie)
    assert ids(client.get(EVENTS)) == []
    assert client.get(f"{EVENTS}{event.pk}/").status_code == 404


def test_events_need_authentication(alice, client):
    assert client.get(EVENTS).status_code in (401, 403)


# --- notifications --------------------------------------------------------------------------


def test_notification_list_shows_only_the_callers_own(alice, bob, api_for):
    mine = notify(bob, alice)
    notify(alice, bob)
    response = api_for(bob).get(NOTIFICATIONS)
    assert response.status_code == 200
    assert ids(response) == [mine.pk]
    row = response.json()["results"][0]
    assert set(row) == {"id", "description", "url", "event", "created_at", "read_at"}
    assert row["read_at"] is None
    assert row["event"]["id"] == mine.event_id
    assert row["event"]["actor"] == {"id": alice.pk, "name": alice.user.display_name}


def test_notification_list_unread_filter(alice, bob, api_for):
    read = notify(bob, alice)
    unread = notify(bob, alice)
    Notification.objects.filter(pk=read.pk).update(read_at=unread.created_at)
    client = api_for(bob)
    assert ids(client.get(NOTIFICATIONS, {"unread": "true"})) == [unread.pk]
    assert ids(client.get(NOTIFICATIONS, {"unread": "false"})) == [read.pk]
    assert sorted(ids(client.get(NOTIFICATIONS))) == sorted([read.pk, unread.pk])


def test_notification_list_pages_with_a_cursor(alice, bob, api_for):
    made = [notify(bob, alice) for _ in range(5)]
    newest_first = [n.pk for n in reversed(made)]
    client = api_for(bob)
    first = client.get(NOTIFICATIONS, {"page_size": 2})
    assert ids(first) == newest_first[:2]
    assert first.json()["previous"] is None
    second = follow(client, first.json()["next"])
    assert ids(second) == newest_first[2:4]
    third = follow(client, second.json()["next"])
    assert ids(third) == newest_first[4:]
    assert third.json()["next"] is None
    assert ids(follow(client, third.json()["previous"])) == newest_first[2:4]


def test_member_cannot_see_another_members_notification(alice, bob, api_for):
    theirs = notify(alice, bob)
    assert api_for(bob).get(f"{NOTIFICATIONS}{theirs.pk}/").status_code == 404
    # Not even an admin reads someone else's inbox.
    mine = notify(bob, alice)
    assert api_for(alice).get(f"{NOTIFICATIONS}{mine.pk}/").status_code == 404
    assert api_for(bob).get(f"{NOTIFICATIONS}{mine.pk}/").status_code == 200


def test_mark_read_marks_the_given_notifications(alice, bob, api_for):
    first, second = notify(bob, alice), notify(bob, alice)
    theirs = notify(alice, bob)
    response = api_for(bob).post(MARK_READ, {"ids": [first.pk, theirs.pk]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    for notification in (first, second, theirs):
        notification.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert theirs.read_at is None


def test_mark_read_without_ids_marks_all_of_the_callers(alice, bob, api_for):
    mine = [notify(bob, alice) for _ in range(3)]
    theirs = notify(alice, bob)
    response = api_for(bob).post(MARK_READ, {}, format="json")
    assert response.json() == {"marked": 3, "unread": 0}
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("bad", ["1,2", [True], ["x"], [0], {"id": 1}])
def test_mark_read_rejects_anything_but_a_list_of_ids(bad, alice, bob, api_for):
    mine = notify(bob, alice)
    response = api_for(bob).post(MARK_READ, {"ids": bad}, format="json")
    assert response.status_code == 400
    assert "ids" in response.json()
    mine.refresh_from_db()
    assert mine.read_at is None


def test_outsider_cannot_see_or_mark_another_organizations_notifications(
    alice, bob, charlie, api_for
):
    bobs = notify(bob, alice)
    client = api_for(charlie)
    assert ids(client.get(NOTIFICATIONS)) == []
    assert client.get(f"{NOTIFICATIONS}{bobs.pk}/").status_code == 404
    assert client.post(MARK_READ, {"ids": [bobs.pk]}, format="json").json()["marked"] == 0
    assert client.post(MARK_READ, {}, format="json").json()["marked"] == 0
    bobs.refresh_from_db()
    assert bobs.read_at is None


# --- comments -------------------------------------------------------------------------------


def test_comment_with_a_mention_is_created_and_notifies(alice, bob, charlie, api_for):
    response = api_for(alice).post(
        COMMENTS,
        {
            "target_type": "accounts.department",
            "target_id": alice.department.pk,
            "body": "@bob@acme.test and @charlie@globex.test: numbers are in",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["target_type"] == "accounts.department"
    assert body["target_id"] == alice.department.pk
    assert body["author"] == {"id": alice.pk, "name": alice.user.display_name}
    assert body["mentions"] == [bob.pk]
    comment = Comment.objects.get(pk=body["id"])
    assert comment.target == alice.department
    notification = Notification.objects.get(recipient=bob)
    assert notification.event.verb == "comment.posted"
    assert notification.event.payload["comment_id"] == comment.pk
    assert not Notification.objects.filter(recipient=charlie).exists()


def test_comment_list_of_one_record_in_posting_order(alice, bob, api_for):
    marketing = member_of(alice.organization, DepartmentKind.MARKETING).department
    first = CommentFactory(organization=alice.organization, author=alice, target=marketing)
    CommentFactory(organization=alice.organization, author=alice, target=alice.department)
    second = CommentFactory(organization=alice.organization, author=bob, target=marketing)
    response = api_for(bob).get(
        COMMENTS, {"target_type": "accounts.department", "target_id": marketing.pk}
    )
    assert response.status_code == 200
    assert ids(response) == [first.pk, second.pk]
    assert set(response.json()["results"][0]) == {
        "id",
        "target_type",
        "target_id",
        "author",
        "body",
        "mentions",
        "created_at",
    }


@pytest.mark.parametrize("target_type", ["nope.nothing", "accounts.invitation", "accounts", ""])
def test_comment_on_an_unknown_or_non_commentable_kind_is_a_400(target_type, alice, bob, api_for):
    invitation = InvitationFactory(organization=alice.organization, department=alice.department)
    client = api_for(bob)
    created = client.post(
        COMMENTS,
        {"target_type": target_type, "target_id": invitation.pk, "body": "hi"},
        format="json",
    )
    assert created.status_code == 400
    assert "target_type" in created.json()
    listed = client.get(COMMENTS, {"target_type": target_type, "target_id": invitation.pk})
    assert listed.status_code == 400
    assert "target_type" in listed.json()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("target_id", [0, -1, 2**63, "abc"])
def test_comment_with_an_impossible_target_id_is_a_400(target_id, bob, api_for):
    client = api_for(bob)
    created = client.post(
        COMMENTS,
        {"target_type": "accounts.department", "target_id": target_id, "body": "hi"},
        format="json",
    )
    assert created.status_code == 400
    assert "target_id" in created.json()
    listed = client.get(COMMENTS, {"target_type": "accounts.department", "target_id": target_id})
    assert listed.status_code == 400
    assert "target_id" in listed.json()


def test_blank_comment_is_a_400(bob, api_for):
    response = api_for(bob).post(
        COMMENTS,
        {"target_type": "accounts.department", "target_id": bob.department_id, "body": "  "},
        format="json",
    )
    assert response.status_code == 400
    assert "body" in response.json()


def test_comment_on_a_record_of_another_organization_is_a_404(alice, charlie, api_for):
    client = api_for(alice)
    response = client.post(
        COMMENTS,
        {
            "target_type": "accounts.department",
            "target_id": charlie.department_id,
            "body": "@charlie@globex.test hello",
        },
        format="json",
    )
    assert response.status_code == 404
    assert not Comment.objects.exists()
    assert not Notification.objects.exists()
    CommentFactory(organization=charlie.organization, author=charlie, target=charlie.department)
    listed = client.get(
        COMMENTS, {"target_type": "accounts.department", "target_id": charlie.department_id}
    )
    assert listed.status_code == 404


def test_outsider_sees_no_comment_of_another_organization(alice, charlie, api_for):
    comment = CommentFactory(organization=alice.organization, author=alice)
    client = api_for(charlie)
    assert ids(client.get(COMMENTS)) == []
    assert client.get(f"{COMMENTS}{comment.pk}/").status_code == 404


# --- query counts -------------------------------------------------------------------------------


def make_events(alice, bob, n):
    for _ in range(n):
        event_on(alice.department, member_of(alice.organization))


def make_notifications(alice, bob, n):
    for _ in range(n):
        notify(bob, member_of(alice.organization))


def make_comments(alice, bob, n):
    for _ in range(n):
        comment = CommentFactory(
            organization=alice.organization,
            author=member_of(alice.organization),
            target=alice.department,
        )
        comment.mentions.set([alice, bob])


@pytest.mark.parametrize(
    ("url", "make"),
    [
        (EVENTS, make_events),
        (NOTIFICATIONS, make_notifications),
        (f"{COMMENTS}?target_type=accounts.department&target_id={{department}}", make_comments),
    ],
    ids=["events", "notifications", "comments"],
)
def test_list_queries_do_not_grow_with_the_number_of_rows(
    url, make, alice, bob, api_for, django_assert_max_num_queries
):
    client = api_for(bob)
    url = url.format(department=alice.department.pk)
    make(alice, bob, 3)
    with django_assert_max_num_queries(4) as few:
        response = client.get(url)
    assert len(ids(response)) == 3
    make(alice, bob, 27)
    with django_assert_max_num_queries(4) as many:
        response = client.get(url)
    assert len(ids(response)) == 30
    assert len(few) == len(many)
