"""CS's customers: health scores over the months (one turns red and gets a retention
demand) and the upsell signals sales accepts, dismisses or leaves open."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from accounts.models import Membership
from handoffs.demo.journeys import plan_journey
from handoffs.demo.plot import Customer, Journey, Plot
from handoffs.demo.texts import (
    AT_RISK,
    DISMISS_REASONS,
    HEALTH_NOTES,
    RETENTION_FEATURES,
    SIGNALS,
)
from handoffs.models import (
    CustomerAccount,
    UpsellSignal,
)
from handoffs.services import accounts as account_services
from handoffs.services import upsell
from leads.models import Deal, DealStage
from leads.services import deals as deal_services
from roadmap import services as roadmap_services
from roadmap.models import DemandKind, FeatureRequest, FeatureStatus

# --- Customers: health and upsell signals --------------------------------------------------


def plan_health(plot: Plot, journeys: list[Journey]) -> list[Customer]:
    """CS scores each customer from its onboarding on, about monthly; the oldest customer
    whose handoff held a surprise slides into red, and CS raises a retention demand for it on
    the roadmap. Returns the customers, the longest-standing first."""
    by_company: dict[int, Customer] = {}
    for journey in journeys:
        if journey.onboarding is not None and journey.deal.company_id not in by_company:
            by_company[journey.deal.company_id] = Customer(
                journey.deal.company, journey.onboarding, journey
            )
    customers = sorted(by_company.values(), key=lambda c: (c.since, c.company.pk))
    settled = [c for c in customers if plot.limit - c.since > timedelta(days=40)]
    at_risk = next((c for c in settled if c.journey.surprise), settled[0] if settled else None)
    for customer in customers:
        if customer is at_risk:
            _plan_decline(plot, customer)
            continue
        moment = customer.since + timedelta(days=plot.rng.uniform(1, 4))
        score = plot.rng.randint(68, 90)
        while plot.fits(moment):
            plot.add(moment, _health(plot, customer, score))
            moment += timedelta(days=plot.rng.uniform(20, 35))
            score = max(45, min(95, score + plot.rng.randint(-12, 7)))
    return customers


def _plan_decline(plot: Plot, customer: Customer) -> None:
    first = customer.since + timedelta(days=2)
    last = plot.limit - timedelta(days=plot.rng.uniform(8, 12))
    for n, (score, note) in enumerate(AT_RISK):
        moment = first + (last - first) * (n / (len(AT_RISK) - 1))
        plot.add(moment, _health(plot, customer, score, note))
    plot.add(last + plot.hours(20, 60), _retention_demand(plot, customer))


def _health(plot: Plot, customer: Customer, score: int, note: str = "") -> Callable[[], Any]:
    def action() -> None:
        account = CustomerAccount.objects.select_related("cs_owner").get(company=customer.company)
        text = note or plot.rng.choice(HEALTH_NOTES["green" if score >= 70 else "amber"])
        account_services.set_health(
            by=account.cs_owner or plot.person("cs.member"),
            company=customer.company,
            score=score,
            note=text,
        )

    return action


def _retention_demand(plot: Plot, customer: Customer) -> Callable[[], Any]:
    def action() -> None:
        open_requests = (
            FeatureRequest.objects.for_org(plot.demo.org)
            .filter(merged_into__isnull=True, created_at__lt=plot.now)
            .exclude(status__in=[FeatureStatus.SHIPPED, FeatureStatus.DECLINED])
            .order_by("pk")
        )
        request = next(
            (r for title in RETENTION_FEATURES for r in open_requests if r.title == title),
            open_requests.first(),
        )
        if request is None:
            return
        won = Deal.objects.filter(company=customer.company, stage=DealStage.WON)
        value = sum((deal.value for deal in won), Decimal(0)) or Decimal(12000)
        roadmap_services.raise_demand(
            by=plot.person("cs.manager"),
            feature_request=request,
            company=customer.company,
            kind=DemandKind.RETENTION,
            value=value,
            note="At risk (health red): the renewal depends on it.",
        )

    return action


# Days before the end each outcome needs for what follows the signal.
LEAD_DAYS = {"won": 40, "accepted": 10, "split": 10, "dismissed": 6}


def plan_signals(plot: Plot, customers: list[Customer]) -> None:
    """CS raises signals on its customers, weeks after their onboarding began; sales answers
    them within days (or not yet)."""
    if not customers:
        return
    window = timedelta(days=account_services.settings_for(plot.demo.org).upsell_response_days)
    turn = itertools.cycle(range(len(customers)))
    dismissals = itertools.cycle(DISMISS_REASONS)
    for n, (kind, confidence, value, note, outcome) in enumerate(SIGNALS):
        if outcome == "overdue":
            end = start = plot.limit - window - timedelta(days=plot.rng.uniform(2, 5))
        elif outcome == "open":
            end = start = plot.limit - plot.hours(2, 60)
        else:
            end = plot.limit - timedelta(days=LEAD_DAYS[outcome])
            start = end - timedelta(days=60)
        for _try in range(len(customers)):
            customer = customers[next(turn)]
            earliest = max(start, customer.since + timedelta(days=5))
            if earliest <= end:
                raised = plot.between(earliest, end)
                by = "cs.member" if n % 3 else "cs.manager"
                plot.add(raised, _raise(plot, customer, by, kind, confidence, value, note,
                                        outcome, next(dismissals), window))  # fmt: skip
                break


def _raise(
    plot: Plot,
    customer: Customer,
    by: str,
    kind: str,
    confidence: str,
    value: int,
    note: str,
    outcome: str,
    reason: str,
    window: timedelta,
) -> Callable[[], Any]:
    def action() -> None:
        signal = upsell.raise_signal(
            by=plot.person(by),
            company=customer.company,
            kind=kind,
            estimated_value=value,
            confidence=confidence,
            note=note,
        )
        seller = signal.routed_to or plot.person("sales.manager")
        answered = plot.now + timedelta(days=plot.rng.uniform(1, 3.5))
        if outcome == "overdue":
            plot.add(plot.now + window + plot.hours(0.1, 0.5), _flag_unanswered(plot))
        elif outcome == "dismissed":
            plot.add(answered, lambda: upsell.dismiss_signal(
                by=seller, signal=UpsellSignal.objects.get(pk=signal.pk),
                reason=reason))  # fmt: skip
        elif outcome in ("won", "accepted", "split"):
            plot.add(answered, _accept_signal(plot, signal.pk, seller, outcome))

    return action


def _flag_unanswered(plot: Plot) -> Callable[[], Any]:
    def action() -> None:
        upsell.flag_unanswered_signals(now=plot.now)

    return action


def _accept_signal(
    plot: Plot, signal_id: int, seller: Membership, outcome: str
) -> Callable[[], Any]:
    def action() -> None:
        signal = upsell.accept_signal(by=seller, signal=UpsellSignal.objects.get(pk=signal_id))
        deal = signal.deal
        assert deal is not None
        if outcome == "split":
            plot.add(plot.now + plot.hours(20, 30), lambda: upsell.set_credit_split(
                by=seller, signal=UpsellSignal.objects.get(pk=signal_id),
                cs_credit_percent=50))  # fmt: skip
        if outcome in ("won", "accepted"):
            proposal = plot.now + timedelta(days=plot.rng.uniform(5, 10))
            plot.add(proposal, lambda: deal_services.advance_deal(
                by=seller, deal=Deal.objects.get(pk=deal.pk),
                stage=DealStage.PROPOSAL))  # fmt: skip
            if outcome == "won":
                won = proposal + timedelta(days=plot.rng.uniform(8, 20))
                plot.add(won, _win_expansion(plot, deal.pk, seller))

    return action


def _win_expansion(plot: Plot, deal_id: int, seller: Membership) -> Callable[[], Any]:
    """Sales wins the expansion deal; its handoff goes to CS like any other."""

    def action() -> None:
        deal = deal_services.win_deal(by=seller, deal=Deal.objects.get(pk=deal_id))
        deal = Deal.objects.select_related("company__tier", "owner").get(pk=deal.pk)
        plan_journey(plot, Journey(deal, plot.now))

    return action
