"""Campaigns: marketing's spend that brings leads (its cost feeds the cost per won customer)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.policy import require
from collab_hub.changes import apply_changes
from collab_hub.exceptions import DomainError
from collab_hub.notifications.services import record_event
from leads.models import Campaign
from leads.services.config import check_bounds

if TYPE_CHECKING:
    from accounts.models import Membership

# What a person or an integration may set on a campaign.
CAMPAIGN_FIELDS = ("name", "channel", "cost", "starts_on", "ends_on")


def _require(by: Membership, campaign: Campaign | None = None) -> None:
    require(by, "campaigns.manage", campaign)


def _check(campaign: Campaign) -> None:
    if not (campaign.name or "").strip():
        raise DomainError(_("Name the campaign."), code="invalid_name")
    if campaign.cost is not None and Decimal(campaign.cost) < 0:
        raise DomainError(_("The cost cannot be negative."), code="invalid_cost")
    # Within the bounds the model declares (README "Bounds"), whoever calls.
    check_bounds(campaign, ["cost"])
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise DomainError(_("The campaign cannot end before it starts."), code="invalid_dates")


@transaction.atomic
def create_campaign(*, by: Membership, data: dict[str, Any]) -> Campaign:
    """Create a campaign in ``by``'s organization, owned by ``by``.

    Needs ``campaigns.manage`` (marketing, managers, admins). ``data`` holds keys of
    ``CAMPAIGN_FIELDS`` (others are ignored). Emits ``campaign.created``.
    """
    _require(by)
    fields = {key: value for key, value in data.items() if key in CAMPAIGN_FIELDS}
    campaign = Campaign(organization=by.organization, owner=by, **fields)
    campaign.name = campaign.name.strip()
    _check(campaign)
    campaign.save()
    record_event(
        organization=by.organization,
        actor=by,
        verb="campaign.created",
        target=campaign,
        payload={"channel": campaign.channel, "cost": str(campaign.cost)},
    )
    return campaign


@transaction.atomic
def update_campaign(*, by: Membership, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    """Change a campaign's name, channel, cost or dates. Needs ``campaigns.manage``; emits
    ``campaign.updated`` with the changed field names when anything changed."""
    _require(by, campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    changed = apply_changes(campaign, data, CAMPAIGN_FIELDS)
    campaign.name = campaign.name.strip()
    _check(campaign)
    if changed:
        campaign.save()
        record_event(
            organization=by.organization,
            actor=by,
            verb="campaign.updated",
            target=campaign,
            payload={"fields": sorted(changed)},
        )
    return campaign
