"""The lead lifecycle (DESIGN §3.1): every status change is one function here.

``new → mql → accepted → converted``, ``mql → rejected`` (reason + note, which marketing
sees), and ``* → disqualified``. Each transition checks the policy first, locks the lead,
refuses an illegal move with ``IllegalTransition`` (HTTP 409), records a ``LeadTransition``
and emits an activity event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DepartmentKind, Membership, Role
from accounts.policy import require
from collab_hub.changes import apply_changes
from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.services import NewEvent, record_event, record_events
from leads.models import (
    SLA_HOURS_MAX,
    SLA_HOURS_MIN,
    Lead,
    LeadStatus,
    LeadTransition,
    RejectionReason,
)
from leads.services import scoring
from leads.services.config import check_bounds
from leads.services.countries import valid_country
from leads.services.emails import clean_lead_email

if TYPE_CHECKING:
    from collections.abc import Iterable

    from accounts.models import Organization
    from leads.models import Deal

# Response deadline for an MQL whose lead matches no tier.
DEFAULT_SLA_HOURS = 24


def sla_due_at(start: datetime, hours: int | None) -> datetime:
    """When sales must have answered an MQL qualified at ``start``: ``hours`` later
    (``DEFAULT_SLA_HOURS`` when None), kept within ``SLA_HOURS_MIN``..``SLA_HOURS_MAX``, so a
    tier saved before the bounds existed cannot make qualification fail; never raises
    ``OverflowError``."""
    hours = DEFAULT_SLA_HOURS if hours is None else max(SLA_HOURS_MIN, min(SLA_HOURS_MAX, hours))
    try:
        return start + timedelta(hours=hours)
    except OverflowError:
        # Only a start near the end of the calendar gets here: the latest representable time.
        return datetime.max.replace(tzinfo=start.tzinfo)


ALLOWED: dict[str, set[str]] = {
    LeadStatus.NEW: {LeadStatus.MQL, LeadStatus.DISQUALIFIED},
    LeadStatus.MQL: {LeadStatus.ACCEPTED, LeadStatus.REJECTED, LeadStatus.DISQUALIFIED},
    LeadStatus.ACCEPTED: {LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED},
    # A rejected lead goes back to sales only through ``resubmit_lead`` (marketing fixed it).
    LeadStatus.REJECTED: {LeadStatus.MQL, LeadStatus.DISQUALIFIED},
    LeadStatus.CONVERTED: set(),
    LeadStatus.DISQUALIFIED: set(),
}

# Lead fields a person or an integration may set; the rest is derived or lifecycle state.
EDITABLE_FIELDS = (
    "email", "first_name", "last_name", "company_name", "title", "phone", "industry",
    "country", "employees", "annual_revenue", "source", "campaign",
)  # fmt: skip
# Of those, the numbers (bounded by their model fields).
NUMBER_FIELDS = ("employees", "annual_revenue")


def _require(membership: Membership | None, action: str, obj: Any = None) -> None:
    # ``None`` is the system itself (public capture, imports, auto-qualification).
    if membership is not None:
        require(membership, action, obj)


def _lock(lead: Lead) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).select_related("tier").get(pk=lead.pk)


def _move(lead: Lead, to: str, *, by: Membership | None, reason: str = "", note: str = "") -> None:
    if to not in ALLOWED[lead.status]:
        raise IllegalTransition(
            _("A lead that is %(current)s cannot become %(target)s.")
            % {
                "current": LeadStatus(lead.status).label,
                "target": LeadStatus(to).label,
            },
            code=f"lead_{lead.status}",
        )
    LeadTransition.objects.create(
        organization_id=lead.organization_id,
        lead=lead,
        from_status=lead.status,
        to_status=to,
        by=by,
        reason=reason,
        note=note,
    )
    lead.status = to


def _marketing_recipients(lead: Lead) -> list[Membership]:
    """Who on the marketing side hears about a lead: its marketing owner, else the managers."""
    if lead.marketing_owner is not None and lead.marketing_owner.is_active:
        return [lead.marketing_owner]
    return list(
        Membership.objects.for_org(lead.organization_id).filter(
            is_active=True,
            department__kind=DepartmentKind.MARKETING,
            role__in=(Role.MANAGER, Role.ADMIN),
        )
    )


def _sales_managers(organization_id: int) -> list[Membership]:
    return list(
        Membership.objects.for_org(organization_id).filter(
            is_active=True, department__kind=DepartmentKind.SALES, role=Role.MANAGER
        )
    )


def _check_contact_data(lead: Lead) -> None:
    """The rules for a lead's email and country, whoever sends them: the email (lower case)
    is unique in the organization, the country an ISO code (a common name becomes one)."""
    lead.email = clean_lead_email(lead.email)
    lead.country = valid_country(lead.country)
    taken = Lead.objects.for_org(lead.organization_id).filter(email__iexact=lead.email)
    if lead.pk is not None:
        taken = taken.exclude(pk=lead.pk)
    if taken.exists():
        raise DomainError(
            _("A lead with this email already exists."), code="duplicate", field="email"
        )


def _event(
    lead: Lead,
    verb: str,
    by: Membership | None,
    recipients: Iterable[Membership] = (),
    **payload: Any,
) -> None:
    record_event(
        organization=lead.organization,
        actor=by,
        verb=verb,
        target=lead,
        payload={"status": lead.status, **payload},
        recipients=recipients,
    )


@transaction.atomic
def create_lead(
    *,
    organization: Organization,
    data: dict[str, Any],
    by: Membership | None = None,
    marketing_owner: Membership | None = None,
) -> Lead:
    """Create a lead from validated ``data`` (keys of ``EDITABLE_FIELDS``), score and tier it,
    and qualify it at once when the organization auto-qualifies and the score is high enough.

    ``by`` is None for public capture and system imports (no policy check then). An email the
    organization already has, or a country that is no ISO code, is a ``DomainError`` on that
    field (400 ``duplicate`` / ``invalid_country``).
    """
    _require(by, "leads.create")
    fields = {key: value for key, value in data.items() if key in EDITABLE_FIELDS}
    lead = Lead(organization=organization, **fields)
    _check_contact_data(lead)
    if (
        marketing_owner is None
        and by is not None
        and by.department.kind == DepartmentKind.MARKETING
    ):
        marketing_owner = by
    lead.marketing_owner = marketing_owner
    # The numbers scoring and tiering read stay within their bounds (README "Bounds").
    check_bounds(lead, NUMBER_FIELDS)
    scoring.Scorer(organization.pk).apply(lead)
    lead.save()
    LeadTransition.objects.create(
        organization=organization, lead=lead, from_status="", to_status=LeadStatus.NEW, by=by
    )
    _event(lead, "lead.created", by, source=lead.source, score=lead.score)
    auto_qualify(lead)
    return lead


def row_labels(instance: Any, names: Iterable[str]) -> dict[str, str]:
    """The names of the rows ``instance``'s foreign keys ``names`` point to ("" for none):
    what an ``*.updated`` event keeps beside the ids, so history reads well after a rename
    or a deletion."""
    labels: dict[str, str] = {}
    for name in names:
        row = getattr(instance, name, None)
        labels[name] = "" if row is None else str(row)
    return labels


def changes_payload(
    changed: dict[str, list[Any]], before: dict[str, str], after: dict[str, str]
) -> dict[str, Any]:
    """The payload of an ``*.updated`` event: ``changes`` ``{field: [old, new]}`` (JSON-safe,
    rows as ids) and, for changed rows, ``labels`` ``{field: [old name, new name]}``."""
    labels = {name: [before[name], after[name]] for name in changed if name in after}
    return {"changes": changed, **({"labels": labels} if labels else {})}


# Lead fields that point to rows (their names go into the event beside the ids).
LEAD_ROW_FIELDS = ("campaign",)


@transaction.atomic
def update_lead(*, by: Membership | None, lead: Lead, data: dict[str, Any]) -> Lead:
    """Change a lead's details (keys of ``EDITABLE_FIELDS``; others are ignored); score and
    tier follow, and auto-qualification applies. The email and country rules of
    ``create_lead`` apply to a changed email or country (400 ``duplicate`` /
    ``invalid_country`` on that field), a campaign must be the organization's.

    Policy ``leads.update`` (marketing, sales, managers; record visibility decides which
    leads a member reaches). Emits ``lead.updated`` with ``fields`` and ``changes``
    ``{field: [old, new]}`` (plus ``labels`` for a changed campaign) — the lead's history —
    and nothing at all when no value changed.
    """
    _require(by, "leads.update", lead)
    lead = _lock(lead)
    campaign = data.get("campaign")
    if campaign is not None and campaign.organization_id != lead.organization_id:
        raise DomainError(
            _("Choose a campaign of your organization."), code="invalid_campaign", field="campaign"
        )
    before = row_labels(lead, LEAD_ROW_FIELDS)
    changed = apply_changes(lead, data, EDITABLE_FIELDS)
    if not changed:
        return lead
    if "email" in changed or "country" in changed:
        _check_contact_data(lead)
        # The rules may normalize a value back to what it was ("pl" → "PL").
        for name in ("email", "country"):
            if name in changed and changed[name][0] == getattr(lead, name):
                del changed[name]
        if not changed:
            return lead
        for name in ("email", "country"):
            if name in changed:
                changed[name][1] = getattr(lead, name)
    check_bounds(lead, [name for name in NUMBER_FIELDS if name in changed])
    scoring.Scorer(lead.organization_id).apply(lead)
    lead.save()
    _event(
        lead,
        "lead.updated",
        by,
        fields=sorted(changed),
        **changes_payload(changed, before, row_labels(lead, LEAD_ROW_FIELDS)),
    )
    auto_qualify(lead)
    return lead


def auto_qualify(lead: Lead) -> None:
    """Qualify ``lead`` (owner by round-robin) when the organization auto-qualifies and its
    score reached the MQL threshold; otherwise nothing. Used after creates, updates, imports."""
    settings = scoring.lead_settings(lead.organization_id)
    if (
        settings.auto_qualify
        and lead.status == LeadStatus.NEW
        and lead.score >= settings.mql_threshold
    ):
        _qualify(lead, by=None, owner=None, note=_("Score reached the MQL threshold."))


def next_sales_owner(organization_id: int) -> Membership | None:
    """Round-robin over active sales members and managers: the one after the last assigned.

    The pointer lives on the organization's lead settings, locked while it moves, so
    concurrent qualifications never hand two leads to one rep out of turn.
    """
    settings = scoring.lead_settings(organization_id)
    settings = type(settings).objects.select_for_update().get(pk=settings.pk)
    reps = list(
        Membership.objects.for_org(organization_id)
        .filter(
            is_active=True,
            department__kind=DepartmentKind.SALES,
            role__in=(Role.MEMBER, Role.MANAGER),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not reps:
        return None
    following = [pk for pk in reps if pk > (settings.last_assigned_owner_id or 0)]
    chosen = following[0] if following else reps[0]
    settings.last_assigned_owner_id = chosen
    settings.save(update_fields=["last_assigned_owner"])
    return Membership.objects.select_related("user").get(pk=chosen)


def _qualify(
    lead: Lead, *, by: Membership | None, owner: Membership | None, note: str = ""
) -> None:
    if owner is not None and (
        owner.organization_id != lead.organization_id
        or not owner.is_active
        or owner.department.kind != DepartmentKind.SALES
    ):
        raise DomainError(_("The owner must be an active member of sales."), code="invalid_owner")
    _move(lead, LeadStatus.MQL, by=by, note=note)
    lead.owner = owner or next_sales_owner(lead.organization_id)
    now = timezone.now()
    lead.qualified_at = now
    lead.sla_due_at = sla_due_at(now, lead.tier.response_sla_hours if lead.tier else None)
    lead.sla_breached_at = None
    lead.save()
    _event(
        lead,
        "lead.qualified",
        by,
        recipients=[lead.owner] if lead.owner else _sales_managers(lead.organization_id),
        sla_due_at=lead.sla_due_at.isoformat(),
        owner=lead.owner_id,
    )


@transaction.atomic
def qualify_lead(*, by: Membership, lead: Lead, owner: Membership | None = None) -> Lead:
    """``new → mql``: hand the lead to sales. The owner is ``owner`` or the next sales rep in
    turn; the response deadline comes from the lead's tier (24 hours without one). A
    rejected lead goes back through ``resubmit_lead`` instead (409 ``lead_rejected``)."""
    _require(by, "leads.qualify", lead)
    lead = _lock(lead)
    if lead.status != LeadStatus.NEW:
        _refuse(lead, LeadStatus.MQL)
    _qualify(lead, by=by, owner=owner)
    return lead


def _refuse(lead: Lead, to: str) -> None:
    raise IllegalTransition(
        _("A lead that is %(current)s cannot become %(target)s.")
        % {"current": LeadStatus(lead.status).label, "target": LeadStatus(to).label},
        code=f"lead_{lead.status}",
    )


# The reason a resubmission's transition carries (``LeadTransition.reason``).
RESUBMITTED = "resubmitted"


@transaction.atomic
def resubmit_lead(*, by: Membership, lead: Lead, note: str) -> Lead:
    """``rejected → mql``: marketing corrected a rejected lead (``update_lead``) and hands it
    to sales again, saying what changed in ``note`` (required: 400 ``note_required``).

    Policy ``leads.resubmit`` (marketing, its managers, admins). Only a rejected lead (409
    ``lead_<status>`` otherwise). Records a transition with reason ``resubmitted`` and the
    note; the lead goes back to its sales owner (when still an active sales member, else the
    next rep in turn) as a fresh MQL: qualified now, a new response deadline from its tier,
    no breach, no answer yet; the rejection's reason and note move to the history (the
    rejected transition), and ``resubmissions`` counts up. Emits ``lead.resubmitted`` (with
    the previous reason and note) to the sales owner, or to the sales managers when nobody
    owns it.
    """
    _require(by, "leads.resubmit", lead)
    note = (note or "").strip()
    if not note:
        raise DomainError(
            _("Say what you corrected, so sales knows why to look again."),
            code="note_required",
            field="note",
        )
    lead = _lock(lead)
    if lead.status != LeadStatus.REJECTED:
        _refuse(lead, LeadStatus.MQL)
    previous_reason, previous_note = lead.rejection_reason, lead.rejection_note
    owner = lead.owner
    if owner is not None and (not owner.is_active or owner.department.kind != DepartmentKind.SALES):
        owner = None
    _move(lead, LeadStatus.MQL, by=by, reason=RESUBMITTED, note=note)
    lead.owner = owner or next_sales_owner(lead.organization_id)
    now = timezone.now()
    lead.qualified_at = now
    lead.sla_due_at = sla_due_at(now, lead.tier.response_sla_hours if lead.tier else None)
    lead.sla_breached_at = None
    lead.responded_at = None
    lead.rejection_reason = ""
    lead.rejection_note = ""
    lead.resubmissions += 1
    lead.resubmitted_at = now
    lead.save()
    _event(
        lead,
        "lead.resubmitted",
        by,
        recipients=[lead.owner] if lead.owner else _sales_managers(lead.organization_id),
        note=note,
        sla_due_at=lead.sla_due_at.isoformat(),
        owner=lead.owner_id,
        previous_reason=previous_reason,
        previous_reason_label=(
            str(RejectionReason(previous_reason).label)
            if previous_reason in RejectionReason.values
            else previous_reason
        ),
        previous_note=previous_note,
        resubmissions=lead.resubmissions,
    )
    return lead


@transaction.atomic
def accept_lead(*, by: Membership, lead: Lead, note: str = "") -> Lead:
    """``mql → accepted``: sales will work the lead. Marketing hears of it."""
    _require(by, "leads.respond", lead)
    lead = _lock(lead)
    _move(lead, LeadStatus.ACCEPTED, by=by, note=note)
    lead.responded_at = lead.responded_at or timezone.now()
    if lead.owner_id is None:
        lead.owner = by
    lead.save()
    _event(lead, "lead.accepted", by, recipients=_marketing_recipients(lead))
    return lead


@transaction.atomic
def reject_lead(*, by: Membership, lead: Lead, reason: str, note: str = "") -> Lead:
    """``mql → rejected`` with a reason code from the contract list; marketing is notified
    with the reason and the note."""
    _require(by, "leads.respond", lead)
    if reason not in RejectionReason.values:
        raise DomainError(
            _("Choose a rejection reason: %(reasons)s.")
            % {"reasons": ", ".join(RejectionReason.values)},
            code="invalid_reason",
        )
    lead = _lock(lead)
    _move(lead, LeadStatus.REJECTED, by=by, reason=reason, note=note)
    lead.responded_at = lead.responded_at or timezone.now()
    lead.rejection_reason = reason
    lead.rejection_note = note
    lead.save()
    _event(
        lead,
        "lead.rejected",
        by,
        recipients=_marketing_recipients(lead),
        reason=reason,
        reason_label=str(RejectionReason(reason).label),
        note=note,
    )
    return lead


@transaction.atomic
def disqualify_lead(*, by: Membership, lead: Lead, note: str = "") -> Lead:
    """``* → disqualified``: the lead will never be a customer (spam, student, competitor)."""
    _require(by, "leads.disqualify", lead)
    lead = _lock(lead)
    _move(lead, LeadStatus.DISQUALIFIED, by=by, note=note)
    lead.save()
    _event(lead, "lead.disqualified", by, note=note)
    return lead


@transaction.atomic
def convert_lead(
    *,
    by: Membership,
    lead: Lead,
    deal_name: str = "",
    value: Any = None,
) -> Deal:
    """``accepted → converted``: create or reuse the company (by email domain, then name) and
    the contact, and open a deal with source ``marketing``. Returns the deal."""
    from leads.services import deals

    _require(by, "leads.respond", lead)
    lead = _lock(lead)
    _move(lead, LeadStatus.CONVERTED, by=by)
    company = deals.company_for_lead(lead, owner=lead.owner or by)
    contact = deals.contact_for_lead(lead, company=company)
    deal = deals.open_deal(
        by=by,
        company=company,
        contact=contact,
        name=deal_name or company.name,
        value=value if value is not None else 0,
        source="marketing",
        lead=lead,
        owner=lead.owner or by,
    )
    lead.deal = deal
    lead.save()
    _event(lead, "lead.converted", by, recipients=_marketing_recipients(lead), deal=deal.pk)
    return deal


# MQLs flagged as breached per run of the beat job; the rest wait for the next run.
SLA_BATCH = 5000


def _breach_recipients(organization_id: int) -> tuple[list[Membership], list[Membership]]:
    """The organization's active sales managers, and its marketing managers and admins (who
    hear of a lead without an active marketing owner), in one query."""
    people = (
        Membership.objects.for_org(organization_id)
        .filter(is_active=True)
        .filter(
            Q(department__kind=DepartmentKind.SALES, role=Role.MANAGER)
            | Q(department__kind=DepartmentKind.MARKETING, role__in=(Role.MANAGER, Role.ADMIN))
        )
        .select_related("department")
    )
    sales: list[Membership] = []
    marketing: list[Membership] = []
    for person in people:
        (sales if person.department.kind == DepartmentKind.SALES else marketing).append(person)
    return sales, marketing


def flag_sla_breaches(*, now: Any = None) -> int:
    """Mark every MQL past ``sla_due_at`` as breached, exactly once, and tell its owner, the
    sales managers and the marketing side (its active marketing owner, else the marketing
    managers and admins). Returns how many were flagged; at most ``SLA_BATCH`` per run.

    Each breached lead gets its ``lead.sla_breached`` event (its history, the API feed,
    webhooks), which notifies nobody; each person is told once per run, by one
    ``lead.sla_digest`` listing their breached leads (people told about the same leads share
    one digest event). One transaction claims the batch: the due rows are locked
    (``SKIP LOCKED`` on PostgreSQL, so an overlapping run takes the others or none; SQLite
    serializes writers) and marked in one UPDATE, and the events are recorded with
    ``record_events``, once per organization. The number of queries does not grow with the
    number of breaches, only with the number of organizations that have one.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Lead.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=LeadStatus.MQL, sla_breached_at__isnull=True, sla_due_at__lt=now)
            .select_related("organization", "owner", "marketing_owner")
            .order_by("sla_due_at", "pk")[:SLA_BATCH]
        )
        if not due:
            return 0
        Lead.objects.filter(pk__in=[lead.pk for lead in due]).update(
            sla_breached_at=now, updated_at=timezone.now()
        )
        by_organization: dict[int, list[Lead]] = {}
        for lead in due:
            lead.sla_breached_at = now
            by_organization.setdefault(lead.organization_id, []).append(lead)
        for organization_id, leads in by_organization.items():
            sales_managers, marketing_managers = _breach_recipients(organization_id)
            record_events(
                organization=leads[0].organization,
                events=[
                    *(
                        NewEvent(
                            verb="lead.sla_breached",
                            target=lead,
                            payload={
                                "status": lead.status,
                                "sla_due_at": (
                                    lead.sla_due_at.isoformat() if lead.sla_due_at else None
                                ),
                                "owner": lead.owner_id,
                            },
                        )
                        for lead in leads
                    ),
                    *_breach_digests(leads, sales_managers, marketing_managers),
                ],
            )
    return len(due)


# Leads a digest lists by name (with links); its count says how many there are in all.
DIGEST_LISTED = 50


def _breach_digests(
    leads: list[Lead], sales_managers: list[Membership], marketing_managers: list[Membership]
) -> list[NewEvent]:
    """One ``lead.sla_digest`` per group of people told about the same breached leads: each
    lead's owner, every sales manager (the sales side: a link to the queue) and its active
    marketing owner or else the marketing managers (a link to the MQL list)."""
    told: dict[int, tuple[Membership, str, list[Lead]]] = {}

    def tell(person: Membership, audience: str, lead: Lead) -> None:
        told.setdefault(person.pk, (person, audience, []))[2].append(lead)

    for lead in leads:
        sales_side = [*([lead.owner] if lead.owner else []), *sales_managers]
        for person in {p.pk: p for p in sales_side}.values():
            tell(person, "sales", lead)
        marketing = (
            [lead.marketing_owner]
            if lead.marketing_owner and lead.marketing_owner.is_active
            else marketing_managers
        )
        for person in marketing:
            if person.pk not in told or told[person.pk][1] == "marketing":
                tell(person, "marketing", lead)
    groups: dict[tuple[str, tuple[int, ...]], list[Membership]] = {}
    listed: dict[tuple[str, tuple[int, ...]], list[Lead]] = {}
    for person, audience, theirs in told.values():
        key = (audience, tuple(lead.pk for lead in theirs))
        groups.setdefault(key, []).append(person)
        listed[key] = theirs
    return [
        NewEvent(
            verb="lead.sla_digest",
            payload={
                "audience": audience,
                "count": len(listed[(audience, ids)]),
                "leads": [
                    {
                        "id": lead.pk,
                        "label": str(lead),
                        "url": lead.get_absolute_url(),
                    }
                    for lead in listed[(audience, ids)][:DIGEST_LISTED]
                ],
            },
            recipients=people,
        )
        for (audience, ids), people in groups.items()
    ]


# --- Bulk qualify (the lead list) ------------------------------------------------------------

# Most leads one bulk qualify handles (a page of the lead list is 50).
BULK_QUALIFY_LIMIT = 200
# Failures a bulk result's summary lists one by one; the rest are counted.
FAILURES_SHOWN = 10


@dataclass(frozen=True)
class QualifyFailure:
    """A lead that a bulk qualify left as it was."""

    lead_id: int
    # The line the member reads: "<email>: <why>", or "Lead #<id>: not found.".
    message: str
    # The refusal's ``DomainError`` code; ``not_found`` for a missing or invisible lead.
    code: str


@dataclass(frozen=True)
class BulkQualifyResult:
    """What ``qualify_leads`` did: the leads now MQLs, and the ones it could not qualify."""

    qualified: list[Lead] = field(default_factory=list)
    failures: list[QualifyFailure] = field(default_factory=list)

    def failure_summary(self) -> list[str]:
        """The failures to show: the first ``FAILURES_SHOWN`` lines, then how many more."""
        lines = [failure.message for failure in self.failures[:FAILURES_SHOWN]]
        if len(self.failures) > FAILURES_SHOWN:
            lines.append(_("…and %(count)d more.") % {"count": len(self.failures) - FAILURES_SHOWN})
        return lines


def qualify_leads(
    *,
    by: Membership,
    leads_or_ids: Iterable[Lead | int],
    owner: Membership | None = None,
) -> BulkQualifyResult:
    """Qualify several leads (the lead list's bulk action), each through ``qualify_lead`` in
    its own transaction: the legal ones are handed to sales (to ``owner``, else the next rep
    in turn), the others are reported with the reason.

    Preconditions: ``by`` may ``leads.qualify`` (``NotAllowed`` before anything changes).
    The leads are de-duplicated (first mention kept, in order); more than
    ``BULK_QUALIFY_LIMIT`` is a ``DomainError`` (400 ``too_many``) and nothing changes. Leads
    are looked up again among those ``by`` may see, so one that is missing, another
    organization's or hidden by record visibility is a ``not_found`` failure, never touched.
    A refused transition is a failure with the refusal's message; a ``NotAllowed`` for one
    lead is raised (the leads before it stay qualified).

    Side effects: those of ``qualify_lead`` for each qualified lead. Not atomic as a whole on
    purpose: one refused lead must not undo the others.
    """
    _require(by, "leads.qualify")
    ids = list(
        dict.fromkeys(item.pk if isinstance(item, Lead) else int(item) for item in leads_or_ids)
    )
    if len(ids) > BULK_QUALIFY_LIMIT:
        raise DomainError(
            _("Qualify at most %(limit)d leads at once.") % {"limit": BULK_QUALIFY_LIMIT},
            code="too_many",
        )
    found = Lead.objects.visible_to(by).select_related("tier").in_bulk(ids)
    qualified: list[Lead] = []
    failures: list[QualifyFailure] = []
    for pk in ids:
        lead = found.get(pk)
        if lead is None:
            failures.append(
                QualifyFailure(pk, _("Lead #%(id)d: not found.") % {"id": pk}, "not_found")
            )
            continue
        try:
            qualified.append(qualify_lead(by=by, lead=lead, owner=owner))
        except NotAllowed:
            raise
        except DomainError as error:
            failures.append(QualifyFailure(pk, f"{lead.email}: {error.message}", error.code))
    return BulkQualifyResult(qualified=qualified, failures=failures)
