"""Upsell signals: CS sees expansion potential, sales answers it.

Routing: a signal goes to the company's sales owner (``accounts.sales_owner_of``: owner of
its most recently won deal, an active member of sales), else to the first sales manager;
the routed member (else every sales manager) is told. ``accept`` opens an expansion deal
(kind ``expansion``, source ``cs``) through the leads flow's ``open_deal`` and links it;
``dismiss`` needs a reason. A signal left open longer than the organization's
``upsell_response_days`` is reported to the sales managers once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DepartmentKind, Membership
from accounts.policy import require
from collab_hub.exceptions import DomainError, IllegalTransition
from collab_hub.notifications.services import NewEvent, record_event, record_events
from handoffs.models import (
    PERCENT_MAX,
    PERCENT_MIN,
    RESPONSE_DAYS_MIN,
    Confidence,
    HandoffSettings,
    UpsellKind,
    UpsellSignal,
    UpsellStatus,
)
from handoffs.services.accounts import managers_of, sales_owner_of, settings_for
from leads.models import REVENUE_MAX, Company, DealKind, DealSource
from leads.services.deals import open_deal

NOTE_MAX = 5000
REASON_MAX = 5000
DIGEST_LISTED = 50
OVERDUE_BATCH = 500


def _amount(value: Any, field: str, *, high: Decimal) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter a number."), code=f"invalid_{field}", field=field) from None
    if not amount.is_finite() or amount < 0 or amount > high:
        raise DomainError(
            _("Enter a number from 0 to %(max)s.") % {"max": high},
            code=f"invalid_{field}",
            field=field,
        )
    return amount.quantize(Decimal("0.01"))


def clean_percent(value: Any) -> Decimal:
    percent = _amount(value, "cs_credit_percent", high=PERCENT_MAX)
    if percent < PERCENT_MIN:
        raise DomainError(_("Enter a share from 0 to 100."), code="invalid_cs_credit_percent")
    return percent


def _text(value: Any, field: str, *, required: bool, limit: int) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise DomainError(_("This field is required."), code=f"{field}_required", field=field)
    if len(text) > limit:
        raise DomainError(
            _("At most %(n)d characters.") % {"n": limit}, code=f"invalid_{field}", field=field
        )
    return text


def _lock(signal: UpsellSignal) -> UpsellSignal:
    return (
        UpsellSignal.objects.select_for_update(of=("self",))
        .select_related("organization", "company", "raised_by", "routed_to")
        .get(pk=signal.pk)
    )


def _answered(signal: UpsellSignal) -> IllegalTransition:
    if signal.status == UpsellStatus.ACCEPTED:
        return IllegalTransition(_("Sales accepted this signal already."), code="upsell_accepted")
    return IllegalTransition(_("Sales dismissed this signal."), code="upsell_dismissed")


def route(company: Company) -> tuple[Membership | None, list[Membership]]:
    """Who a signal about ``company`` goes to, and who is told: the company's sales owner;
    else the first sales manager, all of them told."""
    owner = sales_owner_of(company)
    if owner is not None:
        return owner, [owner]
    managers = managers_of(company.organization_id, DepartmentKind.SALES)
    return (managers[0] if managers else None), managers


@transaction.atomic
def raise_signal(
    *,
    by: Membership,
    company: Company,
    kind: str,
    estimated_value: Any,
    confidence: str,
    note: str = "",
) -> UpsellSignal:
    """CS records expansion potential at a customer. Policy ``upsell.raise``. Routed and
    notified as the module says; emits ``upsell.raised``."""
    require(by, "upsell.raise", company)
    if kind not in UpsellKind.values:
        raise DomainError(_("Unknown kind of upsell."), code="invalid_kind", field="kind")
    if confidence not in Confidence.values:
        raise DomainError(
            _("Confidence is low, medium or high."), code="invalid_confidence", field="confidence"
        )
    value = _amount(estimated_value, "estimated_value", high=REVENUE_MAX)
    note = _text(note, "note", required=False, limit=NOTE_MAX)
    routed_to, told = route(company)
    signal = UpsellSignal.objects.create(
        organization_id=company.organization_id,
        company=company,
        kind=kind,
        estimated_value=value,
        confidence=confidence,
        note=note,
        raised_by=by,
        routed_to=routed_to,
    )
    record_event(
        organization=company.organization,
        actor=by,
        verb="upsell.raised",
        target=signal,
        payload={
            "company": company.pk,
            "kind": kind,
            "estimated_value": str(value),
            "confidence": confidence,
            "routed_to": routed_to.pk if routed_to else None,
        },
        recipients=told,
    )
    return signal


@transaction.atomic
def accept_signal(
    *,
    by: Membership,
    signal: UpsellSignal,
    name: str = "",
    value: Any = None,
    close_date: Any = None,
    cs_credit_percent: Any = None,
) -> UpsellSignal:
    """Sales takes the opportunity: an expansion deal (source ``cs``, owned by ``by``) is
    opened at the company with the signal's estimated value (or ``value``), linked to the
    signal, with the CS share of its credit (``cs_credit_percent``, default the
    organization's; 0–100, 400 ``invalid_cs_credit_percent``; ``value`` from 0 to
    ``REVENUE_MAX``, 400 ``invalid_value``). Only an open signal (409 ``upsell_<status>``).
    Policy ``upsell.answer``; the CS member who raised it is told."""
    require(by, "upsell.answer", signal)
    signal = _lock(signal)
    if signal.status != UpsellStatus.OPEN:
        raise _answered(signal)
    settings: HandoffSettings = settings_for(signal.organization_id)
    percent = (
        settings.cs_credit_percent
        if cs_credit_percent in (None, "")
        else clean_percent(cs_credit_percent)
    )
    # Bounded here: the deal's column holds at most REVENUE_MAX (a larger value would fail
    # in the database, not as a 400).
    deal_value = (
        signal.estimated_value if value in (None, "") else _amount(value, "value", high=REVENUE_MAX)
    )
    deal = open_deal(
        by=by,
        company=signal.company,
        name=_text(name, "name", required=False, limit=200)
        or f"{signal.get_kind_display()} — {signal.company.name}",
        source=DealSource.CS,
        value=deal_value,
        kind=DealKind.EXPANSION,
        close_date=close_date or None,
    )
    signal.status = UpsellStatus.ACCEPTED
    signal.deal = deal
    signal.cs_credit_percent = percent
    signal.answered_by = by
    signal.answered_at = timezone.now()
    signal.save()
    record_event(
        organization=signal.organization,
        actor=by,
        verb="upsell.accepted",
        target=signal,
        payload={"deal": deal.pk, "cs_credit_percent": str(percent)},
        recipients=[signal.raised_by] if signal.raised_by else [],
    )
    return signal


@transaction.atomic
def dismiss_signal(*, by: Membership, signal: UpsellSignal, reason: str) -> UpsellSignal:
    """Sales declines the opportunity, saying why (400 ``reason_required``). Only an open
    signal. Policy ``upsell.answer``; the CS member who raised it is told."""
    require(by, "upsell.answer", signal)
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    signal = _lock(signal)
    if signal.status != UpsellStatus.OPEN:
        raise _answered(signal)
    signal.status = UpsellStatus.DISMISSED
    signal.dismiss_reason = reason
    signal.answered_by = by
    signal.answered_at = timezone.now()
    signal.save()
    record_event(
        organization=signal.organization,
        actor=by,
        verb="upsell.dismissed",
        target=signal,
        payload={"reason": reason},
        recipients=[signal.raised_by] if signal.raised_by else [],
    )
    return signal


@transaction.atomic
def set_credit_split(
    *, by: Membership, signal: UpsellSignal, cs_credit_percent: Any
) -> UpsellSignal:
    """Change the CS share of an accepted signal's expansion deal (0–100; 409
    ``upsell_open`` / ``upsell_dismissed`` for a signal with no deal). Policy
    ``upsell.answer``; the CS member who raised it is told."""
    require(by, "upsell.answer", signal)
    percent = clean_percent(cs_credit_percent)
    signal = _lock(signal)
    if signal.status != UpsellStatus.ACCEPTED:
        if signal.status == UpsellStatus.OPEN:
            raise IllegalTransition(
                _("Accept the signal first: it has no expansion deal yet."), code="upsell_open"
            )
        raise _answered(signal)
    previous = signal.cs_credit_percent
    if previous == percent:
        return signal
    signal.cs_credit_percent = percent
    signal.save()
    record_event(
        organization=signal.organization,
        actor=by,
        verb="upsell.credit_changed",
        target=signal,
        payload={
            "cs_credit_percent": [str(previous) if previous is not None else None, str(percent)]
        },
        recipients=[signal.raised_by] if signal.raised_by else [],
    )
    return signal


def _unanswered(now: datetime) -> QuerySet[UpsellSignal]:
    """Open signals not reported yet, each past its own organization's answer window
    (``upsell_response_days``; the default for an organization without settings). One
    query finds the organizations with open signals, one reads their windows; the signals
    are then filtered in SQL, one condition per distinct window, so an organization with a
    long window never holds back another's due signals."""
    waiting = UpsellSignal.objects.filter(
        status=UpsellStatus.OPEN,
        overdue_notified_at__isnull=True,
        created_at__lt=now - timedelta(days=RESPONSE_DAYS_MIN),
    )
    organizations = set(waiting.order_by().values_list("organization_id", flat=True).distinct())
    if not organizations:
        return waiting.none()
    windows = dict(
        HandoffSettings.objects.filter(organization_id__in=organizations).values_list(
            "organization_id", "upsell_response_days"
        )
    )
    default_days = HandoffSettings._meta.get_field("upsell_response_days").default
    by_window: dict[int, list[int]] = {}
    for organization_id in sorted(organizations):
        days = windows.get(organization_id, default_days)
        by_window.setdefault(days, []).append(organization_id)
    due = Q()
    for days, organization_ids in by_window.items():
        due |= Q(organization_id__in=organization_ids, created_at__lt=now - timedelta(days=days))
    return waiting.filter(due)


def flag_unanswered_signals(*, now: datetime | None = None) -> int:
    """Tell the sales managers about open signals older than their organization's
    ``upsell_response_days`` — once per signal: a ``upsell.unanswered`` event each (notifying
    nobody) and one ``upsell.unanswered_digest`` per organization and run. Claimed with
    ``SKIP LOCKED`` and one UPDATE, so overlapping runs never notify twice."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            _unanswered(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("organization", "company")
            .order_by("created_at", "pk")[:OVERDUE_BATCH]
        )
        if not due:
            return 0
        UpsellSignal.objects.filter(pk__in=[s.pk for s in due]).update(
            overdue_notified_at=now, updated_at=timezone.now()
        )
        by_organization: dict[int, list[UpsellSignal]] = {}
        for signal in due:
            signal.overdue_notified_at = now
            by_organization.setdefault(signal.organization_id, []).append(signal)
        for organization_id, batch in by_organization.items():
            record_events(
                organization=batch[0].organization,
                events=[
                    *(
                        NewEvent(
                            verb="upsell.unanswered",
                            target=signal,
                            payload={
                                "routed_to": signal.routed_to_id,
                                "raised_at": signal.created_at.isoformat(),
                            },
                        )
                        for signal in batch
                    ),
                    NewEvent(
                        verb="upsell.unanswered_digest",
                        payload={
                            "count": len(batch),
                            "signals": [
                                {
                                    "id": signal.pk,
                                    "label": str(signal),
                                    "url": signal.get_absolute_url(),
                                }
                                for signal in batch[:DIGEST_LISTED]
                            ],
                        },
                        recipients=managers_of(organization_id, DepartmentKind.SALES),
                    ),
                ],
            )
    return len(due)
