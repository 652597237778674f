"""Sales ↔ product: feature requests, the demand behind them and the promises sales makes on
deals (DESIGN §3.2).

Statuses (``FeatureStatus``): ``new → under_review → planned → in_progress → shipped``, any
open status ``→ declined``; see ``roadmap.services.TRANSITIONS`` for the moves back.

A ``Demand`` is *active* while ``ended_at`` is empty. A ``blocking`` demand's value is its
deal's value (read from the deal in the database, never copied); when the deal is won the
demand ends (``outcome = won``) and is kept as history; when the deal is lost for the
feature it becomes ``lost`` with the deal's value at the loss.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab_hub.tenancy import TenantModel
from leads.models import REVENUE_MAX, bounded

MEMBERSHIP = "accounts.Membership"

# Effort in points (a planning estimate): a number above this is a typo.
EFFORT_MAX = 1000
# Tier weights of the priority score.
WEIGHT_MIN, WEIGHT_MAX = Decimal("0.00"), Decimal("100.00")
DEFAULT_WEIGHT = Decimal("1.00")


class FeatureStatus(models.TextChoices):
    NEW = "new", _("New")
    UNDER_REVIEW = "under_review", _("Under review")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    SHIPPED = "shipped", _("Shipped")
    DECLINED = "declined", _("Declined")


# A request in one of these statuses is a commitment: promises of it are confirmed.
COMMITTED_STATUSES = (FeatureStatus.PLANNED, FeatureStatus.IN_PROGRESS, FeatureStatus.SHIPPED)


class DemandKind(models.TextChoices):
    BLOCKING = "blocking", _("Blocking an open deal")
    LOST = "lost", _("Deal lost for lack of it")
    EXPANSION = "expansion", _("Expansion")
    RETENTION = "retention", _("Retention (at-risk customer)")


class DemandOutcome(models.TextChoices):
    """Why an ended demand no longer counts (kept as history)."""

    WON = "won", _("The deal was won")
    DEAL_LOST = "deal_lost", _("The deal was lost for another reason")
    MERGED = "merged", _("Duplicate of a demand on the merged request")
    REENGAGED = "reengaged", _("The lost deal was re-engaged")


class PromiseStatus(models.TextChoices):
    PENDING = "pending", _("Pending product's decision")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    AT_RISK = "at_risk", _("At risk")


class FeatureRequest(TenantModel):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=FeatureStatus.choices, default=FeatureStatus.NEW
    )
    owner = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product owner"),
    )
    target_release = models.CharField(_("target release"), max_length=100, blank=True)
    effort = models.PositiveIntegerField(
        _("effort (points)"), null=True, blank=True, validators=bounded(0, EFFORT_MAX)
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_requests",
        verbose_name=_("merged into"),
    )
    created_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    commentable = True

    class Meta:
        verbose_name = _("feature request")
        verbose_name_plural = _("feature requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status"], name="feature_org_status"),
            models.Index(fields=["organization", "owner"], name="feature_org_owner"),
            models.Index(fields=["organization", "updated_at", "id"], name="feature_org_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("roadmap:feature_request_detail", args=[self.pk])


class FeatureStatusChange(TenantModel):
    """A request's history: each status it moved through, by whom, when, why."""

    feature_request = models.ForeignKey(
        FeatureRequest, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=16, choices=FeatureStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=FeatureStatus.choices)
    by = models.ForeignKey(MEMBERSHIP, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["organization", "feature_request", "at"])]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class Demand(TenantModel):
    feature_request = models.ForeignKey(
        FeatureRequest, on_delete=models.CASCADE, related_name="demands"
    )
    company = models.ForeignKey(
        "leads.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    deal = models.ForeignKey(
        "leads.Deal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deal"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DemandKind.choices)
    # Expansion, retention and lost demands: the revenue at stake. A blocking demand's value
    # is its open deal's (the selectors read it from the deal); this stays empty.
    value = models.DecimalField(
        _("value"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=bounded(Decimal("0"), REVENUE_MAX),
    )
    raised_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=DemandOutcome.choices, blank=True
    )
    created_at = models.DateTimeField(_("raised"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One active demand per request and deal (raising it again is a 409).
            models.UniqueConstraint(
                "feature_request",
                "deal",
                name="demand_one_active_per_deal",
                condition=Q(deal__isnull=False, ended_at__isnull=True),
            ),
        ]
        indexes = [
            models.Index(fields=["feature_request", "ended_at"], name="demand_request_active"),
            models.Index(fields=["organization", "deal"], name="demand_org_deal"),
            models.Index(fields=["organization", "company"], name="demand_org_company"),
            models.Index(fields=["organization", "updated_at", "id"], name="demand_org_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.feature_request} — {self.company}"

    def get_absolute_url(self) -> str:
        return reverse("roadmap:feature_request_detail", args=[self.feature_request_id])

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class Promise(TenantModel):
    deal = models.ForeignKey(
        "leads.Deal", on_delete=models.CASCADE, related_name="+", verbose_name=_("deal")
    )
    feature_request = models.ForeignKey(
        FeatureRequest, on_delete=models.PROTECT, related_name="promises"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PromiseStatus.choices, default=PromiseStatus.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    made_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decline_reason = models.TextField(_("why it was declined"), blank=True)
    created_at = models.DateTimeField(_("promised"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("promise")
        verbose_name_plural = _("promises")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status"], name="promise_org_status"),
            models.Index(fields=["organization", "deal"], name="promise_org_deal"),
            models.Index(fields=["feature_request", "status"], name="promise_request_status"),
            models.Index(fields=["organization", "updated_at", "id"], name="promise_org_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.feature_request} — {self.deal}"

    def get_absolute_url(self) -> str:
        return reverse("roadmap:feature_request_detail", args=[self.feature_request_id])


class TierWeight(TenantModel):
    """How much one customer tier counts in the priority score (default 1.0)."""

    tier = models.OneToOneField(
        "leads.Tier", on_delete=models.CASCADE, related_name="roadmap_weight"
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_WEIGHT,
        validators=bounded(WEIGHT_MIN, WEIGHT_MAX),
        help_text=_("Revenue at stake from companies of this tier is multiplied by this."),
    )

    class Meta:
        verbose_name = _("tier weight")
        verbose_name_plural = _("tier weights")
        ordering = ["tier__rank"]

    def __str__(self) -> str:
        return f"{self.tier}: {self.weight}"
