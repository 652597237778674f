"""Demo data for the sales ↔ marketing flow: six months of a realistic funnel.

Everything is created through the services (so scores, tiers, owners, history, events and
notifications are real), then the timestamps are spread back over six months so reports,
charts and SLA figures have a history to show. Deterministic (fixed seed) and idempotent:
it runs only while the demo organization has no leads.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from collab_hub.notifications.models import ActivityEvent, Notification
from leads.models import (
    Deal,
    DealStage,
    DealStageChange,
    Lead,
    LeadStatus,
    LeadTransition,
    RejectionReason,
)
from leads.services import campaigns, collateral, config, deals, lifecycle, quality

if TYPE_CHECKING:
    from accounts.management.commands.demo import Demo
    from accounts.models import Membership
    from leads.models import Campaign, Collateral, Tier

SEED = 2026
DAYS = 182

FIRST_NAMES = [
    "Anna", "Piotr", "Katarzyna", "Tomasz", "Julia", "Marek", "Ewa", "Jakub", "Sophie",
    "Lukas", "Emma", "Noah", "Olivia", "Liam", "Mia", "Felix", "Hannah", "Jonas", "Laura",
    "David", "Sara", "Mateo", "Elena", "Viktor", "Ingrid", "Pavel", "Lena", "Oskar",
]  # fmt: skip
LAST_NAMES = [
    "Nowak", "Kowalski", "Wiśniewska", "Müller", "Schmidt", "Novák", "Dvořák", "Jensen",
    "Larsen", "Rossi", "Bianchi", "Martin", "Bernard", "García", "López", "Smith", "Brown",
    "Taylor", "Wilson", "Kowalczyk", "Zieliński", "Lewandowska", "Fischer", "Weber",
]  # fmt: skip
COMPANIES = [
    ("Baltic Freight", "balticfreight.test", "logistics", "PL", 850, 120_000_000),
    ("Vistula Payments", "vistulapay.test", "fintech", "PL", 420, 60_000_000),
    ("Alpen Software", "alpensoft.test", "software", "DE", 1200, 300_000_000),
    ("Moravia Logistics", "moravia-log.test", "logistics", "CZ", 300, 45_000_000),
    ("Nordic Ledger", "nordicledger.test", "fintech", "DK", 150, 20_000_000),
    ("Rhine Analytics", "rhine-analytics.test", "software", "DE", 90, 9_000_000),
    ("Carpathia Foods", "carpathiafoods.test", "retail", "PL", 2000, 400_000_000),
    ("Helios Energy", "helios-energy.test", "energy", "ES", 600, 150_000_000),
    ("Lumen Health", "lumenhealth.test", "healthcare", "NL", 250, 30_000_000),
    ("Oder Manufacturing", "odermfg.test", "manufacturing", "PL", 700, 90_000_000),
    ("Tatra Travel", "tatratravel.test", "travel", "SK", 60, 5_000_000),
    ("Danube Retail", "danuberetail.test", "retail", "AT", 1500, 250_000_000),
    ("Gdańsk Shipping", "gdanskship.test", "logistics", "PL", 180, 25_000_000),
    ("Brno Devices", "brnodevices.test", "manufacturing", "CZ", 40, 3_000_000),
    ("Lisbon Labs", "lisbonlabs.test", "software", "PT", 35, 2_500_000),
    ("Kraków Cloud", "krakowcloud.test", "software", "PL", 220, 18_000_000),
]  # fmt: skip
TITLES = [
    "Head of Operations", "CFO", "IT Director", "Procurement Manager", "COO",
    "Logistics Coordinator", "Finance Director", "Head of Sales", "Office Manager", "CTO",
]  # fmt: skip
SOURCES = ["website", "website", "event", "referral", "paid", "paid", "content", "outbound",
           "partner"]  # fmt: skip


# Letters NFKD does not take apart into an ASCII letter and an accent.
_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss"})


def _ascii(name: str) -> str:
    """``name`` as an email's local part may spell it (López → Lopez, Łukasz → Lukasz):
    addresses are ASCII, as the API's email format and Django's validator require."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_UNDECOMPOSED))
    return decomposed.encode("ascii", "ignore").decode()


@dataclass
class People:
    admin: Membership
    marketer: Membership
    marketing_manager: Membership
    rep: Membership
    sales_manager: Membership


def _people(demo: Demo) -> People:
    from accounts.management.commands.demo import ADMIN, _email

    return People(
        admin=demo.members[ADMIN.email],
        marketer=demo.members[_email("marketing.member")],
        marketing_manager=demo.members[_email("marketing.manager")],
        rep=demo.members[_email("sales.member")],
        sales_manager=demo.members[_email("sales.manager")],
    )


def _setup_funnel(people: People) -> tuple[list[Tier], list[Campaign]]:
    """Tiers, scoring rules, campaigns: the configuration marketing and sales agreed on."""
    admin = people.admin
    tiers = [
        config.create_tier(by=admin, data={
            "rank": 1, "name": "Enterprise logistics & fintech",
            "industries": ["logistics", "fintech", "software"], "min_employees": 400,
            "response_sla_hours": 4, "monthly_mql_target_per_rep": 6,
            "value_proposition": "One view of every shipment and payment promise, shared by "
                                 "sales, delivery and finance.",
            "acquisition_playbook": "Executive sponsor first; a pilot on one route or product "
                                    "line; the Baltic Freight case study in the first call.",
        }),
        config.create_tier(by=admin, data={
            "rank": 2, "name": "Mid-market", "min_employees": 50, "max_employees": 399,
            "response_sla_hours": 12, "monthly_mql_target_per_rep": 10,
            "value_proposition": "Stop losing deals between departments: set up in a week.",
            "acquisition_playbook": "Demo to the head of operations; ROI calculator; close "
                                    "within one quarter.",
        }),
        config.create_tier(by=admin, data={
            "rank": 3, "name": "Small business", "response_sla_hours": 48,
            "monthly_mql_target_per_rep": 15,
            "value_proposition": "The hand-offs of a big company without the overhead.",
            "acquisition_playbook": "Self-serve trial, one follow-up call.",
        }),
    ]  # fmt: skip
    for field, operator, value, points in [
        ("industry", "in", "logistics, fintech, software", 20),
        ("employees", "gte", "200", 20),
        ("title", "contains", "head", 15),
        ("title", "contains", "director", 15),
        ("title", "eq", "coo", 15),
        ("source", "eq", "referral", 15),
        ("country", "in", "PL, DE, CZ", 10),
    ]:
        config.create_scoring_rule(
            by=admin, data={"field": field, "operator": operator, "value": value, "points": points}
        )
    today = timezone.localdate()
    plan = [
        ("Logistics webinar series", "webinar", 4800, 170, 120),
        ("Fintech paid search", "paid_search", 9200, 160, 10),
        ("LinkedIn ABM – enterprise", "paid_social", 12500, 120, 0),
        ("Warsaw Supply Chain Expo", "events", 15000, 95, 93),
        ("Case study newsletter", "email", 1200, 60, 0),
    ]
    made = [
        campaigns.create_campaign(by=people.marketing_manager, data={
            "name": name, "channel": channel, "cost": Decimal(cost),
            "starts_on": today - timedelta(days=start), "ends_on": today - timedelta(days=end),
        })
        for name, channel, cost, start, end in plan
    ]  # fmt: skip
    return tiers, made


def _library(people: People, tiers: list[Tier]) -> list[Collateral]:
    items = [
        ("Baltic Freight case study", [tiers[0]], ["proposal", "negotiation"]),
        ("ROI calculator (mid-market)", [tiers[1]], ["qualification", "proposal"]),
        ("Security & compliance overview", [tiers[0], tiers[1]], ["negotiation"]),
        ("Product tour video", [], []),
        ("Competitor battle card: SiloSoft", [], ["proposal", "negotiation"]),
        ("Small-business pricing one-pager", [tiers[2]], ["qualification"]),
    ]
    return [
        collateral.add_collateral(
            by=people.marketing_manager,
            title=title,
            url=f"https://assets.northwind.test/{n}.pdf",
            tiers=item_tiers,
            stages=stages,
        )
        for n, (title, item_tiers, stages) in enumerate(items, start=1)
    ]


def seed_leads(demo: Demo) -> None:
    """The sales ↔ marketing funnel of the last six months (only while there are no leads)."""
    if Lead.objects.for_org(demo.org).exists():
        return
    size = demo.leads
    rng = random.Random(SEED)  # noqa: S311 - demo data, reproducible on purpose
    people = _people(demo)
    tiers, campaign_list = _setup_funnel(people)
    library = _library(people, tiers)
    now = timezone.now()
    timeline: dict[int, dict[str, Any]] = {}
    leads: list[Lead] = []
    for n in range(size):
        company, domain, industry, country, employees, revenue = rng.choice(COMPANIES)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        source = rng.choice(SOURCES)
        campaign = rng.choice(campaign_list) if source in ("paid", "event", "content") else None
        created = now - timedelta(days=DAYS * (1 - (n + rng.random()) / size), hours=rng.random())
        lead = lifecycle.create_lead(
            organization=demo.org,
            by=people.marketer,
            data={
                "email": f"{_ascii(first)}.{_ascii(last)}.{n}@{domain}".lower(),
                "first_name": first,
                "last_name": last,
                "company_name": company,
                "title": rng.choice(TITLES),
                "industry": industry,
                "country": country,
                "employees": employees,
                "annual_revenue": Decimal(revenue),
                "source": source,
                "campaign": campaign,
            },
        )
        leads.append(lead)
        timeline[lead.pk] = {"created": created}
    _work_the_funnel(people, leads, timeline, rng, library, now)
    _backdate(demo, leads, timeline, now)
    lifecycle.flag_sla_breaches(now=now)
    _quality_loop(people, campaign_list, leads)
    demo.log(f"seeded {len(leads)} leads, {Deal.objects.for_org(demo.org).count()} deals")


def _work_the_funnel(
    people: People,
    leads: list[Lead],
    timeline: dict[int, dict[str, Any]],
    rng: random.Random,
    library: list[Collateral],
    now: datetime,
) -> None:
    reasons = [r.value for r in RejectionReason]
    for lead in leads:
        times = timeline[lead.pk]
        age_days = (now - times["created"]).days
        roll = rng.random()
        if roll < 0.08:
            lifecycle.disqualify_lead(by=people.marketer, lead=lead, note="Student / not a buyer")
            continue
        if lead.score < 30 and roll < 0.35:
            continue  # still nurtured by marketing
        lead = lifecycle.qualify_lead(by=people.marketer, lead=lead)
        times["qualified"] = times["created"] + timedelta(hours=rng.uniform(2, 72))
        hours = lead.tier.response_sla_hours if lead.tier else 24
        if age_days < 2 and rng.random() < 0.7:
            continue  # a fresh MQL waiting in the queue
        if rng.random() < 0.08:
            continue  # an MQL nobody answered: breached
        # Most answers come inside the SLA; some are late.
        late = rng.random() < 0.2
        times["responded"] = times["qualified"] + timedelta(
            hours=rng.uniform(hours * 1.1, hours * 3) if late else rng.uniform(0.2, hours * 0.9)
        )
        owner = lead.owner
        if owner is None:
            continue  # no active sales rep to hand it to (the demo has two): it waits
        if rng.random() < 0.32:
            lifecycle.reject_lead(
                by=owner, lead=lead, reason=rng.choice(reasons),
                note=rng.choice(["", "Budget frozen until next year.", "Wrong contact.",
                                 "Already talking to us through a partner.",
                                 "Too small for our offer."]),
            )  # fmt: skip
            continue
        lead = lifecycle.accept_lead(by=owner, lead=lead)
        if rng.random() < 0.35 or age_days < 5:
            continue  # accepted, being worked
        deal = lifecycle.convert_lead(
            by=owner, lead=lead, value=Decimal(rng.choice([8, 12, 18, 24, 36, 60, 90])) * 1000
        )
        times["converted"] = times["responded"] + timedelta(days=rng.uniform(1, 10))
        _work_the_deal(people, deal, owner, rng, library, age_days)


def _work_the_deal(
    people: People,
    deal: Deal,
    owner: Membership,
    rng: random.Random,
    library: list[Collateral],
    age_days: int,
) -> None:
    fitting = [
        c for c in library
        if not c.stages or deal.stage in c.stages or "proposal" in c.stages
    ]  # fmt: skip
    if fitting and rng.random() < 0.6:
        collateral.use_collateral(by=owner, collateral=rng.choice(fitting), deal=deal)
    elif rng.random() < 0.15:
        collateral.record_own_material(
            by=owner,
            deal=deal,
            description="Our own slide deck with a customer quote",
            missing="A case study for this industry",
        )
    roll = rng.random()
    if age_days < 20 or roll < 0.3:
        if roll < 0.15:
            deals.advance_deal(by=owner, deal=deal, stage=DealStage.PROPOSAL)
        elif roll < 0.3:
            deals.advance_deal(by=owner, deal=deal, stage=DealStage.PROPOSAL)
            deals.advance_deal(by=owner, deal=deal, stage=DealStage.NEGOTIATION)
        return
    deals.advance_deal(by=owner, deal=deal, stage=DealStage.PROPOSAL)
    if rng.random() < 0.5:
        used = [c for c in library if "negotiation" in c.stages]
        if used and rng.random() < 0.5:
            collateral.use_collateral(by=owner, collateral=rng.choice(used), deal=deal)
        deals.advance_deal(by=owner, deal=deal, stage=DealStage.NEGOTIATION)
    if roll < 0.68:
        deals.win_deal(by=owner, deal=deal)
    else:
        reason = rng.choice(["price", "competitor", "missing_feature", "no_decision", "timing"])
        deals.lose_deal(
            by=owner, deal=deal, reason=reason,
            feature_requests=["SAML single sign-on"] if reason == "missing_feature" else [],
        )  # fmt: skip


def _backdate(
    demo: Demo, leads: list[Lead], timeline: dict[int, dict[str, Any]], now: datetime
) -> None:
    """Spread the history over six months: leads, transitions, deals, events."""
    refreshed = Lead.objects.for_org(demo.org).in_bulk([lead.pk for lead in leads])
    lead_rows, transition_rows, deal_rows, stage_rows = [], [], [], []
    transitions = LeadTransition.objects.for_org(demo.org).filter(lead__in=leads)
    by_lead: dict[int, list[LeadTransition]] = {}
    for transition in transitions:
        by_lead.setdefault(transition.lead_id, []).append(transition)
    deal_changes: dict[int, list[DealStageChange]] = {}
    for change in DealStageChange.objects.for_org(demo.org).order_by("pk"):
        deal_changes.setdefault(change.deal_id, []).append(change)
    deals_by_pk = Deal.objects.for_org(demo.org).in_bulk()
    # Keys are LeadStatus values; a transition's ``to_status`` is the plain string.
    when_of_status: dict[int, dict[str, datetime]] = {}
    for pk, lead in refreshed.items():
        times = timeline[pk]
        lead.created_at = times["created"]
        if lead.qualified_at:
            lead.qualified_at = times.get("qualified", times["created"])
            hours = lead.tier.response_sla_hours if lead.tier is not None else 24
            lead.sla_due_at = lead.qualified_at + timedelta(hours=hours)
        if lead.responded_at:
            lead.responded_at = times.get("responded", lead.qualified_at)
        lead_rows.append(lead)
        when_of_status[pk] = {
            LeadStatus.NEW: lead.created_at,
            LeadStatus.MQL: lead.qualified_at or lead.created_at,
            LeadStatus.ACCEPTED: lead.responded_at or lead.created_at,
            LeadStatus.REJECTED: lead.responded_at or lead.created_at,
            LeadStatus.CONVERTED: times.get("converted", lead.responded_at or lead.created_at),
            LeadStatus.DISQUALIFIED: lead.created_at + timedelta(days=1),
        }
        for transition in by_lead.get(pk, []):
            transition.at = min(when_of_status[pk][transition.to_status], now)
            transition_rows.append(transition)
        if lead.deal_id and lead.deal_id in deals_by_pk:
            deal = deals_by_pk[lead.deal_id]
            opened = when_of_status[pk][LeadStatus.CONVERTED]
            deal.created_at = opened
            changes = deal_changes.get(deal.pk, [])
            for step, change in enumerate(changes):
                change.at = min(opened + timedelta(days=9 * step), now)
                stage_rows.append(change)
            if deal.closed_at:
                deal.closed_at = min(opened + timedelta(days=9 * len(changes)), now)
                deal.close_date = deal.closed_at.date()
            deal_rows.append(deal)
    Lead.objects.bulk_update(
        lead_rows, ["created_at", "qualified_at", "sla_due_at", "responded_at"], batch_size=500
    )
    LeadTransition.objects.bulk_update(transition_rows, ["at"], batch_size=500)
    Deal.objects.bulk_update(deal_rows, ["created_at", "closed_at", "close_date"], batch_size=500)
    DealStageChange.objects.bulk_update(stage_rows, ["at"], batch_size=500)
    _backdate_events(demo, when_of_status, deals_by_pk, now)


LEAD_VERB_STATUS = {
    "lead.created": LeadStatus.NEW,
    "lead.qualified": LeadStatus.MQL,
    "lead.accepted": LeadStatus.ACCEPTED,
    "lead.rejected": LeadStatus.REJECTED,
    "lead.converted": LeadStatus.CONVERTED,
    "lead.disqualified": LeadStatus.DISQUALIFIED,
}


def _backdate_events(
    demo: Demo,
    when_of_status: dict[int, dict[str, datetime]],
    deals_by_pk: dict[int, Deal],
    now: datetime,
) -> None:
    lead_type = ContentType.objects.get_for_model(Lead)
    deal_type = ContentType.objects.get_for_model(Deal)
    events = []
    for event in ActivityEvent.objects.for_org(demo.org).filter(
        target_type__in=[lead_type, deal_type]
    ):
        if event.target_type_id == lead_type.id and event.verb in LEAD_VERB_STATUS:
            target = event.target_id
            moments = when_of_status.get(target) if target is not None else None
            if moments:
                event.created_at = min(moments[LEAD_VERB_STATUS[event.verb]], now)
                events.append(event)
        elif event.target_type_id == deal_type.id and event.target_id in deals_by_pk:
            deal = deals_by_pk[event.target_id]
            event.created_at = (
                deal.closed_at
                if event.verb in ("deal.won", "deal.lost") and (deal.closed_at)
                else deal.created_at
            )
            events.append(event)
    ActivityEvent.objects.bulk_update(events, ["created_at"], batch_size=500)
    notifications = []
    created = {event.pk: event.created_at for event in events}
    for notification in Notification.objects.for_org(demo.org).filter(event__in=events):
        notification.created_at = created[notification.event_id]
        # Old news is read news; the last week stays unread so the inbox has something.
        if notification.created_at < now - timedelta(days=7):
            notification.read_at = notification.created_at + timedelta(hours=3)
        notifications.append(notification)
    Notification.objects.bulk_update(notifications, ["created_at", "read_at"], batch_size=500)


def _quality_loop(people: People, campaign_list: list[Campaign], leads: list[Lead]) -> None:
    """One answered complaint and one still open: both sides of the quality conversation."""
    rejected = Lead.objects.filter(
        pk__in=[lead.pk for lead in leads], status=LeadStatus.REJECTED, campaign__isnull=False
    ).select_related("campaign")
    by_campaign: dict[int, list[Lead]] = {}
    for lead in rejected:
        if lead.campaign_id is not None:  # always: the query asks for a campaign
            by_campaign.setdefault(lead.campaign_id, []).append(lead)
    ranked = sorted(by_campaign.items(), key=lambda item: -len(item[1]))
    if not ranked:
        return
    campaign_by_pk = {c.pk: c for c in campaign_list}
    first_pk, first_leads = ranked[0]
    complaint = quality.file_complaint(
        by=people.sales_manager,
        reason="not_icp",
        note="Half of these are students or agencies, not buyers.",
        campaign=campaign_by_pk[first_pk],
        example_leads=first_leads[:3],
    )
    quality.answer_complaint(
        by=people.marketing_manager,
        complaint=complaint,
        answer="Agreed: the audience targeting was too broad.",
        action_taken="Excluded agencies and education from targeting; added a company-size "
        "question to the form.",
    )
    if len(ranked) > 1:
        second_pk, second_leads = ranked[1]
        quality.file_complaint(
            by=people.sales_manager,
            reason="bad_contact_data",
            note="Phone numbers missing or wrong on most of these.",
            campaign=campaign_by_pk[second_pk],
            example_leads=second_leads[:2],
        )


# The demo command runs these after the people exist (LeadsConfig.demo).
DEMO_STEPS = [seed_leads]
