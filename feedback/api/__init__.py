"""Cross-department feedback's API (DESIGN §4), mounted by ``FeedbackConfig``. Each module
lists its viewsets in ``ROUTES`` (prefix, viewset, basename) and its nested lists in ``URLS``.

* ``feedback-rounds/`` (+ ``open/``, ``close/``, ``results/``) and
  ``feedback-rounds/<id>/responses/`` — ``feedback.api.rounds``;
* ``action-items/`` — ``feedback.api.actions``;
* ``collaboration-health/`` — ``feedback.api.health``.
"""

from feedback.api import actions, health, rounds

MODULES = [rounds, actions, health]

ROUTES = [route for module in MODULES for route in module.ROUTES]
URLS = [pattern for module in MODULES for pattern in module.URLS]
