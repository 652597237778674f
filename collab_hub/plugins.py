"""How an app plugs into the core: it declares what it contributes, the core registers it.

An app's ``AppConfig`` extends ``PluggableAppConfig`` and names the modules that hold its
contributions; ``ready()`` registers each one in its registry:

================  ===========================================  ==============================
attribute         the module defines                           registered with
================  ===========================================  ==============================
``policy``        ``RULES``: action → ``Allow``                ``accounts.policy``
``events``        ``EVENT_TYPES``: ``[EventType]``             ``notifications.registry``
``api``           ``ROUTES``: ``[(prefix, viewset, basename)]``  ``collab_hub.api``
                  and optionally ``URLS`` (plain API views)
``navigation``    ``NAVIGATION``: ``[NavEntry]``               ``collab_hub.navigation``
``subscribers``   ``SUBSCRIPTIONS``: ``[(verb, handler)]``     ``notifications.registry``
``home``          ``HOME_ITEMS``: ``[HomeProvider]``           ``collab_hub.home``
                  ("my work" on the home page)
``panels``        ``PANELS``: ``[Panel]`` for other apps'      ``collab_hub.panels``
                  pages, and optionally ``SLOTS``: the slots
                  its own pages offer (name → description)
``demo``          ``DEMO_STEPS``: idempotent seeding steps     ``manage.py demo``
================  ===========================================  ==============================

Leave an attribute empty when the app contributes nothing of that kind. The app's pages are
the one thing it does not register: ``collab_hub/urls.py`` includes its ``urls.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.apps import AppConfig, apps
from django.core import checks

from collab_hub.home import check_home_items
from collab_hub.navigation import check_navigation
from collab_hub.notifications.registry import check_subscriptions
from collab_hub.panels import check_panels

checks.register(check_subscriptions)
checks.register(check_navigation)
checks.register(check_home_items)
checks.register(check_panels)


class PluggableAppConfig(AppConfig):
    """An ``AppConfig`` whose ``ready()`` registers the app's declared contributions."""

    policy = ""
    events = ""
    api = ""
    navigation = ""
    subscribers = ""
    home = ""
    panels = ""
    demo = ""

    def ready(self) -> None:
        from accounts.policy import register_rules
        from collab_hub.api import register_api
        from collab_hub.home import register_home_items
        from collab_hub.navigation import register_navigation
        from collab_hub.notifications.registry import register_event_types, subscribe
        from collab_hub.panels import register_panels, register_slots

        app = self.label
        if self.policy:
            register_rules(import_module(self.policy).RULES, app=app)
        if self.events:
            register_event_types(import_module(self.events).EVENT_TYPES, app=app)
        if self.api:
            module = import_module(self.api)
            register_api(module.ROUTES, urls=getattr(module, "URLS", ()), app=app)
        if self.navigation:
            register_navigation(import_module(self.navigation).NAVIGATION, app=app)
        if self.subscribers:
            for verb, handler in import_module(self.subscribers).SUBSCRIPTIONS:
                subscribe(verb, handler, app=app)
        if self.home:
            register_home_items(import_module(self.home).HOME_ITEMS, app=app)
        if self.panels:
            module = import_module(self.panels)
            register_slots(getattr(module, "SLOTS", {}), app=app)
            register_panels(getattr(module, "PANELS", ()), app=app)


def demo_steps() -> list[Callable[[Any], None]]:
    """The apps' demo seeding steps, in the order of INSTALLED_APPS (``manage.py demo``)."""
    return [
        step
        for config in apps.get_app_configs()
        if isinstance(config, PluggableAppConfig) and config.demo
        for step in import_module(config.demo).DEMO_STEPS
    ]
