"""Browser pages of notifications: the discussion thread (htmx) and the inbox."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Role
from collab_hub.notifications.models import Comment, Notification
from tests.factories import CommentFactory, NotificationFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def thread_url(department) -> str:
    return reverse("comments", args=["accounts.department", department.pk])


# --- Thread ---------------------------------------------------------------------------------


def test_thread_fragment_for_htmx_lists_comments_with_the_form(browser_for, alice, bob):
    CommentFactory(
        organization=alice.organization, author=alice, target=bob.department, body="Kickoff at 10"
    )

    response = browser_for(bob).get(thread_url(bob.department), **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Kickoff at 10" in content
    assert 'hx-post="' + thread_url(bob.department) + '"' in content
    assert "<html" not in content  # only the fragment, not the page around it


def test_thread_without_htmx_is_a_full_page(browser_for, bob):
    response = browser_for(bob).get(thread_url(bob.department))

    content = response.content.decode()
    assert "<html" in content
    assert 'class="thread"' in content


def test_posting_a_comment_with_htmx_returns_the_updated_fragment(browser_for, bob):
    response = browser_for(bob).post(thread_url(bob.department), {"body": "Numbers are in"}, **HTMX)

    assert response.status_code == 200
    assert "Numbers are in" in response.content.decode()
    assert "<html" not in response.content.decode()
    comment = Comment.objects.get()
    assert comment.author == bob
    assert comment.target == bob.department


def test_posting_without_htmx_redirects_back_to_the_thread(browser_for, bob):
    response = browser_for(bob).post(thread_url(bob.department), {"body": "Plain form"})

    assert response.status_code == 302
    assert response.url == thread_url(bob.department)
    assert Comment.objects.filter(body="Plain form").exists()


def test_mention_notifies_the_colleague(browser_for, alice, bob):
    browser_for(bob).post(
        thread_url(bob.department), {"body": f"@{alice.user.email} can you check?"}, **HTMX
    )

    notification = Notification.objects.get(recipient=alice)
    assert notification.event.verb == "comment.posted"


def test_empty_comment_shows_an_error_and_saves_nothing(browser_for, bob):
    response = browser_for(bob).post(thread_url(bob.department), {"body": "   "}, **HTMX)

    assert response.status_code == 200
    assert "Write a comment first." in response.content.decode()
    assert not Comment.objects.exists()


def test_thread_of_another_organizations_record_is_404(browser_for, alice, charlie):
    client = browser_for(charlie)

    assert client.get(thread_url(alice.department), **HTMX).status_code == 404
    response = client.post(thread_url(alice.department), {"body": "Hi"}, **HTMX)

    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_thread_of_a_model_without_discussion_is_404(browser_for, bob):
    url = reverse("comments", args=["accounts.membership", bob.pk])

    assert browser_for(bob).get(url, **HTMX).status_code == 404


def test_thread_query_count_does_not_grow_with_comments(
    browser_for, alice, bob, django_assert_max_num_queries
):
    CommentFactory.create_batch(
        12, organization=alice.organization, author=alice, target=bob.department
    )
    client = browser_for(bob)

    with django_assert_max_num_queries(6):
        response = client.get(thread_url(bob.department), **HTMX)

    assert response.status_code == 200


# --- Inbox ----------------------------------------------------------------------------------


def test_inbox_lists_my_notifications_with_unread_highlighted(browser_for, alice, bob):
    account_services.change_membership(by=alice, membership=bob, role=Role.MANAGER)

    response = browser_for(bob).get(reverse("notifications"))

    content = response.content.decode()
    assert response.status_code == 200
    assert f"{alice.user.display_name} changed the membership" in content
    assert "is-unread" in content
    assert "Mark all read" in content


def test_inbox_never_shows_other_peoples_notifications(browser_for, alice, bob):
    NotificationFactory(organization=alice.organization, recipient=alice)

    response = browser_for(bob).get(reverse("notifications"))

    assert "No notifications yet" in response.content.decode()


def test_mark_all_read(browser_for, alice, bob):
    NotificationFactory.create_batch(3, organization=bob.organization, recipient=bob)
    others = NotificationFactory(organization=alice.organization, recipient=alice)

    response = browser_for(bob).post(reverse("notifications_mark_read"))

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=bob, read_at__isnull=True).exists()
    others.refresh_from_db()
    assert others.read_at is None


def test_mark_one_read(browser_for, bob):
    first, second = NotificationFactory.create_batch(
        2, organization=bob.organization, recipient=bob
    )

    browser_for(bob).post(reverse("notifications_mark_read"), {"id": first.pk})

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_mark_read_does_not_redirect_to_another_site(browser_for, bob):
    response = browser_for(bob).post(
        reverse("notifications_mark_read"), {"next": "https://evil.example/"}
    )

    assert response.url == reverse("notifications")


def test_inbox_query_count_does_not_grow_with_notifications(
    browser_for, bob, django_assert_max_num_queries
):
    NotificationFactory.create_batch(15, organization=bob.organization, recipient=bob)
    client = browser_for(bob)

    # The page shell, the notifications, the unread count (and one per kind of record).
    with django_assert_max_num_queries(7):
        response = client.get(reverse("notifications"))

    assert response.status_code == 200
