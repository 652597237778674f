"""``manage.py demo``: the demo organization, its people and activity, idempotent."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.management.commands.demo import (
    ADMIN,
    DEFAULT_PASSWORD,
    ORGANIZATION_SLUG,
    PEOPLE,
)
from accounts.models import Department, Invitation, Membership, Organization, Role, User
from collab_hub.notifications.models import ActivityEvent, Comment, Notification

# Each test seeds the demo organization (about a second): `make test-all` and CI.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def run_demo(*args: str) -> str:
    out = StringIO()
    # A small funnel keeps these tests fast; tests/leads/test_demo.py checks the full one.
    call_command("demo", "--leads", "40", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    models = [
        User,
        Organization,
        Department,
        Membership,
        Invitation,
        ActivityEvent,
        Comment,
        Notification,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_running_demo_twice_leaves_the_same_data():
    run_demo()
    first = row_counts()
    first_events = list(ActivityEvent.objects.order_by("pk").values_list("pk", "verb"))

    run_demo()

    assert row_counts() == first
    assert list(ActivityEvent.objects.order_by("pk").values_list("pk", "verb")) == first_events


def test_demo_creates_the_organization_with_a_member_and_a_manager_per_department():
    run_demo()

    organization = Organization.objects.get(slug=ORGANIZATION_SLUG)
    assert organization.name == "Northwind Demo"
    assert (organization.currency, organization.timezone) == ("EUR", "Europe/Warsaw")
    # The accounts demo's people (the feedback demo adds members of its own).
    memberships = Membership.objects.for_org(organization).filter(
        user__email__in=[person.email for person in PEOPLE]
    )
    assert memberships.count() == len(PEOPLE) == 9
    for kind in ("sales", "marketing", "product", "cs"):
        roles = set(memberships.filter(department__kind=kind).values_list("role", flat=True))
        assert {Role.MEMBER, Role.MANAGER} <= roles, kind


def test_demo_admin_is_the_organizations_admin():
    run_demo()

    admin = Membership.objects.get(organization__slug=ORGANIZATION_SLUG, user__email=ADMIN.email)
    assert admin.role == Role.ADMIN
    assert admin.is_active


def test_every_demo_user_can_log_in_with_the_demo_password(client):
    run_demo()

    for person in PEOPLE:
        assert client.login(email=person.email, password=DEFAULT_PASSWORD), person.email
        client.logout()
        user = User.objects.get(email=person.email)
        assert user.full_name == person.full_name


def test_people_join_through_accepted_invitations_so_the_history_is_real():
    run_demo()

    organization = Organization.objects.get(slug=ORGANIZATION_SLUG)
    accepted = Invitation.objects.for_org(organization).filter(
        accepted_at__isnull=False, email__in=[person.email for person in PEOPLE]
    )
    assert accepted.count() == len(PEOPLE) - 1
    verbs = set(ActivityEvent.objects.for_org(organization).values_list("verb", flat=True))
    assert {"organization.created", "invitation.sent", "invitation.accepted"} <= verbs


def department_comments(organization):
    """The accounts demo's own discussion: comments on departments (the flows' demo steps
    add comments on their records, dated in their own stories)."""
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Department

    return (
        Comment.objects.for_org(organization)
        .filter(target_type=ContentType.objects.get_for_model(Department))
        .order_by("created_at", "pk")
    )


def test_demo_comments_notify_the_members_they_mention():
    run_demo()

    organization = Organization.objects.get(slug=ORGANIZATION_SLUG)
    comments = department_comments(organization)
    assert comments.count() >= 3
    product_manager = Membership.objects.get(
        organization=organization, user__email="product.manager@demo.collabhub.test"
    )
    mentioned_by_cs = comments.get(author__user__email="cs.manager@demo.collabhub.test")
    assert list(mentioned_by_cs.mentions.all()) == [product_manager]
    assert Notification.objects.filter(
        recipient=product_manager, event__verb="comment.posted"
    ).exists()


def test_demo_prints_every_login_and_the_password_on_every_run():
    for output in (run_demo(), run_demo()):
        for person in PEOPLE:
            assert person.email in output
        assert DEFAULT_PASSWORD in output


def test_demo_password_option_changes_the_password_of_existing_demo_users():
    run_demo()

    output = run_demo("--password", "another-demo-pass")

    assert "another-demo-pass" in output
    assert authenticate(email=ADMIN.email, password="another-demo-pass") is not None
    assert authenticate(email=ADMIN.email, password=DEFAULT_PASSWORD) is None


def test_demo_people_joined_after_the_founding_and_talked_this_week():
    from django.utils import timezone

    started = timezone.now()
    run_demo()

    organization = Organization.objects.get(slug=ORGANIZATION_SLUG)
    assert organization.created_at < started - timedelta(days=180)
    memberships = Membership.objects.for_org(organization)
    assert not memberships.filter(created_at__lt=organization.created_at).exists()
    assert not memberships.filter(created_at__gt=started).exists()
    for invitation in Invitation.objects.for_org(organization):
        assert organization.created_at <= invitation.created_at < invitation.accepted_at < started
    posted = list(department_comments(organization).values_list("created_at", flat=True))
    assert posted == sorted(posted)
    assert started - timedelta(days=7) < posted[0] and posted[-1] < started
    events = ActivityEvent.objects.for_org(organization)
    assert not events.filter(created_at__gt=started).exists()
    assert not events.filter(created_at__lt=organization.created_at).exists()
