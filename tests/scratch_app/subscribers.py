"""Reacts to the leads flow's ``deal.won`` without the leads flow knowing of it."""

from django.db import connection

# (verb, deal id, whether the handler ran inside the emitting transaction), per call.
RECEIVED: list[tuple[str, int | None, bool]] = []


def remember_won_deal(*, event, target) -> None:
    RECEIVED.append((event.verb, getattr(target, "pk", None), connection.in_atomic_block))


SUBSCRIPTIONS = [("deal.won", remember_won_deal)]
