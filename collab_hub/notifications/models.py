"""What happened (ActivityEvent), who was told (Notification), and discussion (Comment)."""

from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab_hub.tenancy import TenantModel


class ActivityEvent(TenantModel):
    """One thing that happened, e.g. ``lead.rejected``; the source of notifications."""

    about_other_records = True

    actor = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    verb = models.CharField(
        _("type"), max_length=64, help_text=_("Dotted event type, e.g. lead.rejected.")
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    # The target's name when the event happened, so history reads well after renames.
    target_label = models.CharField(_("target"), max_length=255, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="event_org_recent"),
            models.Index(fields=["organization", "target_type", "target_id"], name="event_target"),
            models.Index(fields=["organization", "verb"], name="event_org_verb"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_label}".strip()

    @property
    def description(self) -> str:
        """What happened in one sentence, for templates (``{{ event.description }}``)."""
        from collab_hub.notifications.selectors import describe

        return describe(self)

    @property
    def url(self) -> str | None:
        """The page of the record this event is about (a path), or None when it is gone."""
        from collab_hub.notifications.selectors import record_url

        return record_url(self)

    @property
    def listed_records(self) -> list[dict[str, Any]]:
        """The records a digest lists (``payload["leads"]``, ``["complaints"]``…: a list of
        ``{"id", "label", "url"}``), or [] for an event about one record."""
        for value in (self.payload or {}).values():
            if (
                isinstance(value, list)
                and value
                and all(
                    isinstance(item, dict) and {"label", "url"} <= item.keys() for item in value
                )
            ):
                return value
        return []

    @property
    def excerpt(self) -> str:
        """The first line of the comment (or other text) the event quotes, or ""."""
        text = str((self.payload or {}).get("excerpt") or "").strip()
        return text.splitlines()[0].strip() if text else ""


class Notification(TenantModel):
    """An event as one member's inbox item; read in the app, optionally also by email."""

    recipient = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    event = models.ForeignKey(ActivityEvent, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    private_to = "recipient"

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint("recipient", "event", name="notification_once_per_recipient")
        ]
        indexes = [
            models.Index(fields=["organization", "recipient", "read_at"], name="notification_inbox")
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.event}"

    @property
    def description(self) -> str:
        """What happened, as the recipient reads it ("Ana mentioned you on Sales")."""
        from collab_hub.notifications.selectors import describe

        return describe(self.event, to_recipient=True)


class Comment(TenantModel):
    """A message in the discussion thread of any commentable record."""

    about_other_records = True

    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    author = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="comments",
        verbose_name=_("author"),
    )
    body = models.TextField(_("comment"), max_length=10_000)
    mentions = models.ManyToManyField(
        "accounts.Membership", blank=True, related_name="+", verbose_name=_("mentioned")
    )
    created_at = models.DateTimeField(_("posted"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["organization", "target_type", "target_id", "created_at"],
                name="comment_thread",
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]
