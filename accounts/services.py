"""Every change to organizations, departments, memberships and invitations."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import (
    INVITATION_LIFETIME,
    STANDARD_DEPARTMENTS,
    Department,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
)
from accounts.policy import require
from collab_hub.changes import apply_changes
from collab_hub.exceptions import Conflict, DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.services import record_event


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_organization(
    *, name: str, owner: User, currency: str = "EUR", timezone_name: str = "UTC"
) -> Membership:
    """Create an organization with the four standard departments; ``owner`` becomes admin.

    Returns the owner's admin membership (in the sales department, editable later).
    """
    organization = Organization.objects.create(
        name=name.strip(), slug=_unique_slug(name), currency=currency, timezone=timezone_name
    )
    departments = Department.objects.bulk_create(
        [
            Department(organization=organization, kind=kind, name=str(kind.label))
            for kind in STANDARD_DEPARTMENTS
        ]
    )
    membership = Membership.objects.create(
        organization=organization, user=owner, department=departments[0], role=Role.ADMIN
    )
    record_event(
        organization=organization,
        actor=membership,
        verb="organization.created",
        target=organization,
    )
    return membership


ORGANIZATION_FIELDS = ("name", "currency", "timezone", "visibility", "capture_key")


@transaction.atomic
def update_organization(
    *, by: Membership, organization: Organization, data: dict[str, Any]
) -> Organization:
    """Change the organization's name, currency, time zone, record visibility or capture key
    (``organization.configure``: its admins). The slug is the API's handle and stays. Invalid
    values are a ``DomainError``; emits ``organization.updated`` with the changes (the capture
    key itself is never written to the event)."""
    require(by, "organization.configure", organization)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    changes = apply_changes(organization, data, ORGANIZATION_FIELDS)
    organization.name = organization.name.strip()
    if not organization.name:
        raise DomainError(_("Name the organization."), code="invalid_name")
    if len(organization.currency) != 3 or not organization.currency.isalpha():
        raise DomainError(_("Use a three-letter currency code, e.g. EUR."), code="invalid_currency")
    organization.currency = organization.currency.upper()
    if organization.timezone not in zoneinfo.available_timezones():
        raise DomainError(_("Unknown time zone."), code="invalid_timezone")
    try:
        organization.clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="invalid_visibility") from None
    if changes:
        organization.save()
        if "capture_key" in changes:
            changes["capture_key"] = ["…", "…"]
        record_event(
            organization=organization,
            actor=by,
            verb="organization.updated",
            target=organization,
            payload={"changes": changes},
        )
    return organization


@transaction.atomic
def create_department(*, by: Membership, kind: str, name: str) -> Department:
    require(by, "departments.manage")
    if Department.objects.for_org(by.organization).filter(name__iexact=name.strip()).exists():
        raise Conflict(_("A department with this name already exists."), code="duplicate")
    department = Department.objects.create(
        organization=by.organization, kind=kind, name=name.strip()
    )
    record_event(
        organization=by.organization, actor=by, verb="department.created", target=department
    )
    return department


@transaction.atomic
def update_department(
    *, by: Membership, department: Department, name: str | None = None, kind: str | None = None
) -> Department:
    require(by, "departments.manage", department)
    if name is not None:
        clash = (
            Department.objects.for_org(by.organization)
            .filter(name__iexact=name.strip())
            .exclude(pk=department.pk)
        )
        if clash.exists():
            raise Conflict(_("A department with this name already exists."), code="duplicate")
        department.name = name.strip()
    if kind is not None:
        department.kind = kind
    department.save()
    record_event(
        organization=by.organization,
        actor=by,
        verb="department.updated",
        target=department,
        payload={"name": department.name, "kind": department.kind},
    )
    return department


@transaction.atomic
def delete_department(*, by: Membership, department: Department) -> None:
    """Remove an empty department; one that still has members answers 409."""
    require(by, "departments.manage", department)
    if department.memberships.exists():
        raise Conflict(
            _("Move this department's members elsewhere before removing it."),
            code="department_not_empty",
        )
    record_event(
        organization=by.organization,
        actor=by,
        verb="department.deleted",
        payload={"name": department.name},
    )
    department.delete()


@transaction.atomic
def change_membership(
    *,
    by: Membership,
    membership: Membership,
    role: str | None = None,
    department: Department | None = None,
    is_active: bool | None = None,
) -> Membership:
    """Change a member's role, department or active flag.

    The organization always keeps at least one active admin (409 ``last_admin`` otherwise).
    """
    require(by, "members.manage", membership)
    if department is not None and department.organization_id != membership.organization_id:
        raise NotAllowed(_("Unknown department."), code="invalid_department")
    loses_admin = membership.role == Role.ADMIN and (
        (role is not None and role != Role.ADMIN) or is_active is False
    )
    if loses_admin:
        others = (
            Membership.objects.for_org(membership.organization)
            .select_for_update()
            .filter(role=Role.ADMIN, is_active=True)
            .exclude(pk=membership.pk)
        )
        if not others.exists():
            raise IllegalTransition(
                _("The organization needs at least one active admin."), code="last_admin"
            )
    changes: dict[str, list[Any]] = {}
    if role is not None and role != membership.role:
        changes["role"] = [membership.role, role]
        membership.role = role
    if department is not None and department.pk != membership.department_id:
        changes["department"] = [membership.department_id, department.pk]
        membership.department = department
    if is_active is not None and is_active != membership.is_active:
        changes["is_active"] = [membership.is_active, is_active]
        membership.is_active = is_active
    if changes:
        membership.save()
        record_event(
            organization=by.organization,
            actor=by,
            verb="member.changed",
            target=membership,
            payload=changes,
            recipients=[membership],
        )
    return membership


@transaction.atomic
def invite_member(
    *, by: Membership, email: str, department: Department, role: str = Role.MEMBER
) -> Invitation:
    """Invite ``email`` into ``department`` with ``role``; the invitation mail goes on commit.

    Inviting an address that is already an active member answers 409 ``already_member``;
    a still-pending invitation to the same address is replaced by the new one.
    """
    require(by, "invitations.manage")
    if department.organization_id != by.organization_id:
        raise NotAllowed(_("Unknown department."), code="invalid_department")
    email = email.strip().lower()
    organization = by.organization
    if Membership.objects.for_org(organization).filter(user__email__iexact=email).exists():
        raise Conflict(_("This person is already a member."), code="already_member")
    Invitation.objects.for_org(organization).filter(
        email__iexact=email, accepted_at__isnull=True
    ).update(expires_at=timezone.now())
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        department=department,
        role=role,
        invited_by=by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    record_event(
        organization=organization,
        actor=by,
        verb="invitation.sent",
        target=invitation,
        payload={"email": email, "role": role},
    )
    from accounts.tasks import send_invitation

    transaction.on_commit(lambda: send_invitation.delay(invitation.pk))
    return invitation


@transaction.atomic
def revoke_invitation(*, by: Membership, invitation: Invitation) -> Invitation:
    require(by, "invitations.manage", invitation)
    if invitation.accepted_at is not None:
        raise IllegalTransition(_("This invitation was already accepted."), code="accepted")
    invitation.expires_at = timezone.now()
    invitation.save(update_fields=["expires_at"])
    record_event(
        organization=by.organization, actor=by, verb="invitation.revoked", target=invitation
    )
    return invitation


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    """Turn an invitation into a membership for ``user`` (new or existing account).

    The invitation must be pending and addressed to the user's email; accepting twice is
    refused (409). Notifies the inviter.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise IllegalTransition(_("This invitation was already accepted."), code="accepted")
    if invitation.is_expired:
        raise IllegalTransition(_("This invitation has expired."), code="expired")
    if invitation.email.lower() != user.email.lower():
        raise NotAllowed(
            _("This invitation was sent to another email address."), code="wrong_recipient"
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                organization=invitation.organization,
                user=user,
                department=invitation.department,
                role=invitation.role,
            )
    except IntegrityError:
        raise Conflict(_("You are already a member."), code="already_member") from None
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record_event(
        organization=invitation.organization,
        actor=membership,
        verb="invitation.accepted",
        target=membership,
        recipients=[invitation.invited_by] if invitation.invited_by else [],
    )
    return membership


def update_profile(*, user: User, full_name: str, language: str) -> User:
    """Change the user's display name and language ("" follows the browser)."""
    from django.conf import settings

    if language and language not in dict(settings.LANGUAGES):
        raise DomainError(_("Unsupported language."), code="invalid_language")
    user.full_name = full_name.strip()
    user.language = language
    user.save(update_fields=["full_name", "language"])
    return user


def set_email_notifications(*, membership: Membership, enabled: bool) -> Membership:
    """Whether this membership's notifications are also emailed."""
    membership.email_notifications = enabled
    membership.save(update_fields=["email_notifications"])
    return membership
