"""Companies, contacts and deals: the customer side that converted leads and sales create.

Deal stages (DESIGN §3.1): ``qualification → proposal → negotiation → won | lost``. Sales may
move an open deal to any other open stage (backwards too: a proposal can go back to
qualification when the buyer changes); every move is a ``DealStageChange`` and an event.
``won`` and ``lost`` are reached only through ``win_deal`` / ``lose_deal``, and a closed deal
does not move again (409). Deals are archived by closing them, never deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DepartmentKind, Membership, Role
from accounts.policy import can, require
from collab_hub.changes import apply_changes
from collab_hub.exceptions import DomainError, IllegalTransition
from collab_hub.notifications.registry import subscriptions
from collab_hub.notifications.services import record_event
from leads.models import (
    OPEN_DEAL_STAGES,
    Company,
    Contact,
    Deal,
    DealKind,
    DealSource,
    DealStage,
    DealStageChange,
    Lead,
    LostReason,
)
from leads.services.countries import valid_country
from leads.services.emails import clean_lead_email

# Mail providers whose domain says nothing about the company.
FREE_MAIL_DOMAINS = frozenset(
    {"gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com",
     "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de",
     "wp.pl", "o2.pl", "onet.pl", "interia.pl", "yandex.ru", "mail.ru"}
)  # fmt: skip

# Company and contact fields a person or an integration may set.
COMPANY_FIELDS = (
    "name", "domain", "industry", "country", "employees", "annual_revenue", "tier", "owner",
)  # fmt: skip
CONTACT_FIELDS = ("company", "first_name", "last_name", "email", "title", "phone")
# Deal fields ``update_deal`` changes; stage, source and the outcome have their own services.
DEAL_FIELDS = ("name", "value", "close_date", "kind", "company", "contact", "owner")
# Deal fields that point to rows (their names go into ``deal.updated`` beside the ids).
DEAL_ROW_FIELDS = ("company", "contact", "owner")
# Longest name of a missing feature kept on a lost deal (a feature request's title length).
FEATURE_NAME_MAX = 200


def _same_org(obj: Any, organization_id: int, message: str, code: str) -> None:
    if obj is not None and obj.organization_id != organization_id:
        raise DomainError(message, code=code)


def normalize_domain(value: str) -> str:
    """``"https://www.Acme.com/about"`` → ``"acme.com"``: how a company's domain is stored."""
    domain = (value or "").strip().lower()
    for prefix in ("https://", "http://"):
        domain = domain.removeprefix(prefix)
    domain = domain.split("/", 1)[0].split("?", 1)[0].removeprefix("www.")
    return domain.strip(".")


def email_domain(email: str) -> str:
    domain = email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""
    return "" if domain in FREE_MAIL_DOMAINS else domain


def company_for_lead(lead: Lead, *, owner: Membership | None) -> Company:
    """The lead's company: found by the email's domain, else by name (case-insensitive),
    else created from the lead's firmographics."""
    organization_id = lead.organization_id
    domain = email_domain(lead.email)
    companies = Company.objects.for_org(organization_id)
    company = None
    if domain:
        company = companies.filter(domain__iexact=domain).first()
    name = lead.company_name.strip() or domain or lead.email
    if company is None:
        company = companies.filter(name__iexact=name).first()
    if company is None:
        company = Company.objects.create(
            organization_id=organization_id,
            name=name,
            domain=domain,
            industry=lead.industry,
            country=lead.country,
            employees=lead.employees,
            annual_revenue=lead.annual_revenue,
            tier=lead.tier,
            owner=owner,
        )
    return company


def contact_for_lead(lead: Lead, *, company: Company) -> Contact:
    """The contact with the lead's email, created (at ``company``) when new."""
    contact = Contact.objects.for_org(lead.organization_id).filter(email__iexact=lead.email).first()
    if contact is None:
        contact = Contact.objects.create(
            organization_id=lead.organization_id,
            company=company,
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email.strip().lower(),
            title=lead.title,
            phone=lead.phone,
        )
    return contact


def _sales_managers(organization_id: int) -> list[Membership]:
    return list(
        Membership.objects.for_org(organization_id).filter(
            is_active=True, department__kind=DepartmentKind.SALES, role=Role.MANAGER
        )
    )


def _check_deal_owner(owner: Membership | None, organization_id: int) -> None:
    """A deal's owner is an active member of the organization who may manage deals."""
    if owner is None:
        return
    if (
        owner.organization_id != organization_id
        or not owner.is_active
        or not can(owner, "deals.manage")
    ):
        raise DomainError(_("The owner must be an active member of sales."), code="invalid_owner")


def _clean_value(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter the deal's value as a number."), code="invalid_value") from None
    if not amount.is_finite() or amount < 0:
        raise DomainError(_("A deal's value cannot be negative."), code="invalid_value")
    return amount.quantize(Decimal("0.01"))


# --- Companies and contacts ----------------------------------------------------------------


def _check_company(company: Company) -> None:
    organization_id = company.organization_id
    company.name = company.name.strip()
    if not company.name:
        raise DomainError(_("A company needs a name."), code="invalid_name")
    company.domain = normalize_domain(company.domain)
    company.country = valid_country(company.country)
    _same_org(
        company.tier, organization_id, _("Choose a tier of your organization."), "invalid_tier"
    )
    if company.owner is not None and (
        company.owner.organization_id != organization_id or not company.owner.is_active
    ):
        raise DomainError(
            _("The account owner must be an active member of your organization."),
            code="invalid_owner",
        )
    if (
        company.domain
        and Company.objects.for_org(organization_id)
        .filter(domain__iexact=company.domain)
        .exclude(pk=company.pk)
        .exists()
    ):
        raise DomainError(
            _("A company with the domain %(domain)s already exists.") % {"domain": company.domain},
            code="duplicate",
            field="domain",
        )


def _save_unique(obj: Any, message: str) -> None:
    """Save; a concurrent duplicate that slipped past the check is the same 400 ``duplicate``."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise DomainError(message, code="duplicate") from None


@transaction.atomic
def create_company(*, by: Membership, data: dict[str, Any]) -> Company:
    """Create a company from validated ``data`` (keys of ``COMPANY_FIELDS``).

    Sales only (``deals.manage``). The domain is normalized (``https://www.acme.com/`` →
    ``acme.com``) and unique in the organization: a duplicate is a ``DomainError`` (400, code
    ``duplicate``). Tier and owner must belong to the organization. Emits ``company.created``.
    """
    require(by, "deals.manage")
    fields = {key: value for key, value in data.items() if key in COMPANY_FIELDS}
    fields.setdefault("owner", by)
    company = Company(organization_id=by.organization_id, **fields)
    _check_company(company)
    _save_unique(company, _("A company with this domain already exists."))
    record_event(organization=by.organization, actor=by, verb="company.created", target=company)
    return company


@transaction.atomic
def update_company(*, by: Membership, company: Company, data: dict[str, Any]) -> Company:
    """Change a company's details (keys of ``COMPANY_FIELDS``) with the same checks as
    ``create_company``. Emits ``company.updated`` with ``{field: [old, new]}`` when anything
    changed."""
    require(by, "deals.manage", company)
    company = Company.objects.select_for_update().get(pk=company.pk)
    changed = apply_changes(company, data, COMPANY_FIELDS)
    _check_company(company)
    if changed:
        _save_unique(company, _("A company with this domain already exists."))
        record_event(
            organization=by.organization,
            actor=by,
            verb="company.updated",
            target=company,
            payload={"changes": changed},
        )
    return company


@transaction.atomic
def find_or_create_company(*, by: Membership, name: str, domain: str = "") -> Company:
    """The company sales means when it types a name (and maybe a domain): an existing one
    with that domain, else with that name (case-insensitive), else a new one."""
    require(by, "deals.manage")
    companies = Company.objects.for_org(by.organization_id)
    domain = normalize_domain(domain)
    company = companies.filter(domain__iexact=domain).first() if domain else None
    if company is None and name.strip():
        company = companies.filter(name__iexact=name.strip()).first()
    if company is None:
        company = create_company(by=by, data={"name": name or domain, "domain": domain})
    return company


def _check_contact(contact: Contact) -> None:
    organization_id = contact.organization_id
    contact.email = clean_lead_email(contact.email) if contact.email else ""
    if not contact.email:
        raise DomainError(_("A contact needs an email address."), code="invalid_email")
    _same_org(
        contact.company,
        organization_id,
        _("Choose a company of your organization."),
        "invalid_company",
    )
    if (
        Contact.objects.for_org(organization_id)
        .filter(email__iexact=contact.email)
        .exclude(pk=contact.pk)
        .exists()
    ):
        raise DomainError(
            _("A contact with the email %(email)s already exists.") % {"email": contact.email},
            code="duplicate",
            field="email",
        )


@transaction.atomic
def create_contact(*, by: Membership, data: dict[str, Any]) -> Contact:
    """Create a contact at a company of the organization (``data`` keys of
    ``CONTACT_FIELDS``). The email is unique in the organization (400 ``duplicate``).
    Sales only. Emits ``contact.created``."""
    require(by, "deals.manage")
    fields = {key: value for key, value in data.items() if key in CONTACT_FIELDS}
    contact = Contact(organization_id=by.organization_id, **fields)
    _check_contact(contact)
    _save_unique(contact, _("A contact with this email already exists."))
    record_event(organization=by.organization, actor=by, verb="contact.created", target=contact)
    return contact


@transaction.atomic
def update_contact(*, by: Membership, contact: Contact, data: dict[str, Any]) -> Contact:
    """Change a contact (keys of ``CONTACT_FIELDS``; moving it to another company of the
    organization is allowed). Emits ``contact.updated`` when anything changed."""
    require(by, "deals.manage", contact)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    changed = apply_changes(contact, data, CONTACT_FIELDS)
    _check_contact(contact)
    if changed:
        _save_unique(contact, _("A contact with this email already exists."))
        record_event(
            organization=by.organization,
            actor=by,
            verb="contact.updated",
            target=contact,
            payload={"changes": changed},
        )
    return contact


# --- Deals ---------------------------------------------------------------------------------


@transaction.atomic
def open_deal(
    *,
    by: Membership,
    company: Company,
    name: str,
    source: str,
    value: Any = 0,
    kind: str = "new",
    contact: Contact | None = None,
    owner: Membership | None = None,
    lead: Lead | None = None,
    close_date: Any = None,
) -> Deal:
    """Open a deal at ``qualification`` (from a converted lead, or created by sales directly
    with source ``sales``). Emits ``deal.opened`` to the owner when someone else opened it.

    Sales only (``deals.manage``). The owner defaults to ``by``; naming someone else on a
    deal sales creates directly needs ``leads.reassign`` (a converted lead keeps the lead's
    owner). The owner must be an active member who may manage deals; the contact must work
    at ``company``; the value must not be negative (400 otherwise).
    """
    require(by, "deals.manage", company)
    if lead is None and owner is not None and owner.pk != by.pk:
        require(by, "leads.reassign")
    owner = owner or by
    _check_deal_owner(owner, company.organization_id)
    if source not in DealSource.values:
        raise DomainError(_("Unknown deal source."), code="invalid_source")
    if kind not in DealKind.values:
        raise DomainError(_("Unknown kind of deal."), code="invalid_kind")
    if contact is not None and contact.company_id != company.pk:
        raise DomainError(_("The contact must work at the deal's company."), code="invalid_contact")
    deal = Deal.objects.create(
        organization_id=company.organization_id,
        company=company,
        contact=contact,
        name=name.strip() or company.name,
        value=_clean_value(value),
        kind=kind,
        source=source,
        owner=owner,
        lead=lead,
        close_date=close_date,
    )
    DealStageChange.objects.create(
        organization_id=deal.organization_id,
        deal=deal,
        from_stage="",
        to_stage=DealStage.QUALIFICATION,
        by=by,
    )
    record_event(
        organization=company.organization,
        actor=by,
        verb="deal.opened",
        target=deal,
        payload={"stage": deal.stage, "value": str(deal.value), "source": source},
        recipients=[deal.owner] if deal.owner else [],
    )
    return deal


@transaction.atomic
def open_deal_with_company(
    *,
    by: Membership,
    company: Company | None = None,
    company_name: str = "",
    company_domain: str = "",
    name: str = "",
    value: Any = 0,
    kind: str = DealKind.NEW,
    owner: Membership | None = None,
    close_date: Any = None,
    source: str = DealSource.SALES,
) -> Deal:
    """Open a deal sales creates directly (the new-deal page): at ``company``, else at the
    company ``find_or_create_company`` finds or creates for ``company_name`` /
    ``company_domain``.

    One transaction: a company typed in for a deal that is then refused is not kept. Neither
    a company nor a name or domain is a ``DomainError`` (400 ``invalid_company``). The
    policy, rules and events are those of ``find_or_create_company`` and ``open_deal``.
    """
    if company is None:
        if not (company_name.strip() or company_domain.strip()):
            raise DomainError(
                _("Name the company the deal is with."),
                code="invalid_company",
                field="company_name",
            )
        company = find_or_create_company(by=by, name=company_name, domain=company_domain)
    return open_deal(
        by=by,
        company=company,
        name=name,
        source=source,
        value=value,
        kind=kind,
        owner=owner,
        close_date=close_date,
    )


def _lock(deal: Deal) -> Deal:
    return (
        Deal.objects.select_for_update(of=("self",))
        .select_related("organization", "owner", "company")
        .get(pk=deal.pk)
    )


@transaction.atomic
def update_deal(*, by: Membership, deal: Deal, data: dict[str, Any]) -> Deal:
    """Change a deal's name, value, expected close date, kind, company, contact or owner
    (keys of ``DEAL_FIELDS``; stage and outcome have their own services).

    Sales only. Giving someone else's deal a new owner needs ``leads.reassign`` (sales
    managers); a rep may hand over a deal they own. The company must be the organization's
    and the contact must work at the deal's (new) company (400 ``invalid_company`` /
    ``invalid_contact``). A closed deal keeps its value and kind (409 ``deal_closed``): the
    won revenue and the reports built on it do not change after the fact — a sales manager
    reopens the deal to correct them. Emits ``deal.updated`` with ``changes``
    ``{field: [old, new]}`` and ``labels`` ``{field: [old name, new name]}`` for changed
    rows (the deal's history); nothing when no value changed. A new owner is notified.
    """
    from leads.services.lifecycle import changes_payload, row_labels

    require(by, "deals.manage", deal)
    deal = _lock(deal)
    data = {key: value for key, value in data.items() if key in DEAL_FIELDS}
    if "value" in data:
        data["value"] = _clean_value(data["value"])
    if "name" in data:
        data["name"] = (data["name"] or "").strip() or deal.name
    if "company" in data:
        if data["company"] is None:
            raise DomainError(_("A deal needs a company."), code="invalid_company", field="company")
        _same_org(
            data["company"],
            deal.organization_id,
            _("Choose a company of your organization."),
            "invalid_company",
        )
    previous_owner_id = deal.owner_id
    before = row_labels(deal, DEAL_ROW_FIELDS)
    changed = apply_changes(deal, data, DEAL_FIELDS)
    if not changed:
        return deal
    if "owner" in changed:
        if previous_owner_id != by.pk:
            require(by, "leads.reassign")
        if deal.owner is None:
            raise DomainError(_("A deal needs an owner."), code="invalid_owner")
        _check_deal_owner(deal.owner, deal.organization_id)
    if not deal.is_open and {"value", "kind"} & set(changed):
        raise IllegalTransition(
            _("A closed deal's value and kind no longer change."), code="deal_closed"
        )
    if "kind" in changed and deal.kind not in DealKind.values:
        raise DomainError(_("Unknown kind of deal."), code="invalid_kind")
    if deal.contact is not None and (
        deal.contact.organization_id != deal.organization_id
        or deal.contact.company_id != deal.company_id
    ):
        raise DomainError(
            _("The contact must work at the deal's company."),
            code="invalid_contact",
            field="contact",
        )
    deal.save()
    record_event(
        organization=deal.organization,
        actor=by,
        verb="deal.updated",
        target=deal,
        payload=changes_payload(changed, before, row_labels(deal, DEAL_ROW_FIELDS)),
        recipients=[deal.owner] if "owner" in changed and deal.owner else [],
    )
    return deal


def _closed(deal: Deal) -> IllegalTransition:
    return IllegalTransition(
        _("The deal is already %(stage)s; a closed deal does not move.")
        % {"stage": DealStage(deal.stage).label.lower()},
        code=f"deal_{deal.stage}",
    )


def _record_stage(deal: Deal, to: str, *, by: Membership, note: str = "") -> str:
    previous = deal.stage
    DealStageChange.objects.create(
        organization_id=deal.organization_id,
        deal=deal,
        from_stage=previous,
        to_stage=to,
        by=by,
        note=note,
    )
    deal.stage = to
    return previous


@transaction.atomic
def advance_deal(*, by: Membership, deal: Deal, stage: str, note: str = "") -> Deal:
    """Move an open deal to another open stage (forwards, or back when the buyer goes back).

    ``stage`` must be ``qualification``, ``proposal`` or ``negotiation`` (400 ``invalid_stage``;
    ``won``/``lost`` go through ``win_deal``/``lose_deal``). A closed deal is a 409
    (``deal_won``/``deal_lost``), and so is a move to the stage it is already in
    (``same_stage``). Records the change and emits ``deal.advanced`` (payload ``from``, ``to``
    and ``direction`` ``forward``/``back``) to the owner when someone else moved it.
    """
    require(by, "deals.manage", deal)
    if stage not in OPEN_DEAL_STAGES:
        raise DomainError(
            _("Move a deal to qualification, proposal or negotiation; win or lose it instead."),
            code="invalid_stage",
        )
    deal = _lock(deal)
    if not deal.is_open:
        raise _closed(deal)
    if deal.stage == stage:
        raise IllegalTransition(
            _("The deal is already in %(stage)s.") % {"stage": DealStage(stage).label.lower()},
            code="same_stage",
        )
    previous = _record_stage(deal, stage, by=by, note=note)
    deal.save(update_fields=["stage", "updated_at"])
    order: list[str] = list(OPEN_DEAL_STAGES)
    record_event(
        organization=deal.organization,
        actor=by,
        verb="deal.advanced",
        target=deal,
        payload={
            "from": previous,
            "to": stage,
            "direction": "forward" if order.index(stage) > order.index(previous) else "back",
            "value": str(deal.value),
        },
        recipients=[deal.owner] if deal.owner else [],
    )
    return deal


def _outcome_recipients(deal: Deal) -> list[Membership]:
    """Who hears that a deal closed: its owner, the sales managers, and the marketer whose
    lead it came from (marketing learns which leads became revenue)."""
    recipients = [*([deal.owner] if deal.owner else []), *_sales_managers(deal.organization_id)]
    if deal.lead_id:
        marketer = (
            Lead.objects.filter(pk=deal.lead_id).values_list("marketing_owner", flat=True).first()
        )
        if marketer:
            recipients.extend(Membership.objects.filter(pk=marketer))
    return recipients


def _close(deal: Deal, stage: str, *, by: Membership, note: str) -> str:
    if not deal.is_open:
        raise _closed(deal)
    previous = _record_stage(deal, stage, by=by, note=note)
    deal.closed_at = timezone.now()
    if deal.close_date is None:
        deal.close_date = timezone.localdate()
    return previous


@transaction.atomic
def win_deal(*, by: Membership, deal: Deal, note: str = "") -> Deal:
    """``open → won``: sets ``closed_at`` (and the close date, when none was expected),
    records the change and emits ``deal.won`` to the owner, the sales managers and the
    marketer of the originating lead. A closed deal is a 409."""
    require(by, "deals.manage", deal)
    deal = _lock(deal)
    previous = _close(deal, DealStage.WON, by=by, note=note)
    deal.save()
    # Subscribers of deal.won run in this transaction (the handoffs flow opens the handoff).
    record_event(
        organization=deal.organization,
        actor=by,
        verb="deal.won",
        target=deal,
        payload={"from": previous, "value": str(deal.value), "kind": deal.kind},
        recipients=_outcome_recipients(deal),
    )
    return deal


def clean_feature_names(names: Any) -> list[str]:
    """Feature names as a lost deal stores them: stripped, blanks dropped, duplicates (case
    ignored) removed, order kept; a name longer than ``FEATURE_NAME_MAX`` is a 400."""
    if isinstance(names, str):
        names = [names]
    cleaned: list[str] = []
    seen: set[str] = set()
    for name in names or ():
        name = str(name).strip()
        if not name or name.lower() in seen:
            continue
        if len(name) > FEATURE_NAME_MAX:
            raise DomainError(
                _("A feature name has at most %(n)d characters.") % {"n": FEATURE_NAME_MAX},
                code="invalid_feature_requests",
            )
        seen.add(name.lower())
        cleaned.append(name)
    return cleaned


# Largest feature request id accepted (a big integer key); beyond it nothing can match.
FEATURE_REQUEST_ID_MAX = 2**63 - 1


def split_feature_requests(items: Any) -> tuple[list[str], list[int]]:
    """``feature_requests`` as ``lose_deal`` takes them, split into names and ids.

    An integer is the id of one of the organization's feature requests (positive, at most
    ``FEATURE_REQUEST_ID_MAX``; duplicates dropped, order kept), anything else a name
    (``clean_feature_names``). A boolean or an id out of range is a 400
    ``invalid_feature_requests``.
    """
    if isinstance(items, str | int):
        items = [items]
    names: list[Any] = []
    ids: list[int] = []
    for item in items or ():
        if isinstance(item, bool) or (
            isinstance(item, int) and not 1 <= item <= FEATURE_REQUEST_ID_MAX
        ):
            raise DomainError(
                _("A feature request is named or given by its id."),
                code="invalid_feature_requests",
                field="feature_requests",
            )
        if isinstance(item, int):
            if item not in ids:
                ids.append(item)
        else:
            names.append(item)
    return clean_feature_names(names), ids


@transaction.atomic
def lose_deal(
    *,
    by: Membership,
    deal: Deal,
    reason: str,
    note: str = "",
    feature_requests: Sequence[int | str] = (),
) -> Deal:
    """``open → lost`` with a reason from ``LostReason`` (400 ``invalid_reason`` otherwise).

    ``feature_requests`` are the features the customer missed: each a *name* (a string) or
    the *id* of one of the organization's feature requests (an integer). With reason
    ``missing_feature`` at least one is required (400 ``feature_requests_required``); with
    any other reason they are ignored. Names are stored in ``Deal.missing_features``; ids
    are not stored here: the ``deal.lost`` payload carries both (``missing_features``,
    ``feature_request_ids``) and the flow subscribed to ``deal.lost`` (the roadmap) resolves
    them. An id it cannot resolve is its ``DomainError`` (400), which rolls the lose back.
    A closed deal is a 409. Records the change and emits ``deal.lost`` (reason, note,
    missing features) to the owner, the sales managers and the lead's marketer.
    """
    require(by, "deals.manage", deal)
    if reason not in LostReason.values:
        raise DomainError(
            _("Choose why the deal was lost: %(reasons)s.")
            % {"reasons": ", ".join(LostReason.values)},
            code="invalid_reason",
        )
    features: list[str] = []
    ids: list[int] = []
    if reason == LostReason.MISSING_FEATURE:
        features, ids = split_feature_requests(feature_requests)
        if not features and not ids:
            raise DomainError(
                _("Name at least one missing feature."), code="feature_requests_required"
            )
        # Ids mean something only to a flow that resolves them; without one they would vanish.
        if ids and not any(s.verb == "deal.lost" for s in subscriptions()):
            raise DomainError(
                _("Name the missing features: feature requests cannot be chosen by id here."),
                code="feature_request_ids_unsupported",
                field="feature_requests",
            )
    deal = _lock(deal)
    previous = _close(deal, DealStage.LOST, by=by, note=note)
    deal.lost_reason = reason
    deal.lost_note = note
    deal.missing_features = features
    deal.save()
    record_event(
        organization=deal.organization,
        actor=by,
        verb="deal.lost",
        target=deal,
        payload={
            "from": previous,
            "value": str(deal.value),
            "reason": reason,
            "reason_label": str(LostReason(reason).label),
            "note": note,
            "missing_features": features,
            "feature_request_ids": ids,
        },
        recipients=_outcome_recipients(deal),
    )
    return deal


# The note a reopened deal's stage change starts with is the reason given.
REASON_MAX = 5000


@transaction.atomic
def reopen_deal(*, by: Membership, deal: Deal, reason: str) -> Deal:
    """``won | lost → open``: a sales manager takes back a closed deal (a win booked by
    mistake, a lost customer who came back), saying why in ``reason`` (required: 400
    ``reason_required``).

    Policy ``deals.reopen`` (sales managers and admins). Only a closed deal (409
    ``deal_open`` otherwise). The deal returns to the open stage it was in before it
    closed (qualification when its history does not say), recorded as a ``DealStageChange``
    with the reason as note; ``closed_at``, the lost reason, note and missing features are
    cleared, so a reopened won deal no longer counts as won anywhere (every report counts
    won deals by stage). Emits ``deal.reopened`` to the owner, the sales managers and the
    originating lead's marketer.
    """
    require(by, "deals.reopen", deal)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Say why the deal is reopened."), code="reason_required", field="reason"
        )
    if len(reason) > REASON_MAX:
        raise DomainError(
            _("A reason has at most %(n)d characters.") % {"n": REASON_MAX},
            code="invalid_reason",
            field="reason",
        )
    deal = _lock(deal)
    if deal.is_open:
        raise IllegalTransition(
            _("The deal is open already; only a won or lost deal is reopened."),
            code="deal_open",
        )
    closing = (
        DealStageChange.objects.filter(deal=deal, to_stage=deal.stage)
        .order_by("-at", "-pk")
        .values_list("from_stage", flat=True)
        .first()
    )
    stage = closing if closing in OPEN_DEAL_STAGES else DealStage.QUALIFICATION
    previous = _record_stage(deal, stage, by=by, note=reason)
    deal.closed_at = None
    deal.lost_reason = ""
    deal.lost_note = ""
    deal.missing_features = []
    deal.save()
    record_event(
        organization=deal.organization,
        actor=by,
        verb="deal.reopened",
        target=deal,
        payload={"from": previous, "to": stage, "value": str(deal.value), "reason": reason},
        recipients=_outcome_recipients(deal),
    )
    return deal
