"""Lead-quality complaints (DESIGN §3.1, issue 3 item 10): sales says a campaign or an import
brought bad leads; marketing answers within the organization's number of days, or its
managers hear that the answer is overdue.

``open → answered``, once. Every change is one function here: it checks the policy first,
works in a transaction and emits an activity event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DepartmentKind, Membership, Role
from accounts.policy import require
from collab_hub.exceptions import DomainError, IllegalTransition
from collab_hub.notifications.services import NewEvent, record_event, record_events
from leads.models import (
    Campaign,
    ComplaintStatus,
    ImportBatch,
    Lead,
    QualityComplaint,
    RejectionReason,
)
from leads.services.scoring import lead_settings

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import Organization

# Most example leads one complaint may carry: enough to make the point, small enough to read.
MAX_EXAMPLES = 50
# Overdue complaints handled per run of the beat job; the rest wait for the next run.
OVERDUE_BATCH = 1000


def marketing_managers(organization: Organization | int) -> list[Membership]:
    """Active managers of the organization's marketing department; its admins when marketing
    has no manager, so an unanswered complaint always reaches someone who can act."""
    org_id = organization if isinstance(organization, int) else organization.pk
    people = Membership.objects.for_org(org_id).filter(is_active=True).select_related("user")
    managers = list(people.filter(department__kind=DepartmentKind.MARKETING, role=Role.MANAGER))
    return managers or list(people.filter(role=Role.ADMIN))


def _marketing_contacts(complaint: QualityComplaint) -> list[Membership]:
    """Who on marketing's side answers a complaint: the campaign's owner, or the member of
    marketing who uploaded the import; the marketing managers when there is none."""
    # A check constraint guarantees one of them; a complaint naming neither (not storable)
    # would reach the marketing managers.
    owner: Membership | None = None
    if complaint.campaign is not None:
        owner = complaint.campaign.owner
    elif complaint.import_batch is not None:
        owner = complaint.import_batch.uploaded_by
    if owner is not None and owner.is_active and owner.department.kind == DepartmentKind.MARKETING:
        return [owner]
    return marketing_managers(complaint.organization_id)


@transaction.atomic
def file_complaint(
    *,
    by: Membership,
    reason: str,
    note: str = "",
    campaign: Campaign | None = None,
    import_batch: ImportBatch | None = None,
    example_leads: Iterable[Lead] = (),
) -> QualityComplaint:
    """Sales files a lead-quality complaint about ``campaign`` or ``import_batch`` (exactly
    one of them, of ``by``'s organization) with a reason code from the rejection reasons, a
    note and up to ``MAX_EXAMPLES`` example leads.

    Raises ``NotAllowed`` (403) unless ``by`` may ``complaints.file``; ``DomainError`` (400)
    when neither or both of campaign and import are given, the reason is unknown, or an
    example lead is not visible to ``by`` or does not come from that campaign / import.
    Marketing must answer by ``now + LeadSettings.complaint_response_days``. Notifies the
    campaign's owner (or the marketing uploader of the import), else the marketing managers;
    emits ``complaint.filed``.
    """
    require(by, "complaints.file")
    source = campaign or import_batch
    if source is None or (campaign is not None and import_batch is not None):
        raise DomainError(
            _("Name the campaign or the import the leads came from (one of them)."),
            code="campaign_or_import",
        )
    if source.organization_id != by.organization_id:
        raise DomainError(_("No such campaign or import."), code="campaign_or_import")
    if reason not in RejectionReason.values:
        raise DomainError(
            _("Choose a reason: %(reasons)s.") % {"reasons": ", ".join(RejectionReason.values)},
            code="invalid_reason",
        )
    examples = _checked_examples(by, example_leads, campaign=campaign, import_batch=import_batch)
    now = timezone.now()
    days = lead_settings(by.organization_id).complaint_response_days
    complaint = QualityComplaint.objects.create(
        organization_id=by.organization_id,
        campaign=campaign,
        import_batch=import_batch,
        reason=reason,
        note=note,
        filed_by=by,
        filed_at=now,
        due_at=now + timedelta(days=days),
    )
    if examples:
        complaint.example_leads.set(examples)
    record_event(
        organization=by.organization,
        actor=by,
        verb="complaint.filed",
        target=complaint,
        payload={
            "reason": reason,
            "reason_label": str(RejectionReason(reason).label),
            "campaign": campaign.pk if campaign else None,
            "import_batch": import_batch.pk if import_batch else None,
            "examples": [lead.pk for lead in examples],
            "due_at": complaint.due_at.isoformat(),
        },
        recipients=_marketing_contacts(complaint),
    )
    return complaint


def _checked_examples(
    by: Membership,
    leads: Iterable[Lead],
    *,
    campaign: Campaign | None,
    import_batch: ImportBatch | None,
) -> list[Lead]:
    wanted = {lead.pk for lead in leads}
    if not wanted:
        return []
    if len(wanted) > MAX_EXAMPLES:
        raise DomainError(
            _("Give at most %(count)d example leads.") % {"count": MAX_EXAMPLES},
            code="too_many_examples",
        )
    scope = Lead.objects.visible_to(by).filter(pk__in=wanted)
    scope = scope.filter(campaign=campaign) if campaign else scope.filter(import_batch=import_batch)
    found = list(scope.order_by("pk"))
    if len(found) != len(wanted):
        raise DomainError(
            _("Example leads must be leads you can see from that campaign or import."),
            code="invalid_examples",
        )
    return found


@transaction.atomic
def answer_complaint(
    *, by: Membership, complaint: QualityComplaint, answer: str, action_taken: str = ""
) -> QualityComplaint:
    """Marketing answers an open complaint (``open → answered``) with what it found and the
    action taken. Raises ``NotAllowed`` (403) unless ``by`` may ``complaints.answer``,
    ``DomainError`` (400) for a blank answer, ``IllegalTransition`` (409) when the complaint
    was already answered. Notifies whoever filed it; emits ``complaint.answered``."""
    require(by, "complaints.answer", complaint)
    answer = answer.strip()
    if not answer:
        raise DomainError(_("Write an answer."), code="blank_answer")
    complaint = (
        QualityComplaint.objects.select_for_update(of=("self",))
        .select_related("organization", "campaign", "import_batch", "filed_by")
        .get(pk=complaint.pk)
    )
    if complaint.status != ComplaintStatus.OPEN:
        raise IllegalTransition(
            _("This complaint has already been answered."), code="complaint_answered"
        )
    now = timezone.now()
    complaint.status = ComplaintStatus.ANSWERED
    complaint.answer = answer
    complaint.action_taken = action_taken.strip()
    complaint.answered_by = by
    complaint.answered_at = now
    complaint.save(
        update_fields=[
            "status", "answer", "action_taken", "answered_by", "answered_at", "updated_at",
        ]
    )  # fmt: skip
    record_event(
        organization=complaint.organization,
        actor=by,
        verb="complaint.answered",
        target=complaint,
        payload={
            "answer": complaint.answer,
            "action_taken": complaint.action_taken,
            "late": now > complaint.due_at,
        },
        recipients=[complaint.filed_by] if complaint.filed_by else [],
    )
    return complaint


def _overdue(now: datetime) -> QuerySet[QualityComplaint]:
    return QualityComplaint.objects.filter(
        status=ComplaintStatus.OPEN, due_at__lt=now, overdue_notified_at__isnull=True
    ).order_by("due_at", "pk")


def overdue_complaints(*, now: datetime) -> Sequence[int]:
    """Ids of open complaints past their answer date whose managers were not told yet."""
    return list(_overdue(now).values_list("pk", flat=True)[:OVERDUE_BATCH])


def flag_overdue_complaints(*, now: datetime | None = None) -> int:
    """Tell the marketing managers (its admins when marketing has no manager) about every
    open complaint past its answer date — once per complaint, across every organization.
    Returns how many complaints were flagged; at most ``OVERDUE_BATCH`` per run. Each
    complaint gets its ``complaint.overdue`` event (history, notifying nobody); the managers
    get one ``complaint.overdue_digest`` per organization and run, listing them.

    One transaction claims the batch (rows locked with ``SKIP LOCKED`` on PostgreSQL, marked
    in one UPDATE of ``overdue_notified_at``) and records the ``complaint.overdue`` events
    with ``record_events``, once per organization: overlapping or retried runs never notify
    twice, and the number of queries grows only with the number of organizations.
    """
    now = now or timezone.now()
    with transaction.atomic():
        complaints = list(
            _overdue(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("organization", "campaign", "import_batch")
            .order_by("due_at", "pk")[:OVERDUE_BATCH]
        )
        if not complaints:
            return 0
        # ``update()`` skips auto_now: stamp it, so an incremental sync sees the change.
        QualityComplaint.objects.filter(pk__in=[c.pk for c in complaints]).update(
            overdue_notified_at=now, updated_at=timezone.now()
        )
        by_organization: dict[int, list[QualityComplaint]] = {}
        for complaint in complaints:
            complaint.overdue_notified_at = now
            by_organization.setdefault(complaint.organization_id, []).append(complaint)
        for organization_id, batch in by_organization.items():
            managers = marketing_managers(organization_id)
            record_events(
                organization=batch[0].organization,
                events=[
                    # Each complaint's history; the managers hear of them all in the digest.
                    *(
                        NewEvent(
                            verb="complaint.overdue",
                            target=complaint,
                            payload={
                                "due_at": complaint.due_at.isoformat(),
                                "filed_by": complaint.filed_by_id,
                            },
                        )
                        for complaint in batch
                    ),
                    NewEvent(
                        verb="complaint.overdue_digest",
                        payload={
                            "count": len(batch),
                            "complaints": [
                                {
                                    "id": complaint.pk,
                                    "label": str(complaint),
                                    "url": complaint.get_absolute_url(),
                                }
                                for complaint in batch[:DIGEST_LISTED]
                            ],
                        },
                        recipients=managers,
                    ),
                ],
            )
    return len(complaints)


# Complaints a digest lists by name (with links); its count says how many there are in all.
DIGEST_LISTED = 50
