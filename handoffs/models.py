"""Sales ↔ customer success: won-deal handoffs, the surprises CS finds in them, the upsell
signals CS routes back to sales, and each customer's account health (DESIGN §3.3).

**Handoff** statuses (``HandoffStatus``, see ``handoffs.services.TRANSITIONS``)::

    draft ─submit→ submitted ─accept→ accepted ─start onboarding→ onboarding ─go live→ live
                       │  ↑
                return │  │ submit (answered)
                       ↓  │
                     returned

A handoff is opened once per deal, when the deal is first won; its promises are read live
from the roadmap (``roadmap.Promise`` of the deal), never copied. Before accepting, CS signs
off each promise (``PromiseSignoff``): a promise it cannot deliver becomes a
``Discrepancy``.

An **UpsellSignal** is ``open`` until sales accepts it (an expansion deal is opened and
linked) or dismisses it (with a reason).
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

SLA_HOURS_MIN, SLA_HOURS_MAX = 1, 8760
RESPONSE_DAYS_MIN, RESPONSE_DAYS_MAX = 1, 365
PERCENT_MIN, PERCENT_MAX = Decimal("0"), Decimal("100")
HEALTH_MIN, HEALTH_MAX = 0, 100
# Health bands: below AMBER_BELOW is red, below GREEN_FROM amber, from it green.
HEALTH_AMBER_FROM, HEALTH_GREEN_FROM = 40, 70


class HandoffStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to CS")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned to sales")
    ONBOARDING = "onboarding", _("Onboarding")
    LIVE = "live", _("Live")


# Statuses in which sales is working on the package (it may edit it).
SALES_STATUSES = (HandoffStatus.DRAFT, HandoffStatus.RETURNED)
# Statuses after CS accepted (counted by the surprise rate).
ACCEPTED_STATUSES = (HandoffStatus.ACCEPTED, HandoffStatus.ONBOARDING, HandoffStatus.LIVE)


class DiscrepancyKind(models.TextChoices):
    UNDELIVERABLE_PROMISE = "undeliverable_promise", _("Promise CS cannot deliver")
    MISSING_INFORMATION = "missing_information", _("Missing information")
    WRONG_TERMS = "wrong_terms", _("Wrong commercial terms")
    OTHER = "other", _("Other")


class UpsellKind(models.TextChoices):
    SEATS = "seats", _("More seats")
    UPGRADE = "upgrade", _("Upgrade")
    CROSS_SELL = "cross_sell", _("Cross-sell")
    RENEWAL = "renewal", _("Renewal")


class Confidence(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class UpsellStatus(models.TextChoices):
    OPEN = "open", _("Waiting for sales")
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")


# --- Configuration -------------------------------------------------------------------------


class HandoffSettings(TenantModel):
    """The organization's handoff settings (one row per organization, created on first use)."""

    acceptance_sla_hours = models.PositiveIntegerField(
        _("CS acceptance SLA (hours)"),
        default=48,
        validators=bounded(SLA_HOURS_MIN, SLA_HOURS_MAX),
        help_text=_(
            "How long CS has to accept or return a submitted handoff before its manager is told."
        ),
    )
    upsell_response_days = models.PositiveIntegerField(
        _("days for sales to answer an upsell signal"),
        default=5,
        validators=bounded(RESPONSE_DAYS_MIN, RESPONSE_DAYS_MAX),
        help_text=_("An upsell signal unanswered for this long is reported to the sales managers."),
    )
    cs_credit_percent = models.DecimalField(
        _("CS share of an expansion deal's credit (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("30.00"),
        validators=bounded(PERCENT_MIN, PERCENT_MAX),
        help_text=_(
            "The default split of an expansion deal opened from an upsell signal: this share "
            "goes to the CS member who raised it, the rest to the sales owner."
        ),
    )
    # Round-robin pointer: the CS member who got the last handoff assigned automatically.
    last_assigned_cs = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("handoff settings")
        verbose_name_plural = _("handoff settings")
        constraints = [
            models.UniqueConstraint("organization", name="handoff_settings_one_per_org"),
        ]

    def __str__(self) -> str:
        return str(_("Handoff settings"))


class ChecklistTemplate(TenantModel):
    """The checklist every handoff of a tier starts with (admins configure it); a template
    with no tier is used for companies without a tier, or tiers without a template."""

    tier = models.OneToOneField(
        "leads.Tier",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="handoff_checklist",
        verbose_name=_("tier"),
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["tier__rank", "pk"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                name="checklist_template_one_default_per_org",
                condition=Q(tier__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistTemplateItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("item"), max_length=200)
    required = models.BooleanField(
        _("required before submitting"),
        default=False,
        help_text=_("Sales cannot submit the handoff until this item is done."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


# --- Handoffs ------------------------------------------------------------------------------


class Handoff(TenantModel):
    deal = models.OneToOneField(
        "leads.Deal", on_delete=models.PROTECT, related_name="handoff", verbose_name=_("deal")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=HandoffStatus.choices, default=HandoffStatus.DRAFT
    )
    sales_owner = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sales owner"),
    )
    cs_owner = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("CS owner"),
    )
    customer_goals = models.TextField(
        _("customer goals"), blank=True, help_text=_("What the customer bought this to achieve.")
    )
    commercial_terms = models.TextField(
        _("commercial terms"),
        blank=True,
        help_text=_("Price, term, seats, discounts, payment and renewal terms as signed."),
    )
    implementation_notes = models.TextField(
        _("implementation notes"),
        blank=True,
        help_text=_("Integrations, data, timeline and anything CS needs to start."),
    )
    risks = models.TextField(
        _("risks"), blank=True, help_text=_("What could make this customer unhappy or churn.")
    )
    # CS's open questions when it returned the handoff (cleared when it is accepted).
    questions = models.TextField(_("CS's questions"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    accept_due_at = models.DateTimeField(_("acceptance due"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(
        _("reported overdue"), null=True, blank=True, editable=False
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    onboarding_at = models.DateTimeField(_("onboarding started"), null=True, blank=True)
    live_at = models.DateTimeField(_("live"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # A handoff is seen like its deal: under "own", by its sales and CS owners.
    visibility_kind = "deals"
    owner_fields = ("sales_owner", "cs_owner")
    commentable = True

    class Meta:
        verbose_name = _("handoff")
        verbose_name_plural = _("handoffs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status"], name="handoff_org_status"),
            models.Index(fields=["organization", "cs_owner", "status"], name="handoff_org_cs"),
            models.Index(
                fields=["organization", "sales_owner", "status"], name="handoff_org_sales"
            ),
            models.Index(fields=["organization", "updated_at", "id"], name="handoff_org_updated"),
            models.Index(
                fields=["accept_due_at"],
                name="handoff_open_sla",
                condition=Q(status="submitted", overdue_notified_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Handoff: %(deal)s") % {"deal": self.deal})

    def get_absolute_url(self) -> str:
        return reverse("handoffs:handoff_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == HandoffStatus.SUBMITTED
            and self.accept_due_at is not None
            and self.accept_due_at < timezone.now()
        )


class HandoffStatusChange(TenantModel):
    """A handoff's history: each status it moved through, by whom, when, with what note (the
    questions of a return, the answer of a resubmission)."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=HandoffStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=HandoffStatus.choices)
    by = models.ForeignKey(MEMBERSHIP, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["organization", "handoff", "at"])]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class Stakeholder(TenantModel):
    """A person at the customer CS needs to know, with their role in the project."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="stakeholders")
    contact = models.ForeignKey(
        "leads.Contact", on_delete=models.PROTECT, related_name="+", verbose_name=_("contact")
    )
    role = models.CharField(
        _("role"),
        max_length=200,
        help_text=_("Their part in the project: sponsor, admin, champion, end user…"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint("handoff", "contact", name="stakeholder_once_per_handoff"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.role})"

    def get_absolute_url(self) -> str:
        return reverse("handoffs:handoff_detail", args=[self.handoff_id])


class ChecklistItem(TenantModel):
    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="checklist")
    title = models.CharField(_("item"), max_length=200)
    required = models.BooleanField(_("required before submitting"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["organization", "updated_at", "id"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("handoffs:handoff_detail", args=[self.handoff_id])

    @property
    def done(self) -> bool:
        return self.done_at is not None


class PromiseSignoff(TenantModel):
    """CS's answer, before accepting, on one promise of the deal: deliverable or not."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="signoffs")
    promise = models.ForeignKey(
        "roadmap.Promise", on_delete=models.CASCADE, related_name="+", verbose_name=_("promise")
    )
    deliverable = models.BooleanField(_("deliverable"))
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(MEMBERSHIP, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("promise sign-off")
        verbose_name_plural = _("promise sign-offs")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint("handoff", "promise", name="signoff_once_per_promise"),
        ]
        indexes = [models.Index(fields=["organization", "updated_at", "id"])]

    def __str__(self) -> str:
        return f"{self.promise}: {'✓' if self.deliverable else '✗'}"

    def get_absolute_url(self) -> str:
        return reverse("handoffs:handoff_detail", args=[self.handoff_id])


class Discrepancy(TenantModel):
    """A surprise CS found in a handoff; sales answers, someone resolves it (or not)."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="discrepancies")
    kind = models.CharField(_("kind"), max_length=32, choices=DiscrepancyKind.choices)
    description = models.TextField(_("description"))
    # The promise it is about (a promise signed off as not deliverable).
    promise = models.ForeignKey(
        "roadmap.Promise", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(_("sales' answer"), blank=True)
    answered_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    resolved = models.BooleanField(_("resolved"), default=False)
    resolved_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("discrepancy")
        verbose_name_plural = _("discrepancies")
        ordering = ["created_at", "pk"]
        constraints = [
            # A promise signed off as undeliverable makes one open discrepancy, however
            # often the sign-off is repeated.
            models.UniqueConstraint(
                "handoff",
                "promise",
                name="discrepancy_one_open_per_promise",
                condition=Q(promise__isnull=False, resolved=False),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "handoff"], name="discrepancy_org_handoff"),
            models.Index(fields=["organization", "updated_at", "id"], name="discrepancy_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:60]}"

    def get_absolute_url(self) -> str:
        return (
            reverse("handoffs:handoff_detail", args=[self.handoff_id]) + f"#discrepancy-{self.pk}"
        )


# --- Upsell signals ------------------------------------------------------------------------


class UpsellSignal(TenantModel):
    company = models.ForeignKey(
        "leads.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=UpsellKind.choices)
    estimated_value = models.DecimalField(
        _("estimated value"),
        max_digits=14,
        decimal_places=2,
        validators=bounded(Decimal("0"), REVENUE_MAX),
    )
    confidence = models.CharField(_("confidence"), max_length=8, choices=Confidence.choices)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=UpsellStatus.choices, default=UpsellStatus.OPEN
    )
    raised_by = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("raised by"),
    )
    routed_to = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("routed to"),
    )
    # The expansion deal sales opened when accepting it.
    deal = models.OneToOneField(
        "leads.Deal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="upsell_signal",
        verbose_name=_("expansion deal"),
    )
    # The expansion deal's credit: this share to the CS member who raised it, the rest to
    # the sales owner (the organization's default when accepted, editable afterwards).
    cs_credit_percent = models.DecimalField(
        _("CS share of the credit (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=bounded(PERCENT_MIN, PERCENT_MAX),
    )
    dismiss_reason = models.TextField(_("why it was dismissed"), blank=True)
    answered_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(
        _("reported unanswered"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("raised"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Seen like a deal: under "own", by the CS member who raised it and who it is routed to.
    visibility_kind = "deals"
    owner_fields = ("routed_to", "raised_by")
    commentable = True

    class Meta:
        verbose_name = _("upsell signal")
        verbose_name_plural = _("upsell signals")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status"], name="upsell_org_status"),
            models.Index(fields=["organization", "routed_to", "status"], name="upsell_org_routed"),
            models.Index(fields=["organization", "company"], name="upsell_org_company"),
            models.Index(fields=["organization", "updated_at", "id"], name="upsell_org_updated"),
            models.Index(
                fields=["created_at"],
                name="upsell_open_unanswered",
                condition=Q(status="open", overdue_notified_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.company}"

    def get_absolute_url(self) -> str:
        return reverse("handoffs:upsell_detail", args=[self.pk])


# --- Account health ------------------------------------------------------------------------


class HealthBand(models.TextChoices):
    RED = "red", _("At risk")
    AMBER = "amber", _("Needs attention")
    GREEN = "green", _("Healthy")


def health_band(score: int | None) -> str:
    """The band a health score is shown in (red below 40, amber below 70, green)."""
    if score is None:
        return ""
    if score < HEALTH_AMBER_FROM:
        return HealthBand.RED
    if score < HEALTH_GREEN_FROM:
        return HealthBand.AMBER
    return HealthBand.GREEN


class CustomerAccount(TenantModel):
    """CS's side of a customer company: its CS owner and its current health."""

    company = models.OneToOneField(
        "leads.Company", on_delete=models.CASCADE, related_name="customer_account"
    )
    cs_owner = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("CS owner"),
    )
    health_score = models.PositiveSmallIntegerField(
        _("health score"), null=True, blank=True, validators=bounded(HEALTH_MIN, HEALTH_MAX)
    )
    health_note = models.TextField(_("health note"), blank=True)
    health_updated_at = models.DateTimeField(_("health updated"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")
        indexes = [
            models.Index(fields=["organization", "health_score"], name="account_org_health"),
            models.Index(fields=["organization", "cs_owner"], name="account_org_cs"),
        ]

    def __str__(self) -> str:
        return str(self.company)

    def get_absolute_url(self) -> str:
        return reverse("leads:company_detail", args=[self.company_id])

    @property
    def health_band(self) -> str:
        return health_band(self.health_score)


class HealthChange(TenantModel):
    """One health score CS set, with its note: the account's history."""

    account = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="history")
    score = models.PositiveSmallIntegerField(_("score"), validators=bounded(HEALTH_MIN, HEALTH_MAX))
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(MEMBERSHIP, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("health score")
        verbose_name_plural = _("health history")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["organization", "account", "at"])]

    def __str__(self) -> str:
        return f"{self.account}: {self.score}"

    @property
    def band(self) -> str:
        return health_band(self.score)

    def get_absolute_url(self) -> str:
        return reverse("leads:company_detail", args=[self.account.company_id])
