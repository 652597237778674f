"""Demo data for the sales ↔ customer-success flow: half a year of handoffs, the surprises CS
found in them, the upsell signals it sent back to sales and its customers' health.

The leads demo (it runs first) won deals: the ``deal.won`` subscriber opened a draft handoff
for each, before any checklist template existed. This step configures the checklist of every
tier, dates those handoffs to their wins and gives them their template's items, then wins a
few of the deals the roadmap demo made promises on (a pending promise keeps its handoff a
draft: submit is refused until product decides; an at-risk one CS signs off as not
deliverable). Each handoff then goes as far as its age allows — sales fills in the package
and submits it, CS returns one with questions, accepts the others (a few past the SLA,
flagged by the SLA job), onboards and takes them live — with discrepancies of every kind,
answered by sales and some resolved. CS raises upsell signals on its customers: sales
accepts some (expansion deals, some won since, one with its credit split changed),
dismisses others with a reason, and leaves a few open (one past the answer window). CS
scores each customer's health over the months; one turns red and CS raises a retention
demand on the roadmap for it.

Every write goes through the services, each at its moment of the story, run in the order
they happened (nothing after the run began), then what the services stamped "now" is
dated to that moment. Deterministic (fixed seed) and idempotent: it runs only while the
organization has no checklist template and no upsell signal.
"""

from __future__ import annotations

import heapq
import random
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from handoffs.demo.customers import plan_health, plan_signals
from handoffs.demo.journeys import (
    adopt_won_deals,
    cast,
    configure,
    leave_one_unanswered,
    plan_journey,
    win_promised_deals,
)
from handoffs.demo.plot import Plot, date_payloads, read_what_they_handled, restamp
from handoffs.models import ChecklistTemplate, Discrepancy, Handoff, HealthChange, UpsellSignal
from handoffs.services import accounts as account_services

if TYPE_CHECKING:
    from accounts.management.commands.demo import Demo

SEED = 2031


def seed_handoffs(demo: Demo) -> None:
    """Checklist templates, handoffs in every state, discrepancies, upsell signals and
    account health (only once: see the module)."""
    from accounts.management.commands.demo import History

    org = demo.org
    if (
        ChecklistTemplate.objects.for_org(org).exists()
        or UpsellSignal.objects.for_org(org).exists()
    ):
        return
    limit = demo.started - timedelta(minutes=5)
    settings = account_services.settings_for(org)
    plot = Plot(
        demo,
        random.Random(SEED),  # noqa: S311 - demo data, reproducible on purpose
        limit,
        timezone.now(),
        timedelta(hours=settings.acceptance_sla_hours),
    )
    configure(plot)
    journeys = adopt_won_deals(plot) + win_promised_deals(plot)
    journeys.sort(key=lambda journey: (journey.opened, journey.deal.pk))
    cast(plot, journeys)
    for journey in journeys:
        plan_journey(plot, journey)
    leave_one_unanswered(journeys)
    customers = plan_health(plot, journeys)
    plan_signals(plot, customers)
    history = History(org, [], now=demo.started)
    while plot.actions:
        moment, _n, action = heapq.heappop(plot.actions)
        with history.at(moment) as at:
            plot.now = at
            action()
        restamp(plot, at)
    history.finish()
    date_payloads(plot)
    read_what_they_handled(org, now=demo.started)
    handoffs = Handoff.objects.for_org(org)
    demo.log(
        f"seeded {handoffs.count()} handoffs, "
        f"{Discrepancy.objects.for_org(org).count()} discrepancies, "
        f"{UpsellSignal.objects.for_org(org).count()} upsell signals, "
        f"{HealthChange.objects.for_org(org).count()} health scores"
    )


# The demo command runs these after the leads and roadmap demos (HandoffsConfig.demo).
DEMO_STEPS = [seed_handoffs]
