"""Leads written by email and in batches: the API's ``leads/upsert/`` and ``leads/batch/``.

The create-or-update rule is the CSV import's (``imports.changes_for_known_email``): the
email (compared ignoring case) finds the organization's lead; a new email creates one, a
known one gets the values given overwritten, and an empty value never erases. A lead
written here is validated, scored, tiered, auto-qualified and announced (``lead.created``,
``lead.updated``) as one written through ``POST /leads/`` or ``PATCH /leads/<id>/``:
``upsert_lead`` calls ``lifecycle.create_lead``/``update_lead``; a batch updates through
``update_lead`` and creates with ``create_lead``'s rules applied in bulk, like the CSV
import (rules, tiers and settings read once, status history and events inserted together),
so 100 new leads cost about 3 queries each rather than 12
(``tests/leads/test_upsert_batch.py`` holds both to the same result).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import DepartmentKind
from accounts.policy import require
from collab_hub.exceptions import DomainError, NotAllowed
from collab_hub.notifications.services import NewEvent, record_events
from leads.models import Lead, LeadStatus, LeadTransition
from leads.services import imports, lifecycle, scoring
from leads.services.config import check_bounds
from leads.services.countries import valid_country
from leads.services.emails import clean_lead_email

if TYPE_CHECKING:
    from accounts.models import Membership, Organization

# Most leads one batch request writes.
BATCH_LIMIT = 100


def _known_lead(organization: Organization, email: str) -> Lead | None:
    return (
        Lead.objects.for_org(organization)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower=email)
        .first()
    )


def _duplicate() -> DomainError:
    # What ``create_lead`` answers for a known email: no more is revealed of a lead the
    # member may not see than a create would reveal.
    return DomainError(_("A lead with this email already exists."), code="duplicate", field="email")


@transaction.atomic
def upsert_lead(*, by: Membership, data: Mapping[str, Any]) -> tuple[Lead, bool]:
    """Create or update the lead of ``data["email"]`` (case-insensitive) in ``by``'s
    organization. Returns ``(lead, created)``.

    Preconditions: ``data`` is validated lead data (``EDITABLE_FIELDS``, ``email``
    required); ``by`` may ``leads.create`` (``NotAllowed`` otherwise), and ``leads.update``
    the known lead. A known email whose lead ``by`` may not see (record visibility) is the
    ``duplicate`` error a create would answer. The rules and side effects are those of
    ``lifecycle.create_lead`` (new email) or ``lifecycle.update_lead`` with the changes of
    ``imports.changes_for_known_email`` (known email; nothing written and no event when
    nothing changes). Two concurrent upserts of one new email make one lead: the loser of
    the unique constraint updates the winner's.
    """
    require(by, "leads.create")
    values = {key: value for key, value in data.items() if key in lifecycle.EDITABLE_FIELDS}
    values["email"] = clean_lead_email(values.get("email"))
    organization = by.organization
    lead = _known_lead(organization, values["email"])
    if lead is None:
        try:
            with transaction.atomic():
                return lifecycle.create_lead(organization=organization, data=values, by=by), True
        except (IntegrityError, DomainError) as error:
            # A concurrent request created the email first (we waited on its commit).
            if isinstance(error, DomainError) and error.code != "duplicate":
                raise
            lead = _known_lead(organization, values["email"])
            if lead is None:
                raise
    if not Lead.objects.visible_to(by).filter(pk=lead.pk).exists():
        raise _duplicate()
    changes = imports.changes_for_known_email(lead, values)
    if changes:
        lead = lifecycle.update_lead(by=by, lead=lead, data=changes)
    return lead, False


@dataclass(frozen=True)
class ItemOutcome:
    """What a batch did with one item: ``status`` 201 (created), 200 (updated, or known and
    unchanged) or 400 (refused: ``errors`` maps a field, or ``non_field_errors``, to
    messages; nothing of the item was written)."""

    status: int
    lead: Lead | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def _refusal(error: DomainError) -> ItemOutcome:
    return ItemOutcome(400, errors={error.field or "non_field_errors": [str(error.message)]})


class _Batch:
    """One batch's shared state: the organization's known leads, rules and settings, read
    once; the leads created and not yet announced."""

    def __init__(self, *, by: Membership, emails: list[str], upsert: bool) -> None:
        self.by = by
        self.organization = by.organization
        self.upsert = upsert
        self.known: dict[str, Lead] = {}
        for lead in (
            Lead.objects.for_org(self.organization)
            .annotate(email_lower=Lower("email"))
            .filter(email_lower__in=sorted(set(emails)))
        ):
            self.known[lead.email.lower()] = lead
        self.visible: set[int] = set()
        if upsert and self.known:
            ids = [lead.pk for lead in self.known.values()]
            self.visible = set(
                Lead.objects.visible_to(by).filter(pk__in=ids).values_list("pk", flat=True)
            )
        self.scorer = scoring.Scorer(self.organization.pk)
        self.settings = scoring.lead_settings(self.organization.pk)
        # As ``create_lead``: a marketer's leads are theirs on the marketing side.
        self.marketing_owner = by if by.department.kind == DepartmentKind.MARKETING else None
        self.pending: list[Lead] = []

    def write(self, data: Mapping[str, Any]) -> ItemOutcome:
        values = {key: value for key, value in data.items() if key in lifecycle.EDITABLE_FIELDS}
        try:
            values["email"] = clean_lead_email(values.get("email"))
        except DomainError as error:
            return _refusal(error)
        lead = self.known.get(values["email"])
        if lead is None:
            try:
                return self._create(values)
            except IntegrityError:
                # Another request created the email since the batch looked: known now.
                lead = _known_lead(self.organization, values["email"])
                if lead is None:
                    raise
                self.known[values["email"]] = lead
                self.visible |= set(
                    Lead.objects.visible_to(self.by).filter(pk=lead.pk).values_list("pk", flat=True)
                )
        if not self.upsert or lead.pk not in self.visible:
            return _refusal(_duplicate())
        return self._update(lead, values)

    def _create(self, values: dict[str, Any]) -> ItemOutcome:
        """``lifecycle.create_lead``'s rules, with the rules and settings read once and the
        status history and events written for the batch (``flush``)."""
        lead = Lead(organization=self.organization, **values)
        lead.marketing_owner = self.marketing_owner
        try:
            lead.country = valid_country(lead.country)
            check_bounds(lead, lifecycle.NUMBER_FIELDS)
        except DomainError as error:
            return _refusal(error)
        self.scorer.apply(lead)
        # The item's own savepoint: a lost race for the email undoes this item only.
        with transaction.atomic():
            lead.save()
        self.known[lead.email] = lead
        self.visible.add(lead.pk)
        self.pending.append(lead)
        return ItemOutcome(201, lead=lead)

    def _update(self, lead: Lead, values: dict[str, Any]) -> ItemOutcome:
        changes = imports.changes_for_known_email(lead, values)
        if not changes:
            return ItemOutcome(200, lead=lead)
        # A lead this batch created is announced before it is changed.
        self.flush()
        try:
            lead = lifecycle.update_lead(by=self.by, lead=lead, data=changes)
        except NotAllowed:
            raise
        except DomainError as error:
            return _refusal(error)
        self.known[lead.email] = lead
        return ItemOutcome(200, lead=lead)

    def flush(self) -> None:
        """The status history and ``lead.created`` events of the leads created since the last
        flush, in bulk (the payload ``create_lead`` gives), then their auto-qualification."""
        if not self.pending:
            return
        created, self.pending = self.pending, []
        LeadTransition.objects.bulk_create(
            LeadTransition(
                organization=self.organization,
                lead=lead,
                from_status="",
                to_status=LeadStatus.NEW,
                by=self.by,
            )
            for lead in created
        )
        record_events(
            organization=self.organization,
            events=[
                NewEvent(
                    verb="lead.created",
                    actor=self.by,
                    target=lead,
                    payload={"status": lead.status, "source": lead.source, "score": lead.score},
                )
                for lead in created
            ],
        )
        if self.settings.auto_qualify:
            for lead in created:
                if lead.status == LeadStatus.NEW and lead.score >= self.settings.mql_threshold:
                    lifecycle.auto_qualify(lead)


@transaction.atomic
def write_leads(
    *, by: Membership, items: Sequence[Mapping[str, Any]], upsert: bool = False
) -> list[ItemOutcome]:
    """Write a batch of validated lead data (``EDITABLE_FIELDS``, ``email`` required), item
    by item, in order; one ``ItemOutcome`` per item, in the same order.

    Preconditions: ``by`` may ``leads.create`` (``NotAllowed`` before anything is written);
    at most ``BATCH_LIMIT`` items (``DomainError`` ``too_many``, nothing written).

    The rules are ``lifecycle.create_lead``'s for a new email (country code, number bounds,
    score and tier, the marketer as marketing owner, status history, ``lead.created``,
    auto-qualification) and, with ``upsert``, ``upsert_lead``'s for a known one (through
    ``lifecycle.update_lead``). Without ``upsert`` a known email is refused as
    ``duplicate``, as ``POST /leads/`` refuses it; so is, with it, a known lead ``by`` may
    not see. The items are processed as if sent one after another (an email twice in an
    upsert batch: created, then updated). Each item runs in its own savepoint: a refused
    item leaves nothing behind and the valid ones are kept; the batch is one transaction, so
    an unexpected error (or a ``NotAllowed`` on a known lead) undoes it all.

    Queries: the known leads, rules, tiers and settings once; each new lead its savepoint
    and INSERT; the status history and the events in bulk; a changed known lead what
    ``update_lead`` costs; a qualified one what ``auto_qualify`` costs.
    """
    require(by, "leads.create")
    if len(items) > BATCH_LIMIT:
        raise DomainError(
            _("Send at most %(limit)d leads at once.") % {"limit": BATCH_LIMIT},
            code="too_many",
        )
    batch = _Batch(
        by=by, emails=[str(item.get("email", "")).strip().lower() for item in items], upsert=upsert
    )
    outcomes = [batch.write(data) for data in items]
    batch.flush()
    return outcomes
