"""The catalogue of event types and the domain-event subscribers, filled by the apps.

**Event types.** Each app declares what it emits in ``<app>/events.py`` as a list of
``EventType`` (dotted verb, the sentence people read, a short description and an example
payload) and registers it in its ``AppConfig.ready``. ``record_event`` refuses a verb that is
not in the catalogue, so the inbox, emails, the API and (later) webhooks and ``events/types/``
always have a sentence and a description for what they show.

**Subscribers.** A later flow reacts to an earlier one without the earlier one importing it::

    subscribe("deal.won", open_handoff_for_won_deal, app="handoffs")

After ``record_event`` stored an event, it calls every handler subscribed to the verb with
``event`` (the stored ``ActivityEvent``) and ``target`` (the model instance the event is
about, or None), inside the emitting service's transaction: a handler that raises rolls the
whole action back. Handlers are service calls, run in subscription order. Not Django signals:
this is the one registry, and ``subscriptions()`` lists it (``manage.py check`` verifies
that every subscribed verb is a registered event type).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.db import models
    from django.utils.functional import Promise

    from collab_hub.notifications.models import ActivityEvent


@dataclass(frozen=True)
class EventType:
    """One kind of event: ``verb`` (``"deal.won"``), the sentence people read
    (``%(actor)s`` and ``%(target)s`` placeholders), a description for integrators and an
    example of its payload.

    Optional: ``notice``, the sentence a *recipient* reads in their inbox and email when it
    differs from the feed's ("%(actor)s mentioned you on %(target)s" for a comment), and
    ``link``, where an event without a target leads (``link(event) -> path or None``; an
    event about a record links to that record's page, see ``selectors.record_url``), and
    ``in_activity``: False for a type that is only a message to its recipients (a digest of
    other events), which the organization's activity feed leaves out.
    """

    verb: str
    sentence: Promise | str
    description: Promise | str
    payload: Mapping[str, Any] = field(default_factory=dict)
    app: str = ""
    notice: Promise | str = ""
    link: Callable[[ActivityEvent], str | None] | None = None
    in_activity: bool = True


class Handler(Protocol):
    def __call__(self, *, event: ActivityEvent, target: models.Model | None) -> None: ...


@dataclass(frozen=True)
class Subscription:
    verb: str
    handler: Callable[..., None]
    app: str

    @property
    def name(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


_event_types: dict[str, EventType] = {}
_subscriptions: list[Subscription] = []


def register_event_types(types: Iterable[EventType], *, app: str) -> None:
    """Add ``app``'s event types to the catalogue (from its ``AppConfig.ready``).

    A verb registered twice, or one that is not ``noun.verb`` in lower case, is an
    ``ImproperlyConfigured`` error at start-up.
    """
    for event_type in types:
        verb = event_type.verb
        if verb in _event_types:
            raise ImproperlyConfigured(
                f"Event type {verb!r} of {app!r} is already registered by "
                f"{_event_types[verb].app!r}."
            )
        noun, _dot, action = verb.partition(".")
        if not noun or not action or verb != verb.lower() or " " in verb:
            raise ImproperlyConfigured(f"Event type {verb!r} of {app!r} is not 'noun.verb'.")
        _event_types[verb] = EventType(
            verb=verb,
            sentence=event_type.sentence,
            description=event_type.description,
            payload=dict(event_type.payload),
            app=app,
            notice=event_type.notice,
            link=event_type.link,
            in_activity=event_type.in_activity,
        )


def event_type(verb: str) -> EventType | None:
    """The registered type of ``verb``, or None."""
    return _event_types.get(verb)


def event_types() -> list[EventType]:
    """The whole catalogue, ordered by verb."""
    return [_event_types[verb] for verb in sorted(_event_types)]


def subscribe(verb: str, handler: Callable[..., None], *, app: str) -> None:
    """Call ``handler(event=..., target=...)`` inside the transaction of every ``verb`` event.

    Subscribing the same handler to the same verb twice is an error (it would run twice).
    """
    if any(s.verb == verb and s.handler is handler for s in _subscriptions):
        raise ImproperlyConfigured(f"{handler!r} is already subscribed to {verb!r}.")
    _subscriptions.append(Subscription(verb=verb, handler=handler, app=app))


def unsubscribe(verb: str, handler: Callable[..., None]) -> None:
    """Remove a subscription (tests that subscribe a handler of their own)."""
    _subscriptions[:] = [s for s in _subscriptions if not (s.verb == verb and s.handler is handler)]


def subscriptions() -> list[Subscription]:
    """Every subscription, in the order handlers run."""
    return list(_subscriptions)


def publish(event: ActivityEvent, target: models.Model | None) -> None:
    """Run the handlers subscribed to ``event.verb`` (``record_event`` calls this)."""
    for subscription in _subscriptions:
        if subscription.verb == event.verb:
            subscription.handler(event=event, target=target)


def check_subscriptions(**kwargs: Any) -> list[Any]:
    """System check: every subscription names a registered event type."""
    from django.core import checks

    return [
        checks.Error(
            f"{s.name} ({s.app}) is subscribed to {s.verb!r}, which no app registers.",
            id="notifications.E001",
        )
        for s in _subscriptions
        if s.verb not in _event_types
    ]
