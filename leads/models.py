"""Sales ↔ marketing: tiers, scoring, campaigns, leads and their lifecycle, companies,
contacts, deals, collateral, content requests and lead-quality complaints (DESIGN §3.1)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab_hub.tenancy import TenantModel

MEMBERSHIP = "accounts.Membership"


# --- Vocabularies (API contract: values are stable) ------------------------------------------


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    MQL = "mql", _("Marketing qualified")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")


class RejectionReason(models.TextChoices):
    NOT_ICP = "not_icp", _("Not our ideal customer")
    NO_BUDGET = "no_budget", _("No budget")
    NO_AUTHORITY = "no_authority", _("No authority to buy")
    BAD_TIMING = "bad_timing", _("Bad timing")
    DUPLICATE = "duplicate", _("Duplicate")
    BAD_CONTACT_DATA = "bad_contact_data", _("Bad contact data")
    COMPETITOR = "competitor", _("Competitor")
    OTHER = "other", _("Other")


class LeadSource(models.TextChoices):
    WEBSITE = "website", _("Website form")
    IMPORT = "import", _("Import")
    EVENT = "event", _("Event")
    REFERRAL = "referral", _("Referral")
    PAID = "paid", _("Paid ads")
    CONTENT = "content", _("Content")
    OUTBOUND = "outbound", _("Outbound")
    PARTNER = "partner", _("Partner")
    OTHER = "other", _("Other")


class CampaignChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    PAID_SEARCH = "paid_search", _("Paid search")
    PAID_SOCIAL = "paid_social", _("Paid social")
    EVENTS = "events", _("Events")
    CONTENT = "content", _("Content")
    WEBINAR = "webinar", _("Webinar")
    PARTNER = "partner", _("Partner")
    OTHER = "other", _("Other")


class DealStage(models.TextChoices):
    QUALIFICATION = "qualification", _("Qualification")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_DEAL_STAGES = (DealStage.QUALIFICATION, DealStage.PROPOSAL, DealStage.NEGOTIATION)


class DealKind(models.TextChoices):
    NEW = "new", _("New business")
    EXPANSION = "expansion", _("Expansion")
    RENEWAL = "renewal", _("Renewal")


class DealSource(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")
    CS = "cs", _("Customer success")


class LostReason(models.TextChoices):
    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Competitor")
    MISSING_FEATURE = "missing_feature", _("Missing feature")
    NO_DECISION = "no_decision", _("No decision")
    TIMING = "timing", _("Timing")
    OTHER = "other", _("Other")


class ContentRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Awaiting marketing's answer")
    ANSWERED = "answered", _("Answered")


# --- Bounds (DESIGN §7.7) ------------------------------------------------------------------
# Every number an admin or an integration configures has product bounds, declared once here as
# field validators: model forms, the admin, serializers and the OpenAPI schema (minimum/maximum)
# take them from the field, and the services check them again (``leads.services.config
# .check_bounds``) because tasks and commands call services directly. README "Bounds" lists them.

POINTS_MIN, POINTS_MAX = -1000, 1000
# A lead's score is the sum of its rules' points, clamped to this range by the scoring service
# so that no number of rules can overflow the column.
SCORE_MIN, SCORE_MAX = -1_000_000, 1_000_000
MQL_THRESHOLD_MAX = SCORE_MAX
COMPLAINT_RESPONSE_DAYS_MAX = 365
RANK_MAX = 1000
# One year: a deadline further out is a typo, and ``now + hours`` stays a valid date.
SLA_HOURS_MIN, SLA_HOURS_MAX = 1, 8760
MQL_TARGET_MAX = 10_000
EMPLOYEES_MAX = 10_000_000
# Revenue: a trillion (15 significant digits, which SQLite's floating-point storage of
# decimals gives back exactly; 16 do not); a campaign cost: a billion.
REVENUE_MAX = Decimal("999999999999.99")
COST_MAX = Decimal("1000000000.00")


def bounded(low: int | Decimal | None, high: int | Decimal | None) -> list:
    """The validators of a number that must stay within ``low``..``high`` (None: open)."""
    validators: list = []
    if low is not None:
        validators.append(MinValueValidator(low))
    if high is not None:
        validators.append(MaxValueValidator(high))
    return validators


# --- Configuration -------------------------------------------------------------------------


class LeadSettings(TenantModel):
    """The organization's lead-handling settings (one row per organization)."""

    mql_threshold = models.PositiveIntegerField(
        _("MQL threshold"),
        default=50,
        validators=bounded(0, MQL_THRESHOLD_MAX),
        help_text=_("A lead whose score reaches this is marketing qualified."),
    )
    auto_qualify = models.BooleanField(
        _("qualify automatically"),
        default=False,
        help_text=_("Qualify leads as soon as their score reaches the threshold."),
    )
    complaint_response_days = models.PositiveIntegerField(
        _("days to answer a quality complaint"),
        default=5,
        validators=bounded(1, COMPLAINT_RESPONSE_DAYS_MAX),
    )
    # Round-robin pointer: the sales rep who got the last automatically assigned MQL.
    last_assigned_owner = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("lead settings")
        verbose_name_plural = _("lead settings")
        constraints = [
            models.UniqueConstraint("organization", name="lead_settings_one_per_org"),
        ]

    def __str__(self) -> str:
        return str(_("Lead settings"))


class Tier(TenantModel):
    """An ideal-customer profile. A lead gets the best-ranked tier whose criteria it meets;
    a criterion left empty matches everything."""

    rank = models.PositiveIntegerField(
        _("rank"), validators=bounded(1, RANK_MAX), help_text=_("1 is the best tier.")
    )
    name = models.CharField(_("name"), max_length=100)
    industries = models.JSONField(
        _("industries"), default=list, blank=True, help_text=_("Empty matches every industry.")
    )
    countries = models.JSONField(
        _("countries"),
        default=list,
        blank=True,
        help_text=_("ISO 3166 alpha-2 codes, e.g. PL, DE. Empty matches every country."),
    )
    min_employees = models.PositiveIntegerField(
        _("minimum employees"), null=True, blank=True, validators=bounded(0, EMPLOYEES_MAX)
    )
    max_employees = models.PositiveIntegerField(
        _("maximum employees"), null=True, blank=True, validators=bounded(0, EMPLOYEES_MAX)
    )
    min_annual_revenue = models.DecimalField(
        _("minimum annual revenue"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=bounded(Decimal("0"), REVENUE_MAX),
    )
    acquisition_playbook = models.TextField(
        _("acquisition playbook"), blank=True, help_text=_("How deals in this tier are won.")
    )
    value_proposition = models.TextField(
        _("value proposition"), blank=True, help_text=_("The one both departments use.")
    )
    response_sla_hours = models.PositiveIntegerField(
        _("response SLA (hours)"),
        default=24,
        validators=bounded(SLA_HOURS_MIN, SLA_HOURS_MAX),
        help_text=_("Sales accepts or rejects an MQL of this tier within this many hours."),
    )
    monthly_mql_target_per_rep = models.PositiveIntegerField(
        _("qualified leads per sales rep per month"),
        default=0,
        validators=bounded(0, MQL_TARGET_MAX),
        help_text=_("Marketing's side of the SLA: what it promises to deliver."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint("organization", "rank", name="tier_rank_unique_per_org"),
        ]
        # Incremental sync (``?updated_after=``, ``ordering=updated_at,id``) walks this index.
        indexes = [
            models.Index(fields=["organization", "updated_at", "id"], name="tier_org_updated")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.min_employees is not None
            and self.max_employees is not None
            and self.min_employees > self.max_employees
        ):
            raise ValidationError(
                {"max_employees": _("The maximum must not be below the minimum.")}
            )


class ScoringField(models.TextChoices):
    INDUSTRY = "industry", _("Industry")
    COUNTRY = "country", _("Country")
    EMPLOYEES = "employees", _("Employees")
    ANNUAL_REVENUE = "annual_revenue", _("Annual revenue")
    TITLE = "title", _("Job title")
    SOURCE = "source", _("Source")
    EMAIL = "email", _("Email")
    COMPANY_NAME = "company_name", _("Company")


class ScoringOperator(models.TextChoices):
    EQ = "eq", _("equals")
    IN = "in", _("is one of")
    GTE = "gte", _("at least")
    LTE = "lte", _("at most")
    CONTAINS = "contains", _("contains")


class ScoringRule(TenantModel):
    """Points a lead earns when ``field operator value`` holds; the score is their sum."""

    field = models.CharField(_("field"), max_length=32, choices=ScoringField.choices)
    operator = models.CharField(_("operator"), max_length=16, choices=ScoringOperator.choices)
    value = models.CharField(
        _("value"),
        max_length=500,
        help_text=_('For "is one of", separate values with commas. Text compares ignoring case.'),
    )
    points = models.IntegerField(
        _("points"),
        validators=bounded(POINTS_MIN, POINTS_MAX),
        help_text=_("Negative points lower the score."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        ordering = ["field", "pk"]
        indexes = [
            models.Index(
                fields=["organization", "updated_at", "id"], name="scoringrule_org_updated"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()} {self.get_operator_display()} {self.value}"

    def clean(self) -> None:
        numeric = self.field in (ScoringField.EMPLOYEES, ScoringField.ANNUAL_REVENUE)
        if self.operator in (ScoringOperator.GTE, ScoringOperator.LTE):
            if not numeric:
                raise ValidationError(
                    {"operator": _("At least / at most only apply to numeric fields.")}
                )
            try:
                Decimal(self.value)
            except ArithmeticError:
                raise ValidationError({"value": _("Enter a number.")}) from None


class Campaign(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(_("channel"), max_length=16, choices=CampaignChannel.choices)
    cost = models.DecimalField(
        _("cost"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=bounded(Decimal("0"), COST_MAX),
    )
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)
    owner = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        indexes = [
            models.Index(fields=["organization", "starts_on"]),
            models.Index(fields=["organization", "updated_at", "id"], name="campaign_org_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:campaign_list")

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})


# --- Leads ---------------------------------------------------------------------------------


class ImportStatus(models.TextChoices):
    """An import's life: ``queued → running → done | failed``; a failed one can be resumed
    (``failed → queued``) and continues from its offset."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportBatch(TenantModel):
    """One CSV upload, imported in the background: its stored file, progress and report
    (what it created, updated and refused)."""

    file_name = models.CharField(_("file"), max_length=255)
    uploaded_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    repeated_count = models.PositiveIntegerField(_("repeated in the file"), default=0)
    # Rows whose email an earlier row of the same file had: [{row, column, message, first_row}].
    repeated = models.JSONField(_("repeated emails"), default=list, blank=True)
    qualified = models.PositiveIntegerField(_("qualified"), default=0)

    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    # The upload, under an unguessable name (imports/<organization>/<uuid>.csv); removed
    # once the import is done.
    file = models.FileField(_("stored file"), upload_to="imports/", max_length=255, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    # Header name → lead field, and the header names that were not understood.
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    ignored_columns = models.JSONField(_("ignored columns"), default=list, blank=True)
    # Records after the header (blank ones included): all of them, and those already
    # committed. A resumed import skips ``records_done`` records.
    total_records = models.PositiveIntegerField(_("records in the file"), null=True, blank=True)
    records_done = models.PositiveIntegerField(_("records done"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Written with every committed chunk: a running import with an old heartbeat has stopped.
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    failure = models.TextField(_("why it stopped"), blank=True)

    @property
    def is_finished(self) -> bool:
        """Done or failed: nothing is happening to it (a failed one may be resumed)."""
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def progress(self) -> int:
        """Percent of the file's records committed (100 when done)."""
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_records:
            return 0
        return min(99, self.records_done * 100 // self.total_records)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("leads:lead_import_detail", args=[self.pk])


class Lead(TenantModel):
    """A person marketing found; qualified (MQL), then accepted or rejected by sales."""

    email = models.EmailField(_("email"))
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("job title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("annual revenue"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=bounded(Decimal("0"), REVENUE_MAX),
    )
    source = models.CharField(
        _("source"), max_length=16, choices=LeadSource.choices, default=LeadSource.OTHER
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("campaign"),
    )
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    score = models.IntegerField(_("score"), default=0, validators=bounded(SCORE_MIN, SCORE_MAX))
    tier = models.ForeignKey(
        Tier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("tier"),
    )
    owner = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_leads",
        verbose_name=_("sales owner"),
    )
    marketing_owner = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="marketed_leads",
        verbose_name=_("marketing owner"),
    )
    qualified_at = models.DateTimeField(_("qualified"), null=True, blank=True)
    sla_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    sla_breached_at = models.DateTimeField(_("SLA breached"), null=True, blank=True)
    responded_at = models.DateTimeField(_("sales responded"), null=True, blank=True)
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=32, choices=RejectionReason.choices, blank=True
    )
    rejection_note = models.TextField(_("rejection note"), blank=True)
    # How many times marketing corrected a rejected lead and handed it to sales again
    # (``rejected → mql``), and when it last did; the reports count resubmitted leads.
    resubmissions = models.PositiveIntegerField(_("resubmissions"), default=0, editable=False)
    resubmitted_at = models.DateTimeField(_("resubmitted"), null=True, blank=True, editable=False)
    deal = models.ForeignKey(
        "Deal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    visibility_kind = "leads"
    owner_fields = ("owner", "marketing_owner")
    commentable = True

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("email"), name="lead_email_unique_per_org"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="lead_rejection_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"], name="lead_org_status"),
            models.Index(fields=["organization", "-created_at"], name="lead_org_recent"),
            models.Index(fields=["organization", "owner", "status"], name="lead_org_owner"),
            models.Index(fields=["organization", "campaign"], name="lead_org_campaign"),
            models.Index(fields=["organization", "source"], name="lead_org_source"),
            # The scorecard and the report group MQLs by when they were qualified.
            models.Index(fields=["organization", "qualified_at"], name="lead_org_qualified"),
            models.Index(
                fields=["organization", "sla_due_at"],
                name="lead_open_sla",
                condition=Q(status="mql", sla_breached_at__isnull=True),
            ),
            models.Index(fields=["organization", "updated_at", "id"], name="lead_org_updated"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_absolute_url(self) -> str:
        return reverse("leads:lead_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class LeadTransition(TenantModel):
    """One step of a lead's lifecycle: who moved it, when, why."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=LeadStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=LeadStatus.choices)
    by = models.ForeignKey(MEMBERSHIP, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("lead transition")
        verbose_name_plural = _("lead transitions")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["organization", "lead", "at"])]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"

    @property
    def reason_display(self) -> str:
        """The reason as people read it: a rejection reason's label, else the code."""
        if self.reason in RejectionReason.values:
            return str(RejectionReason(self.reason).label)
        return self.reason


# --- Accounts and deals --------------------------------------------------------------------


class Company(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("web domain"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("annual revenue"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=bounded(Decimal("0"), REVENUE_MAX),
    )
    tier = models.ForeignKey(
        Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="companies"
    )
    owner = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account owner"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    visibility_kind = "companies"
    owner_fields = ("owner",)
    commentable = True

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("domain"),
                name="company_domain_unique_per_org",
                condition=~Q(domain=""),
            )
        ]
        indexes = [
            models.Index(fields=["organization", "name"]),
            models.Index(fields=["organization", "updated_at", "id"], name="company_org_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:company_detail", args=[self.pk])


class Contact(TenantModel):
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("company")
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"))
    title = models.CharField(_("job title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("email"), name="contact_email_unique_per_org"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "updated_at", "id"], name="contact_org_updated")
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_absolute_url(self) -> str:
        # Contacts have no page of their own: their company's page lists them.
        return reverse("leads:company_detail", args=[self.company_id])


class Deal(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="deals", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="deals"
    )
    owner = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_deals",
        verbose_name=_("owner"),
    )
    value = models.DecimalField(
        _("annual value"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=DealStage.choices, default=DealStage.QUALIFICATION
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DealKind.choices, default="new")
    source = models.CharField(_("source"), max_length=16, choices=DealSource.choices)
    lead = models.ForeignKey(
        Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lost_reason = models.CharField(
        _("lost reason"), max_length=32, choices=LostReason.choices, blank=True
    )
    lost_note = models.TextField(_("lost note"), blank=True)
    # Names of the missing features when lost for ``missing_feature``; the roadmap flow links
    # them to feature requests.
    missing_features = models.JSONField(_("missing features"), default=list, blank=True)
    close_date = models.DateField(_("close date"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    visibility_kind = "deals"
    owner_fields = ("owner",)
    commentable = True

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage="lost") | ~Q(lost_reason=""), name="deal_lost_has_reason"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "stage", "-created_at"], name="deal_org_stage"),
            models.Index(fields=["organization", "owner", "stage"], name="deal_org_owner"),
            models.Index(fields=["organization", "company"], name="deal_org_company"),
            models.Index(fields=["organization", "updated_at", "id"], name="deal_org_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:deal_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_DEAL_STAGES


class DealStageChange(TenantModel):
    """A deal's history: each stage it moved through, by whom, when."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=DealStage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=DealStage.choices)
    by = models.ForeignKey(MEMBERSHIP, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["organization", "deal", "at"])]

    def __str__(self) -> str:
        return f"{self.from_stage or '∅'} → {self.to_stage}"


# --- Collateral ----------------------------------------------------------------------------


def collateral_upload_to(instance: Collateral, filename: str) -> str:
    """``collateral/<organization id>/<random hex>.<extension>``: nobody can guess a file's
    path from its name (the name people see is ``original_name``), and two uploads of one
    name never collide. Files are served only by the download views (leads/files.py)."""
    suffix = "".join(ch for ch in PurePath(filename).suffix.lower() if ch.isalnum())[:10]
    name = f"collateral/{instance.organization_id}/{uuid.uuid4().hex}"
    return f"{name}.{suffix}" if suffix else name


class Collateral(TenantModel):
    """A marketing asset (file or link) tagged by tier and deal stage."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(_("file"), upload_to=collateral_upload_to, blank=True)
    # The uploaded file's name, given back on download (the stored name is random).
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    url = models.URLField(_("link"), blank=True)
    tiers = models.ManyToManyField(Tier, blank=True, related_name="collateral")
    stages = models.JSONField(
        _("deal stages"), default=list, blank=True, help_text=_("Empty: useful at every stage.")
    )
    owner = models.ForeignKey(
        MEMBERSHIP,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner (marketing)"),
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    commentable = True

    class Meta:
        verbose_name = _("collateral")
        verbose_name_plural = _("collateral")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(url=""), name="collateral_has_file_or_link"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "updated_at", "id"], name="collateral_org_updated")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("leads:collateral_detail", args=[self.pk])

    @property
    def file_name(self) -> str:
        """The name the file is downloaded under: as uploaded, else the stored one's."""
        return self.original_name or PurePath(self.file.name or "").name


class CollateralUse(TenantModel):
    """Sales used an asset on a deal."""

    collateral = models.ForeignKey(Collateral, on_delete=models.CASCADE, related_name="uses")
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="collateral_uses")
    by = models.ForeignKey(MEMBERSHIP, on_delete=models.SET_NULL, null=True, related_name="+")
    used_at = models.DateTimeField(default=timezone.now)
    stage = models.CharField(max_length=16, choices=DealStage.choices)

    class Meta:
        ordering = ["-used_at"]
        constraints = [
            models.UniqueConstraint("collateral", "deal", name="collateral_used_once_per_deal")
        ]
        indexes = [models.Index(fields=["organization", "collateral"])]

    def __str__(self) -> str:
        return f"{self.collateral} @ {self.deal}"


class ContentRequest(TenantModel):
    """Sales asks marketing for material."""

    title = models.CharField(_("title"), max_length=200)
    need = models.TextField(_("what is needed and why"))
    deal = models.ForeignKey(
        Deal, on_delete=models.SET_NULL, null=True, blank=True, related_name="content_requests"
    )
    tier = models.ForeignKey(Tier, on_delete=models.SET_NULL, null=True, blank=True)
    stage = models.CharField(_("deal stage"), max_length=16, choices=DealStage.choices, blank=True)
    due_date = models.DateField(_("needed by"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ContentRequestStatus.choices,
        default=ContentRequestStatus.OPEN,
    )
    requested_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assignee = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The library asset marketing made or pointed to when it completed the request.
    collateral = models.ForeignKey(
        Collateral,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="content_requests",
        verbose_name=_("collateral delivered"),
    )
    # Set when sales used its own material instead of the library ("shadow collateral").
    own_material = models.TextField(_("material sales used instead"), blank=True)
    resolution_note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    commentable = True

    class Meta:
        verbose_name = _("content request")
        verbose_name_plural = _("content requests")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(
                fields=["organization", "updated_at", "id"], name="contentrequest_org_updated"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # Requests have no page of their own: the list shows each row with its actions.
        return reverse("leads:content_requests") + f"?scope=all#request-{self.pk}"


class QualityComplaint(TenantModel):
    """Sales says a campaign or an import brought bad leads; marketing must answer in time."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="complaints"
    )
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, null=True, blank=True, related_name="complaints"
    )
    reason = models.CharField(_("reason"), max_length=32, choices=RejectionReason.choices)
    note = models.TextField(_("note"), blank=True)
    example_leads = models.ManyToManyField(Lead, blank=True, related_name="+")
    filed_by = models.ForeignKey(MEMBERSHIP, on_delete=models.SET_NULL, null=True, related_name="+")
    filed_at = models.DateTimeField(_("filed"), default=timezone.now)
    due_at = models.DateTimeField(_("answer due"))
    status = models.CharField(
        max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    action_taken = models.TextField(_("action taken"), blank=True)
    answered_by = models.ForeignKey(
        MEMBERSHIP, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    commentable = True

    class Meta:
        verbose_name = _("quality complaint")
        verbose_name_plural = _("quality complaints")
        ordering = ["-filed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(campaign__isnull=False) | Q(import_batch__isnull=False),
                name="complaint_names_campaign_or_import",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "updated_at", "id"], name="complaint_org_updated")
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} — {self.campaign or self.import_batch}"

    def get_absolute_url(self) -> str:
        return reverse("leads:quality_complaint_detail", args=[self.pk])
