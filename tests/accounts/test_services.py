import pytest
from django.utils import timezone

from accounts import services
from accounts.models import Department, DepartmentKind, Membership, Role
from collab_hub.exceptions import Conflict, IllegalTransition, NotAllowed
from collab_hub.notifications.models import Notification
from tests.factories import InvitationFactory, UserFactory


def test_create_organization_makes_four_departments_and_an_admin(db):
    owner = UserFactory()
    membership = services.create_organization(name="Initech Ltd", owner=owner)
    org = membership.organization
    assert org.slug == "initech-ltd"
    assert membership.role == Role.ADMIN
    kinds = set(Department.objects.for_org(org).values_list("kind", flat=True))
    assert kinds == {"sales", "marketing", "product", "cs"}


def test_two_organizations_with_the_same_name_get_different_slugs(db):
    first = services.create_organization(name="Same", owner=UserFactory()).organization
    second = services.create_organization(name="Same", owner=UserFactory()).organization
    assert first.slug != second.slug


def test_member_cannot_invite(bob):
    with pytest.raises(NotAllowed):
        services.invite_member(by=bob, email="x@example.com", department=bob.department)


def test_admin_invites_and_mail_goes_on_commit(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = services.invite_member(
            by=alice, email="New@Example.com", department=alice.department, role=Role.MANAGER
        )
    assert invitation.email == "new@example.com"
    assert mailoutbox == []
    from accounts.tasks import send_invitation

    assert send_invitation.run(invitation.pk) is True
    assert len(callbacks) == 1
    assert mailoutbox[0].to == ["new@example.com"]
    assert invitation.token in mailoutbox[0].body


def test_inviting_an_existing_member_is_a_conflict(alice, bob):
    with pytest.raises(Conflict):
        services.invite_member(by=alice, email=bob.user.email, department=alice.department)


def test_accepting_an_invitation_creates_the_membership_and_tells_the_inviter(alice):
    invitation = InvitationFactory(
        organization=alice.organization,
        department=alice.department,
        invited_by=alice,
        email="zoe@example.com",
        role=Role.MANAGER,
    )
    zoe = UserFactory(email="zoe@example.com")
    membership = services.accept_invitation(invitation=invitation, user=zoe)
    assert membership.role == Role.MANAGER
    assert membership.organization == alice.organization
    invitation.refresh_from_db()
    assert invitation.accepted_by == zoe
    assert Notification.objects.filter(recipient=alice, event__verb="invitation.accepted").exists()
    with pytest.raises(IllegalTransition):
        services.accept_invitation(invitation=invitation, user=zoe)


def test_an_invitation_for_someone_else_cannot_be_accepted(alice):
    invitation = InvitationFactory(organization=alice.organization, email="zoe@example.com")
    with pytest.raises(NotAllowed):
        services.accept_invitation(invitation=invitation, user=UserFactory(email="eve@example.com"))
    assert not Membership.objects.filter(user__email="eve@example.com").exists()


def test_expired_invitation_is_refused(alice):
    invitation = InvitationFactory(
        organization=alice.organization, email="zoe@example.com", expires_at=timezone.now()
    )
    with pytest.raises(IllegalTransition):
        services.accept_invitation(invitation=invitation, user=UserFactory(email="zoe@example.com"))


def test_last_admin_cannot_step_down(alice):
    with pytest.raises(IllegalTransition) as error:
        services.change_membership(by=alice, membership=alice, role=Role.MEMBER)
    assert error.value.code == "last_admin"
    alice.refresh_from_db()
    assert alice.role == Role.ADMIN


def test_department_with_members_cannot_be_deleted(alice):
    with pytest.raises(Conflict):
        services.delete_department(by=alice, department=alice.department)
    empty = services.create_department(by=alice, kind=DepartmentKind.OTHER, name="Finance")
    services.delete_department(by=alice, department=empty)
    assert not Department.objects.filter(pk=empty.pk).exists()


@pytest.mark.django_db
def test_an_organization_name_is_named_and_at_most_200_characters():
    from collab_hub.exceptions import DomainError

    for name in ("   ", "x" * 201):
        with pytest.raises(DomainError) as refused:
            services.create_organization(name=name, owner=UserFactory())
        assert refused.value.code == "invalid_name"
    assert services.create_organization(name="x" * 200, owner=UserFactory()).organization.pk


@pytest.mark.django_db
def test_the_founder_joins_the_department_they_chose():
    from collab_hub.exceptions import DomainError

    membership = services.create_organization(
        name="Initech", owner=UserFactory(), department_kind=DepartmentKind.MARKETING
    )
    assert membership.department.kind == DepartmentKind.MARKETING
    with pytest.raises(DomainError) as refused:
        services.create_organization(name="Hooli", owner=UserFactory(), department_kind="other")
    assert refused.value.code == "invalid_department"
