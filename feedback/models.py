"""Cross-department feedback: rounds in which each participant rates the *other*
participating departments, the action items the results lead to (DESIGN §3.4).

**Round** statuses: ``draft → open → closed`` (``feedback.services.rounds``): a draft opens
when a manager opens it or when its ``opens_at`` comes (the beat job), and closes at
``closes_at`` (the beat job) or when a manager closes it early.

**Anonymity.** In an anonymous round a ``FeedbackResponse`` stores no author and no time:
its primary key is a random UUID (no order to correlate with anything), and the only link
to its author is ``respondent_key``, an HMAC of the round and the membership under the
installation's ``SECRET_KEY`` — the app can find *your own* responses to let you edit them,
but no column says whose a response is, and nothing the product shows (pages, API, admin,
exports, events, notifications) links the two. Someone with raw access to the database
server is another matter: its internals (PostgreSQL's transaction ids of the rows written
together, logs) are outside what the app can hide. Who has answered is tracked
apart from the responses (``Participant.completed``, a flag with no time). Cells of the
results with fewer responses than the round's minimum show no figures and no comments.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab_hub.tenancy import TenantModel
from leads.models import bounded

MEMBERSHIP = "accounts.Membership"
DEPARTMENT = "accounts.Department"

RATING_MIN, RATING_MAX = 1, 5
MIN_RESPONSES_MIN, MIN_RESPONSES_MAX = 1, 50
DEFAULT_MIN_RESPONSES = 3
# The three questions of a round, in the order the form asks them.
RATINGS = ("collaboration", "responsiveness", "quality")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


# Action items still to do (on the owner's home page; overdue ones are reported).
OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def rating_field(label: Any) -> Any:
    return models.PositiveSmallIntegerField(label, validators=bounded(RATING_MIN, RATING_MAX))


class FeedbackRound(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    departments: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        DEPARTMENT, related_name="+", verbose_name=_("participating departments")
    )
    anonymous = models.BooleanField(
        _("anonymous"),
        default=True,
        help_text=_("Nobody, admins included, can see who gave which answer."),
    )
    min_responses = models.PositiveSmallIntegerField(
        _("minimum responses per cell"),
        default=DEFAULT_MIN_RESPONSES,
        validators=bounded(MIN_RESPONSES_MIN, MIN_RESPONSES_MAX),
        help_text=_("A department pair's results show only once this many people answered for it."),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    created_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    commentable = True

    class Meta:
        verbose_name = _("feedback round")
        verbose_name_plural = _("feedback rounds")
        ordering = ["-opens_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status", "opens_at"], name="round_org_status"),
            models.Index(fields=["organization", "updated_at", "id"], name="round_org_updated"),
            models.Index(fields=["status", "closes_at"], name="round_status_closes"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("feedback:round_detail", args=[self.pk])


class Participant(TenantModel):
    """A member asked to answer a round (everyone in its departments when it opened) and
    whether they have rated every other department — never when, nor what."""

    round = models.ForeignKey(FeedbackRound, on_delete=models.CASCADE, related_name="participants")
    membership = models.ForeignKey(MEMBERSHIP, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(DEPARTMENT, on_delete=models.CASCADE, related_name="+")
    completed = models.BooleanField(_("answered"), default=False)
    reminded = models.BooleanField(_("reminded"), default=False)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint("round", "membership", name="participant_once_per_round"),
        ]
        indexes = [
            models.Index(fields=["organization", "membership"], name="participant_org_member")
        ]

    def __str__(self) -> str:
        return f"{self.round}: {self.membership}"


class FeedbackResponse(TenantModel):
    """One participant's rating of one other department in a round."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(FeedbackRound, on_delete=models.CASCADE, related_name="responses")
    from_department = models.ForeignKey(
        DEPARTMENT, on_delete=models.CASCADE, related_name="+", verbose_name=_("from")
    )
    to_department = models.ForeignKey(
        DEPARTMENT, on_delete=models.CASCADE, related_name="+", verbose_name=_("about")
    )
    collaboration = rating_field(_("collaboration"))
    responsiveness = rating_field(_("responsiveness"))
    quality = rating_field(_("quality"))
    comment = models.TextField(_("comment"), blank=True)
    # The author, only in a round that is not anonymous.
    author = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # HMAC(SECRET_KEY, round, membership): finds the author's own responses to edit them.
    respondent_key = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("feedback response")
        verbose_name_plural = _("feedback responses")
        # By what it is about, never by when it came (there is no when).
        ordering = ["to_department_id", "id"]
        constraints = [
            models.UniqueConstraint(
                "round", "respondent_key", "to_department", name="response_once_per_pair"
            ),
            models.CheckConstraint(
                condition=~Q(from_department=models.F("to_department")),
                name="response_about_another_department",
            ),
        ]
        indexes = [
            models.Index(
                fields=["round", "from_department", "to_department"], name="response_round_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_department} → {self.to_department}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:round_results", args=[self.round_id])


class ActionItem(TenantModel):
    """What a department pair will do about a round's results."""

    round = models.ForeignKey(FeedbackRound, on_delete=models.CASCADE, related_name="action_items")
    from_department = models.ForeignKey(
        DEPARTMENT, on_delete=models.CASCADE, related_name="+", verbose_name=_("from")
    )
    to_department = models.ForeignKey(
        DEPARTMENT, on_delete=models.CASCADE, related_name="+", verbose_name=_("to")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    created_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(
        _("reported overdue"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    commentable = True

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["organization", "owner", "status"], name="action_org_owner"),
            models.Index(fields=["organization", "round"], name="action_org_round"),
            models.Index(fields=["organization", "updated_at", "id"], name="action_org_updated"),
            models.Index(
                fields=["due_date"],
                name="action_open_due",
                condition=Q(status__in=["open", "in_progress"], overdue_notified_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("feedback:action_item_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in OPEN_ACTION_STATUSES
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )
