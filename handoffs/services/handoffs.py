"""The handoff of a won deal from sales to customer success.

**Status machine** (``TRANSITIONS``; each move its own service, policy and event)::

    draft ─submit→ submitted ─accept→ accepted ─start_onboarding→ onboarding ─go_live→ live
                     │   ↑
              return │   │ submit (the questions answered)
                     ↓   │
                   returned

Any other move is a 409 ``handoff_<current status>``.

**Submit** is refused (409 ``handoff_incomplete``, with ``missing``: one entry per gap) while
the customer goals, commercial terms or implementation notes are empty, no stakeholder is
named, no CS owner is set, a required checklist item is not done, or a promise of the deal
is still ``pending`` product's decision. **Accept** is refused (409 ``signoff_missing``)
until CS has signed off every promise that is not declined; a promise signed off as not
deliverable records one ``undeliverable_promise`` discrepancy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DepartmentKind, Membership
from accounts.policy import can, require
from collab_hub.changes import apply_changes
from collab_hub.exceptions import DomainError, IllegalTransition
from collab_hub.notifications.services import NewEvent, record_event, record_events
from handoffs.models import (
    ChecklistItem,
    ChecklistTemplate,
    Discrepancy,
    DiscrepancyKind,
    Handoff,
    HandoffStatus,
    HandoffStatusChange,
    PromiseSignoff,
    Stakeholder,
)
from handoffs.services.accounts import (
    account_for,
    is_cs_member,
    managers_of,
    next_cs_owner,
    settings_for,
)
from leads.models import Contact, Deal
from roadmap.models import Promise, PromiseStatus

S = HandoffStatus
# status → the statuses it may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (S.SUBMITTED,),
    S.SUBMITTED: (S.ACCEPTED, S.RETURNED),
    S.RETURNED: (S.SUBMITTED,),
    S.ACCEPTED: (S.ONBOARDING,),
    S.ONBOARDING: (S.LIVE,),
    S.LIVE: (),
}
# The package's text fields (``update_handoff``); sales edits them while it holds the
# handoff (draft or returned).
PACKAGE_FIELDS = ("customer_goals", "commercial_terms", "implementation_notes", "risks")
# Text fields that must be filled in before the handoff is submitted.
REQUIRED_FIELDS = ("customer_goals", "commercial_terms", "implementation_notes")
TEXT_MAX = 10_000
TITLE_MAX = 200
ROLE_MAX = 200
DIGEST_LISTED = 50
OVERDUE_BATCH = 500


# --- Helpers -------------------------------------------------------------------------------


def _clean_text(value: Any, field: str, *, required: bool = False, limit: int = TEXT_MAX) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise DomainError(_("This field is required."), code=f"{field}_required", field=field)
    if len(text) > limit:
        raise DomainError(
            _("At most %(n)d characters.") % {"n": limit}, code=f"invalid_{field}", field=field
        )
    return text


def _lock(handoff: Handoff) -> Handoff:
    return (
        Handoff.objects.select_for_update(of=("self",))
        .select_related("organization", "deal", "deal__company", "sales_owner", "cs_owner")
        .get(pk=handoff.pk)
    )


def _illegal(handoff: Handoff) -> IllegalTransition:
    messages = {
        S.DRAFT: _("The handoff is a draft: sales has not submitted it yet."),
        S.SUBMITTED: _("The handoff is with CS, waiting to be accepted or returned."),
        S.RETURNED: _("The handoff was returned to sales with questions."),
        S.ACCEPTED: _("The handoff was accepted already."),
        S.ONBOARDING: _("The customer is being onboarded already."),
        S.LIVE: _("The customer is live already."),
    }
    return IllegalTransition(messages[S(handoff.status)], code=f"handoff_{handoff.status}")


def _move(handoff: Handoff, to: str, *, by: Membership | None, note: str = "") -> str:
    """Check ``to`` is allowed from the current status, record the change; not saved."""
    if to not in TRANSITIONS[handoff.status]:
        raise _illegal(handoff)
    previous = handoff.status
    HandoffStatusChange.objects.create(
        organization_id=handoff.organization_id,
        handoff=handoff,
        from_status=previous,
        to_status=to,
        by=by,
        note=note,
    )
    handoff.status = to
    return previous


def _people(*members: Membership | None) -> list[Membership]:
    return [member for member in members if member is not None]


def _cs_side(handoff: Handoff) -> list[Membership]:
    """Who acts for CS on a handoff: its CS owner, else (none, or one who left) CS's
    managers."""
    if handoff.cs_owner is not None and handoff.cs_owner.is_active:
        return [handoff.cs_owner]
    return managers_of(handoff.organization_id, DepartmentKind.CS)


def _sales_side(handoff: Handoff) -> list[Membership]:
    """Who answers for sales on a handoff: its sales owner, else (none, or one who left) the
    sales managers."""
    if handoff.sales_owner is not None and handoff.sales_owner.is_active:
        return [handoff.sales_owner]
    return managers_of(handoff.organization_id, DepartmentKind.SALES)


def promises_of(handoff: Handoff) -> QuerySet[Promise]:
    """The deal's promises, read live from the roadmap, with their feature requests."""
    return (
        Promise.objects.filter(deal_id=handoff.deal_id)
        .select_related("feature_request")
        .order_by("created_at", "pk")
    )


def _to_sign_off(handoff: Handoff) -> QuerySet[Promise]:
    """Promises CS must answer for before accepting: every one not declined by product."""
    return promises_of(handoff).exclude(status=PromiseStatus.DECLINED)


# --- Opening -------------------------------------------------------------------------------


def _checklist_template(deal: Deal) -> ChecklistTemplate | None:
    templates = ChecklistTemplate.objects.for_org(deal.organization_id)
    tier_id = deal.company.tier_id
    if tier_id is not None:
        template = templates.filter(tier_id=tier_id).first()
        if template is not None:
            return template
    return templates.filter(tier__isnull=True).first()


@transaction.atomic
def open_handoff(*, deal: Deal, actor: Membership | None = None) -> Handoff:
    """Open the won ``deal``'s handoff — once per deal: a deal won again after a reopen, or a
    second call, returns the existing one (the one-per-deal constraint holds under
    concurrent calls too). Called by the ``deal.won`` subscriber inside the win's
    transaction; no policy of its own (the win was allowed).

    The sales owner is the deal's owner; the CS owner the customer's (``CustomerAccount``),
    else the next CS member in turn, who then becomes the customer's CS owner. The checklist
    is copied from the template of the company's tier (else the organization's default).
    Emits ``handoff.opened`` to both owners.
    """
    existing = Handoff.objects.filter(deal_id=deal.pk).first()
    if existing is not None:
        return existing
    deal = Deal.objects.select_related("company", "organization", "owner").get(pk=deal.pk)
    account = account_for(deal.company)
    cs_owner = account.cs_owner if is_cs_member(account.cs_owner, deal.organization_id) else None
    if cs_owner is None:
        cs_owner = next_cs_owner(deal.organization_id)
        if cs_owner is not None:
            account.cs_owner = cs_owner
            account.save(update_fields=["cs_owner", "updated_at"])
    try:
        with transaction.atomic():
            handoff = Handoff.objects.create(
                organization_id=deal.organization_id,
                deal=deal,
                sales_owner=deal.owner,
                cs_owner=cs_owner,
            )
    except IntegrityError:
        # Opened by a concurrent call between the check and the insert.
        return Handoff.objects.get(deal_id=deal.pk)
    HandoffStatusChange.objects.create(
        organization_id=deal.organization_id, handoff=handoff, from_status="", to_status=S.DRAFT
    )
    template = _checklist_template(deal)
    items = list(template.items.all()) if template is not None else []
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            organization_id=deal.organization_id,
            handoff=handoff,
            title=item.title,
            required=item.required,
            position=index,
        )
        for index, item in enumerate(items, start=1)
    )
    record_event(
        organization=deal.organization,
        actor=actor,
        verb="handoff.opened",
        target=handoff,
        payload={
            "deal": deal.pk,
            "sales_owner": handoff.sales_owner_id,
            "cs_owner": handoff.cs_owner_id,
            "checklist_items": len(items),
            "promises": Promise.objects.filter(deal_id=deal.pk).count(),
        },
        recipients=_people(handoff.sales_owner, handoff.cs_owner),
    )
    return handoff


# --- The package ---------------------------------------------------------------------------


def _sales_holds(handoff: Handoff) -> None:
    if handoff.status not in (S.DRAFT, S.RETURNED):
        raise _illegal(handoff)


@transaction.atomic
def update_handoff(*, by: Membership, handoff: Handoff, data: dict[str, Any]) -> Handoff:
    """Change the package's text (customer goals, commercial terms, implementation notes,
    risks) while sales holds it (draft or returned; 409 ``handoff_<status>`` otherwise), and
    the CS owner (``cs_owner``: a CS member; needs ``handoffs.assign``) until it is live.
    Policy ``handoffs.submit`` for the text. Emits ``handoff.updated`` with the changes
    (nothing when nothing changed); a new CS owner is told."""
    handoff = _lock(handoff)
    text = {key: data[key] for key in PACKAGE_FIELDS if key in data}
    if text:
        require(by, "handoffs.submit", handoff)
        _sales_holds(handoff)
    cleaned = {key: _clean_text(value, key) for key, value in text.items()}
    recipients: list[Membership] = []
    if "cs_owner" in data:
        require(by, "handoffs.assign", handoff)
        if handoff.status == S.LIVE:
            raise _illegal(handoff)
        cs_owner = data["cs_owner"]
        if not is_cs_member(cs_owner, handoff.organization_id):
            raise DomainError(
                _("The CS owner must be an active member of customer success."),
                code="invalid_cs_owner",
                field="cs_owner",
            )
        cleaned["cs_owner"] = cs_owner
        if cs_owner.pk != handoff.cs_owner_id:
            recipients.append(cs_owner)
    if not cleaned:
        require(by, "handoffs.view", handoff)
        return handoff
    changes = apply_changes(handoff, cleaned, (*PACKAGE_FIELDS, "cs_owner"))
    if not changes:
        return handoff
    handoff.save()
    if "cs_owner" in changes:
        account = account_for(handoff.deal.company)
        if account.cs_owner_id is None:
            account.cs_owner = handoff.cs_owner
            account.save(update_fields=["cs_owner", "updated_at"])
    record_event(
        organization=handoff.organization,
        actor=by,
        verb="handoff.updated",
        target=handoff,
        payload={"changes": changes},
        recipients=recipients,
    )
    return handoff


def _check_contact(handoff: Handoff, contact: Contact) -> None:
    if contact.organization_id != handoff.organization_id:
        raise DomainError(_("Unknown contact."), code="invalid_contact", field="contact")
    if contact.company_id != handoff.deal.company_id:
        raise DomainError(
            _("A stakeholder must be a contact of the customer's company."),
            code="invalid_contact",
            field="contact",
        )


@transaction.atomic
def add_stakeholder(
    *, by: Membership, handoff: Handoff, contact: Contact, role: str
) -> Stakeholder:
    """Name a contact of the customer with their role (``role`` required, 400
    ``role_required``), while sales holds the handoff. A contact already named is a 409
    ``stakeholder_exists``. Policy ``handoffs.submit``."""
    require(by, "handoffs.submit", handoff)
    handoff = _lock(handoff)
    _sales_holds(handoff)
    _check_contact(handoff, contact)
    role = _clean_text(role, "role", required=True, limit=ROLE_MAX)
    if Stakeholder.objects.filter(handoff=handoff, contact=contact).exists():
        raise IllegalTransition(
            _("This contact is a stakeholder already."), code="stakeholder_exists"
        )
    stakeholder = Stakeholder.objects.create(
        organization_id=handoff.organization_id, handoff=handoff, contact=contact, role=role
    )
    handoff.save(update_fields=["updated_at"])
    record_event(
        organization=handoff.organization,
        actor=by,
        verb="handoff.updated",
        target=handoff,
        payload={"changes": {"stakeholders": [None, {"contact": contact.pk, "role": role}]}},
    )
    return stakeholder


@transaction.atomic
def remove_stakeholder(*, by: Membership, stakeholder: Stakeholder) -> None:
    """Take a stakeholder off the handoff while sales holds it. Policy ``handoffs.submit``."""
    require(by, "handoffs.submit", stakeholder)
    handoff = _lock(stakeholder.handoff)
    _sales_holds(handoff)
    payload = {"contact": stakeholder.contact_id, "role": stakeholder.role}
    stakeholder.delete()
    handoff.save(update_fields=["updated_at"])
    record_event(
        organization=handoff.organization,
        actor=by,
        verb="handoff.updated",
        target=handoff,
        payload={"changes": {"stakeholders": [payload, None]}},
    )


# --- Checklist -----------------------------------------------------------------------------


@transaction.atomic
def add_checklist_item(
    *, by: Membership, handoff: Handoff, title: str, required: bool = False
) -> ChecklistItem:
    """Add an item to the handoff's checklist (until it is live). Policy
    ``handoffs.checklist`` (sales and CS)."""
    require(by, "handoffs.checklist", handoff)
    handoff = _lock(handoff)
    if handoff.status == S.LIVE:
        raise _illegal(handoff)
    title = _clean_text(title, "title", required=True, limit=TITLE_MAX)
    last = (
        ChecklistItem.objects.filter(handoff=handoff)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    item = ChecklistItem.objects.create(
        organization_id=handoff.organization_id,
        handoff=handoff,
        title=title,
        required=bool(required),
        position=(last or 0) + 1,
    )
    handoff.save(update_fields=["updated_at"])
    return item


@transaction.atomic
def set_checklist_item(
    *, by: Membership, item: ChecklistItem, done: bool | None = None, title: str | None = None
) -> ChecklistItem:
    """Tick or untick an item (``done``), or rename it (``title``), until the handoff is live.
    Policy ``handoffs.checklist``."""
    require(by, "handoffs.checklist", item)
    handoff = _lock(item.handoff)
    if handoff.status == S.LIVE:
        raise _illegal(handoff)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if title is not None:
        item.title = _clean_text(title, "title", required=True, limit=TITLE_MAX)
    if done is not None and done != item.done:
        item.done_at = timezone.now() if done else None
        item.done_by = by if done else None
    item.save()
    return item


@transaction.atomic
def remove_checklist_item(*, by: Membership, item: ChecklistItem) -> None:
    """Delete an item added by mistake (until the handoff is live)."""
    require(by, "handoffs.checklist", item)
    handoff = _lock(item.handoff)
    if handoff.status == S.LIVE:
        raise _illegal(handoff)
    item.delete()


# --- Submit, return, accept, onboarding, live ----------------------------------------------


def missing_for_submit(
    handoff: Handoff, *, promises: Iterable[Promise] | None = None
) -> list[dict[str, Any]]:
    """What stops the handoff from being submitted: one ``{"code", "message"}`` (plus the
    ids it is about) per gap, in the order the page shows them; empty when complete.

    A list of handoffs asks without a query per row: ``stakeholders`` and ``checklist``
    prefetched are read from the prefetch, and ``promises`` (the deal's, oldest first) may
    be passed in."""
    missing: list[dict[str, Any]] = []
    labels = {
        "customer_goals": _("Describe the customer's goals."),
        "commercial_terms": _("Write down the commercial terms."),
        "implementation_notes": _("Add implementation notes for CS."),
    }
    for field in REQUIRED_FIELDS:
        if not getattr(handoff, field).strip():
            missing.append({"code": field, "message": labels[field]})
    if not handoff.stakeholders.exists():
        missing.append(
            {"code": "stakeholders", "message": _("Name at least one stakeholder with a role.")}
        )
    if handoff.cs_owner_id is None:
        missing.append({"code": "cs_owner", "message": _("The handoff has no CS owner.")})
    undone = [item for item in handoff.checklist.all() if item.required and item.done_at is None]
    for item in undone:
        missing.append(
            {
                "code": "checklist",
                "message": _("Checklist: “%(item)s” is not done.") % {"item": item.title},
                "item": item.pk,
            }
        )
    for promise in promises_of(handoff) if promises is None else promises:
        if promise.status != PromiseStatus.PENDING:
            continue
        missing.append(
            {
                "code": "promise_pending",
                "message": _("The promise of “%(feature)s” is waiting for product's decision.")
                % {"feature": promise.feature_request.title},
                "promise": promise.pk,
            }
        )
    return missing


@transaction.atomic
def submit_handoff(*, by: Membership, handoff: Handoff, note: str = "") -> Handoff:
    """``draft | returned → submitted``: sales hands the package to CS (``note``: the answer
    to CS's questions on a resubmission). Refused with 409 ``handoff_incomplete`` and the
    ``missing`` list (``missing_for_submit``) while anything is missing or a promise is
    pending. Starts the acceptance SLA (``accept_due_at``); emits ``handoff.submitted`` to
    the CS owner (else CS's managers). Policy ``handoffs.submit``."""
    require(by, "handoffs.submit", handoff)
    handoff = _lock(handoff)
    if S.SUBMITTED not in TRANSITIONS[handoff.status]:
        raise _illegal(handoff)
    note = _clean_text(note, "note")
    missing = missing_for_submit(handoff)
    if missing:
        raise IllegalTransition(
            _("The handoff cannot be submitted yet: %(gaps)s")
            % {"gaps": " ".join(str(gap["message"]) for gap in missing)},
            code="handoff_incomplete",
            extra={"missing": missing},
        )
    previous = _move(handoff, S.SUBMITTED, by=by, note=note)
    now = timezone.now()
    handoff.submitted_at = now
    handoff.accept_due_at = now + timedelta(
        hours=settings_for(handoff.organization_id).acceptance_sla_hours
    )
    handoff.overdue_notified_at = None
    handoff.save()
    record_event(
        organization=handoff.organization,
        actor=by,
        verb="handoff.submitted",
        target=handoff,
        payload={
            "from": previous,
            "to": S.SUBMITTED,
            "note": note,
            "accept_due_at": handoff.accept_due_at.isoformat(),
        },
        recipients=_cs_side(handoff),
    )
    return handoff


@transaction.atomic
def return_handoff(*, by: Membership, handoff: Handoff, questions: str) -> Handoff:
    """``submitted → returned``: CS sends the package back with its questions (required: 400
    ``questions_required``); the sales owner is told. Policy ``handoffs.review``."""
    require(by, "handoffs.review", handoff)
    questions = _clean_text(questions, "questions", required=True)
    handoff = _lock(handoff)
    previous = _move(handoff, S.RETURNED, by=by, note=questions)
    handoff.questions = questions
    handoff.save()
    record_event(
        organization=handoff.organization,
        actor=by,
        verb="handoff.returned",
        target=handoff,
        payload={"from": previous, "to": S.RETURNED, "questions": questions},
        recipients=_sales_side(handoff),
    )
    return handoff


def unsigned_promises(handoff: Handoff) -> list[Promise]:
    signed = PromiseSignoff.objects.filter(handoff_id=handoff.pk).values("promise_id")
    return list(_to_sign_off(handoff).exclude(pk__in=signed))


@transaction.atomic
def accept_handoff(*, by: Membership, handoff: Handoff, note: str = "") -> Handoff:
    """``submitted → accepted``: CS takes the customer on. Refused (409 ``signoff_missing``,
    with ``missing``) until every promise that is not declined is signed off. Emits
    ``handoff.accepted`` (``late``: past the SLA) to the sales owner. Policy
    ``handoffs.review``."""
    require(by, "handoffs.review", handoff)
    handoff = _lock(handoff)
    if S.ACCEPTED not in TRANSITIONS[handoff.status]:
        raise _illegal(handoff)
    note = _clean_text(note, "note")
    unsigned = unsigned_promises(handoff)
    if unsigned:
        missing = [
            {
                "code": "signoff",
                "message": _("Sign off the promise of “%(feature)s”.")
                % {"feature": promise.feature_request.title},
                "promise": promise.pk,
            }
            for promise in unsigned
        ]
        raise IllegalTransition(
            _("Sign off every promise before accepting the handoff."),
            code="signoff_missing",
            extra={"missing": missing},
        )
    previous = _move(handoff, S.ACCEPTED, by=by, note=note)
    now = timezone.now()
    late = handoff.accept_due_at is not None and now > handoff.accept_due_at
    handoff.accepted_at = now
    handoff.accepted_by = by
    handoff.questions = ""
    if handoff.cs_owner_id is None:
        handoff.cs_owner = by
    handoff.save()
    record_event(
        organization=handoff.organization,
        actor=by,
        verb="handoff.accepted",
        target=handoff,
        payload={
            "from": previous,
            "to": S.ACCEPTED,
            "late": late,
            "discrepancies": Discrepancy.objects.filter(handoff=handoff).count(),
        },
        recipients=_sales_side(handoff),
    )
    return handoff


def _simple_move(by: Membership, handoff: Handoff, to: str, verb: str, stamp: str) -> Handoff:
    require(by, "handoffs.review", handoff)
    handoff = _lock(handoff)
    previous = _move(handoff, to, by=by)
    setattr(handoff, stamp, timezone.now())
    handoff.save()
    record_event(
        organization=handoff.organization,
        actor=by,
        verb=verb,
        target=handoff,
        payload={"from": previous, "to": to},
        recipients=_sales_side(handoff),
    )
    return handoff


@transaction.atomic
def start_onboarding(*, by: Membership, handoff: Handoff) -> Handoff:
    """``accepted → onboarding``. Policy ``handoffs.review``; the sales owner is told."""
    return _simple_move(by, handoff, S.ONBOARDING, "handoff.onboarding_started", "onboarding_at")


@transaction.atomic
def go_live(*, by: Membership, handoff: Handoff) -> Handoff:
    """``onboarding → live``. Policy ``handoffs.review``; the sales owner is told."""
    return _simple_move(by, handoff, S.LIVE, "handoff.live", "live_at")


# --- Promise sign-off and discrepancies ----------------------------------------------------


@transaction.atomic
def sign_off_promise(
    *, by: Membership, handoff: Handoff, promise: Promise, deliverable: bool, note: str = ""
) -> PromiseSignoff:
    """CS's answer on one promise of the deal while the handoff is submitted (409 otherwise):
    deliverable, or not (then ``note`` is required, 400 ``note_required``, and one open
    ``undeliverable_promise`` discrepancy is recorded for the promise). Answering again
    changes the sign-off. Policy ``handoffs.review``."""
    require(by, "handoffs.review", handoff)
    handoff = _lock(handoff)
    if handoff.status != S.SUBMITTED:
        raise _illegal(handoff)
    if promise.deal_id != handoff.deal_id or promise.organization_id != handoff.organization_id:
        raise DomainError(
            _("This promise was not made on the handoff's deal."),
            code="invalid_promise",
            field="promise",
        )
    if promise.status == PromiseStatus.DECLINED:
        raise IllegalTransition(
            _("Product declined this promise: there is nothing to sign off."),
            code="promise_declined",
        )
    if not isinstance(deliverable, bool):
        raise DomainError(
            _("Say whether the promise can be delivered."),
            code="invalid_deliverable",
            field="deliverable",
        )
    note = _clean_text(note, "note", required=not deliverable)
    signoff, _created = PromiseSignoff.objects.update_or_create(
        handoff=handoff,
        promise=promise,
        defaults={
            "organization_id": handoff.organization_id,
            "deliverable": deliverable,
            "note": note,
            "by": by,
            "at": timezone.now(),
        },
    )
    record_event(
        organization=handoff.organization,
        actor=by,
        verb="handoff.promise_signed_off",
        target=handoff,
        payload={
            "promise": promise.pk,
            "feature_request": promise.feature_request_id,
            "deliverable": deliverable,
            "note": note,
        },
    )
    open_one = Discrepancy.objects.filter(handoff=handoff, promise=promise, resolved=False)
    if not deliverable and not open_one.exists():
        _record_discrepancy(
            by=by,
            handoff=handoff,
            kind=DiscrepancyKind.UNDELIVERABLE_PROMISE,
            description=note,
            promise=promise,
        )
    return signoff


def _record_discrepancy(
    *,
    by: Membership,
    handoff: Handoff,
    kind: str,
    description: str,
    promise: Promise | None = None,
) -> Discrepancy:
    discrepancy = Discrepancy.objects.create(
        organization_id=handoff.organization_id,
        handoff=handoff,
        kind=kind,
        description=description,
        promise=promise,
        raised_by=by,
    )
    handoff.save(update_fields=["updated_at"])
    record_event(
        organization=handoff.organization,
        actor=by,
        verb="discrepancy.recorded",
        target=discrepancy,
        payload={"handoff": handoff.pk, "kind": kind, "promise": promise.pk if promise else None},
        recipients=_sales_side(handoff),
    )
    return discrepancy


@transaction.atomic
def record_discrepancy(
    *, by: Membership, handoff: Handoff, kind: str, description: str
) -> Discrepancy:
    """CS records a surprise in a handoff it has received (any status after draft; 409
    ``handoff_draft`` before): ``kind`` one of ``DiscrepancyKind`` (400 ``invalid_kind``),
    ``description`` required. The sales owner is told. Policy ``handoffs.review``."""
    require(by, "handoffs.review", handoff)
    handoff = _lock(handoff)
    if handoff.status == S.DRAFT:
        raise _illegal(handoff)
    if kind not in DiscrepancyKind.values:
        raise DomainError(_("Unknown kind of discrepancy."), code="invalid_kind", field="kind")
    description = _clean_text(description, "description", required=True)
    return _record_discrepancy(by=by, handoff=handoff, kind=kind, description=description)


@transaction.atomic
def answer_discrepancy(*, by: Membership, discrepancy: Discrepancy, answer: str) -> Discrepancy:
    """Sales answers a surprise (``answer`` required; answering again replaces it); the CS
    member who recorded it is told. Policy ``handoffs.answer``."""
    require(by, "handoffs.answer", discrepancy)
    answer = _clean_text(answer, "answer", required=True)
    discrepancy = (
        Discrepancy.objects.select_for_update(of=("self",))
        .select_related("handoff__organization", "raised_by")
        .get(pk=discrepancy.pk)
    )
    discrepancy.answer = answer
    discrepancy.answered_by = by
    discrepancy.answered_at = timezone.now()
    discrepancy.save()
    handoff = discrepancy.handoff
    recipients = [discrepancy.raised_by] if discrepancy.raised_by else _cs_side(handoff)
    record_event(
        organization=handoff.organization,
        actor=by,
        verb="discrepancy.answered",
        target=discrepancy,
        payload={"handoff": handoff.pk, "answer": answer},
        recipients=recipients,
    )
    return discrepancy


@transaction.atomic
def resolve_discrepancy(
    *, by: Membership, discrepancy: Discrepancy, resolved: bool = True
) -> Discrepancy:
    """Mark a surprise resolved, or reopen it (``resolved=False``). Resolving again is a 409
    ``discrepancy_resolved`` (reopening an open one ``discrepancy_open``). CS or sales
    (``handoffs.review`` or ``handoffs.answer``); the other side is told."""
    if not isinstance(resolved, bool):
        raise DomainError(_("Say resolved or not."), code="invalid_resolved", field="resolved")
    if not (can(by, "handoffs.review", discrepancy) or can(by, "handoffs.answer", discrepancy)):
        require(by, "handoffs.review", discrepancy)
    discrepancy = (
        Discrepancy.objects.select_for_update(of=("self",))
        .select_related("handoff__organization", "handoff__sales_owner", "handoff__cs_owner")
        .get(pk=discrepancy.pk)
    )
    if discrepancy.resolved == resolved:
        code = "discrepancy_resolved" if resolved else "discrepancy_open"
        message = (
            _("The discrepancy is resolved already.")
            if resolved
            else _("The discrepancy is open already.")
        )
        raise IllegalTransition(message, code=code)
    if not resolved and discrepancy.promise_id is not None:
        # One open discrepancy per promise: reopening one when another is open is refused.
        others = Discrepancy.objects.filter(
            handoff_id=discrepancy.handoff_id, promise_id=discrepancy.promise_id, resolved=False
        )
        if others.exists():
            raise IllegalTransition(
                _("Another open discrepancy is about the same promise."),
                code="discrepancy_open",
            )
    discrepancy.resolved = resolved
    discrepancy.resolved_by = by if resolved else None
    discrepancy.resolved_at = timezone.now() if resolved else None
    discrepancy.save()
    handoff = discrepancy.handoff
    record_event(
        organization=handoff.organization,
        actor=by,
        verb="discrepancy.resolved",
        target=discrepancy,
        payload={"handoff": handoff.pk, "resolved": resolved},
        recipients=_people(handoff.sales_owner, handoff.cs_owner, discrepancy.raised_by),
    )
    return discrepancy


# --- The acceptance SLA --------------------------------------------------------------------


def _overdue(now: datetime) -> QuerySet[Handoff]:
    return Handoff.objects.filter(
        status=S.SUBMITTED, overdue_notified_at__isnull=True, accept_due_at__lt=now
    )


def flag_overdue_handoffs(*, now: datetime | None = None) -> int:
    """Tell CS's managers (its admins when CS has no manager) about every submitted handoff
    past its acceptance SLA — once per submission, across every organization. Each handoff
    gets its ``handoff.overdue`` event (history, notifying nobody); the managers get one
    ``handoff.overdue_digest`` per organization and run. One transaction claims the batch
    (``SKIP LOCKED`` on PostgreSQL, one UPDATE of ``overdue_notified_at``): overlapping or
    retried runs never notify twice. Returns how many were flagged."""
    now = now or timezone.now()
    with transaction.atomic():
        handoffs = list(
            _overdue(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("organization", "deal")
            .order_by("accept_due_at", "pk")[:OVERDUE_BATCH]
        )
        if not handoffs:
            return 0
        Handoff.objects.filter(pk__in=[h.pk for h in handoffs]).update(
            overdue_notified_at=now, updated_at=timezone.now()
        )
        by_organization: dict[int, list[Handoff]] = {}
        for handoff in handoffs:
            handoff.overdue_notified_at = now
            by_organization.setdefault(handoff.organization_id, []).append(handoff)
        for organization_id, batch in by_organization.items():
            record_events(
                organization=batch[0].organization,
                events=[
                    *(
                        NewEvent(
                            verb="handoff.overdue",
                            target=handoff,
                            payload={
                                "accept_due_at": handoff.accept_due_at.isoformat()
                                if handoff.accept_due_at
                                else None,
                                "cs_owner": handoff.cs_owner_id,
                            },
                        )
                        for handoff in batch
                    ),
                    NewEvent(
                        verb="handoff.overdue_digest",
                        payload={
                            "count": len(batch),
                            "handoffs": [
                                {
                                    "id": handoff.pk,
                                    "label": str(handoff),
                                    "url": handoff.get_absolute_url(),
                                }
                                for handoff in batch[:DIGEST_LISTED]
                            ],
                        },
                        recipients=managers_of(organization_id, DepartmentKind.CS),
                    ),
                ],
            )
    return len(handoffs)
