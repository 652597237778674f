"""People and organizations: the tenant, its departments, who belongs where, and invitations."""

import secrets
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab_hub.tenancy import TenantModel, Visibility

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


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


class Membership(TenantModel):
    """A user's place in one organization: a department and a role."""

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
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

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
