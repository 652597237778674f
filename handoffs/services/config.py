"""The organization's handoff configuration (admins, ``handoffs.configure``): the settings
row (acceptance SLA, upsell answer window, CS credit share) and the checklist templates per
tier.

Configuration applies to what happens next: a new SLA to handoffs submitted from now on, a
template to handoffs opened from now on (a handoff copies its template's items when it
opens). Like the tier weights of the roadmap, these changes record no activity event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership
from accounts.policy import require
from collab_hub.changes import apply_changes
from collab_hub.exceptions import DomainError
from handoffs.models import ChecklistTemplate, ChecklistTemplateItem, HandoffSettings
from handoffs.services.accounts import settings_for
from leads.models import Tier
from leads.services.config import check_bounds

SETTINGS_FIELDS = ("acceptance_sla_hours", "upsell_response_days", "cs_credit_percent")
TEMPLATE_FIELDS = ("name", "tier")
NAME_MAX = 100
TITLE_MAX = 200
ITEMS_MAX = 100


@transaction.atomic
def update_handoff_settings(*, by: Membership, data: dict[str, Any]) -> HandoffSettings:
    """Change the organization's CS acceptance SLA (hours, 1–8760), the days sales has to
    answer an upsell signal (1–365) or the CS share of an expansion deal's credit (0–100 %).
    The row is created on first use; keys other than ``SETTINGS_FIELDS`` are ignored. An
    out-of-range or non-numeric value is a ``DomainError`` (400 ``out_of_range`` /
    ``invalid``) naming the field, and nothing changes. Policy ``handoffs.configure``."""
    require(by, "handoffs.configure")
    current = settings_for(by.organization_id)
    settings = HandoffSettings.objects.select_for_update().get(pk=current.pk)
    for name in SETTINGS_FIELDS:
        if name in data and data[name] in (None, ""):
            raise DomainError(_("This field is required."), code=f"{name}_required", field=name)
    changes = apply_changes(settings, data, SETTINGS_FIELDS)
    check_bounds(settings, changes)
    if changes:
        settings.save()
    return settings


def _clean_name(value: Any) -> str:
    name = str(value if value is not None else "").strip()
    if not name:
        raise DomainError(_("This field is required."), code="name_required", field="name")
    if len(name) > NAME_MAX:
        raise DomainError(
            _("At most %(n)d characters.") % {"n": NAME_MAX}, code="invalid_name", field="name"
        )
    return name


def _check_tier(template: ChecklistTemplate, tier: Tier | None) -> None:
    """The tier is the organization's and has no other template; one default (no tier)."""
    others = ChecklistTemplate.objects.for_org(template.organization_id).exclude(pk=template.pk)
    if tier is None:
        if others.filter(tier__isnull=True).exists():
            raise DomainError(
                _("The organization has a default checklist already; choose a tier."),
                code="duplicate_template",
                field="tier",
            )
        return
    if tier.organization_id != template.organization_id:
        raise DomainError(
            _("Choose a tier of your organization."), code="invalid_tier", field="tier"
        )
    if others.filter(tier=tier).exists():
        raise DomainError(
            _("This tier has a checklist template already."),
            code="duplicate_template",
            field="tier",
        )


@transaction.atomic
def create_checklist_template(
    *, by: Membership, data: dict[str, Any], items: Sequence[dict[str, Any]] | None = None
) -> ChecklistTemplate:
    """A checklist template for a tier (``data["tier"]``; none: the default for companies
    without a tier or tiers without a template), named ``data["name"]`` (required), with
    ``items`` (see ``set_template_items``). One template per tier and one default (400
    ``duplicate_template``). Policy ``handoffs.configure``."""
    require(by, "handoffs.configure")
    template = ChecklistTemplate(organization_id=by.organization_id)
    template.name = _clean_name(data.get("name"))
    tier = data.get("tier")
    _check_tier(template, tier)
    template.tier = tier
    template.save()
    if items:
        set_template_items(by=by, template=template, items=items)
    return template


@transaction.atomic
def update_checklist_template(
    *, by: Membership, template: ChecklistTemplate, data: dict[str, Any]
) -> ChecklistTemplate:
    """Rename a template or move it to another tier (the rules of
    ``create_checklist_template``). Handoffs opened already keep their checklists. Policy
    ``handoffs.configure``."""
    require(by, "handoffs.configure", template)
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    cleaned: dict[str, Any] = {}
    if "name" in data:
        cleaned["name"] = _clean_name(data["name"])
    if "tier" in data:
        _check_tier(template, data["tier"])
        cleaned["tier"] = data["tier"]
    if apply_changes(template, cleaned, TEMPLATE_FIELDS):
        template.save()
    return template


@transaction.atomic
def delete_checklist_template(*, by: Membership, template: ChecklistTemplate) -> None:
    """Delete a template and its items; handoffs opened already keep their checklists. Policy
    ``handoffs.configure``."""
    require(by, "handoffs.configure", template)
    template.delete()


@transaction.atomic
def set_template_items(
    *, by: Membership, template: ChecklistTemplate, items: Sequence[dict[str, Any]]
) -> list[ChecklistTemplateItem]:
    """Make ``items`` the template's checklist, in order of their ``position`` (then as
    given): each ``{"title", "required", "position"}``, with the ``id`` of an item of this
    template to change it (other ids are a 400 ``invalid_item``); the template's items not
    listed are removed. Titles are required (at most 200 characters), at most 100 items.
    Returns the items in order. Policy ``handoffs.configure``."""
    require(by, "handoffs.configure", template)
    if len(items) > ITEMS_MAX:
        raise DomainError(
            _("A checklist has at most %(n)d items.") % {"n": ITEMS_MAX},
            code="too_many_items",
            field="items",
        )
    existing = {item.pk: item for item in ChecklistTemplateItem.objects.filter(template=template)}
    ordered = sorted(
        enumerate(items), key=lambda pair: (int(pair[1].get("position") or 0), pair[0])
    )
    result: list[ChecklistTemplateItem] = []
    for index, (_given, data) in enumerate(ordered, start=1):
        title = str(data.get("title") or "").strip()
        if not title or len(title) > TITLE_MAX:
            raise DomainError(
                _("Each item needs a title of at most %(n)d characters.") % {"n": TITLE_MAX},
                code="invalid_item",
                field="items",
            )
        pk = data.get("id")
        if pk is not None and pk not in existing:
            raise DomainError(_("Unknown checklist item."), code="invalid_item", field="items")
        item = existing[pk] if pk is not None else ChecklistTemplateItem(template=template)
        item.title = title
        item.required = bool(data.get("required"))
        item.position = int(data.get("position") or index)
        item.save()
        result.append(item)
    ChecklistTemplateItem.objects.filter(template=template).exclude(
        pk__in=[item.pk for item in result]
    ).delete()
    return result
