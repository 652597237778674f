"""Reacts to the leads flow's ``deal.won`` without the leads flow knowing of it."""

from django.db import connection

# (verb, deal id, whether the handler ran inside the emitting transaction), per call.
RECEIVED: list[tuple[str, int | None, bool]] = []


def remember_won_deal(*, event, target) -> None:
    RECEIVED.append((event.verb, getattr(target, "pk", None), connection.in_atomic_block))


SUBSCRIPTIONS = [("deal.won", remember_won_deal)]


# Feature request ids the scratch flow "knows" (what the roadmap resolves for real).
KNOWN_FEATURE_IDS = {7, 8}


def refuse_unknown_feature_ids(*, event, target) -> None:
    """Like the roadmap on ``deal.lost``: an id it cannot resolve is a DomainError, which
    rolls the lose back. Subscribed by the tests that need it (tests/test_panels.py)."""
    from collab_hub.exceptions import DomainError

    unknown = set(event.payload.get("feature_request_ids", [])) - KNOWN_FEATURE_IDS
    if unknown:
        raise DomainError(
            f"No feature request {min(unknown)} on the roadmap.", code="unknown_feature_request"
        )
    RECEIVED.append((event.verb, getattr(target, "pk", None), connection.in_atomic_block))


def resolve_feature_ids_only(monkeypatch) -> None:
    """For one test: ``refuse_unknown_feature_ids`` is the only ``deal.lost`` subscriber (a
    real roadmap's would not know the scratch ids)."""
    from collab_hub.notifications import registry

    kept = [s for s in registry.subscriptions() if s.verb != "deal.lost"]
    monkeypatch.setattr(registry, "_subscriptions", kept)
    registry.subscribe("deal.lost", refuse_unknown_feature_ids, app="scratch")


def no_lost_subscribers(monkeypatch) -> None:
    """For one test: nobody listens to ``deal.lost`` (no flow resolves feature request ids)."""
    from collab_hub.notifications import registry

    kept = [s for s in registry.subscriptions() if s.verb != "deal.lost"]
    monkeypatch.setattr(registry, "_subscriptions", kept)
