"""Each handoff's journey: the checklist templates, the handoffs the leads demo opened, the
deals won on the roadmap's promises, and every step from the package to go-live."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Q

from accounts.models import Membership
from collab_hub.notifications.models import ActivityEvent
from collab_hub.notifications.services import post_comment
from handoffs.demo.plot import Journey, Plot
from handoffs.demo.texts import (
    ANSWERS_TO_QUESTIONS,
    DEFAULT_GOAL,
    DEFAULT_ROLE,
    DISCOUNTS,
    GOALS,
    NOTES,
    QUESTIONS,
    RENEWALS,
    RISKS,
    ROLES,
    SURPRISES,
    TEMPLATES,
    UNDELIVERABLE,
)
from handoffs.models import (
    ChecklistTemplate,
    CustomerAccount,
    Discrepancy,
    DiscrepancyKind,
    Handoff,
    HandoffStatus,
    HandoffStatusChange,
)
from handoffs.services import config
from handoffs.services import handoffs as services
from leads.models import OPEN_DEAL_STAGES, Contact, Deal, DealStage, DealStageChange, Tier
from leads.services import deals as deal_services
from roadmap.models import Demand, Promise, PromiseStatus

# --- Configuration and the handoffs the leads demo opened ----------------------------------


def configure(plot: Plot) -> None:
    """The admin sets up the checklist of each tier, and the default one (configuration has
    no date of its own)."""
    *per_tier, default = TEMPLATES
    tiers: list[Tier | None] = list(Tier.objects.for_org(plot.demo.org).order_by("rank"))
    for tier, (name, items) in [*zip(tiers, per_tier, strict=False), (None, default)]:
        config.create_checklist_template(
            by=plot.demo.admin,
            data={"name": name, "tier": tier},
            items=[
                {"title": title, "required": required, "position": n}
                for n, (title, required) in enumerate(items, start=1)
            ],
        )


def _template_items(deal: Deal) -> list[tuple[str, bool]]:
    templates = ChecklistTemplate.objects.for_org(deal.organization_id)
    template = (
        templates.filter(tier_id=deal.company.tier_id).first() if deal.company.tier_id else None
    )
    template = template or templates.filter(tier__isnull=True).first()
    if template is None:
        return []
    return [(item.title, item.required) for item in template.items.all()]


def adopt_won_deals(plot: Plot) -> list[Journey]:
    """The handoffs the ``deal.won`` subscriber opened during the leads demo: each dated to
    its win, its customer's account to the first win; each gets its tier's checklist, as it
    would have had the templates existed then. A won deal without one (a demo seeded before
    handoffs existed) has it opened at its win."""
    org = plot.demo.org
    won = (
        Deal.objects.for_org(org)
        .filter(stage=DealStage.WON, closed_at__isnull=False)
        .select_related("company", "owner")
        .order_by("closed_at", "pk")
    )
    journeys: list[Journey] = []
    first_win: dict[int, datetime] = {}
    for deal in won:
        assert deal.closed_at is not None
        opened = min(deal.closed_at, plot.limit - timedelta(minutes=30))
        first_win.setdefault(deal.company_id, opened)
        handoff = Handoff.objects.filter(deal=deal).first()
        if handoff is None:
            plot.add(opened, _open(deal))
        else:
            Handoff.objects.filter(pk=handoff.pk).update(created_at=opened, updated_at=opened)
            HandoffStatusChange.objects.filter(handoff=handoff, from_status="").update(at=opened)
            if not handoff.checklist.exists():
                plot.add(opened + timedelta(minutes=1), _copy_checklist(plot, deal))
        journeys.append(Journey(deal, opened))
    for company_id, moment in first_win.items():
        CustomerAccount.objects.filter(company_id=company_id).update(
            created_at=moment, updated_at=moment
        )
    return journeys


def _open(deal: Deal) -> Callable[[], Any]:
    def action() -> None:
        services.open_handoff(deal=deal, actor=deal.owner)

    return action


def _handoff(deal: Deal) -> Handoff:
    return Handoff.objects.select_related("sales_owner", "cs_owner", "deal__company").get(
        deal_id=deal.pk
    )


def _copy_checklist(plot: Plot, deal: Deal) -> Callable[[], Any]:
    def action() -> None:
        handoff = _handoff(deal)
        by = handoff.sales_owner or plot.person("sales.manager")
        for title, required in _template_items(deal):
            services.add_checklist_item(by=by, handoff=handoff, title=title, required=required)

    return action


def _last_activity(org: Any, deal: Deal, promises: list[Promise]) -> datetime:
    """When something last happened to the deal, its promises or its demands."""
    moments = [deal.created_at]
    for promise in promises:
        moments += [m for m in (promise.created_at, promise.decided_at, promise.updated_at) if m]
    events = ActivityEvent.objects.for_org(org).filter(
        Q(target_type=ContentType.objects.get_for_model(Deal), target_id=deal.pk)
        | Q(
            target_type=ContentType.objects.get_for_model(Promise),
            target_id__in=[p.pk for p in promises],
        )
    )
    moments += [m for m in [events.aggregate(at=Max("created_at"))["at"]] if m]
    changes = DealStageChange.objects.filter(deal=deal).aggregate(at=Max("at"))["at"]
    demands = Demand.objects.filter(deal=deal).aggregate(at=Max("created_at"))["at"]
    moments += [m for m in (changes, demands) if m]
    return max(moments)


def win_promised_deals(plot: Plot) -> list[Journey]:
    """Sales wins a few of the deals it promised features on (the roadmap demo's): one with
    a promise still pending (its handoff cannot be submitted until product decides), one with
    a promise now at risk (CS cannot deliver it), and two with confirmed ones."""
    org = plot.demo.org
    promised: dict[int, list[Promise]] = {}
    rows = (
        Promise.objects.for_org(org)
        .filter(deal__stage__in=OPEN_DEAL_STAGES, deal__owner__isnull=False)
        .select_related("deal__company", "deal__owner")
        .order_by("deal_id", "pk")
    )
    for promise in rows:
        promised.setdefault(promise.deal_id, []).append(promise)

    def statuses(deal_id: int) -> set[str]:
        return {promise.status for promise in promised[deal_id]}

    pending = [d for d in promised if PromiseStatus.PENDING in statuses(d)]
    at_risk = [d for d in promised if statuses(d) == {PromiseStatus.AT_RISK}]
    confirmed = [
        d
        for d in promised
        if PromiseStatus.CONFIRMED in statuses(d)
        and statuses(d) <= {PromiseStatus.CONFIRMED, PromiseStatus.DECLINED}
    ]
    quiet = {
        deal_id: _last_activity(org, deal_promises[0].deal, deal_promises)
        for deal_id, deal_promises in promised.items()
    }
    # The confirmed deals quiet the longest: their handoffs have had time to go on.
    confirmed.sort(key=lambda d: (quiet[d], d))
    chosen = [("pending", d) for d in pending[:1]]
    chosen += [("at_risk", d) for d in at_risk[:1]]
    chosen += [("confirmed", d) for d in confirmed[:2]]
    journeys: list[Journey] = []
    for kind, deal_id in chosen:
        deal = promised[deal_id][0].deal
        after = quiet[deal_id]
        if kind == "pending":
            won = plot.between(after + timedelta(hours=2), after + timedelta(hours=8))
        else:
            won = plot.between(after + timedelta(hours=1), after + timedelta(hours=3))
        if not plot.fits(won + timedelta(hours=2)):
            continue
        plot.add(won, _win(deal))
        journey = Journey(deal, won, fate="pending" if kind == "pending" else "progress")
        journey.promised = True
        # Signed on the promises: sales hands over the same day, CS answers within hours.
        journey.quick = kind != "pending"
        if kind == "at_risk":
            journey.undeliverable = {p.pk for p in promised[deal_id]}
        journeys.append(journey)
    return journeys


def _win(deal: Deal) -> Callable[[], Any]:
    def action() -> None:
        assert deal.owner is not None
        deal_services.win_deal(
            by=deal.owner, deal=Deal.objects.get(pk=deal.pk), note="Signed with the promises."
        )

    return action


# --- Each handoff's journey ----------------------------------------------------------------


def cast(plot: Plot, journeys: list[Journey]) -> None:
    """Who ends where: the last days' wins are drafts; of the older ones, the youngest are
    with CS (one within its SLA, one past it), one is back with sales, and the rest are
    accepted (the youngest stop there, the next at onboarding, the oldest go live). The
    deals won on promises keep their own story (``win_promised_deals``)."""
    drafts = ["partial", "draft", "partial"]
    older: list[Journey] = []
    young = 0
    for journey in reversed(journeys):
        if journey.promised:
            continue
        if plot.limit - journey.opened < timedelta(days=5):
            journey.fate = drafts[young % len(drafts)]
            young += 1
        else:
            older.append(journey)
    # The youngest first.
    fates = ["submitted", "overdue", "returned"]
    for journey, fate in zip(older, fates, strict=False):
        journey.fate = fate
    progress = older[len(fates) :]
    for n, journey in enumerate(progress):
        if n < 2:
            journey.stop_at = HandoffStatus.ACCEPTED
        elif n < 5:
            journey.stop_at = HandoffStatus.ONBOARDING
    kinds = [
        DiscrepancyKind.MISSING_INFORMATION,
        DiscrepancyKind.WRONG_TERMS,
        DiscrepancyKind.OTHER,
    ]
    for n, journey in enumerate(reversed(progress)):
        journey.late = n % 6 == 3
        journey.resubmitted = n == 4
        if n % 3 == 1:
            journey.surprise = kinds[(n // 3) % len(kinds)]
            journey.surprise_after_accept = n % 2 == 0
            journey.resolved = (n // 3) % 2 == 0
    # The undeliverable promise, when the roadmap demo left no promise at risk to win on.
    if not any(j.undeliverable for j in journeys):
        spare = next((j for j in reversed(progress) if not j.surprise), None)
        if spare is not None:
            spare.surprise = DiscrepancyKind.UNDELIVERABLE_PROMISE


def leave_one_unanswered(journeys: list[Journey]) -> None:
    """Sales has not answered the latest surprise yet (once every journey is planned)."""
    surprised = [j for j in journeys if j.surprised is not None]
    if surprised:
        max(surprised, key=lambda j: j.surprised or j.opened).answered = False


def _package(plot: Plot, deal: Deal) -> dict[str, str]:
    company = deal.company
    rank = company.tier.rank if company.tier_id and company.tier else 3
    price = {1: 45, 2: 35}.get(rank, 25)
    seats = max(5, int(deal.value / (price * 12)))
    terms = (
        f"{seats} seats at €{price} per seat and month, 12-month term, billed annually in "
        f"advance; {plot.rng.choice(RENEWALS)}. {plot.rng.choice(DISCOUNTS)} Contract value "
        f"€{deal.value:,.0f}."
    )
    notes = " ".join(plot.rng.sample(NOTES, 2))
    return {
        "customer_goals": GOALS.get(company.industry, DEFAULT_GOAL),
        "commercial_terms": terms,
        "implementation_notes": notes,
        "risks": plot.rng.choice(RISKS),
    }


def _stakeholders(plot: Plot, deal: Deal, count: int) -> list[tuple[Contact, str]]:
    contacts = list(Contact.objects.filter(company_id=deal.company_id).order_by("pk"))
    picked = plot.rng.sample(contacts, min(count, len(contacts)))
    return [(c, ROLES.get(c.title.casefold(), DEFAULT_ROLE)) for c in picked]


def plan_journey(plot: Plot, journey: Journey) -> None:
    """Schedule the handoff's actions from its opening on, as far as its fate and the time
    left allow."""
    rng, limit, opened = plot.rng, plot.limit, journey.opened
    fate = journey.fate
    if fate == "draft":
        return
    if fate == "partial":
        fill = opened + (limit - opened) * rng.uniform(0.2, 0.6)
        plot.add(fill, _fill(plot, journey, goals_only=True, stakeholders=1))
        return
    if fate == "pending":
        fill = opened + (limit - opened) * rng.uniform(0.2, 0.5)
        plot.add(fill, _fill(plot, journey, goals_only=False, stakeholders=2))
        plot.add(fill + timedelta(minutes=20), _tick_required(plot, journey))
        return
    if fate == "submitted":
        submitted = limit - plot.hours(3, 10)
    elif fate == "overdue":
        submitted = limit - plot.sla - plot.hours(10, 30)
    elif fate == "returned":
        submitted = max(opened + timedelta(days=2), limit - timedelta(days=6))
    elif journey.quick:
        submitted = opened + plot.hours(2, 5)
    else:
        submitted = opened + timedelta(days=rng.uniform(1, 4))
    if not plot.fits(submitted) or submitted <= opened + timedelta(hours=3):
        return
    fill = opened + (submitted - opened) * rng.uniform(0.1, 0.4)
    plot.add(fill, _fill(plot, journey, goals_only=False, stakeholders=rng.choice([2, 3])))
    plot.add(fill + (submitted - fill) / 2, _tick_required(plot, journey))
    plot.add(submitted, _submit(plot, journey))
    if fate == "overdue":
        plot.add(submitted + plot.sla + plot.hours(0.1, 0.6), _flag_overdue(plot))
        return
    if fate == "submitted":
        return
    if fate == "returned" or journey.resubmitted:
        returned = submitted + plot.hours(6, 30)
        if not plot.fits(returned):
            return
        plot.add(returned, _return(plot, journey))
        if fate == "returned":
            plot.add(returned + plot.hours(2, 6), _comment_on_return(plot, journey))
            return
        submitted = returned + plot.hours(5, 36)
        if not plot.fits(submitted):
            return
        plot.add(submitted, _resubmit(plot, journey))
    wait = plot.hours(50, 75) if journey.late else plot.hours(3, 8 if journey.quick else 40)
    accepted = submitted + wait
    if not plot.fits(accepted):
        return
    if journey.late:
        plot.add(submitted + plot.sla + plot.hours(0.1, 0.6), _flag_overdue(plot))
    if journey.surprise and not journey.surprise_after_accept:
        # CS finds it while reviewing the package, before the sign-off.
        found = plot.between(submitted + timedelta(minutes=10), accepted - timedelta(hours=2))
        plot.add(found, _surprise(plot, journey))
        journey.surprised = found
    plot.add(accepted - plot.hours(0.5, 1.5), _sign_off(plot, journey))
    plot.add(accepted, _accept(plot, journey))
    if journey.stop_at == HandoffStatus.ACCEPTED:
        return
    onboarding = accepted + timedelta(days=rng.uniform(1, 5))
    if not plot.fits(onboarding):
        return
    journey.onboarding = onboarding
    plot.add(onboarding, _move(plot, journey, services.start_onboarding))
    live = onboarding + timedelta(days=rng.uniform(18, 40))
    if journey.stop_at == HandoffStatus.ONBOARDING or not plot.fits(live):
        live = limit
    else:
        journey.live = live
        plot.add(live, _move(plot, journey, services.go_live))
    if journey.surprise and journey.surprise_after_accept:
        moment = plot.between(onboarding + timedelta(days=1), min(live, limit))
        if plot.fits(moment):
            plot.add(moment, _surprise(plot, journey))
            journey.surprised = moment
    # CS works through the rest of the checklist while onboarding.
    for _n in range(rng.randint(1, 3)):
        moment = plot.between(onboarding + timedelta(hours=4), min(live, limit))
        if plot.fits(moment) and moment < live:
            plot.add(moment, _tick_one(plot, journey))


def _fill(
    plot: Plot, journey: Journey, *, goals_only: bool, stakeholders: int
) -> Callable[[], Any]:
    def action() -> None:
        handoff = _handoff(journey.deal)
        by = handoff.sales_owner or plot.person("sales.manager")
        data = _package(plot, journey.deal)
        if goals_only:
            data = {"customer_goals": data["customer_goals"]}
        services.update_handoff(by=by, handoff=handoff, data=data)
        for contact, role in _stakeholders(plot, journey.deal, stakeholders):
            services.add_stakeholder(by=by, handoff=handoff, contact=contact, role=role)

    return action


def _tick_required(plot: Plot, journey: Journey) -> Callable[[], Any]:
    def action() -> None:
        handoff = _handoff(journey.deal)
        by = handoff.sales_owner or plot.person("sales.manager")
        for item in handoff.checklist.filter(required=True, done_at__isnull=True):
            services.set_checklist_item(by=by, item=item, done=True)

    return action


def _tick_one(plot: Plot, journey: Journey) -> Callable[[], Any]:
    def action() -> None:
        handoff = _handoff(journey.deal)
        if handoff.status == HandoffStatus.LIVE:
            return
        by = handoff.cs_owner or plot.person("cs.manager")
        item = handoff.checklist.filter(done_at__isnull=True).order_by("position", "pk").first()
        if item is not None:
            services.set_checklist_item(by=by, item=item, done=True)

    return action


def _cs(plot: Plot, handoff: Handoff) -> Membership:
    return handoff.cs_owner or plot.person("cs.manager")


def _submit(plot: Plot, journey: Journey) -> Callable[[], Any]:
    def action() -> None:
        handoff = _handoff(journey.deal)
        by = handoff.sales_owner or plot.person("sales.manager")
        services.submit_handoff(by=by, handoff=handoff)

    return action


def _return(plot: Plot, journey: Journey) -> Callable[[], Any]:
    def action() -> None:
        handoff = _handoff(journey.deal)
        questions = QUESTIONS[1 if journey.resubmitted else 0]
        services.return_handoff(by=_cs(plot, handoff), handoff=handoff, questions=questions)

    return action


def _resubmit(plot: Plot, journey: Journey) -> Callable[[], Any]:
    def action() -> None:
        handoff = _handoff(journey.deal)
        by = handoff.sales_owner or plot.person("sales.manager")
        answer = ANSWERS_TO_QUESTIONS[1]
        services.update_handoff(
            by=by,
            handoff=handoff,
            data={"implementation_notes": f"{handoff.implementation_notes} {answer}".strip()},
        )
        services.submit_handoff(by=by, handoff=handoff, note=answer)

    return action


def _comment_on_return(plot: Plot, journey: Journey) -> Callable[[], Any]:
    def action() -> None:
        handoff = _handoff(journey.deal)
        by = handoff.sales_owner or plot.person("sales.manager")
        cs = _cs(plot, handoff)
        post_comment(
            author=by,
            target=handoff,
            body=f"@{cs.user.email} checking the seat count with their finance team; I'll "
            "resubmit as soon as they confirm.",
        )

    return action


def _sign_off(plot: Plot, journey: Journey) -> Callable[[], Any]:
    def action() -> None:
        handoff = _handoff(journey.deal)
        by = _cs(plot, handoff)
        for promise in services.unsigned_promises(handoff):
            deliverable = promise.pk not in journey.undeliverable
            services.sign_off_promise(
                by=by,
                handoff=handoff,
                promise=promise,
                deliverable=deliverable,
                note="" if deliverable else UNDELIVERABLE[0],
            )
            if not deliverable:
                discrepancy = Discrepancy.objects.get(
                    handoff=handoff, promise=promise, resolved=False
                )
                _plan_answer(plot, discrepancy.pk, UNDELIVERABLE[1], resolve=False)

    return action


def _surprise(plot: Plot, journey: Journey) -> Callable[[], Any]:
    def action() -> None:
        handoff = _handoff(journey.deal)
        description, answer = plot.rng.choice(SURPRISES[journey.surprise])
        discrepancy = services.record_discrepancy(
            by=_cs(plot, handoff), handoff=handoff, kind=journey.surprise, description=description
        )
        if journey.answered:
            _plan_answer(plot, discrepancy.pk, answer, resolve=journey.resolved)

    return action


def _plan_answer(plot: Plot, discrepancy_id: int, text: str, *, resolve: bool) -> None:
    """Sales answers within two days; CS resolves it (``resolve``) days later."""
    answered = plot.now + plot.hours(3, 48)
    if not plot.fits(answered):
        return

    def answer() -> None:
        discrepancy = Discrepancy.objects.select_related("handoff__sales_owner").get(
            pk=discrepancy_id
        )
        by = discrepancy.handoff.sales_owner or plot.person("sales.manager")
        services.answer_discrepancy(by=by, discrepancy=discrepancy, answer=text)

    plot.add(answered, answer)
    resolved = answered + timedelta(days=plot.rng.uniform(1, 6))
    if resolve and plot.fits(resolved):

        def settle() -> None:
            discrepancy = Discrepancy.objects.select_related("handoff__cs_owner").get(
                pk=discrepancy_id
            )
            by = discrepancy.handoff.cs_owner or plot.person("cs.manager")
            services.resolve_discrepancy(by=by, discrepancy=discrepancy)

        plot.add(resolved, settle)


def _accept(plot: Plot, journey: Journey) -> Callable[[], Any]:
    def action() -> None:
        handoff = _handoff(journey.deal)
        # A late one: the CS manager takes it over once it is flagged.
        by = plot.person("cs.manager") if journey.late else _cs(plot, handoff)
        services.accept_handoff(by=by, handoff=handoff)

    return action


def _move(plot: Plot, journey: Journey, service: Callable[..., Handoff]) -> Callable[[], Any]:
    def action() -> None:
        handoff = _handoff(journey.deal)
        service(by=_cs(plot, handoff), handoff=handoff)

    return action


def _flag_overdue(plot: Plot) -> Callable[[], Any]:
    """The beat job's run just after a submitted handoff passed its SLA."""

    def action() -> None:
        services.flag_overdue_handoffs(now=plot.now)

    return action
