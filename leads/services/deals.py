"""Companies, contacts and deals: the customer side that converted leads and sales create."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.policy import can
from collab_hub.exceptions import NotAllowed
from collab_hub.notifications.services import record_event
from leads.models import Company, Contact, Deal, DealStage, DealStageChange, Lead

if TYPE_CHECKING:
    from accounts.models import Membership

# Mail providers whose domain says nothing about the company.
FREE_MAIL_DOMAINS = frozenset(
    {"gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com",
     "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de",
     "wp.pl", "o2.pl", "onet.pl", "interia.pl", "yandex.ru", "mail.ru"}
)  # fmt: skip


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
            email=lead.email,
            title=lead.title,
            phone=lead.phone,
        )
    return contact


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
    with source ``sales``). Emits ``deal.opened`` to the owner when someone else opened it."""
    if not can(by, "deals.manage", company):
        raise NotAllowed(_("Your role does not allow this action."))
    deal = Deal.objects.create(
        organization_id=company.organization_id,
        company=company,
        contact=contact,
        name=name.strip() or company.name,
        value=Decimal(str(value or 0)),
        kind=kind,
        source=source,
        owner=owner or by,
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
