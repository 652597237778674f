"""People and organizations: the tenant, its departments, who belongs where, invitations, and
the organization's API keys for integrations."""

import hashlib
import secrets
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab_hub.tenancy import TenantModel, TenantQuerySet, Visibility

INVITATION_LIFETIME = timedelta(days=7)


def new_capture_key() -> str:
    return secrets.token_urlsafe(24)


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Email is the login; what they may do depends on their memberships."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Leave empty to follow the browser's language."),
    )
    is_staff = models.BooleanField(
        _("platform staff"),
        default=False,
        help_text=_("Operators of this installation. Organization admins do not need it."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Organization(models.Model):
    """The tenant. Every business record belongs to exactly one organization."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    capture_key = models.CharField(
        _("capture key"),
        max_length=64,
        unique=True,
        default=new_capture_key,
        help_text=_("Secret part of the public lead-capture URL. Rotate it if it leaks."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", help_text=_("ISO 4217 code, e.g. EUR, USD.")
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    visibility = models.JSONField(
        _("record visibility"),
        default=dict,
        blank=True,
        help_text=_(
            'Per kind of record: "all" (default), "department" or "own", '
            'e.g. {"leads": "department"}. Managers and admins always see all.'
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.visibility, dict):
            raise ValidationError({"visibility": _("A mapping of record kind to visibility.")})
        bad = {k: v for k, v in self.visibility.items() if v not in Visibility.values}
        if bad:
            raise ValidationError(
                {
                    "visibility": _("Unknown visibility %(values)s; use %(allowed)s.")
                    % {
                        "values": ", ".join(map(str, bad.values())),
                        "allowed": ", ".join(Visibility.values),
                    }
                }
            )

    def visibility_for(self, kind: str) -> str:
        value = (self.visibility or {}).get(kind, Visibility.ALL)
        return value if value in Visibility.values else Visibility.ALL


class DepartmentKind(models.TextChoices):
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    PRODUCT = "product", _("Product")
    CS = "cs", _("Customer success")
    OTHER = "other", _("Other")


STANDARD_DEPARTMENTS = [
    DepartmentKind.SALES,
    DepartmentKind.MARKETING,
    DepartmentKind.PRODUCT,
    DepartmentKind.CS,
]


class Department(TenantModel):
    kind = models.CharField(_("kind"), max_length=16, choices=DepartmentKind.choices)
    name = models.CharField(_("name"), max_length=100)

    commentable = True

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organization", "name", name="department_name_unique_per_org")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("department_detail", args=[self.pk])


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


class MembershipQuerySet(TenantQuerySet["Membership"]):
    def visible_to(self, membership: "Membership") -> "MembershipQuerySet":
        """The organization's people: the members lists, member pickers and pages never show
        the memberships API keys act through (``is_integration``)."""
        people: MembershipQuerySet = super().visible_to(membership).filter(is_integration=False)
        return people

    def people(self) -> "MembershipQuerySet":
        """Memberships of persons, without the integrations' (counts, recipients, admins)."""
        return self.filter(is_integration=False)


class Membership(TenantModel):
    """A user's place in one organization: a department and a role.

    ``is_integration``: the membership an organization API key acts through (its own
    service user, who cannot sign in); not a person, so it is left out of the members lists,
    pickers and counts (``MembershipQuerySet``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("user"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    email_notifications = models.BooleanField(
        _("email notifications"),
        default=True,
        help_text=_("Also send notifications by email, not only in the app."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Deactivate instead of deleting to keep history.")
    )
    is_integration = models.BooleanField(
        _("integration"),
        default=False,
        editable=False,
        help_text=_("The membership an organization API key acts through, not a person."),
    )
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()  # type: ignore[misc]  # (a narrower queryset)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user__email"]
        constraints = [
            models.UniqueConstraint("user", "organization", name="membership_unique_per_org")
        ]
        indexes = [models.Index(fields=["organization", "department", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.department} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        # Every member sees the people page; only admins may open a member's settings.
        return reverse("people")

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def department_kind(self) -> str:
        return self.department.kind


class Invitation(TenantModel):
    email = models.EmailField(_("email address"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    token = models.CharField(
        max_length=64, unique=True, default=new_invitation_token, editable=False
    )
    invited_by = models.ForeignKey(
        "Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "email"])]

    def __str__(self) -> str:
        return self.email

    def get_absolute_url(self) -> str:
        return reverse("people") + "#invitations-title"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and not self.is_expired


class IdempotencyRecord(TenantModel):
    """A POST seen with an ``Idempotency-Key`` and the answer it got (``collab_hub.idempotency``).

    ``scope`` says whose key it is: keys are unique per client (a person, an API key, a
    public capture form), so two integrations may use the same key for different requests.
    """

    scope = models.CharField(max_length=64, default="")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text=_("SHA-256 of the method, path and request body.")
    )
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organization", "scope", "key", name="idempotency_key_unique_per_client"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return self.key


# --- Organization API keys ------------------------------------------------------------------

API_KEY_MARK = "chk_"
# "chk_" and 8 hex digits: the public part that starts every key and names it in lists.
API_KEY_PREFIX_LENGTH = len(API_KEY_MARK) + 8
READ_SCOPE = "read"


def hash_api_key(key: str) -> str:
    """SHA-256 of the whole key (hex). The key has 256 random bits, so a fast hash is enough:
    nobody can guess a key from its hash, and no plaintext is stored."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class ApiKey(TenantModel):
    """An organization's key for an integration (DESIGN §4): named, scoped, optionally
    expiring, revocable, shown once and stored hashed.

    The key is ``<prefix>_<secret>``; ``prefix`` (``chk_1a2b3c4d``) is public and finds the
    row, ``secret_hash`` (``hash_api_key`` of the whole key) proves it. Requests with the key
    act as ``membership``: a dedicated service user's integration membership in the
    organization (``accounts.services.create_api_key``).

    ``scopes``: ``read`` (every GET) and ``<area>:write`` per area (the app label that
    registered the API routes, e.g. ``leads:write``); a write scope implies ``read``.
    """

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=API_KEY_PREFIX_LENGTH, unique=True)
    secret_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(
        _("expires"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a key that never expires."),
    )
    membership = models.OneToOneField(
        Membership,
        on_delete=models.PROTECT,
        related_name="api_key",
        editable=False,
        verbose_name=_("acts as"),
    )
    created_by = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return ApiKeyStatus.REVOKED
        return ApiKeyStatus.EXPIRED if self.is_expired else ApiKeyStatus.ACTIVE

    def has_scope(self, scope: str) -> bool:
        """Whether the key may do what ``scope`` names; every key reads."""
        return scope == READ_SCOPE or scope in self.scopes
