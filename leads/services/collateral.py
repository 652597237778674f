"""Collateral (marketing's library) and content requests (sales asking marketing for more).

* Marketing adds, updates and archives assets (``collateral.manage``); sales records that it
  used one on a deal (``collateral.use``), which feeds the usage and win-rate figures.
* Sales asks for material (``content_requests.create``); marketing works the request
  (``content_requests.handle``): ``open → in_progress → done | declined``, and ``open`` may go
  straight to ``done`` or ``declined``. Anything else is a 409.
* Shadow collateral: when sales used its own material on a deal instead of the library,
  ``record_own_material`` turns that into a content request, and it counts against the
  library's coverage (``leads.selectors.collateral.library_coverage``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DepartmentKind, Membership, Role
from accounts.policy import can, require
from collab_hub.exceptions import DomainError, IllegalTransition
from collab_hub.notifications.services import record_event
from leads import files
from leads.models import (
    Collateral,
    CollateralUse,
    ContentRequest,
    ContentRequestStatus,
    Deal,
    DealStage,
    Tier,
)

# Collateral fields ``update_collateral`` changes.
COLLATERAL_FIELDS = ("title", "description", "file", "url", "tiers", "stages", "owner")
# Which content-request statuses may follow which.
REQUEST_TRANSITIONS: dict[str, set[str]] = {
    ContentRequestStatus.OPEN: {
        ContentRequestStatus.IN_PROGRESS,
        ContentRequestStatus.DONE,
        ContentRequestStatus.DECLINED,
    },
    ContentRequestStatus.IN_PROGRESS: {ContentRequestStatus.DONE, ContentRequestStatus.DECLINED},
    ContentRequestStatus.DONE: set(),
    ContentRequestStatus.DECLINED: set(),
}
# A content request's title when sales records own material (cut from what was missing).
OWN_MATERIAL_TITLE_MAX = 120


def _managers_of(organization_id: int, kind: str) -> list[Membership]:
    return list(
        Membership.objects.for_org(organization_id).filter(
            is_active=True, department__kind=kind, role=Role.MANAGER
        )
    )


def clean_stages(stages: Any) -> list[str]:
    """Deal stages a collateral is tagged with: values of ``DealStage`` (400
    ``invalid_stage`` otherwise), duplicates dropped, in the pipeline's order."""
    if isinstance(stages, str):
        stages = [stages]
    given = {str(stage).strip() for stage in stages or () if str(stage).strip()}
    unknown = given - set(DealStage.values)
    if unknown:
        raise DomainError(
            _("Unknown deal stage: %(stages)s.") % {"stages": ", ".join(sorted(unknown))},
            code="invalid_stage",
        )
    return [stage for stage in DealStage.values if stage in given]


def _check_tiers(tiers: Any, organization_id: int) -> list[Tier]:
    checked: list[Tier] = list(tiers or ())
    if any(tier.organization_id != organization_id for tier in checked):
        raise DomainError(_("Choose tiers of your organization."), code="invalid_tier")
    return checked


def _attach_file(collateral: Collateral, upload: Any) -> None:
    """Check ``upload`` against the allow-list (``leads.files.check_upload``: 400
    ``file_type_not_allowed`` / ``file_content_mismatch`` on ``file``) and make it the
    asset's file, keeping its name for downloads; it is stored under a random name."""
    files.check_upload(upload)
    collateral.original_name = files.original_name(upload.name)
    collateral.file = upload


def _check_collateral(collateral: Collateral) -> None:
    collateral.title = (collateral.title or "").strip()
    if not collateral.title:
        raise DomainError(_("Give the collateral a title."), code="invalid_title")
    collateral.url = (collateral.url or "").strip()
    if not collateral.file and not collateral.url:
        raise DomainError(_("Upload a file or give a link."), code="file_or_link")
    owner = collateral.owner
    if owner is not None and (
        owner.organization_id != collateral.organization_id
        or not owner.is_active
        or not can(owner, "collateral.manage")
    ):
        raise DomainError(
            _("The owner must be an active member of marketing."), code="invalid_owner"
        )


@transaction.atomic
def add_collateral(
    *,
    by: Membership,
    title: str,
    description: str = "",
    file: UploadedFile[bytes] | None = None,
    url: str = "",
    tiers: Any = (),
    stages: Any = (),
    owner: Membership | None = None,
) -> Collateral:
    """Add an asset to the library: an uploaded ``file``, a ``url``, or both (neither: 400
    ``file_or_link``).

    Marketing only (``collateral.manage``). ``tiers`` must be tiers of the organization and
    ``stages`` values of ``DealStage`` (empty means "any"). The owner (default ``by``) must be
    an active member who may manage collateral. The file must be of a type on the allow-list
    (``leads.files.FILE_TYPES``, by extension and content: 400 ``file_type_not_allowed`` or
    ``file_content_mismatch``); it is stored as ``collateral/<organization id>/<random
    hex>.<extension>`` and downloaded under its original name. Emits ``collateral.shared``
    to the sales managers.
    """
    require(by, "collateral.manage")
    collateral = Collateral(
        organization_id=by.organization_id,
        title=title,
        description=(description or "").strip(),
        url=url or "",
        stages=clean_stages(stages),
        owner=owner or by,
    )
    if file is not None:
        _attach_file(collateral, file)
    tiers = _check_tiers(tiers, by.organization_id)
    _check_collateral(collateral)
    collateral.save()
    collateral.tiers.set(tiers)
    record_event(
        organization=by.organization,
        actor=by,
        verb="collateral.shared",
        target=collateral,
        payload={
            "kind": "file" if collateral.file else "link",
            "tiers": [tier.pk for tier in tiers],
            "stages": collateral.stages,
        },
        recipients=_managers_of(by.organization_id, DepartmentKind.SALES),
    )
    return collateral


@transaction.atomic
def update_collateral(
    *, by: Membership, collateral: Collateral, data: dict[str, Any]
) -> Collateral:
    """Change an asset (keys of ``COLLATERAL_FIELDS``; ``tiers`` replaces the set, a new
    ``file`` replaces the old one, which is deleted from the storage once the change is
    committed) with the checks of ``add_collateral``; it must keep a file or a link.
    Marketing only. Emits ``collateral.updated`` naming the changed fields."""
    require(by, "collateral.manage", collateral)
    collateral = Collateral.objects.select_for_update().get(pk=collateral.pk)
    changed: list[str] = []
    tiers = None
    replaced_file = ""
    for key, value in data.items():
        if key not in COLLATERAL_FIELDS:
            continue
        if key == "tiers":
            tiers = _check_tiers(value, collateral.organization_id)
            if {t.pk for t in tiers} != set(collateral.tiers.values_list("pk", flat=True)):
                changed.append(key)
            continue
        if key == "stages":
            value = clean_stages(value)
        if key == "file":
            if not value:
                # An omitted upload keeps the file; removing it goes with giving a link.
                continue
            replaced_file = collateral.file.name or ""
            _attach_file(collateral, value)
            changed.append(key)
            continue
        if getattr(collateral, key) != value:
            setattr(collateral, key, value)
            changed.append(key)
    _check_collateral(collateral)
    if changed:
        collateral.save()
        if replaced_file:
            storage = collateral.file.storage
            transaction.on_commit(lambda: storage.delete(replaced_file))
        if tiers is not None:
            collateral.tiers.set(tiers)
        record_event(
            organization=by.organization,
            actor=by,
            verb="collateral.updated",
            target=collateral,
            payload={"fields": sorted(changed)},
        )
    return collateral


@transaction.atomic
def archive_collateral(*, by: Membership, collateral: Collateral) -> Collateral:
    """Take an asset out of the library: it keeps its history and figures but cannot be
    used on deals any more. Marketing only; archiving twice is a 409
    ``collateral_archived``. Emits ``collateral.archived``."""
    require(by, "collateral.manage", collateral)
    collateral = Collateral.objects.select_for_update().get(pk=collateral.pk)
    if collateral.archived_at is not None:
        raise IllegalTransition(
            _("This collateral is already archived."), code="collateral_archived"
        )
    collateral.archived_at = timezone.now()
    collateral.save(update_fields=["archived_at", "updated_at"])
    record_event(
        organization=by.organization, actor=by, verb="collateral.archived", target=collateral
    )
    return collateral


@transaction.atomic
def use_collateral(*, by: Membership, collateral: Collateral, deal: Deal) -> CollateralUse:
    """Record that sales used ``collateral`` on ``deal`` (at the deal's current stage).

    Sales only (``collateral.use``). Idempotent: using the same asset on the same deal again
    returns the first record and emits nothing. An archived asset or a closed deal is a 409
    (``collateral_archived``, ``deal_closed``). The first use emits ``collateral.used`` to the
    asset's owner (marketing sees its work used).
    """
    require(by, "collateral.use", deal)
    require(by, "collateral.use", collateral)
    existing = CollateralUse.objects.filter(collateral=collateral, deal=deal).first()
    if existing is not None:
        return existing
    if collateral.archived_at is not None:
        raise IllegalTransition(
            _("This collateral is archived; it can no longer be used."),
            code="collateral_archived",
        )
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if not deal.is_open:
        raise IllegalTransition(_("Record collateral while the deal is open."), code="deal_closed")
    try:
        with transaction.atomic():
            use = CollateralUse.objects.create(
                organization_id=deal.organization_id,
                collateral=collateral,
                deal=deal,
                by=by,
                stage=deal.stage,
            )
    except IntegrityError:
        # Recorded by a concurrent request a moment ago: the same answer as a repeat.
        return CollateralUse.objects.get(collateral=collateral, deal=deal)
    record_event(
        organization=by.organization,
        actor=by,
        verb="collateral.used",
        target=collateral,
        payload={"deal": deal.pk, "deal_name": deal.name, "stage": deal.stage},
        recipients=[collateral.owner] if collateral.owner else [],
    )
    return use


# --- Content requests ----------------------------------------------------------------------


def _check_request_context(
    *,
    organization_id: int,
    deal: Deal | None,
    tier: Tier | None,
    stage: str | None,
) -> str:
    if deal is not None and deal.organization_id != organization_id:
        raise DomainError(_("Choose a deal of your organization."), code="invalid_deal")
    if tier is not None and tier.organization_id != organization_id:
        raise DomainError(_("Choose a tier of your organization."), code="invalid_tier")
    stage = stage or ""
    if stage and stage not in DealStage.values:
        raise DomainError(_("Unknown deal stage."), code="invalid_stage")
    return stage


def _required_text(value: str, message: str, code: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code=code)
    return value


def _request_event(
    request: ContentRequest,
    verb: str,
    by: Membership,
    recipients: Iterable[Membership],
    **payload: Any,
) -> None:
    record_event(
        organization=by.organization,
        actor=by,
        verb=verb,
        target=request,
        payload={"status": request.status, "deal": request.deal_id, **payload},
        recipients=recipients,
    )


@transaction.atomic
def request_content(
    *,
    by: Membership,
    title: str,
    need: str,
    deal: Deal | None = None,
    due_date: date | None = None,
    tier: Tier | None = None,
    stage: str | None = None,
) -> ContentRequest:
    """Sales asks marketing for material: what is needed and why, optionally for a deal
    (whose company's tier and current stage are used when ``tier``/``stage`` are not given)
    and by a date. Title and need are required (400). Sales only. Emits
    ``content.requested`` to the marketing managers."""
    require(by, "content_requests.create", deal)
    stage = _check_request_context(
        organization_id=by.organization_id, deal=deal, tier=tier, stage=stage
    )
    if deal is not None:
        tier = tier or deal.company.tier
        stage = stage or deal.stage
    request = ContentRequest.objects.create(
        organization_id=by.organization_id,
        title=_required_text(title, _("Give the request a title."), "invalid_title"),
        need=_required_text(need, _("Say what is needed and why."), "invalid_need"),
        deal=deal,
        tier=tier,
        stage=stage,
        due_date=due_date,
        requested_by=by,
    )
    _request_event(
        request,
        "content.requested",
        by,
        _managers_of(by.organization_id, DepartmentKind.MARKETING),
        due_date=due_date.isoformat() if due_date else None,
    )
    return request


@transaction.atomic
def record_own_material(
    *, by: Membership, deal: Deal, description: str, missing: str
) -> ContentRequest:
    """Shadow collateral: sales used its own material on ``deal`` instead of the library.

    Creates an open ``ContentRequest`` for marketing: ``own_material`` = ``description`` (what
    sales used), ``need`` = ``missing`` (what the library lacked), the deal, the tier of the
    deal's company and the deal's current stage, so it counts in the library coverage of
    that tier and stage. Both texts are required (400); a closed deal is a 409
    ``deal_closed`` (like ``use_collateral``). Sales only
    (``content_requests.create``). Emits ``content.own_material`` to the marketing managers.
    """
    require(by, "content_requests.create", deal)
    description = _required_text(
        description, _("Describe the material you used."), "invalid_description"
    )
    missing = _required_text(missing, _("Say what the library was missing."), "invalid_need")
    deal = Deal.objects.select_related("company__tier").get(pk=deal.pk)
    if not deal.is_open:
        raise IllegalTransition(
            _("Record the material you used while the deal is open."), code="deal_closed"
        )
    first_line = missing.splitlines()[0].strip()
    if len(first_line) > OWN_MATERIAL_TITLE_MAX:
        first_line = first_line[: OWN_MATERIAL_TITLE_MAX - 1].rstrip() + "…"
    request = ContentRequest.objects.create(
        organization_id=deal.organization_id,
        title=first_line,
        need=missing,
        own_material=description,
        deal=deal,
        tier=deal.company.tier,
        stage=deal.stage,
        requested_by=by,
    )
    _request_event(
        request,
        "content.own_material",
        by,
        _managers_of(by.organization_id, DepartmentKind.MARKETING),
        deal_name=deal.name,
        stage=deal.stage,
    )
    return request


def _move_request(request: ContentRequest, to: str) -> ContentRequest:
    request = ContentRequest.objects.select_for_update().get(pk=request.pk)
    if to not in REQUEST_TRANSITIONS[request.status]:
        raise IllegalTransition(
            _("A content request that is %(current)s cannot become %(target)s.")
            % {
                "current": ContentRequestStatus(request.status).label.lower(),
                "target": ContentRequestStatus(to).label.lower(),
            },
            code=f"content_request_{request.status}",
        )
    request.status = to
    return request


def _requester(request: ContentRequest) -> list[Membership]:
    return [request.requested_by] if request.requested_by is not None else []


@transaction.atomic
def start_content_request(*, by: Membership, request: ContentRequest) -> ContentRequest:
    """``open → in_progress``: ``by`` (marketing) takes the request and becomes its assignee.
    Emits ``content.started`` to the requester. Other statuses: 409."""
    require(by, "content_requests.handle", request)
    request = _move_request(request, ContentRequestStatus.IN_PROGRESS)
    request.assignee = by
    request.save(update_fields=["status", "assignee", "updated_at"])
    _request_event(request, "content.started", by, _requester(request))
    return request


@transaction.atomic
def complete_content_request(
    *,
    by: Membership,
    request: ContentRequest,
    collateral: Collateral | None = None,
    note: str = "",
) -> ContentRequest:
    """``open | in_progress → done``, optionally naming the library ``collateral`` that answers
    it (of the organization, not archived) and a note. Marketing only. Emits
    ``content.completed`` to the requester. Done or declined requests: 409."""
    require(by, "content_requests.handle", request)
    if collateral is not None and (
        collateral.organization_id != request.organization_id or collateral.archived_at is not None
    ):
        raise DomainError(
            _("Choose a collateral of your library that is not archived."),
            code="invalid_collateral",
        )
    request = _move_request(request, ContentRequestStatus.DONE)
    request.collateral = collateral
    request.resolution_note = (note or "").strip()
    request.assignee = request.assignee or by
    request.closed_at = timezone.now()
    request.save()
    _request_event(
        request,
        "content.completed",
        by,
        _requester(request),
        collateral=collateral.pk if collateral else None,
        note=request.resolution_note,
    )
    return request


@transaction.atomic
def decline_content_request(
    *, by: Membership, request: ContentRequest, reason: str
) -> ContentRequest:
    """``open | in_progress → declined`` with a reason the requester reads (required, 400).
    Marketing only. Emits ``content.declined`` to the requester. Closed requests: 409."""
    require(by, "content_requests.handle", request)
    reason = _required_text(reason, _("Say why the request is declined."), "invalid_reason")
    request = _move_request(request, ContentRequestStatus.DECLINED)
    request.resolution_note = reason
    request.assignee = request.assignee or by
    request.closed_at = timezone.now()
    request.save()
    _request_event(request, "content.declined", by, _requester(request), reason=reason)
    return request
