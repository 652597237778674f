"""How roadmap hears about deals without the leads flow knowing roadmap (the subscriber
registry, ``collab_hub.notifications.registry``), registered by ``RoadmapConfig``.

- ``deal.lost``: the features it lacked become ``lost`` demands (``services.record_lost_deal``):
  ``feature_request_ids`` of the payload are the organization's requests, ``missing_features``
  names are matched case- and accent-insensitively or become ``new`` requests. The deal's
  other blocking demands end.
- ``deal.won``: the deal's blocking demands stop blocking (kept as history).

Handlers run inside the emitting service's transaction: an unknown feature request id
raises ``DomainError`` and the loss is rolled back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leads.models import Deal
from roadmap import services

if TYPE_CHECKING:
    from collab_hub.notifications.models import ActivityEvent


def on_deal_lost(*, event: ActivityEvent, target: Any) -> None:
    if not isinstance(target, Deal):
        return
    payload = event.payload or {}
    services.record_lost_deal(
        deal=target,
        actor=event.actor,
        feature_request_ids=list(payload.get("feature_request_ids") or ()),
        names=[str(name) for name in payload.get("missing_features") or ()],
    )


def on_deal_won(*, event: ActivityEvent, target: Any) -> None:
    if isinstance(target, Deal):
        services.end_blocking_demands_of_won_deal(deal=target)


SUBSCRIPTIONS = [
    ("deal.lost", on_deal_lost),
    ("deal.won", on_deal_won),
]
