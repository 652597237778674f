"""Demo data for the sales ↔ product flow: half a year of feature requests, the demand behind
them and the promises sales made on open deals, consistent with the leads demo's story.

The leads demo (it runs first) already lost a few deals for "SAML single sign-on": the
``deal.lost`` subscriber turned those into a request and its ``lost`` demands. This step
dates them to the losses and builds the rest of the story around the same companies and
deals: dozens of requests that product moves through every status (some back), hundreds of
demands (blocking on open deals, lost on deals sales loses here for a missing feature,
expansion and retention on won customers), promises in every state, two merges, a few
comments. Every write goes through the services, each at its moment of the story
(``History``), run in the order they happened: nothing after the run began, every record's
history in order. Deterministic (fixed seed) and idempotent: it runs only while the
organization has no promise and no demand other than the lost deals'.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import F, Max, Min, Sum
from django.utils import timezone

from accounts.models import Membership
from collab_hub.notifications.models import ActivityEvent, Comment, Notification
from collab_hub.notifications.services import post_comment
from leads.models import OPEN_DEAL_STAGES, Company, Deal, DealStage, DealStageChange
from leads.services import deals as deal_services
from roadmap import services
from roadmap.models import (
    Demand,
    DemandKind,
    FeatureRequest,
    FeatureStatus,
    FeatureStatusChange,
    Promise,
)

if TYPE_CHECKING:
    from accounts.management.commands.demo import Demo

SEED = 2029
S = FeatureStatus
SAML = "SAML single sign-on"
# Product reads the demand notifications of the day; older ones are read in the demo.
DEMANDS_READ_AFTER = timedelta(days=1)

# (title, description, effort, target release, proposed by, proposed days ago,
#  [(status, days ago), ...]: the moves product made, oldest first).
Step = tuple[str, int]
CATALOG: list[tuple[str, str, int | None, str, str, int, list[Step]]] = [
    # Shipped.
    ("Salesforce sync", "Two-way sync of accounts, contacts and opportunities with "
     "Salesforce, so sales keeps one pipeline.", 13, "Release 12", "sales.manager", 170,
     [(S.UNDER_REVIEW, 160), (S.PLANNED, 140), (S.IN_PROGRESS, 95), (S.SHIPPED, 12)]),
    ("Audit log export", "Export who did what and when (CSV or JSON, any date range) for "
     "security reviews and SOC 2 evidence.", 5, "Release 12", "cs.manager", 165,
     [(S.UNDER_REVIEW, 150), (S.PLANNED, 120), (S.IN_PROGRESS, 60), (S.SHIPPED, 9)]),
    ("Two-factor authentication", "TOTP and security keys for every user; admins can "
     "require it.", 3, "Release 11", "sales.member", 175,
     [(S.UNDER_REVIEW, 170), (S.PLANNED, 160), (S.IN_PROGRESS, 130), (S.SHIPPED, 75)]),
    ("CSV bulk export", "Export any list (companies, deals, contacts) with its filters as "
     "CSV.", 2, "Release 11", "cs.member", 150,
     [(S.UNDER_REVIEW, 145), (S.PLANNED, 140), (S.IN_PROGRESS, 110), (S.SHIPPED, 80)]),
    ("Slack notifications", "Post deal and handoff updates to a Slack channel per team.",
     3, "Release 12", "product.member", 140,
     [(S.UNDER_REVIEW, 135), (S.PLANNED, 100), (S.IN_PROGRESS, 50), (S.SHIPPED, 20)]),
    # In progress.
    ("HubSpot integration", "Import contacts and marketing events from HubSpot; push "
     "lifecycle stages back.", 13, "Release 13", "sales.member", 160,
     [(S.UNDER_REVIEW, 150), (S.PLANNED, 90), (S.IN_PROGRESS, 30)]),
    ("Custom fields on deals", "Admins add their own fields (text, number, date, choice) "
     "to deals and companies.", 5, "Release 13", "sales.manager", 130,
     [(S.UNDER_REVIEW, 125), (S.PLANNED, 80), (S.IN_PROGRESS, 18)]),
    ("EU data residency", "Host an organization's data in the EU region only, with a "
     "signed DPA.", 21, "Release 13", "sales.manager", 155,
     [(S.UNDER_REVIEW, 145), (S.PLANNED, 70), (S.IN_PROGRESS, 25)]),
    ("Role-based access control", "Custom roles with per-record permissions beyond member "
     "and manager.", 8, "Release 13", "cs.manager", 120,
     [(S.UNDER_REVIEW, 110), (S.PLANNED, 60), (S.IN_PROGRESS, 40), (S.PLANNED, 35),
      (S.IN_PROGRESS, 14)]),
    # Planned.
    (SAML, "Log in with the customer's identity provider (Okta, Azure AD, Google) over "
     "SAML 2.0.", 8, "Q3", "sales.member", 150,
     [(S.UNDER_REVIEW, 40), (S.PLANNED, 21)]),
    ("SCIM user provisioning", "Create and deactivate users from the identity provider.",
     8, "Release 14", "cs.manager", 100, [(S.UNDER_REVIEW, 90), (S.PLANNED, 30)]),
    ("Outgoing webhooks", "Signed HTTP callbacks on every event, with retries.", 5,
     "Release 14", "product.member", 110, [(S.UNDER_REVIEW, 100), (S.PLANNED, 45)]),
    ("Quote PDF generator", "Branded quotes from a deal's line items, sent for signature.",
     5, "Release 14", "sales.member", 90, [(S.UNDER_REVIEW, 80), (S.PLANNED, 15)]),
    # Under review (two of them after a change of plans).
    ("Multi-currency pricing", "Price lists and deal values in several currencies with "
     "daily rates.", 8, "", "sales.manager", 120,
     [(S.UNDER_REVIEW, 110), (S.PLANNED, 70), (S.UNDER_REVIEW, 6)]),
    ("Mobile app for field sales", "iOS and Android app: deals, contacts and notes "
     "offline.", 34, "", "sales.member", 140, [(S.UNDER_REVIEW, 100)]),
    ("Advanced reporting dashboards", "Build and share dashboards from any report, with "
     "scheduled e-mails.", 13, "", "cs.manager", 95, [(S.UNDER_REVIEW, 60)]),
    ("Microsoft Teams integration", "Notifications and deal cards in Teams channels.", 5,
     "", "cs.member", 85, [(S.UNDER_REVIEW, 40)]),
    ("Custom approval workflows", "Discount and contract approvals with configurable "
     "steps.", 13, "", "sales.manager", 130,
     [(S.UNDER_REVIEW, 120), (S.DECLINED, 90), (S.UNDER_REVIEW, 10)]),
    ("Data retention policies", "Delete or anonymise records after a configurable "
     "period (GDPR).", 5, "", "cs.manager", 70, [(S.UNDER_REVIEW, 50)]),
    ("Sandbox environment", "A copy of the organization to test imports and "
     "integrations.", 8, "", "product.member", 75, [(S.UNDER_REVIEW, 30)]),
    ("E-signature (DocuSign)", "Send contracts for signature from the deal page.", 5, "",
     "sales.manager", 60, [(S.UNDER_REVIEW, 20)]),
    # New: not looked at yet.
    ("Dark mode", "A dark theme for long days.", None, "", "sales.member", 40, []),
    ("Zapier integration", "Triggers and actions for Zapier.", None, "", "cs.member", 35, []),
    ("Offline mode for field teams", "Keep working without a connection; sync later.",
     None, "", "sales.member", 30, []),
    ("White-label customer portal", "A portal in the customer's branding for their "
     "clients.", None, "", "sales.manager", 25, []),
    ("Territory management", "Assign accounts by region and industry; route leads by "
     "territory.", None, "", "sales.manager", 20, []),
    ("Revenue forecasting", "Weighted pipeline forecast per rep and quarter.", None, "",
     "sales.manager", 14, []),
    ("Outlook calendar sync", "Meetings with contacts appear on the deal's timeline.",
     None, "", "sales.member", 9, []),
    ("Two-way Jira sync", "Link feature requests to Jira epics and follow their status.",
     None, "", "cs.member", 6, []),
    ("IP allowlisting", "Restrict logins to the customer's office networks.", None, "",
     "cs.manager", 4, []),
    ("Pipedrive import", "Move deals and contacts over from Pipedrive in one go.", None, "",
     "sales.member", 2, []),
    # Declined (one after being planned: its promises are at risk).
    ("On-premise deployment", "Run the whole product in the customer's data centre.", 55,
     "", "sales.manager", 150, [(S.UNDER_REVIEW, 140), (S.DECLINED, 120)]),
    ("Built-in video calls", "Video meetings inside the app.", 21, "", "sales.member", 110,
     [(S.DECLINED, 100)]),
    ("AI lead scoring", "Score leads with a model trained on won deals.", 13, "",
     "product.member", 120, [(S.UNDER_REVIEW, 110), (S.PLANNED, 60), (S.DECLINED, 8)]),
    ("Blockchain audit trail", "Anchor the audit log in a public blockchain.", 34, "",
     "sales.member", 80, [(S.DECLINED, 75)]),
    # Duplicates, merged into the request they repeat (title, into, days ago).
    ("Okta single sign-on", "Our customers use Okta; they want to log in with it.", None,
     "", "cs.member", 60, []),
    ("Export audit trail as CSV", "Security teams want the activity history as a file.",
     None, "", "cs.member", 100, []),
]  # fmt: skip
MERGES = [("Okta single sign-on", SAML, 15), ("Export audit trail as CSV", "Audit log export", 90)]
# Why product moved a request, by target status.
NOTES: dict[str, str] = {
    S.UNDER_REVIEW: "Enough demand to look at it properly.",
    S.PLANNED: "Revenue at stake justifies it; scheduled.",
    S.IN_PROGRESS: "Development started.",
    S.SHIPPED: "Released to every organization.",
    S.DECLINED: "Not where the product is going; the effort outweighs the revenue at stake.",
}
# Deals sales loses in this story for lack of a feature (the ones shipped since are the
# re-engage lists).
LOST_FOR = [
    "Salesforce sync", "Audit log export", "EU data residency", "Salesforce sync",
    "HubSpot integration", "Multi-currency pricing", "Audit log export", "Slack notifications",
    "Mobile app for field sales", "On-premise deployment", "Custom approval workflows",
]  # fmt: skip
# Popular requests get more demand: (title prefix weights) by default 1.
WEIGHTS = {
    SAML: 5, "Salesforce sync": 4, "Audit log export": 4, "EU data residency": 3,
    "HubSpot integration": 3, "Multi-currency pricing": 3, "Role-based access control": 3,
    "SCIM user provisioning": 2, "Advanced reporting dashboards": 2, "Custom fields on deals": 2,
}  # fmt: skip
DECLINE_REASONS = [
    "Not before the data model is reworked; we cannot commit to a date.",
    "We are not building this: offer the integration partner instead.",
]
COMMENTS: list[tuple[str, str, str, int]] = [
    (SAML, "cs.manager", "Three onboarding customers asked for this again this month. "
     "@product.manager@demo.collabhub.test can we share the plan with them?", 12),
    (SAML, "product.manager", "Planned; the Okta request is merged here so the demand is in "
     "one place. @sales.member@demo.collabhub.test no dates on calls until we start.", 11),
    ("Salesforce sync", "sales.manager", "Shipped! @sales.member@demo.collabhub.test the "
     "lost deals in the re-engage list are worth a call this week.", 8),
    ("Multi-currency pricing", "product.manager", "Moved back to review: the pricing "
     "engine rework comes first. @sales.manager@demo.collabhub.test the promises on it are "
     "at risk, sorry.", 5),
]  # fmt: skip

TRACKED: list[tuple[type[models.Model], str]] = [
    (FeatureRequest, "created_at"),
    (FeatureStatusChange, "at"),
    (Demand, "created_at"),
    (Promise, "created_at"),
    (Comment, "created_at"),
    (DealStageChange, "at"),
]
# Stamped "now" by the services outside of ``TRACKED``: rewritten to the action's moment.
STAMPED: list[tuple[type[models.Model], str]] = [
    (Demand, "ended_at"),
    (Promise, "decided_at"),
    (Deal, "closed_at"),
    (FeatureRequest, "updated_at"),
    (Demand, "updated_at"),
    (Promise, "updated_at"),
    (Deal, "updated_at"),
]


@dataclass
class Feature:
    title: str
    created: datetime
    # (moment, status) from creation on, in order.
    timeline: list[tuple[datetime, str]]
    request: FeatureRequest | None = None
    merged_at: datetime | None = None

    def open_until(self, limit: datetime) -> datetime:
        """Until when customers ask for it: shipped, declined (for good) or merged ends it."""
        end = self.merged_at or limit
        for at, to in self.timeline:
            if to == S.SHIPPED:
                end = min(end, at)
        if self.timeline and self.timeline[-1][1] == S.DECLINED:
            end = min(end, self.timeline[-1][0])
        return end


@dataclass
class Plot:
    """The story's actions, run in the order they happened."""

    demo: Demo
    rng: random.Random
    limit: datetime
    mark: datetime
    actions: list[tuple[datetime, int, Callable[[], Any]]] = dataclass_field(default_factory=list)
    features: dict[str, Feature] = dataclass_field(default_factory=dict)
    counter: itertools.count[int] = dataclass_field(default_factory=itertools.count)

    def person(self, local_part: str) -> Membership:
        from accounts.management.commands.demo import _email

        return self.demo.members[_email(local_part)]

    def add(self, moment: datetime, action: Callable[[], Any]) -> None:
        # A heap: an action may plan a later one (product decides on a promise days later).
        heapq.heappush(self.actions, (min(moment, self.limit), next(self.counter), action))

    def between(self, start: datetime, end: datetime) -> datetime:
        span = max((end - start).total_seconds(), 0.0)
        return start + timedelta(seconds=self.rng.uniform(0, span))

    def request(self, title: str) -> FeatureRequest:
        feature_request = self.features[title].request
        assert feature_request is not None, f"{title} is proposed before anything happens to it"
        return feature_request


def seed_roadmap(demo: Demo) -> None:
    """Feature requests, demand, promises and their history (only once: see the module)."""
    from accounts.management.commands.demo import History

    org = demo.org
    if (
        Promise.objects.for_org(org).exists()
        or Demand.objects.for_org(org).exclude(kind=DemandKind.LOST).exists()
    ):
        return
    limit = demo.started - timedelta(minutes=5)
    plot = Plot(demo, random.Random(SEED), limit, timezone.now())  # noqa: S311 - demo data
    _adopt_lost_deals(plot)
    _plan_features(plot)
    _plan_merges_and_comments(plot)
    open_deals = _plan_losses_and_blocking(plot)
    _plan_customers(plot)
    _plan_promises(plot, open_deals)
    history = History(org, TRACKED, now=demo.started)
    while plot.actions:
        moment, _n, action = heapq.heappop(plot.actions)
        with history.at(moment) as at:
            action()
        _restamp(plot, at)
    history.finish()
    _product_reads_its_demands(org, now=demo.started)
    demo.log(
        f"seeded {FeatureRequest.objects.for_org(org).count()} feature requests, "
        f"{Demand.objects.for_org(org).count()} demands, "
        f"{Promise.objects.for_org(org).count()} promises"
    )


def _product_reads_its_demands(org: Any, *, now: datetime) -> None:
    """Product works through the demands sales and CS raise every day: those notifications
    older than ``DEMANDS_READ_AFTER`` are read (a team at work, not an inbox of 75)."""
    Notification.objects.filter(
        organization=org,
        read_at__isnull=True,
        event__verb="demand.raised",
        created_at__lt=now - DEMANDS_READ_AFTER,
    ).update(read_at=F("created_at") + timedelta(hours=2))


def _restamp(plot: Plot, moment: datetime) -> None:
    """What the action stamped "now" (after ``plot.mark``) happened at ``moment``."""
    org = plot.demo.org
    for model, name in STAMPED:
        changes: dict[str, Any] = {name: moment}
        if model is Deal and name == "closed_at":
            changes["close_date"] = timezone.localdate(moment)
        model._default_manager.filter(organization=org, **{f"{name}__gt": plot.mark}).update(
            **changes
        )


def _adopt_lost_deals(plot: Plot) -> None:
    """The requests and lost demands the ``deal.lost`` subscriber recorded while the leads
    demo lost its deals: each demand when its deal was lost, each request (and its first
    status) when its first demand was."""
    org = plot.demo.org
    lost = Demand.objects.for_org(org).filter(kind=DemandKind.LOST, deal__closed_at__isnull=False)
    for demand in lost.select_related("deal"):
        assert demand.deal is not None and demand.deal.closed_at is not None
        moment = demand.deal.closed_at
        Demand.objects.filter(pk=demand.pk).update(created_at=moment, updated_at=moment)
    firsts = Demand.objects.for_org(org).values("feature_request").annotate(first=Min("created_at"))
    for row in firsts:
        first = row["first"]
        FeatureRequest.objects.filter(pk=row["feature_request"], created_at__gt=first).update(
            created_at=first, updated_at=first
        )
        FeatureStatusChange.objects.filter(
            feature_request_id=row["feature_request"], from_status=""
        ).update(at=first)


def _plan_features(plot: Plot) -> None:
    """Each request proposed, then moved by product (the member does the work, the manager
    decides: planned, declined, shipped)."""
    limit = plot.limit
    existing = {
        request.title.casefold(): request
        for request in FeatureRequest.objects.for_org(plot.demo.org).order_by("created_at")
    }
    for title, description, effort, release, by, days, steps in CATALOG:
        adopted = existing.get(title.casefold())
        created = adopted.created_at if adopted is not None else limit - timedelta(days=days)
        created = min(created, limit - timedelta(hours=6))
        timeline: list[tuple[datetime, str]] = []
        previous = created
        for status, ago in steps:
            moment = max(previous + timedelta(hours=6), limit - timedelta(days=ago))
            timeline.append((moment, status))
            previous = moment
        feature = Feature(title, created, timeline, request=adopted)
        plot.features[title] = feature
        if adopted is None:
            plot.add(created, _propose(plot, feature, by, description))
        for n, (moment, status) in enumerate(timeline):
            plot.add(moment, _move(plot, feature, status, first=n == 0, effort=effort,
                                   release=release, description=description))  # fmt: skip


def _propose(plot: Plot, feature: Feature, by: str, description: str) -> Callable[[], Any]:
    def action() -> None:
        feature.request = services.create_feature_request(
            by=plot.person(by), title=feature.title, description=description
        )

    return action


def _move(
    plot: Plot,
    feature: Feature,
    status: str,
    *,
    first: bool,
    effort: int | None,
    release: str,
    description: str,
) -> Callable[[], Any]:
    deciding = status in (S.PLANNED, S.DECLINED, S.SHIPPED)

    def action() -> None:
        member, manager = plot.person("product.member"), plot.person("product.manager")
        by = manager if deciding else member
        request = plot.request(feature.title)
        if first:
            # Whoever looks at it first takes it on and estimates it.
            owner = manager if len(feature.title) % 2 else member
            data: dict[str, Any] = {"owner": owner, "effort": effort}
            if not request.description:
                data["description"] = description
            services.update_feature_request(by=by, feature_request=request, data=data)
        if status == S.PLANNED and release:
            services.update_feature_request(
                by=by, feature_request=request, data={"target_release": release}
            )
        services.change_status(by=by, feature_request=request, status=status, note=NOTES[status])

    return action


@dataclass
class OpenDeal:
    deal: Deal
    # The last thing that happened to it in the leads story.
    quiet_since: datetime
    blocked_by: dict[str, datetime] = dataclass_field(default_factory=dict)


def _quiet_since(deal_list: list[Deal]) -> dict[int, datetime]:
    """When each deal last had something happen (its events, its stage changes)."""
    from django.contrib.contenttypes.models import ContentType

    last = {deal.pk: deal.created_at for deal in deal_list}
    deal_type = ContentType.objects.get_for_model(Deal)
    events = (
        ActivityEvent.objects.filter(target_type=deal_type, target_id__in=list(last))
        .values("target_id")
        .annotate(at=Max("created_at"))
    )
    changes = (
        DealStageChange.objects.filter(deal_id__in=list(last))
        .values("deal_id")
        .annotate(at=Max("at"))
    )
    for pk, at in [(row["target_id"], row["at"]) for row in events] + [
        (row["deal_id"], row["at"]) for row in changes
    ]:
        if pk is not None:
            last[pk] = max(last[pk], at)
    return last


def _weighted(plot: Plot, titles: list[str], k: int) -> list[str]:
    chosen: list[str] = []
    pool = list(titles)
    while pool and len(chosen) < k:
        title = plot.rng.choices(pool, weights=[WEIGHTS.get(t, 1) for t in pool])[0]
        chosen.append(title)
        pool.remove(title)
    return chosen


def _asked(plot: Plot, title: str, start: datetime, end: datetime) -> datetime | None:
    """A moment a customer could ask for ``title`` within ``[start, end]``: after it was
    proposed, before it shipped, was declined or merged."""
    feature = plot.features[title]
    start = max(start, feature.created + timedelta(hours=2))
    end = min(end, feature.open_until(plot.limit) - timedelta(hours=2))
    if start >= end:
        return None
    return plot.between(start, end)


def _plan_losses_and_blocking(plot: Plot) -> list[OpenDeal]:
    """Sales raises blocking demands on its open deals; some long-quiet ones are lost for
    the missing feature (the subscriber turns their blocking demand into a lost one).
    Returns the deals still open at the end, with what blocks them."""
    org = plot.demo.org
    deal_list = list(
        Deal.objects.for_org(org)
        .filter(stage__in=OPEN_DEAL_STAGES)
        .select_related("owner", "company")
        .order_by("pk")
    )
    quiet = _quiet_since(deal_list)
    open_deals = [OpenDeal(deal, quiet[deal.pk]) for deal in deal_list if deal.owner_id]
    old = [d for d in open_deals if d.quiet_since < plot.limit - timedelta(days=30)]
    plot.rng.shuffle(old)
    losing: list[OpenDeal] = []
    for title in LOST_FOR:
        for candidate in old:
            if candidate in losing:
                continue
            raised = _asked(plot, title, candidate.quiet_since + timedelta(days=1), plot.limit)
            if raised is None:
                continue
            lost_at = _asked(plot, title, raised + timedelta(days=2), raised + timedelta(days=40))
            if lost_at is None:
                continue
            losing.append(candidate)
            plot.add(raised, _block(plot, candidate.deal, title))
            plot.add(lost_at, _lose(plot, candidate.deal, title))
            break
    remaining = [d for d in open_deals if d not in losing]
    titles = list(plot.features)
    for item in remaining:
        chosen = _weighted(plot, titles, plot.rng.choice([1, 2, 2, 3, 3]))
        # A duplicate's demand moves to the request it repeats: one of the two per deal.
        chosen = [t for t in chosen if not any(t == s and i in chosen for s, i, _d in MERGES)]
        for title in chosen:
            start = max(item.deal.created_at, item.quiet_since - timedelta(days=20))
            raised = _asked(plot, title, start + timedelta(hours=4), plot.limit)
            if raised is None:
                continue
            item.blocked_by[title] = raised
            plot.add(raised, _block(plot, item.deal, title))
    return remaining


def _block(plot: Plot, deal: Deal, title: str) -> Callable[[], Any]:
    def action() -> None:
        assert deal.owner is not None
        services.raise_demand(
            by=deal.owner,
            feature_request=plot.request(title),
            company=deal.company,
            deal=deal,
            kind=DemandKind.BLOCKING,
            note=plot.rng.choice(["", "Their must-have for signing.", "Asked in the demo."]),
        )

    return action


def _lose(plot: Plot, deal: Deal, title: str) -> Callable[[], Any]:
    def action() -> None:
        assert deal.owner is not None
        deal_services.lose_deal(
            by=deal.owner,
            deal=Deal.objects.get(pk=deal.pk),
            reason="missing_feature",
            note=f"They went with a competitor that has {title}.",
            feature_requests=[plot.request(title).pk],
        )

    return action


def _plan_customers(plot: Plot) -> None:
    """Won customers ask for more: expansion (sales and CS) and retention (CS: at-risk
    accounts), each company for a handful of requests, after it became a customer."""
    org = plot.demo.org
    won = (
        Deal.objects.for_org(org)
        .filter(stage=DealStage.WON, closed_at__isnull=False)
        .values("company")
        .annotate(first=Min("closed_at"), total=Sum("value"))
    )
    since = {row["company"]: row["first"] for row in won}
    won_value = {row["company"]: row["total"] for row in won}
    titles = list(plot.features)
    for company in Company.objects.for_org(org).filter(pk__in=list(since)).order_by("pk"):
        for title in _weighted(plot, titles, plot.rng.randint(13, 19)):
            moment = _asked(plot, title, since[company.pk] + timedelta(days=3), plot.limit)
            if moment is None:
                continue
            retention = plot.rng.random() < 0.3
            if retention:
                who = plot.rng.choice(["cs.member", "cs.manager"])
                share = Decimal(plot.rng.choice([25, 50, 75, 100])) / 100
                value = (won_value.get(company.pk) or Decimal(12000)) * share
            else:
                who = plot.rng.choice(["cs.member", "sales.member", "sales.manager"])
                value = Decimal(plot.rng.choice([6, 9, 12, 18, 24, 36])) * 1000
            plot.add(moment, _customer_demand(plot, company, title, who, retention, value))


def _customer_demand(
    plot: Plot, company: Company, title: str, who: str, retention: bool, value: Decimal
) -> Callable[[], Any]:
    def action() -> None:
        services.raise_demand(
            by=plot.person(who),
            feature_request=plot.request(title),
            company=company,
            kind=DemandKind.RETENTION if retention else DemandKind.EXPANSION,
            value=value.quantize(Decimal("0.01")),
            note="Renewal depends on it." if retention else "More seats once it is there.",
        )

    return action


def _plan_promises(plot: Plot, open_deals: list[OpenDeal]) -> None:
    """Sales promises features on deals waiting for them: confirmed at once when the request
    was committed, else pending; product approves or declines the pending ones within days
    (the last days' are still in its queue); confirmed promises of a request moved back or
    declined are at risk."""
    limit = plot.limit
    waiting = [
        (item, title, raised) for item in open_deals for title, raised in item.blocked_by.items()
    ]
    plot.rng.shuffle(waiting)
    wanted = {"confirmed": 5, "approved": 3, "declined": 3, "pending": 4, "at_risk": 4}
    for item, title, raised in waiting:
        feature = plot.features[title]
        if title in (m[0] for m in MERGES):
            continue
        final = feature.timeline[-1][1] if feature.timeline else S.NEW
        moved = [at for at, status in feature.timeline]
        kind = ""
        start, end = raised + timedelta(hours=1), limit
        if title in ("Multi-currency pricing", "AI lead scoring") and wanted["at_risk"]:
            # Promised while planned, before product changed its mind.
            planned = next(at for at, status in feature.timeline if status == S.PLANNED)
            kind, start, end = "at_risk", max(start, planned), moved[-1] - timedelta(hours=2)
        elif final in (S.PLANNED, S.IN_PROGRESS) and wanted["confirmed"]:
            kind, start = "confirmed", max(start, feature.timeline[-1][0])
        elif final in (S.NEW, S.UNDER_REVIEW) and wanted["pending"]:
            kind, start = "pending", max(start, limit - timedelta(days=3))
            start = max(start, moved[-1] if moved else start)
        elif final in (S.NEW, S.UNDER_REVIEW) and wanted["approved"]:
            kind, end = "approved", limit - timedelta(days=2)
            start = max(start, moved[-1] if moved else start)
        elif final in (S.NEW, S.UNDER_REVIEW) and wanted["declined"]:
            kind, end = "declined", limit - timedelta(days=2)
            start = max(start, moved[-1] if moved else start)
        if not kind or start >= end:
            continue
        wanted[kind] -= 1
        promised = plot.between(start, end)
        decided = plot.between(promised + timedelta(hours=4), promised + timedelta(days=2))
        plot.add(promised, _promise(plot, item.deal, title, kind, decided))
        if not any(wanted.values()):
            break


def _promise(plot: Plot, deal: Deal, title: str, kind: str, decided: datetime) -> Callable[[], Any]:
    def action() -> None:
        assert deal.owner is not None
        promise = services.record_promise(
            by=deal.owner,
            deal=deal,
            feature_request=plot.request(title),
            note="Promised in the proposal; the customer signs only with it.",
        )
        if kind == "approved":
            plot.add(decided, lambda: services.approve_promise(
                by=plot.person("product.manager"), promise=promise,
                note="Fine: it is next after the current release."))  # fmt: skip
        elif kind == "declined":
            plot.add(decided, lambda: services.decline_promise(
                by=plot.person("product.manager"), promise=promise,
                reason=plot.rng.choice(DECLINE_REASONS)))  # fmt: skip

    return action


def _plan_merges_and_comments(plot: Plot) -> None:
    for source, into, days in MERGES:
        moment = max(
            plot.limit - timedelta(days=days),
            plot.features[into].created + timedelta(days=1),
            plot.features[source].created + timedelta(days=1),
        )
        plot.features[source].merged_at = moment
        plot.add(moment, _merge(plot, source, into))
    for title, author, body, days in COMMENTS:
        moment = max(plot.limit - timedelta(days=days, hours=plot.rng.uniform(0, 8)),
                     plot.features[title].created + timedelta(hours=1))  # fmt: skip
        plot.add(moment, _comment(plot, title, author, body))


def _merge(plot: Plot, source: str, into: str) -> Callable[[], Any]:
    def action() -> None:
        services.merge_feature_request(
            by=plot.person("product.manager"),
            source=plot.request(source),
            into=plot.request(into),
        )

    return action


def _comment(plot: Plot, title: str, author: str, body: str) -> Callable[[], Any]:
    def action() -> None:
        post_comment(author=plot.person(author), target=plot.request(title), body=body)

    return action


# The demo command runs these after the leads demo (RoadmapConfig.demo).
DEMO_STEPS = [seed_roadmap]
