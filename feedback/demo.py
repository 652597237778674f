"""Demo data for cross-department feedback: three closed rounds over the four departments with
a visible trend, the action items their results led to, and one round open now.

**The story.** Every two months the departments rate each other (anonymous rounds, at least
three answers per cell). Sales thought little of marketing's leads at first and rates it
higher each round (2.6 → 3.1 → 3.7) as the two agree on what a sales-ready lead is;
marketing's view of sales stays flat (3.3); customer success rates sales lower each round
(3.9 → 3.4 → 2.8) as surprises pile up in handoffs. In the first round only two product
people rated CS, so that cell stays hidden (below the minimum). After each round the managers
agree on action items: the first round's are done, the second's done or dropped, the third's
open or in progress — one of them past its due date (the overdue job told its owner, the
demo's sales.member). A fourth round is open now and closes in a few days: some people have
answered, not the demo's ``sales.member`` nor ``marketing.member`` ("Answer the feedback
round" is on their home page).

**Extra people.** The demo has one member and one manager per department (and the admin in
sales): not enough to pass the minimum of three answers per cell. ``EXTRA_PEOPLE`` join by
invitation in the founding weeks, members all, with the demo password: Ava Lindqvist and
Omar Haddad (sales); Inès Moreau, Piotr Zieliński and Grace Okafor (marketing); Lena Fischer
and Diego Ramos (product); Hana Novak, Mateo Rossi and Emma Berg (customer success).

Every write goes through the services (answers through ``services.responses.answer``, so
each participant's "answered" flag is right), each at its moment of the story, in order;
what the services stamped "now" is then dated to that moment with SQL UPDATEs. Answers have
no time to date (nor an author: the rounds are anonymous). Deterministic (fixed seed) and
idempotent: the rounds are seeded only while the organization has none.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils import timezone

from accounts import services as account_services
from accounts.models import DepartmentKind, Invitation, Membership, Role, User
from collab_hub.notifications.models import ActivityEvent
from feedback.models import (
    ActionItem,
    ActionStatus,
    FeedbackResponse,
    FeedbackRound,
    RoundStatus,
)
from feedback.services import actions as action_services
from feedback.services import responses as response_services
from feedback.services import rounds as round_services

if TYPE_CHECKING:
    from accounts.management.commands.demo import Demo

SEED = 2033
S, M, P, C = (
    DepartmentKind.SALES,
    DepartmentKind.MARKETING,
    DepartmentKind.PRODUCT,
    DepartmentKind.CS,
)
KINDS = (S, M, P, C)

# (local part of the e-mail, full name, department, days after the founding they joined).
EXTRA_PEOPLE: list[tuple[str, str, str, int]] = [
    ("ava.lindqvist", "Ava Lindqvist", S, 3),
    ("omar.haddad", "Omar Haddad", S, 5),
    ("ines.moreau", "Inès Moreau", M, 3),
    ("piotr.zielinski", "Piotr Zieliński", M, 4),
    ("grace.okafor", "Grace Okafor", M, 6),
    ("lena.fischer", "Lena Fischer", P, 4),
    ("diego.ramos", "Diego Ramos", P, 7),
    ("hana.novak", "Hana Novak", C, 3),
    ("mateo.rossi", "Mateo Rossi", C, 5),
    ("emma.berg", "Emma Berg", C, 8),
]

# The rounds: (name, created by, opens days ago, open for days). The last one is open now.
ROUNDS: list[tuple[str, str, int, int]] = [
    ("Cross-department round 1: clearing the air", "admin", 176, 14),
    ("Cross-department round 2", "cs.manager", 116, 14),
    ("Cross-department round 3", "marketing.manager", 56, 14),
    ("Cross-department round 4", "admin", 4, 7),
]
OPEN_ROUND = len(ROUNDS) - 1

# The overall rating (1–5) each department gives each other, round by round.
TARGETS: dict[tuple[str, str], tuple[float, float, float, float]] = {
    (S, M): (2.6, 3.1, 3.7, 3.9),
    (S, P): (3.0, 2.8, 3.1, 3.2),
    (S, C): (3.8, 3.9, 4.0, 4.1),
    (M, S): (3.3, 3.3, 3.3, 3.3),
    (M, P): (3.5, 3.6, 3.4, 3.5),
    (M, C): (3.9, 3.8, 4.0, 3.9),
    (P, S): (2.7, 2.9, 3.2, 3.3),
    (P, M): (3.6, 3.5, 3.7, 3.6),
    (P, C): (4.0, 4.1, 4.2, 4.2),
    (C, S): (3.9, 3.4, 2.8, 2.6),
    (C, M): (3.4, 3.5, 3.5, 3.6),
    (C, P): (3.0, 3.1, 2.9, 3.0),
}

# Who left what out, per round: {person: departments they did not rate} (all: nothing).
# Round 1: two product people skip CS (product → CS stays below the minimum), Grace answers
# nothing. In the open round only these people have answered so far.
SKIPPED: list[dict[str, tuple[str, ...]]] = [
    {"lena.fischer": (C,), "diego.ramos": (C,), "grace.okafor": KINDS},
    {"emma.berg": KINDS, "sales.member": (P,)},
    {"diego.ramos": KINDS, "marketing.member": (C,)},
]
ANSWERED_OPEN = [
    "admin", "sales.manager", "ava.lindqvist", "omar.haddad",
    "marketing.manager", "ines.moreau", "piotr.zielinski",
    "cs.member", "cs.manager", "hana.novak",
    "product.manager", "lena.fischer",
]  # fmt: skip

# What people write, by pair and by how it is going (low < 3.2 ≤ mid < 3.7 ≤ high).
COMMENTS: dict[tuple[str, str], dict[str, list[str]]] = {
    (S, M): {
        "low": [
            "Half of the leads we get never heard of us: a webinar signup is not a buying signal.",
            "We call MQLs within the hour and most are students or competitors.",
            "Nobody tells us which campaign a lead came from; the first call starts from zero.",
            "The scoring rewards e-book downloads, not intent.",
        ],
        "mid": [
            "The new definition of a sales-ready lead helps; some still slip through.",
            "Leads come with the campaign and the pages they read now. Keep that.",
            "Better than last quarter, but the trade-show leads are still a lottery.",
        ],
        "high": [
            "The logistics webinar leads were the best we ever had.",
            "Marketing asks us which leads closed and adjusts the scoring: it shows.",
            "Call notes on every MQL save us ten minutes a lead.",
        ],
    },
    (M, S): {
        "mid": [
            "We hand over leads and hear nothing back for weeks.",
            "Rejection reasons would help us more than 'not a fit'.",
            "Sales is great on the calls we join; the CRM notes are thin.",
            "Follow-up on event leads is quick now, nurturing ones get forgotten.",
        ],
    },
    (C, S): {
        "high": [
            "Handoffs come with goals and contacts; the kickoff starts on the right foot.",
            "Sales stays around for the first weeks when the customer asks for them.",
        ],
        "mid": [
            "Some handoffs arrive with the commercial terms missing.",
            "We learn about promised features from the customer, not from sales.",
            "Good intentions, but the handoff is often the day before kickoff.",
        ],
        "low": [
            "Discounts and promises we never heard of surface in the first call.",
            "Two customers this month expected SSO 'next month' because someone said so.",
            "Handoffs are rushed at quarter end: empty notes, wrong champion.",
            "Upsell signals we send back sit unanswered for weeks.",
        ],
    },
    (S, C): {
        "high": [
            "CS picks customers up fast and keeps us in the loop on expansions.",
            "Upsell signals from CS are specific and well timed.",
            "Onboarding is smooth; customers mention it on renewal calls.",
        ],
        "mid": ["Accepting a handoff takes a few days too long at quarter end."],
    },
    (S, P): {
        "low": [
            "We cannot tell customers when anything ships; the roadmap is a secret.",
            "Feature requests disappear into a black hole.",
            "Promises need a product decision and it takes weeks.",
        ],
        "mid": [
            "The monthly roadmap update is useful; more dates would be better.",
            "Product answers requests now, even when it is a no.",
        ],
    },
    (P, S): {
        "low": [
            "Sales promises features before asking us.",
            "Requests come without the customer's real problem behind them.",
            "We hear 'the deal depends on it' on every request.",
        ],
        "mid": [
            "Demand linked to deals makes prioritising easier.",
            "Joining the pipeline review shows us what really blocks deals.",
        ],
    },
    (C, P): {
        "low": [
            "Bugs customers report wait too long for triage.",
            "We find out about releases from the customers.",
        ],
        "mid": ["The monthly triage with CS helps; the backlog of small bugs is still long."],
    },
}
GENERIC = {
    "low": ["We need to talk more often; too much gets lost between us."],
    "mid": [
        "Good people, but we rarely know what the other side is working on.",
        "Answers come, sometimes late.",
        "Fine day to day; planning together would help.",
    ],
    "high": [
        "Easy to work with and quick to answer.",
        "Always helpful when we ask.",
        "Clear, reliable, no surprises.",
    ],
}

# Action items: (round, from, to, title, description, owner, due days after closing,
# [(status, days after closing)]: what the owner did, in order).
ActionPlan = tuple[int, str, str, str, str, str, int, list[tuple[str, int]]]
ACTIONS: list[ActionPlan] = [
    (0, S, M, "Agree on what makes a lead sales-ready",
     "One page: company size, role, intent signals; marketing scores against it.",
     "marketing.manager", 30, [(ActionStatus.IN_PROGRESS, 5), (ActionStatus.DONE, 25)]),
    (0, P, S, "Product joins the weekly pipeline review",
     "A product manager listens in on Mondays to hear what blocks deals.",
     "sales.manager", 21, [(ActionStatus.DONE, 14)]),
    (0, C, P, "Monthly bug triage with CS",
     "CS brings the top customer bugs; product decides on each in the meeting.",
     "product.manager", 30, [(ActionStatus.IN_PROGRESS, 10), (ActionStatus.DONE, 35)]),
    (1, S, M, "Call notes on every MQL handed over",
     "What the lead read, which campaign, what they asked: before sales calls.",
     "marketing.member", 30, [(ActionStatus.IN_PROGRESS, 4), (ActionStatus.DONE, 20)]),
    (1, S, P, "Share the roadmap with sales every month",
     "A short call and a page: what is planned, what moved, what was declined.",
     "product.member", 30, [(ActionStatus.IN_PROGRESS, 8), (ActionStatus.DROPPED, 40)]),
    (1, C, S, "A complete handoff package for every won deal",
     "Goals, terms, risks and contacts filled in before the handoff is submitted.",
     "sales.member", 30, [(ActionStatus.DONE, 28)]),
    (2, C, S, "Sales joins the first onboarding call",
     "The rep who sold the deal introduces CS and confirms what was promised.",
     "sales.manager", 60, [(ActionStatus.IN_PROGRESS, 12)]),
    (2, C, S, "Tell CS about discounts and promises before signing",
     "A note on the deal before the contract goes out; CS reads it before kickoff.",
     "sales.member", 30, []),
    (2, S, M, "Review lead scoring with sales every quarter",
     "Which scored leads closed, which did not; adjust the weights together.",
     "marketing.member", 50, []),
    (2, P, S, "A template for feature requests from sales",
     "The customer's problem, the deal, the deadline: nothing else.",
     "product.manager", 45, [(ActionStatus.IN_PROGRESS, 6)]),
    (2, M, P, "Release notes to marketing a week before launch",
     "So the announcement, the page and the e-mail are ready on the day.",
     "product.member", 21, [(ActionStatus.DONE, 15)]),
]  # fmt: skip


def seed_feedback(demo: Demo) -> None:
    """The extra people (when missing), then the rounds, answers and action items (only
    while the organization has no round)."""
    from accounts.management.commands.demo import History

    _ensure_extra_people(demo)
    org = demo.org
    if FeedbackRound.objects.for_org(org).exists():
        return
    rng = random.Random(SEED)  # noqa: S311 - demo data, reproducible on purpose
    limit = demo.started - timedelta(minutes=5)
    mark = timezone.now()
    people = _people_by_department(demo)
    plan: list[tuple[datetime, int, Callable[[], Any]]] = []
    made: dict[int, FeedbackRound] = {}

    def add(moment: datetime, action: Callable[[], Any]) -> None:
        plan.append((min(moment, limit), len(plan), action))

    for n, (name, by, days_ago, days_open) in enumerate(ROUNDS):
        opens = demo.started - timedelta(days=days_ago)
        closes = opens + timedelta(days=days_open)
        add(opens - timedelta(days=3), _create(demo, made, n, name, by, days_open))
        add(opens, _open(demo, made, n, by))
        add(opens + timedelta(days=1), _answer_all(demo, rng, made, n, people))
        if n != OPEN_ROUND:
            add(closes, _close(demo, made, n, by))
    for item in ACTIONS:
        index, _from, _to, _title, _text, _owner, due, steps = item
        closes = _closes(demo, index)
        created = closes + timedelta(days=3)
        holder: dict[str, ActionItem] = {}
        add(created, _create_item(demo, made, item, holder))
        for status, after in steps:
            add(closes + timedelta(days=after), _move_item(demo, item, holder, status))
        if not steps or steps[-1][0] not in (ActionStatus.DONE, ActionStatus.DROPPED):
            overdue_at = closes + timedelta(days=due + 1)
            if overdue_at < limit:
                add(overdue_at, action_services.flag_overdue_action_items)
    plan.sort(key=lambda step: (step[0], step[1]))
    history = History(
        org, [(FeedbackRound, "created_at"), (ActionItem, "created_at")], now=demo.started
    )
    for moment, _n, action in plan:
        with history.at(moment) as at:
            action()
        _restamp(org, mark, at)
    history.finish()
    _date_rounds(org)
    demo.log(
        f"seeded {FeedbackRound.objects.for_org(org).count()} feedback rounds, "
        f"{FeedbackResponse.objects.for_org(org).count()} answers, "
        f"{ActionItem.objects.for_org(org).count()} action items"
    )


# --- People --------------------------------------------------------------------------------


def _ensure_extra_people(demo: Demo) -> None:
    """Each extra person joins once, invited by the admin in the founding weeks."""
    from accounts.management.commands.demo import HISTORY_DAYS, History, _email

    missing = [p for p in EXTRA_PEOPLE if _email(p[0]) not in demo.members]
    if not missing:
        return
    history = History(
        demo.org, [(Membership, "created_at"), (Invitation, "created_at")], now=demo.started
    )
    founded = demo.started - timedelta(days=HISTORY_DAYS)
    # One hash for them all (hashing is slow on purpose; these are demo accounts).
    hashed = make_password(demo.password)
    for local_part, full_name, kind, days in missing:
        email = _email(local_part)
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, full_name=full_name)
            user.password = hashed
            user.save(update_fields=["password"])
        sent = founded + timedelta(days=days, hours=len(local_part) % 7 + 8)
        with history.at(sent):
            invitation = account_services.invite_member(
                by=demo.admin, email=email, department=demo.department(kind), role=Role.MEMBER
            )
        accepted = sent + timedelta(hours=3)
        with history.at(accepted):
            demo.members[email] = account_services.accept_invitation(
                invitation=invitation, user=user
            )
        Invitation.objects.filter(pk=invitation.pk).update(
            accepted_at=accepted, expires_at=sent + (invitation.expires_at - invitation.created_at)
        )
        demo.log(f"{email} joined {kind} (feedback demo)")
    history.finish()


def _person(demo: Demo, local_part: str) -> Membership:
    from accounts.management.commands.demo import _email

    return demo.members[_email(local_part)]


def _people_by_department(demo: Demo) -> dict[str, list[tuple[str, Membership]]]:
    """(local part, membership) of the active people of each department, by e-mail."""
    found: dict[str, list[tuple[str, Membership]]] = {kind: [] for kind in KINDS}
    for email, membership in sorted(demo.members.items()):
        if membership.is_active and not membership.is_integration:
            kind = membership.department.kind
            if kind in found:
                found[kind].append((email.split("@")[0], membership))
    return found


# --- Rounds --------------------------------------------------------------------------------


def _closes(demo: Demo, index: int) -> datetime:
    _name, _by, days_ago, days_open = ROUNDS[index]
    return demo.started - timedelta(days=days_ago) + timedelta(days=days_open)


def _create(
    demo: Demo, made: dict[int, FeedbackRound], n: int, name: str, by: str, days_open: int
) -> Callable[[], Any]:
    def action() -> None:
        # Created with real dates (the services refuse to open a round whose end has
        # passed); ``_date_rounds`` dates them to the story once it is told.
        now = timezone.now()
        made[n] = round_services.create_round(
            by=_person(demo, by),
            name=name,
            opens_at=now + timedelta(minutes=1),
            closes_at=now + timedelta(days=days_open),
            departments=[demo.department(kind) for kind in KINDS],
            anonymous=True,
            min_responses=3,
        )

    return action


def _open(demo: Demo, made: dict[int, FeedbackRound], n: int, by: str) -> Callable[[], Any]:
    def action() -> None:
        made[n] = round_services.open_round(by=_person(demo, by), feedback_round=made[n])

    return action


def _close(demo: Demo, made: dict[int, FeedbackRound], n: int, by: str) -> Callable[[], Any]:
    def action() -> None:
        made[n] = round_services.close_round(by=_person(demo, by), feedback_round=made[n])

    return action


def _who_answers(n: int, people: list[tuple[str, Membership]]) -> list[tuple[str, Membership]]:
    if n == OPEN_ROUND:
        return [(name, m) for name, m in people if name in ANSWERED_OPEN]
    return [(name, m) for name, m in people if SKIPPED[n].get(name) != KINDS]


def _answer_all(
    demo: Demo,
    rng: random.Random,
    made: dict[int, FeedbackRound],
    n: int,
    people: dict[str, list[tuple[str, Membership]]],
) -> Callable[[], Any]:
    def action() -> None:
        feedback_round = made[n]
        departments = {kind: demo.department(kind) for kind in KINDS}
        for rater in KINDS:
            raters = _who_answers(n, people[rater])
            for rated in KINDS:
                if rated == rater:
                    continue
                skipped = SKIPPED[n] if n != OPEN_ROUND else {}
                answering = [(name, m) for name, m in raters if rated not in skipped.get(name, ())]
                if not answering:
                    continue
                target = TARGETS[(rater, rated)][n]
                ratings = _ratings(rng, target, len(answering))
                comments = _comments(rng, rater, rated, target, len(answering))
                for (_name, membership), triple, comment in zip(
                    answering, ratings, comments, strict=True
                ):
                    response_services.answer(
                        by=membership,
                        feedback_round=feedback_round,
                        to_department=departments[rated],
                        collaboration=triple[0],
                        responsiveness=triple[1],
                        quality=triple[2],
                        comment=comment,
                    )

    return action


def _ratings(rng: random.Random, target: float, people: int) -> list[tuple[int, int, int]]:
    """``people`` triples of ratings whose mean is ``target`` (to the nearest possible), with
    some spread: nobody answers all threes."""
    count = 3 * people
    total = round(target * count)
    base, extra = divmod(total, count)
    values = [base + 1] * extra + [base] * (count - extra)
    for _swap in range(people * 2):
        up, down = rng.randrange(count), rng.randrange(count)
        if up != down and values[up] < 5 and values[down] > 1:
            values[up] += 1
            values[down] -= 1
    rng.shuffle(values)
    return [(values[3 * k], values[3 * k + 1], values[3 * k + 2]) for k in range(people)]


def _level(target: float) -> str:
    return "low" if target < 3.2 else "mid" if target < 3.7 else "high"


def _comments(rng: random.Random, rater: str, rated: str, target: float, people: int) -> list[str]:
    """About half the people write a comment, each a different one, in the tone of the
    cell's rating."""
    level = _level(target)
    pool = list(COMMENTS.get((rater, rated), {}).get(level) or GENERIC[level])
    rng.shuffle(pool)
    written = []
    for _n in range(people):
        written.append(pool.pop() if pool and rng.random() < 0.55 else "")
    return written


def _restamp(org: Any, mark: datetime, moment: datetime) -> None:
    """What the action stamped "now" (after ``mark``) happened at ``moment``."""
    for model, names in (
        (FeedbackRound, ("opened_at", "reminded_at", "closed_at", "updated_at")),
        (ActionItem, ("completed_at", "overdue_notified_at", "updated_at")),
    ):
        for name in names:
            model._default_manager.filter(organization=org, **{f"{name}__gt": mark}).update(
                **{name: moment}
            )


def _date_rounds(org: Any) -> None:
    """Each round ran from when it opened to when it closed (the open one closes a week
    after it opened: in a few days); the events quote those dates."""
    rounds = FeedbackRound.objects.for_org(org)
    rounds.filter(status=RoundStatus.CLOSED).update(
        opens_at=F("opened_at"), closes_at=F("closed_at")
    )
    _name, _by, _days_ago, days_open = ROUNDS[OPEN_ROUND]
    rounds.filter(status=RoundStatus.OPEN).update(
        opens_at=F("opened_at"), closes_at=F("opened_at") + timedelta(days=days_open)
    )
    by_pk = {r.pk: r for r in rounds}
    events = list(
        ActivityEvent.objects.for_org(org).filter(
            target_type=ContentType.objects.get_for_model(FeedbackRound), target_id__in=list(by_pk)
        )
    )
    for event in events:
        feedback_round = by_pk[event.target_id or 0]
        for name in ("opens_at", "closes_at"):
            if name in event.payload:
                event.payload[name] = getattr(feedback_round, name).isoformat()
    ActivityEvent.objects.bulk_update(events, ["payload"], batch_size=200)


# --- Action items --------------------------------------------------------------------------


def _create_item(
    demo: Demo, made: dict[int, FeedbackRound], item: ActionPlan, holder: dict[str, ActionItem]
) -> Callable[[], Any]:
    index, rater, rated, title, description, owner, due, _steps = item
    # The manager of the department the item asks something of records it.
    manager = f"{rated}.manager"

    def action() -> None:
        holder["item"] = action_services.create_action_item(
            by=_person(demo, manager),
            feedback_round=made[index],
            from_department=demo.department(rater),
            to_department=demo.department(rated),
            title=title,
            description=description,
            owner=_person(demo, owner),
            due_date=timezone.localdate(_closes(demo, index) + timedelta(days=due)),
        )

    return action


def _move_item(
    demo: Demo, item: ActionPlan, holder: dict[str, ActionItem], status: str
) -> Callable[[], Any]:
    owner = item[5]

    def action() -> None:
        holder["item"] = action_services.update_action_item(
            by=_person(demo, owner), item=holder["item"], data={"status": status}
        )

    return action


# The demo command runs this after the leads, roadmap and handoffs demos (FeedbackConfig.demo).
DEMO_STEPS = [seed_feedback]
