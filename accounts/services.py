"""Every change to organizations, departments, memberships, invitations and API keys."""

from __future__ import annotations

import secrets
import zoneinfo
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import (
    API_KEY_MARK,
    INVITATION_LIFETIME,
    READ_SCOPE,
    STANDARD_DEPARTMENTS,
    ApiKey,
    Department,
    DepartmentKind,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
    hash_api_key,
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


ORGANIZATION_NAME_MAX = 200


@transaction.atomic
def create_organization(
    *,
    name: str,
    owner: User,
    department_kind: str = DepartmentKind.SALES,
    currency: str = "EUR",
    timezone_name: str = "UTC",
) -> Membership:
    """Create an organization with the four standard departments; ``owner`` becomes admin.

    Returns the owner's admin membership, in the standard department of ``department_kind``
    (the founder's choice; editable later). An empty or too long name, or a kind that is not
    a standard department, is a ``DomainError`` (``invalid_name`` / ``invalid_department``).
    """
    name = name.strip()
    if not name:
        raise DomainError(_("Name your organization."), code="invalid_name", field="name")
    if len(name) > ORGANIZATION_NAME_MAX:
        raise DomainError(
            _("An organization name has at most %(limit)d characters.")
            % {"limit": ORGANIZATION_NAME_MAX},
            code="invalid_name",
            field="name",
        )
    if department_kind not in STANDARD_DEPARTMENTS:
        raise DomainError(
            _("Choose one of the standard departments."),
            code="invalid_department",
            field="department",
        )
    organization = Organization.objects.create(
        name=name, slug=_unique_slug(name), currency=currency, timezone=timezone_name
    )
    departments = Department.objects.bulk_create(
        [
            Department(organization=organization, kind=kind, name=str(kind.label))
            for kind in STANDARD_DEPARTMENTS
        ]
    )
    home = next(d for d in departments if d.kind == department_kind)
    membership = Membership.objects.create(
        organization=organization, user=owner, department=home, role=Role.ADMIN
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
    if len(organization.name) > ORGANIZATION_NAME_MAX:
        raise DomainError(
            _("An organization name has at most %(limit)d characters.")
            % {"limit": ORGANIZATION_NAME_MAX},
            code="invalid_name",
        )
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
    """Remove an empty department; one that still has members, or invitations waiting to
    be accepted into it, answers 409. The API keys' integration memberships (not people)
    move to another department first; spent invitations (accepted or expired) go with it."""
    require(by, "departments.manage", department)
    if department.memberships.people().exists():
        raise Conflict(
            _("Move this department's members elsewhere before removing it."),
            code="department_not_empty",
        )
    invitations = Invitation.objects.filter(department=department)
    if invitations.filter(accepted_at__isnull=True, expires_at__gt=timezone.now()).exists():
        raise Conflict(
            _("Revoke this department's pending invitations before removing it."),
            code="department_not_empty",
        )
    integrations = department.memberships.filter(is_integration=True)
    if integrations.exists():
        home = _integration_department(by.organization, excluding=department)
        if home is None:
            raise Conflict(
                _("The organization's API keys need a department: keep one."),
                code="department_not_empty",
            )
        integrations.update(department=home)
    record_event(
        organization=by.organization,
        actor=by,
        verb="department.deleted",
        payload={"name": department.name},
    )
    invitations.delete()
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
    if membership.is_integration:
        # An API key's membership changes with its key (update_api_key / revoke_api_key).
        raise NotAllowed(_("Manage this integration through its API key."), code="integration")
    if department is not None and department.organization_id != membership.organization_id:
        raise NotAllowed(_("Unknown department."), code="invalid_department")
    loses_admin = membership.role == Role.ADMIN and (
        (role is not None and role != Role.ADMIN) or is_active is False
    )
    if loses_admin:
        others = (
            Membership.objects.for_org(membership.organization)
            .people()
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


# --- Organization API keys ------------------------------------------------------------------

# Where an API key's integration membership sits: a department whose kind no flow reacts to
# (a marketing membership would become the marketing owner of every lead it creates).
_INTEGRATION_DEPARTMENT_KINDS = [
    DepartmentKind.OTHER,
    DepartmentKind.PRODUCT,
    DepartmentKind.CS,
    DepartmentKind.SALES,
    DepartmentKind.MARKETING,
]
API_KEY_NAME_MAX = 100


def api_key_scopes() -> list[str]:
    """Every scope a key may have: ``read``, then ``<area>:write`` for each area of the API
    (the apps that registered routes, ``collab_hub.api.register_api``)."""
    from collab_hub.api import _routes

    areas = dict.fromkeys(app for _prefix, _viewset, _basename, app in _routes)
    return [READ_SCOPE, *(f"{area}:write" for area in areas)]


class NewApiKey(NamedTuple):
    """A key just made: the row, and the key itself (never stored, shown this once)."""

    api_key: ApiKey
    key: str


def _integration_department(
    organization: Organization, *, excluding: Department | None = None
) -> Department | None:
    candidates = Department.objects.for_org(organization)
    if excluding is not None:
        candidates = candidates.exclude(pk=excluding.pk)
    # The oldest department of the first kind found (iterated newest first, oldest wins).
    departments = {department.kind: department for department in candidates.order_by("-pk")}
    for kind in _INTEGRATION_DEPARTMENT_KINDS:
        if kind in departments:
            return departments[kind]
    return None


def _clean_api_key_fields(
    *, name: str | None, scopes: list[str] | None, expires_at: datetime | None
) -> tuple[str | None, list[str] | None]:
    """Validate what an admin sets on a key: a name, known scopes (normalised: ``read``
    first, then the write scopes in the API's order), an expiry in the future."""
    if name is not None:
        name = name.strip()
        if not name:
            raise DomainError(_("Name the key after the integration."), field="name")
        if len(name) > API_KEY_NAME_MAX:
            raise DomainError(
                _("At most %(count)d characters.") % {"count": API_KEY_NAME_MAX}, field="name"
            )
    if scopes is not None:
        known = api_key_scopes()
        unknown = sorted(set(scopes) - set(known))
        if unknown:
            raise DomainError(
                _("Unknown scope %(scopes)s; use %(allowed)s.")
                % {"scopes": ", ".join(unknown), "allowed": ", ".join(known)},
                code="invalid_scope",
                field="scopes",
            )
        scopes = [scope for scope in known if scope in scopes or scope == READ_SCOPE]
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(_("Choose an expiry in the future."), field="expires_at")
    return name, scopes


def _integration_name(name: str) -> str:
    """How the key's actor reads in events and notifications."""
    return _("Integration · %(name)s") % {"name": name}


def _new_prefix() -> str:
    # 32 random bits: a clash is rare, and the unique prefix column makes it harmless.
    while True:
        prefix = f"{API_KEY_MARK}{secrets.token_hex(4)}"
        if not ApiKey.objects.filter(prefix=prefix).exists():
            return prefix


@transaction.atomic
def create_api_key(
    *,
    by: Membership,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> NewApiKey:
    """Make an API key for ``by``'s organization (``api_keys.manage``: its admins).

    The key (``<prefix>_<secret>``, 256 random bits) is returned once, in ``NewApiKey.key``;
    only its SHA-256 is stored. The key acts through a service user of its own (no password,
    inactive: it cannot sign in or receive mail) with an admin integration membership, so
    every service, policy check and tenant scope applies to it unchanged, and the key's
    scopes limit what it may write. Emits ``api_key.created``.
    """
    require(by, "api_keys.manage")
    clean_name, clean_scopes = _clean_api_key_fields(
        name=name, scopes=scopes, expires_at=expires_at
    )
    assert clean_name is not None and clean_scopes is not None
    organization = by.organization
    department = _integration_department(organization)
    if department is None:
        raise Conflict(_("Create a department first."), code="no_department")
    prefix = _new_prefix()
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    user = User(
        email=f"{prefix}@api-keys.invalid",
        full_name=_integration_name(clean_name),
        is_active=False,
    )
    user.set_unusable_password()
    user.save()
    membership = Membership.objects.create(
        organization=organization,
        user=user,
        department=department,
        role=Role.ADMIN,
        is_integration=True,
        email_notifications=False,
    )
    api_key = ApiKey.objects.create(
        organization=organization,
        name=clean_name,
        prefix=prefix,
        secret_hash=hash_api_key(key),
        scopes=clean_scopes,
        expires_at=expires_at,
        membership=membership,
        created_by=by,
    )
    record_event(
        organization=organization,
        actor=by,
        verb="api_key.created",
        target=api_key,
        payload={
            "name": clean_name,
            "prefix": prefix,
            "scopes": clean_scopes,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return NewApiKey(api_key, key)


API_KEY_FIELDS = ("name", "scopes", "expires_at")


@transaction.atomic
def update_api_key(*, by: Membership, api_key: ApiKey, data: dict[str, Any]) -> ApiKey:
    """Rename a key, change its scopes or expiry (``api_keys.manage``); a revoked key is
    409 ``revoked``. The key itself never changes: rotate by creating a new key and revoking
    this one. Emits ``api_key.updated`` with the changes."""
    require(by, "api_keys.manage", api_key)
    api_key = (
        ApiKey.objects.select_for_update().select_related("membership__user").get(pk=api_key.pk)
    )
    if api_key.revoked_at is not None:
        raise IllegalTransition(_("This API key was revoked."), code="revoked")
    name, scopes = _clean_api_key_fields(
        name=data.get("name"),
        scopes=data.get("scopes"),
        expires_at=data.get("expires_at"),
    )
    cleaned = {**data, **({"name": name} if name is not None else {})}
    if scopes is not None:
        cleaned["scopes"] = scopes
    changes = apply_changes(api_key, cleaned, API_KEY_FIELDS)
    if changes:
        api_key.save()
        if "name" in changes:
            user = api_key.membership.user
            user.full_name = _integration_name(api_key.name)
            user.save(update_fields=["full_name"])
        record_event(
            organization=by.organization,
            actor=by,
            verb="api_key.updated",
            target=api_key,
            payload={"changes": changes},
        )
    return api_key


@transaction.atomic
def revoke_api_key(*, by: Membership, api_key: ApiKey) -> ApiKey:
    """Revoke a key for good (``api_keys.manage``): from now on a request with it is a 401,
    and its integration membership is deactivated. Revoking a revoked key changes nothing.
    Emits ``api_key.revoked``."""
    require(by, "api_keys.manage", api_key)
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is not None:
        return api_key
    api_key.revoked_at = timezone.now()
    api_key.revoked_by = by
    api_key.save(update_fields=["revoked_at", "revoked_by"])
    Membership.objects.filter(pk=api_key.membership_id).update(is_active=False)
    record_event(
        organization=by.organization,
        actor=by,
        verb="api_key.revoked",
        target=api_key,
        payload={"name": api_key.name, "prefix": api_key.prefix},
    )
    return api_key


# A key's last use is written at most this often: one UPDATE a minute, not one a request.
LAST_USED_PRECISION = timedelta(minutes=1)


def record_api_key_use(*, api_key: ApiKey) -> None:
    """Note that ``api_key`` was just used, at most once per ``LAST_USED_PRECISION``: a single
    conditional UPDATE (none when the loaded value is recent), so concurrent requests write
    it once."""
    now = timezone.now()
    stale = now - LAST_USED_PRECISION
    if api_key.last_used_at is not None and api_key.last_used_at > stale:
        return
    ApiKey.objects.filter(pk=api_key.pk).filter(
        models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lte=stale)
    ).update(last_used_at=now)
    api_key.last_used_at = now
