"""How handoffs hears about won deals without the leads flow knowing handoffs (the subscriber
registry, ``collab_hub.notifications.registry``), registered by ``HandoffsConfig``.

- ``deal.won``: the deal's handoff opens (``services.handoffs.open_handoff``), once per
  deal, inside the win's transaction: a win that fails leaves no handoff, a deal reopened
  and won again keeps the handoff it had.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handoffs.services.handoffs import open_handoff
from leads.models import Deal

if TYPE_CHECKING:
    from collab_hub.notifications.models import ActivityEvent


def on_deal_won(*, event: ActivityEvent, target: Any) -> None:
    if isinstance(target, Deal):
        open_handoff(deal=target, actor=event.actor)


SUBSCRIPTIONS = [
    ("deal.won", on_deal_won),
]
