"""Demo data for the sales ↔ marketing flow: six months of a realistic funnel.

Everything is created through the services (so scores, tiers, owners, history, events and
notifications are real), then the timestamps are spread back over six months so reports,
charts and SLA figures have a history to show. Deterministic (fixed seed) and idempotent:
it runs only while the demo organization has no leads.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from leads.models import (
    Campaign,
    Collateral,
    CollateralUse,
    Company,
    Contact,
    ContentRequest,
    Deal,
    DealStage,
    DealStageChange,
    Lead,
    LeadTransition,
    QualityComplaint,
    RejectionReason,
    ScoringRule,
    Tier,
)
from leads.services import campaigns, collateral, config, deals, lifecycle, quality

if TYPE_CHECKING:
    from accounts.management.commands.demo import Demo, History
    from accounts.models import Membership

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


# The configuration and the library exist before the first lead arrives.
SETUP_DAYS = DAYS + 12
# The most recent leads arrive in the last FRESH_HOURS: the MQL queue sales is working on.
FRESH_HOURS = 60
# About one waiting MQL in OVERDUE_EVERY is past its response deadline; the rest are within it.
OVERDUE_EVERY = 6
# Rejections younger than this are still on marketing's list to fix; older ones were resubmitted
# or disqualified a few days after sales answered.
FIX_DAYS = 10
# Marketing answers a content request within this many days.
ANSWER_DAYS = 14

# What the services stamp "now" and the demo dates to the moment of its story.
TRACKED: list[tuple[type[models.Model], str]] = [
    (Tier, "updated_at"),
    (ScoringRule, "updated_at"),
    (Campaign, "created_at"),
    (Collateral, "created_at"),
    (Lead, "created_at"),
    (LeadTransition, "at"),
    (Company, "created_at"),
    (Contact, "created_at"),
    (Deal, "created_at"),
    (DealStageChange, "at"),
    (CollateralUse, "used_at"),
    (ContentRequest, "created_at"),
    (QualityComplaint, "filed_at"),
]


@dataclass
class Story:
    """One run's shared state: when things happened, and the dates to write at the end."""

    history: History
    rng: random.Random
    people: People
    library: list[Collateral]
    # The latest moment anything may happen (a few minutes before the run began).
    limit: datetime
    lead_times: dict[int, dict[str, datetime]] = dataclass_field(default_factory=dict)
    closed: dict[int, datetime] = dataclass_field(default_factory=dict)
    # When sales rejected each lead it rejected (its examples for the quality complaints).
    rejected: dict[int, datetime] = dataclass_field(default_factory=dict)
    # Content requests sales made, with when (marketing answers the older ones).
    requests: list[tuple[ContentRequest, datetime]] = dataclass_field(default_factory=list)

    def sla_hours(self, lead: Lead) -> int:
        return lead.tier.response_sla_hours if lead.tier is not None else 24

    def between(self, start: datetime, end: datetime) -> datetime:
        """A moment in ``[start, end]`` (``start`` when the span is empty)."""
        span = max((end - start).total_seconds(), 0.0)
        return start + timedelta(seconds=self.rng.uniform(0, span))


def seed_leads(demo: Demo) -> None:
    """The sales ↔ marketing funnel of the last six months (only while there are no leads).

    Every step goes through the services at its moment of the story (``History``): nothing
    happens after the run began, each record's history is in order (a deal opens after its
    lead was accepted and closes after it opened; collateral is used on open deals, after
    it was added), and the MQL queue is a team at work: the MQLs that came in during the
    last hours, most within their response deadline, about one in ``OVERDUE_EVERY`` past it.
    """
    from accounts.management.commands.demo import History

    if Lead.objects.for_org(demo.org).exists():
        return
    size = demo.leads
    now = demo.started
    rng = random.Random(SEED)  # noqa: S311 - demo data, reproducible on purpose
    people = _people(demo)
    history = History(demo.org, TRACKED, now=now)
    with history.at(now - timedelta(days=SETUP_DAYS)):
        tiers, campaign_list = _setup_funnel(people)
    with history.at(now - timedelta(days=SETUP_DAYS - 2)):
        library = _library(people, tiers)
    story = Story(history, rng, people, library, limit=now - timedelta(minutes=5))
    fresh = min(size, max(8, size // 20))
    older = size - fresh
    leads: list[tuple[Lead, datetime, bool]] = []
    for n in range(size):
        company, domain, industry, country, employees, revenue = rng.choice(COMPANIES)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        source = rng.choice(SOURCES)
        campaign = rng.choice(campaign_list) if source in ("paid", "event", "content") else None
        if n < older:
            # Spread over six months up to the fresh window, a little noise per lead.
            span = timedelta(days=DAYS) - timedelta(hours=FRESH_HOURS)
            created = now - timedelta(hours=FRESH_HOURS) - span * (1 - (n + rng.random()) / older)
        else:
            share = (n - older + rng.random()) / fresh
            created = now - timedelta(hours=FRESH_HOURS * (1 - share)) - timedelta(minutes=30)
        with history.at(created) as created:
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
        story.lead_times[lead.pk] = {"created_at": created}
        leads.append((lead, created, n >= older))
    waiting = []
    for lead, created, is_fresh in leads:
        handed = _work_the_lead(story, lead, created, is_fresh)
        if handed is not None:
            waiting.append((handed, created))
    _queue(story, waiting)
    _answer_content_requests(story)
    _write_dates(story)
    with history.at(now) as moment:
        lifecycle.flag_sla_breaches(now=moment)
    _quality_loop(story, campaign_list)
    history.finish()
    demo.log(f"seeded {len(leads)} leads, {Deal.objects.for_org(demo.org).count()} deals")


def _work_the_lead(story: Story, lead: Lead, created: datetime, fresh: bool) -> Lead | None:
    """Take one lead as far through the funnel as its age allows; a fresh one that marketing
    hands to sales is returned, to wait in the queue (``_queue``)."""
    rng, people, history = story.rng, story.people, story.history
    times = story.lead_times[lead.pk]
    age_days = (story.limit - created).days
    roll = rng.random()
    if roll < 0.08:
        moment = created + timedelta(hours=rng.uniform(4, 48))
        if moment < story.limit:
            with history.at(moment):
                lifecycle.disqualify_lead(
                    by=people.marketer, lead=lead, note="Student / not a buyer"
                )
        return None
    if lead.score < 30 and roll < 0.35:
        return None  # still nurtured by marketing
    if fresh:
        return lead
    qualified = created + timedelta(hours=rng.uniform(2, 72))
    if qualified >= story.limit:
        return None  # marketing has not looked at it yet
    with history.at(qualified):
        lead = lifecycle.qualify_lead(by=people.marketer, lead=lead)
    hours = story.sla_hours(lead)
    times["qualified_at"] = qualified
    times["sla_due_at"] = qualified + timedelta(hours=hours)
    # Most answers come inside the SLA; some are late.
    late = rng.random() < 0.2
    responded = qualified + timedelta(
        hours=rng.uniform(hours * 1.1, hours * 3) if late else rng.uniform(0.2, hours * 0.9)
    )
    if responded >= story.limit:
        # Answered already: the queue holds only the fresh MQLs.
        responded = story.between(qualified + (story.limit - qualified) * 0.3, story.limit)
    owner = lead.owner
    if owner is None:
        return None  # no active sales rep to hand it to (the demo has two)
    times["responded_at"] = responded
    if rng.random() < 0.32:
        with history.at(responded):
            lifecycle.reject_lead(
                by=owner, lead=lead, reason=rng.choice([r.value for r in RejectionReason]),
                note=rng.choice(["", "Budget frozen until next year.", "Wrong contact.",
                                 "Already talking to us through a partner.",
                                 "Too small for our offer."]),
            )  # fmt: skip
        story.rejected[lead.pk] = responded
        _follow_up_rejection(story, lead, owner, responded)
        return None
    with history.at(responded):
        lead = lifecycle.accept_lead(by=owner, lead=lead)
    if rng.random() < 0.35 or age_days < 5:
        return None  # accepted, being worked
    converted = responded + timedelta(days=rng.uniform(1, 10))
    if converted >= story.limit:
        return None
    with history.at(converted):
        deal = lifecycle.convert_lead(
            by=owner, lead=lead, value=Decimal(rng.choice([8, 12, 18, 24, 36, 60, 90])) * 1000
        )
    _work_the_deal(story, deal, owner, converted, age_days)
    return None


def _follow_up_rejection(story: Story, lead: Lead, owner: Membership, rejected: datetime) -> None:
    """Marketing's answer to a rejection, a few days later: about one in four is corrected
    and resubmitted (and sales accepts it within its deadline), the others disqualified.
    The rejections of the last ``FIX_DAYS`` days are still on marketing's list to fix."""
    rng, history, people = story.rng, story.history, story.people
    if rejected >= story.limit - timedelta(days=FIX_DAYS):
        return
    moment = rejected + timedelta(days=rng.uniform(1, FIX_DAYS - 2))
    times = story.lead_times[lead.pk]
    if rng.random() < 0.25:
        with history.at(moment):
            lead = lifecycle.resubmit_lead(
                by=people.marketer,
                lead=lead,
                note=rng.choice(
                    [
                        "Corrected the contact: the buyer is the head of operations.",
                        "Budget confirmed on a call; they plan to buy this quarter.",
                        "Fixed the company size: 400 employees, not 40.",
                    ]
                ),
            )
        hours = story.sla_hours(lead)
        answered = moment + timedelta(hours=rng.uniform(0.5, hours * 0.8))
        times.update(
            qualified_at=moment,
            sla_due_at=moment + timedelta(hours=hours),
            resubmitted_at=moment,
            responded_at=answered,
        )
        with history.at(answered):
            lifecycle.accept_lead(by=lead.owner or owner, lead=lead)
    else:
        with history.at(moment):
            lifecycle.disqualify_lead(
                by=people.marketer, lead=lead, note="Not a fit after sales' feedback."
            )


def _answer_content_requests(story: Story) -> None:
    """Marketing answers sales' content requests within two weeks: the older ones are done
    (pointing at the case study it wrote), the last ``ANSWER_DAYS`` days' are still open."""
    case_study = next((c for c in story.library if "case study" in c.title), None)
    for request, asked in story.requests:
        if asked >= story.limit - timedelta(days=ANSWER_DAYS):
            continue
        with story.history.at(asked + timedelta(days=story.rng.uniform(2, ANSWER_DAYS - 1))):
            collateral.complete_content_request(
                by=story.people.marketer,
                request=request,
                collateral=case_study,
                note="Our industry case study covers this; ask us for a tailored one.",
            )


def _queue(story: Story, waiting: list[tuple[Lead, datetime]]) -> None:
    """Hand the fresh leads to sales: each waits in the MQL queue, handed over within its
    response deadline, except about one in ``OVERDUE_EVERY`` that is past it (one that came
    in long enough ago to be)."""
    margin = timedelta(minutes=10)
    overdue_left = max(1, round(len(waiting) / OVERDUE_EVERY)) if waiting else 0
    for lead, created in waiting:
        hours = timedelta(hours=story.sla_hours(lead))
        if overdue_left and created + margin < story.limit - hours - margin:
            overdue_left -= 1
            qualified = story.between(created + margin, story.limit - hours - margin)
        else:
            earliest = max(created + margin, story.limit - hours * 0.9)
            qualified = story.between(earliest, story.limit)
        with story.history.at(qualified):
            lead = lifecycle.qualify_lead(by=story.people.marketer, lead=lead)
        times = story.lead_times[lead.pk]
        times["qualified_at"] = qualified
        times["sla_due_at"] = qualified + timedelta(hours=story.sla_hours(lead))


def _work_the_deal(
    story: Story, deal: Deal, owner: Membership, opened: datetime, age_days: int
) -> None:
    """The deal's life after ``opened``: collateral, stage changes, maybe a close, each a few
    days apart (compressed to end before now)."""
    rng, library = story.rng, story.library
    steps: list[tuple[float, Callable[[], Any]]] = []
    fitting = [
        c for c in library
        if not c.stages or deal.stage in c.stages or "proposal" in c.stages
    ]  # fmt: skip
    if fitting and rng.random() < 0.6:
        chosen = rng.choice(fitting)
        steps.append((rng.uniform(0.2, 3), lambda: collateral.use_collateral(
            by=owner, collateral=chosen, deal=deal)))  # fmt: skip
    elif rng.random() < 0.15:
        steps.append((rng.uniform(0.5, 4), lambda: collateral.record_own_material(
            by=owner, deal=deal, description="Our own slide deck with a customer quote",
            missing="A case study for this industry")))  # fmt: skip

    def advance(stage: str) -> Callable[[], Any]:
        return lambda: deals.advance_deal(by=owner, deal=deal, stage=stage)

    roll = rng.random()
    if age_days < 20 or roll < 0.3:
        if roll < 0.3:
            steps.append((rng.uniform(3, 10), advance(DealStage.PROPOSAL)))
        if 0.15 <= roll < 0.3:
            steps.append((rng.uniform(3, 10), advance(DealStage.NEGOTIATION)))
    else:
        steps.append((rng.uniform(3, 12), advance(DealStage.PROPOSAL)))
        if rng.random() < 0.5:
            used = [c for c in library if "negotiation" in c.stages]
            if used and rng.random() < 0.5:
                chosen_late = rng.choice(used)
                steps.append((rng.uniform(1, 5), lambda: collateral.use_collateral(
                    by=owner, collateral=chosen_late, deal=deal)))  # fmt: skip
            steps.append((rng.uniform(2, 10), advance(DealStage.NEGOTIATION)))
        if roll < 0.68:
            steps.append((rng.uniform(3, 14), lambda: deals.win_deal(by=owner, deal=deal)))
        else:
            reason = rng.choice(["price", "competitor", "missing_feature", "no_decision", "timing"])
            requests = ["SAML single sign-on"] if reason == "missing_feature" else []
            steps.append((rng.uniform(3, 14), lambda: deals.lose_deal(
                by=owner, deal=deal, reason=reason, feature_requests=requests)))  # fmt: skip
    total = sum(days for days, _step in steps)
    room = (story.limit - opened).total_seconds() / 86400
    scale = min(1.0, room * 0.95 / total) if total else 1.0
    moment = opened
    for days, step in steps:
        moment += timedelta(days=days * scale)
        with story.history.at(moment) as at:
            done = step()
        if isinstance(done, ContentRequest):
            story.requests.append((done, at))
    if steps and Deal.objects.filter(pk=deal.pk, closed_at__isnull=False).exists():
        story.closed[deal.pk] = moment


def _write_dates(story: Story) -> None:
    """The leads' and deals' own dates (qualified, due, answered, closed) at their moments."""
    rows = Lead.objects.in_bulk(list(story.lead_times))
    for pk, times in story.lead_times.items():
        for name, moment in times.items():
            setattr(rows[pk], name, moment)
    Lead.objects.bulk_update(
        rows.values(),
        ["created_at", "qualified_at", "sla_due_at", "responded_at", "resubmitted_at"],
        batch_size=500,
    )
    closed = Deal.objects.in_bulk(list(story.closed))
    for pk, moment in story.closed.items():
        closed[pk].closed_at = moment
        closed[pk].close_date = moment.date()
    Deal.objects.bulk_update(closed.values(), ["closed_at", "close_date"], batch_size=500)


def _quality_loop(story: Story, campaign_list: list[Campaign]) -> None:
    """One answered complaint and one still open: both sides of the quality conversation."""
    people, history, now = story.people, story.history, story.limit
    answered_filed = now - timedelta(days=12)
    rejected = Lead.objects.filter(
        pk__in=list(story.rejected), campaign__isnull=False
    ).select_related("campaign")
    by_campaign: dict[int, list[Lead]] = {}
    for lead in rejected:
        # Only leads rejected before the complaint can be its examples.
        if lead.campaign_id is not None and story.rejected[lead.pk] < answered_filed:
            by_campaign.setdefault(lead.campaign_id, []).append(lead)
    ranked = sorted(by_campaign.items(), key=lambda item: -len(item[1]))
    if not ranked:
        return
    campaign_by_pk = {c.pk: c for c in campaign_list}
    first_pk, first_leads = ranked[0]
    with history.at(answered_filed):
        complaint = quality.file_complaint(
            by=people.sales_manager,
            reason="not_icp",
            note="Half of these are students or agencies, not buyers.",
            campaign=campaign_by_pk[first_pk],
            example_leads=first_leads[:3],
        )
    answered = answered_filed + timedelta(days=1, hours=4)
    with history.at(answered):
        quality.answer_complaint(
            by=people.marketing_manager,
            complaint=complaint,
            answer="Agreed: the audience targeting was too broad.",
            action_taken="Excluded agencies and education from targeting; added a "
            "company-size question to the form.",
        )
    _date_complaint(complaint, answered_filed, answered)
    if len(ranked) > 1:
        second_pk, second_leads = ranked[1]
        filed = now - timedelta(days=1, hours=6)
        with history.at(filed):
            second = quality.file_complaint(
                by=people.sales_manager,
                reason="bad_contact_data",
                note="Phone numbers missing or wrong on most of these.",
                campaign=campaign_by_pk[second_pk],
                example_leads=second_leads[:2],
            )
        _date_complaint(second, filed, None)


def _date_complaint(
    complaint: QualityComplaint, filed: datetime, answered: datetime | None
) -> None:
    """The complaint's deadline and answer at the story's moments (the same time to answer)."""
    complaint.refresh_from_db()
    QualityComplaint.objects.filter(pk=complaint.pk).update(
        due_at=filed + (complaint.due_at - complaint.filed_at), answered_at=answered
    )


# The demo command runs these after the people exist (LeadsConfig.demo).
DEMO_STEPS = [seed_leads]
