"""State changes of the sales ↔ product flow: feature requests, demand, merging, promises and
closing the loop (DESIGN §3.2). Every service checks the policy first and records its event.

**Status machine** (``TRANSITIONS``)::

    new ─→ under_review ─→ planned ─→ in_progress ─→ shipped
     ↑          │  ↑           │  ↑        │    ↑        │
     └──────────┘  └───────────┘  └────────┘    └────────┘   (one step back, when plans change)
    new | under_review | planned | in_progress ─→ declined ─→ under_review (reconsidered)

A shipped request is never declined (it exists); it may go back to ``in_progress`` (a
rollback). Any other move is a 409 ``feature_<current status>``; a move to the current status
is a 409 ``same_status``; a merged request does not move (409 ``feature_merged``).

**Promise guard**: a promise of a ``planned``, ``in_progress`` or ``shipped`` request is
``confirmed`` at once; otherwise it is ``pending`` and product is told to approve or decline.
A request declined or moved back out of those statuses turns its confirmed promises
``at_risk`` (their makers and deal owners are told); moved forward into them again, its
at-risk promises are confirmed again.

**Close the loop**: every status change notifies, once each, everyone who raised demand on
the request and the owners of its waiting (active blocking, open) and lost deals.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import CharField as CharFieldType
from django.db.models import Func, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DepartmentKind, Membership
from accounts.policy import can, require
from collab_hub.changes import apply_changes
from collab_hub.exceptions import Conflict, DomainError, IllegalTransition
from collab_hub.notifications.services import record_event
from collab_hub.search import FUNCTION as FOLD_FUNCTION
from collab_hub.search import fold
from leads.models import OPEN_DEAL_STAGES, Company, Deal, DealStage
from roadmap.models import (
    COMMITTED_STATUSES,
    EFFORT_MAX,
    WEIGHT_MAX,
    WEIGHT_MIN,
    Demand,
    DemandKind,
    DemandOutcome,
    FeatureRequest,
    FeatureStatus,
    FeatureStatusChange,
    Promise,
    PromiseStatus,
    TierWeight,
)

S = FeatureStatus
# status → the statuses it may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.UNDER_REVIEW, S.DECLINED),
    S.UNDER_REVIEW: (S.PLANNED, S.NEW, S.DECLINED),
    S.PLANNED: (S.IN_PROGRESS, S.UNDER_REVIEW, S.DECLINED),
    S.IN_PROGRESS: (S.SHIPPED, S.PLANNED, S.DECLINED),
    S.SHIPPED: (S.IN_PROGRESS,),
    S.DECLINED: (S.UNDER_REVIEW,),
}
# Fields ``update_feature_request`` changes; the status has its own service.
FEATURE_FIELDS = ("title", "description", "owner", "target_release", "effort")
TITLE_MAX = 200
NOTE_MAX = 5000


# --- Helpers -------------------------------------------------------------------------------


def _clean_title(value: Any) -> str:
    title: str = str(value or "").strip()
    if not title:
        raise DomainError(
            _("A feature request needs a title."), code="invalid_title", field="title"
        )
    if len(title) > TITLE_MAX:
        raise DomainError(
            _("A title has at most %(n)d characters.") % {"n": TITLE_MAX},
            code="invalid_title",
            field="title",
        )
    return title


def _clean_note(value: Any, field: str = "note") -> str:
    note: str = str(value or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(
            _("A note has at most %(n)d characters.") % {"n": NOTE_MAX},
            code="invalid_note",
            field=field,
        )
    return note


def _check_effort(effort: Any) -> None:
    if effort is None:
        return
    if not isinstance(effort, int) or isinstance(effort, bool) or not 0 <= effort <= EFFORT_MAX:
        raise DomainError(
            _("Effort is a whole number of points from 0 to %(max)d.") % {"max": EFFORT_MAX},
            code="invalid_effort",
            field="effort",
        )


def _check_owner(owner: Membership | None, organization_id: int) -> None:
    """A request's owner is an active member of the organization who may manage it."""
    if owner is None:
        return
    if (
        owner.organization_id != organization_id
        or not owner.is_active
        or not can(owner, "roadmap.manage")
    ):
        raise DomainError(
            _("The owner must be an active member of product."), code="invalid_owner", field="owner"
        )


def _clean_value(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("Enter the value as a number."), code="invalid_value", field="value"
        ) from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("999999999999.99"):
        raise DomainError(_("A value is a positive amount."), code="invalid_value", field="value")
    return amount.quantize(Decimal("0.01"))


def _lock(feature_request: FeatureRequest) -> FeatureRequest:
    return (
        FeatureRequest.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=feature_request.pk)
    )


def _not_merged(feature_request: FeatureRequest) -> None:
    if feature_request.merged_into_id is not None:
        raise IllegalTransition(
            _("This request was merged into another one; work on that one."),
            code="feature_merged",
        )


def _same_org(obj: Any, organization_id: int, message: str, code: str, field: str) -> None:
    if obj is not None and obj.organization_id != organization_id:
        raise DomainError(message, code=code, field=field)


def _product_members(organization_id: int) -> list[Membership]:
    """Who decides on promises: the active members of the product departments."""
    return list(
        Membership.objects.for_org(organization_id).filter(
            is_active=True, department__kind=DepartmentKind.PRODUCT
        )
    )


def _deciders(feature_request: FeatureRequest) -> list[Membership]:
    """The request's owner, else all of product."""
    if feature_request.owner_id is not None and feature_request.owner is not None:
        return [feature_request.owner]
    return _product_members(feature_request.organization_id)


def _promise_people(promise: Promise) -> list[Membership]:
    """Who hears about a promise's fate: the deal's owner and the one who made it."""
    people = [promise.made_by] if promise.made_by_id else []
    owner_id = Deal.objects.filter(pk=promise.deal_id).values_list("owner", flat=True).first()
    if owner_id:
        people.extend(Membership.objects.filter(pk=owner_id))
    return [person for person in people if person is not None]


def loop_recipients(feature_request: FeatureRequest) -> QuerySet[Membership]:
    """Close the loop: everyone who raised demand on the request (ended demands included:
    they asked), and the owners of its waiting deals (active blocking demands on open deals)
    and lost deals (active lost demands). One query; each member once, however many demands
    they raised or deals they own."""
    demands = Demand.objects.filter(feature_request=feature_request)
    active = demands.filter(ended_at__isnull=True)
    raisers = demands.exclude(raised_by=None).values("raised_by")
    deals = active.filter(
        Q(kind=DemandKind.BLOCKING, deal__stage__in=OPEN_DEAL_STAGES) | Q(kind=DemandKind.LOST)
    ).exclude(deal=None)
    owners = Deal.objects.filter(pk__in=deals.values("deal")).exclude(owner=None).values("owner")
    return Membership.objects.filter(
        Q(pk__in=raisers) | Q(pk__in=owners), organization_id=feature_request.organization_id
    ).order_by("pk")


def reengage_list(feature_request: FeatureRequest) -> list[dict[str, Any]]:
    """The deals a shipped request may win back: waiting (blocking, open) and lost deals of
    its active demands, with their values, largest first. Each row also has ``label`` (deal
    and company) and ``url`` (the deal's page, a path), so the inbox and the mail list them
    as they list a digest's records."""
    rows = (
        Demand.objects.filter(
            Q(kind=DemandKind.BLOCKING, deal__stage__in=OPEN_DEAL_STAGES)
            | Q(kind=DemandKind.LOST, deal__stage=DealStage.LOST),
            feature_request=feature_request,
            ended_at__isnull=True,
        )
        .exclude(deal=None)
        .order_by("-deal__value", "deal_id")
        .values("kind", "deal_id", "deal__name", "deal__value", "deal__owner", "company__name")
    )
    return [
        {
            "deal": row["deal_id"],
            "name": row["deal__name"],
            "company": row["company__name"],
            "kind": row["kind"],
            "value": str(row["deal__value"]),
            "owner": row["deal__owner"],
            "label": f"{row['deal__name']} ({row['company__name']})",
            "url": reverse("leads:deal_detail", args=[row["deal_id"]]),
        }
        for row in rows
    ]


# --- Feature requests ----------------------------------------------------------------------


@transaction.atomic
def create_feature_request(
    *,
    by: Membership,
    title: str,
    description: str = "",
    owner: Membership | None = None,
    target_release: str = "",
    effort: int | None = None,
) -> FeatureRequest:
    """Propose a feature request (status ``new``). Sales, CS, product and admins
    (``roadmap.create``); only product (``roadmap.manage``) sets owner, release or effort
    at creation. Emits ``feature.created`` to product."""
    require(by, "roadmap.create")
    if (owner is not None or target_release or effort is not None) and not can(
        by, "roadmap.manage"
    ):
        require(by, "roadmap.manage")
    _check_owner(owner, by.organization_id)
    _check_effort(effort)
    return _open_feature_request(
        FeatureRequest(
            organization_id=by.organization_id,
            title=_clean_title(title),
            description=str(description or "").strip(),
            owner=owner,
            target_release=str(target_release or "").strip()[:100],
            effort=effort,
            created_by=by,
        ),
        actor=by,
        recipients=[owner] if owner else _product_members(by.organization_id),
    )


def _open_feature_request(
    feature_request: FeatureRequest, *, actor: Membership | None, recipients: list[Membership]
) -> FeatureRequest:
    """Save a new request (status ``new``) with its first history row and ``feature.created``
    to ``recipients``: the one way a request comes into being, by hand or from a lost deal."""
    feature_request.save()
    FeatureStatusChange.objects.create(
        organization_id=feature_request.organization_id,
        feature_request=feature_request,
        from_status="",
        to_status=FeatureStatus.NEW,
        by=actor,
    )
    record_event(
        organization=feature_request.organization,
        actor=actor,
        verb="feature.created",
        target=feature_request,
        payload={"status": feature_request.status, "title": feature_request.title},
        recipients=recipients,
    )
    return feature_request


@transaction.atomic
def update_feature_request(
    *, by: Membership, feature_request: FeatureRequest, data: dict[str, Any]
) -> FeatureRequest:
    """Change title, description, owner, target release or effort (keys of
    ``FEATURE_FIELDS``). Product only (``roadmap.manage``). A merged request no longer
    changes (409 ``feature_merged``). Emits ``feature.updated`` with ``{field: [old, new]}``
    (the request's history); a new owner is notified. Nothing when nothing changed."""
    require(by, "roadmap.manage", feature_request)
    feature_request = _lock(feature_request)
    _not_merged(feature_request)
    data = {key: value for key, value in data.items() if key in FEATURE_FIELDS}
    if "title" in data:
        data["title"] = _clean_title(data["title"])
    if "description" in data:
        data["description"] = str(data["description"] or "").strip()
    if "target_release" in data:
        data["target_release"] = str(data["target_release"] or "").strip()[:100]
    if "effort" in data:
        _check_effort(data["effort"])
    if "owner" in data:
        _check_owner(data["owner"], feature_request.organization_id)
    changed = apply_changes(feature_request, data, FEATURE_FIELDS)
    if not changed:
        return feature_request
    feature_request.save()
    record_event(
        organization=feature_request.organization,
        actor=by,
        verb="feature.updated",
        target=feature_request,
        payload={"changes": changed},
        recipients=[feature_request.owner] if "owner" in changed and feature_request.owner else [],
    )
    return feature_request


def _set_promises_at_risk(feature_request: FeatureRequest, *, by: Membership, status: str) -> None:
    promises = list(
        Promise.objects.filter(feature_request=feature_request, status=PromiseStatus.CONFIRMED)
        .select_related("deal")
        .order_by("pk")
    )
    for promise in promises:
        promise.status = PromiseStatus.AT_RISK
        promise.save(update_fields=["status", "updated_at"])
        record_event(
            organization=feature_request.organization,
            actor=by,
            verb="promise.at_risk",
            target=promise,
            payload={
                "feature_request": feature_request.pk,
                "deal": promise.deal_id,
                "status": status,
            },
            recipients=_promise_people(promise),
        )


@transaction.atomic
def change_status(
    *, by: Membership, feature_request: FeatureRequest, status: str, note: str = ""
) -> FeatureRequest:
    """Move a request along the status machine (module docstring), product only
    (``roadmap.manage``). Records a ``FeatureStatusChange``; out of a committed status
    (planned, in progress, shipped) into another, confirmed promises turn ``at_risk``
    (``promise.at_risk`` each); into a committed status, at-risk promises are confirmed
    again. Emits ``feature.status_changed`` (``from``, ``to``, ``note``; when shipped also
    ``reengage``: the waiting and lost deals with their values) to ``loop_recipients``.
    """
    require(by, "roadmap.manage", feature_request)
    if status not in FeatureStatus.values:
        raise DomainError(_("Unknown status."), code="invalid_status", field="status")
    note = _clean_note(note)
    feature_request = _lock(feature_request)
    _not_merged(feature_request)
    previous = feature_request.status
    if previous == status:
        raise IllegalTransition(
            _("The request is already %(status)s.")
            % {"status": FeatureStatus(status).label.lower()},
            code="same_status",
        )
    if status not in TRANSITIONS[previous]:
        raise IllegalTransition(
            _("A request that is %(from)s cannot become %(to)s.")
            % {
                "from": FeatureStatus(previous).label.lower(),
                "to": FeatureStatus(status).label.lower(),
            },
            code=f"feature_{previous}",
        )
    FeatureStatusChange.objects.create(
        organization_id=feature_request.organization_id,
        feature_request=feature_request,
        from_status=previous,
        to_status=status,
        by=by,
        note=note,
    )
    feature_request.status = status
    feature_request.save(update_fields=["status", "updated_at"])
    if previous in COMMITTED_STATUSES and status not in COMMITTED_STATUSES:
        _set_promises_at_risk(feature_request, by=by, status=status)
    elif status in COMMITTED_STATUSES:
        Promise.objects.filter(
            feature_request=feature_request, status=PromiseStatus.AT_RISK
        ).update(status=PromiseStatus.CONFIRMED, updated_at=timezone.now())
    payload: dict[str, Any] = {"from": previous, "to": status, "note": note}
    if status == FeatureStatus.SHIPPED:
        payload["reengage"] = reengage_list(feature_request)
    record_event(
        organization=feature_request.organization,
        actor=by,
        verb="feature.status_changed",
        target=feature_request,
        payload=payload,
        recipients=loop_recipients(feature_request),
    )
    return feature_request


@transaction.atomic
def merge_feature_request(
    *, by: Membership, source: FeatureRequest, into: FeatureRequest
) -> FeatureRequest:
    """Merge ``source`` into ``into`` (duplicates): product only. ``source``'s active
    demands move to ``into``, except one for a company and deal (or company without a deal,
    of the same kind) ``into`` already has: that one ends as ``merged`` (history), so the
    revenue is not counted twice. Promises move too. ``source`` keeps its status and points
    at ``into`` (``merged_into``); it then no longer moves, receives demand or merges
    again. Either request already merged, or a request merged into itself, is a 409
    (``feature_merged`` / ``same_request``). Emits ``feature.merged`` on ``source`` to
    everyone who raised demand on it. Returns ``into``."""
    require(by, "roadmap.manage", source)
    if source.organization_id != into.organization_id:
        raise DomainError(
            _("Choose a request of your organization."), code="invalid_feature_request"
        )
    if source.pk == into.pk:
        raise IllegalTransition(_("A request cannot be merged into itself."), code="same_request")
    first, second = sorted([source.pk, into.pk])
    locked = {
        request.pk: request
        for request in FeatureRequest.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk__in=[first, second])
        .order_by("pk")
    }
    source, into = locked[source.pk], locked[into.pk]
    _not_merged(source)
    _not_merged(into)
    # The requesters of the source, before their demands move.
    requesters = list(
        Membership.objects.filter(
            pk__in=Demand.objects.filter(feature_request=source)
            .exclude(raised_by=None)
            .values("raised_by")
        ).order_by("pk")
    )
    now = timezone.now()
    existing: set[tuple[int, int | None, str]] = set(
        Demand.objects.filter(feature_request=into, ended_at__isnull=True).values_list(
            "company_id", "deal_id", "kind"
        )
    )
    existing_deals: set[tuple[int, int | None]] = {
        (company, deal) for company, deal, _kind in existing if deal is not None
    }
    # Sort the source's demands into duplicates and the rest, then write each group with
    # one UPDATE (a merge of hundreds of demands is two statements, not one per demand).
    duplicate_ids: list[int] = []
    moved_ids: list[int] = []
    for pk, company_id, deal_id, kind in (
        Demand.objects.filter(feature_request=source, ended_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "company_id", "deal_id", "kind")
    ):
        key_deal = (company_id, deal_id)
        duplicate = (
            key_deal in existing_deals
            if deal_id is not None
            else (company_id, None, kind) in existing
        )
        if duplicate:
            duplicate_ids.append(pk)
        else:
            moved_ids.append(pk)
            existing.add((company_id, deal_id, kind))
            if deal_id is not None:
                existing_deals.add(key_deal)
    Demand.objects.filter(pk__in=duplicate_ids).update(
        ended_at=now, outcome=DemandOutcome.MERGED, updated_at=now
    )
    Demand.objects.filter(pk__in=moved_ids).update(feature_request=into, updated_at=now)
    moved, duplicates = len(moved_ids), len(duplicate_ids)
    promised = set(
        Promise.objects.filter(feature_request=into)
        .exclude(status=PromiseStatus.DECLINED)
        .values_list("deal_id", flat=True)
    )
    Promise.objects.filter(feature_request=source).exclude(deal_id__in=promised).update(
        feature_request=into, updated_at=now
    )
    source.merged_into = into
    source.save(update_fields=["merged_into", "updated_at"])
    record_event(
        organization=source.organization,
        actor=by,
        verb="feature.merged",
        target=source,
        payload={
            "into": into.pk,
            "into_title": into.title,
            "moved_demands": moved,
            "duplicate_demands": duplicates,
        },
        recipients=requesters,
    )
    return into


# --- Demand ---------------------------------------------------------------------------------


@transaction.atomic
def raise_demand(
    *,
    by: Membership,
    feature_request: FeatureRequest,
    company: Company,
    kind: str,
    deal: Deal | None = None,
    value: Any = None,
    note: str = "",
) -> Demand:
    """Record that a customer needs a feature: sales and CS (``roadmap.demand``).

    ``kind``: ``blocking`` needs an open ``deal`` of ``company`` (400 ``deal_required`` /
    ``deal_closed``; its value is the deal's, always current, so ``value`` is ignored);
    ``expansion`` and ``retention`` need a ``value`` (400 ``value_required``; an optional
    deal must be the company's); ``lost`` is recorded by the ``deal.lost`` subscriber, not
    here (400 ``invalid_kind``). A merged request receives no demand (409
    ``feature_merged``); a second active demand for the same request and deal is a 409
    ``duplicate_demand``. Emits ``demand.raised`` to the request's owner (else product).
    """
    require(by, "roadmap.demand", feature_request)
    organization_id = by.organization_id
    _same_org(
        company, organization_id, _("Choose a company of your organization."),
        "invalid_company", "company",
    )  # fmt: skip
    _same_org(
        deal, organization_id, _("Choose a deal of your organization."), "invalid_deal", "deal"
    )
    if kind not in (DemandKind.BLOCKING, DemandKind.EXPANSION, DemandKind.RETENTION):
        raise DomainError(
            _("A demand blocks an open deal, or is an expansion or retention need."),
            code="invalid_kind",
            field="kind",
        )
    if deal is not None and deal.company_id != company.pk:
        raise DomainError(
            _("The deal must be with the demand's company."), code="invalid_deal", field="deal"
        )
    amount: Decimal | None = None
    if kind == DemandKind.BLOCKING:
        if deal is None:
            raise DomainError(
                _("Name the open deal this feature blocks."), code="deal_required", field="deal"
            )
        deal = Deal.objects.select_for_update().get(pk=deal.pk)
        if not deal.is_open:
            raise DomainError(
                _("Only an open deal can be blocked by a missing feature."),
                code="deal_closed",
                field="deal",
            )
    else:
        if value in (None, ""):
            raise DomainError(
                _("Say how much revenue is at stake."), code="value_required", field="value"
            )
        amount = _clean_value(value)
    feature_request = _lock(feature_request)
    _not_merged(feature_request)
    if (
        deal is not None
        and Demand.objects.filter(
            feature_request=feature_request, deal=deal, ended_at__isnull=True
        ).exists()
    ):
        raise Conflict(
            _("This deal already has a demand on this request."), code="duplicate_demand"
        )
    demand = Demand.objects.create(
        organization_id=organization_id,
        feature_request=feature_request,
        company=company,
        deal=deal,
        kind=kind,
        value=amount,
        raised_by=by,
        department_id=by.department_id,
        note=_clean_note(note),
    )
    record_event(
        organization=feature_request.organization,
        actor=by,
        verb="demand.raised",
        target=demand,
        payload={
            "feature_request": feature_request.pk,
            "company": company.pk,
            "deal": deal.pk if deal else None,
            "kind": kind,
            "value": str(deal.value if deal is not None and amount is None else amount),
        },
        recipients=_deciders(feature_request),
    )
    return demand


# --- Promises ------------------------------------------------------------------------------


@transaction.atomic
def record_promise(
    *, by: Membership, deal: Deal, feature_request: FeatureRequest, note: str = ""
) -> Promise:
    """Sales promises a feature on an open deal (``roadmap.promise``): the promise guard.

    ``confirmed`` at once when the request is planned, in progress or shipped; else
    ``pending``, and product (the request's owner, else the product department) is told to
    approve or decline. A closed deal is a 409 ``deal_closed``, a merged request a 409
    ``feature_merged``, a second live promise of the request on the deal a 409
    ``duplicate_promise``. Emits ``promise.recorded`` (with ``status``).
    """
    require(by, "roadmap.promise", deal)
    if deal.organization_id != by.organization_id:
        raise DomainError(_("Choose a deal of your organization."), code="invalid_deal")
    if feature_request.organization_id != by.organization_id:
        raise DomainError(
            _("Choose a request of your organization."), code="invalid_feature_request"
        )
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if not deal.is_open:
        raise IllegalTransition(_("Promises are made on open deals."), code="deal_closed")
    feature_request = _lock(feature_request)
    _not_merged(feature_request)
    if (
        Promise.objects.filter(deal=deal, feature_request=feature_request)
        .exclude(status=PromiseStatus.DECLINED)
        .exists()
    ):
        raise Conflict(
            _("This feature is already promised on this deal."), code="duplicate_promise"
        )
    confirmed = feature_request.status in COMMITTED_STATUSES
    promise = Promise.objects.create(
        organization_id=deal.organization_id,
        deal=deal,
        feature_request=feature_request,
        status=PromiseStatus.CONFIRMED if confirmed else PromiseStatus.PENDING,
        note=_clean_note(note),
        made_by=by,
    )
    record_event(
        organization=feature_request.organization,
        actor=by,
        verb="promise.recorded",
        target=promise,
        payload={
            "status": promise.status,
            "deal": deal.pk,
            "feature_request": feature_request.pk,
            "feature_status": feature_request.status,
        },
        recipients=[] if confirmed else _deciders(feature_request),
    )
    return promise


def _lock_promise(promise: Promise) -> Promise:
    return (
        Promise.objects.select_for_update(of=("self",))
        .select_related("organization", "feature_request")
        .get(pk=promise.pk)
    )


def _undecidable(promise: Promise) -> IllegalTransition:
    return IllegalTransition(
        _("The promise is %(status)s; only a pending or at-risk promise is decided.")
        % {"status": PromiseStatus(promise.status).label.lower()},
        code=f"promise_{promise.status}",
    )


@transaction.atomic
def approve_promise(*, by: Membership, promise: Promise, note: str = "") -> Promise:
    """Product confirms a ``pending`` (or ``at_risk``) promise (``roadmap.manage``); any
    other status is a 409 ``promise_<status>``. Emits ``promise.approved`` to the deal's
    owner and the promise's maker."""
    require(by, "roadmap.manage", promise)
    promise = _lock_promise(promise)
    if promise.status not in (PromiseStatus.PENDING, PromiseStatus.AT_RISK):
        raise _undecidable(promise)
    previous = promise.status
    promise.status = PromiseStatus.CONFIRMED
    promise.decided_by = by
    promise.decided_at = timezone.now()
    promise.save()
    record_event(
        organization=promise.organization,
        actor=by,
        verb="promise.approved",
        target=promise,
        payload={
            "from": previous,
            "deal": promise.deal_id,
            "feature_request": promise.feature_request_id,
            "note": _clean_note(note),
        },
        recipients=_promise_people(promise),
    )
    return promise


@transaction.atomic
def decline_promise(*, by: Membership, promise: Promise, reason: str) -> Promise:
    """Product declines a ``pending`` (or ``at_risk``) promise, saying why (400
    ``reason_required``); other statuses are a 409 ``promise_<status>``. Emits
    ``promise.declined`` (with the reason) to the deal's owner and the promise's maker."""
    require(by, "roadmap.manage", promise)
    reason = _clean_note(reason, field="reason")
    if not reason:
        raise DomainError(
            _("Say why the promise is declined."), code="reason_required", field="reason"
        )
    promise = _lock_promise(promise)
    if promise.status not in (PromiseStatus.PENDING, PromiseStatus.AT_RISK):
        raise _undecidable(promise)
    previous = promise.status
    promise.status = PromiseStatus.DECLINED
    promise.decided_by = by
    promise.decided_at = timezone.now()
    promise.decline_reason = reason
    promise.save()
    record_event(
        organization=promise.organization,
        actor=by,
        verb="promise.declined",
        target=promise,
        payload={
            "from": previous,
            "deal": promise.deal_id,
            "feature_request": promise.feature_request_id,
            "reason": reason,
        },
        recipients=_promise_people(promise),
    )
    return promise


# --- Lost deals and re-engaging them --------------------------------------------------------


def _final(feature_request: FeatureRequest) -> FeatureRequest:
    """The request a merged one ended up in (merges never form a cycle)."""
    seen = {feature_request.pk}
    while feature_request.merged_into_id is not None:
        feature_request = FeatureRequest.objects.get(pk=feature_request.merged_into_id)
        if feature_request.pk in seen:  # pragma: no cover - merges refuse a merged request
            break
        seen.add(feature_request.pk)
    return feature_request


def find_feature_by_name(*, organization_id: int, name: str) -> FeatureRequest | None:
    """The organization's request titled ``name``, ignoring case and accents ("Single
    sign-on" = "single SIGN-ON", "Zażółć" = "zazolc"); a merged one resolves to the request
    it was merged into. The oldest when several match."""
    folded = fold(name.strip()) or ""
    match = (
        FeatureRequest.objects.for_org(organization_id)
        .annotate(folded=Func("title", function=FOLD_FUNCTION, output_field=CharFieldType()))
        .filter(folded=folded)
        .order_by("merged_into_id", "created_at", "pk")
        .first()
    )
    return _final(match) if match is not None else None


def record_lost_deal(
    *,
    deal: Deal,
    actor: Membership | None,
    feature_request_ids: list[int] | tuple[int, ...] = (),
    names: list[str] | tuple[str, ...] = (),
) -> list[Demand]:
    """A deal was lost for lack of features (the ``deal.lost`` subscriber calls this inside
    ``lose_deal``'s transaction): the features are the organization's requests
    ``feature_request_ids`` (an unknown id is a ``DomainError`` ``invalid_feature_request``,
    which rolls the loss back) and those whose titles match ``names`` (case and accents
    ignored), created ``new`` when none matches. For each, the deal's active blocking
    demand becomes ``lost`` (with the deal's value), else a ``lost`` demand is recorded.
    The deal's other active blocking demands end (``deal_lost``). Returns the lost demands.
    Emits ``feature.created`` for each request it creates."""
    organization_id = deal.organization_id
    requests: list[FeatureRequest] = []
    ids = []
    for raw in feature_request_ids:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise DomainError(
                _("Unknown feature request: %(id)s.") % {"id": raw},
                code="invalid_feature_request",
                field="feature_requests",
            ) from None
    found = {
        request.pk: request
        for request in FeatureRequest.objects.for_org(organization_id).filter(pk__in=ids)
    }
    for pk in ids:
        if pk not in found:
            raise DomainError(
                _("Unknown feature request: %(id)s.") % {"id": pk},
                code="invalid_feature_request",
                field="feature_requests",
            )
        requests.append(_final(found[pk]))
    for name in names:
        name = str(name).strip()
        if not name:
            continue
        feature_request = find_feature_by_name(organization_id=organization_id, name=name)
        if feature_request is None:
            feature_request = _create_from_lost_deal(deal=deal, actor=actor, title=name)
        requests.append(feature_request)
    now = timezone.now()
    lost: list[Demand] = []
    done: set[int] = set()
    department_id = actor.department_id if actor is not None else None
    for feature_request in requests:
        if feature_request.pk in done:
            continue
        done.add(feature_request.pk)
        demand = Demand.objects.filter(
            feature_request=feature_request, deal=deal, ended_at__isnull=True
        ).first()
        if demand is not None:
            demand.kind = DemandKind.LOST
            demand.value = deal.value
            demand.save(update_fields=["kind", "value", "updated_at"])
        else:
            demand = Demand.objects.create(
                organization_id=organization_id,
                feature_request=feature_request,
                company_id=deal.company_id,
                deal=deal,
                kind=DemandKind.LOST,
                value=deal.value,
                raised_by=actor,
                department_id=department_id,
                note=deal.lost_note,
            )
        lost.append(demand)
    Demand.objects.filter(deal=deal, kind=DemandKind.BLOCKING, ended_at__isnull=True).exclude(
        feature_request_id__in=done
    ).update(ended_at=now, outcome=DemandOutcome.DEAL_LOST, updated_at=now)
    return lost


def _create_from_lost_deal(*, deal: Deal, actor: Membership | None, title: str) -> FeatureRequest:
    return _open_feature_request(
        FeatureRequest(
            organization_id=deal.organization_id,
            title=title[:TITLE_MAX],
            description=_("Missing when the deal %(deal)s was lost.") % {"deal": deal.name},
            created_by=actor,
        ),
        actor=actor,
        recipients=_product_members(deal.organization_id),
    )


def end_blocking_demands_of_won_deal(*, deal: Deal) -> int:
    """A deal was won (the ``deal.won`` subscriber): its active blocking demands stop
    blocking, kept as history (``outcome = won``). Returns how many ended."""
    now = timezone.now()
    return Demand.objects.filter(deal=deal, kind=DemandKind.BLOCKING, ended_at__isnull=True).update(
        ended_at=now, outcome=DemandOutcome.WON, updated_at=now
    )


@transaction.atomic
def reengage_deal(*, by: Membership, deal: Deal, feature_request: FeatureRequest) -> Deal:
    """Reopen a deal lost for lack of ``feature_request`` now that it shipped: the leads
    flow's ``reopen_deal`` (policy ``deals.reopen``, sales managers and admins), with the
    feature named in the reason. The deal must have an active ``lost`` demand on the
    request (409 ``not_lost_for_feature``) and the request must be shipped (409
    ``feature_<status>``). The lost demand ends (``reengaged``) and the deal, open again,
    waits on nothing: it counts as a new opportunity in the pipeline."""
    from leads.services.deals import reopen_deal

    require(by, "deals.reopen", deal)
    feature_request = _lock(feature_request)
    if feature_request.status != FeatureStatus.SHIPPED:
        raise IllegalTransition(
            _("Re-engage lost deals once the feature has shipped."),
            code=f"feature_{feature_request.status}",
        )
    demand = (
        Demand.objects.select_for_update()
        .filter(
            feature_request=feature_request,
            deal_id=deal.pk,
            kind=DemandKind.LOST,
            ended_at__isnull=True,
        )
        .first()
    )
    if demand is None or not Deal.objects.filter(pk=deal.pk, stage=DealStage.LOST).exists():
        raise IllegalTransition(
            _("This deal was not lost for lack of this feature."), code="not_lost_for_feature"
        )
    deal = reopen_deal(
        by=by,
        deal=deal,
        reason=_("Re-engaged: %(feature)s has shipped.") % {"feature": feature_request.title},
    )
    now = timezone.now()
    demand.ended_at = now
    demand.outcome = DemandOutcome.REENGAGED
    demand.save(update_fields=["ended_at", "outcome", "updated_at"])
    return deal


# --- Configuration ---------------------------------------------------------------------------


@transaction.atomic
def set_tier_weight(*, by: Membership, tier: Any, weight: Any) -> TierWeight:
    """How much a customer tier counts in the priority score (``roadmap.configure``:
    admins). ``weight`` from 0 to 100 (400 ``invalid_weight``); the tier must be the
    organization's. Creates the row on first use; the default of an unset tier is 1.0."""
    require(by, "roadmap.configure")
    _same_org(tier, by.organization_id, _("Choose a tier of your organization."),
              "invalid_tier", "tier")  # fmt: skip
    try:
        amount = Decimal(str(weight)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        amount = Decimal("-1")
    if not amount.is_finite() or not WEIGHT_MIN <= amount <= WEIGHT_MAX:
        raise DomainError(
            _("A tier weight is a number from %(min)s to %(max)s.")
            % {"min": WEIGHT_MIN, "max": WEIGHT_MAX},
            code="invalid_weight",
            field="weight",
        )
    row, _created = TierWeight.objects.update_or_create(
        tier=tier, defaults={"organization_id": by.organization_id, "weight": amount}
    )
    return row
