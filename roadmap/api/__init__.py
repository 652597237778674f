"""The sales ↔ product flow's API (DESIGN §4). Each module lists its viewsets in ``ROUTES``
(prefix, viewset, basename) and its nested lists in ``URLS``; ``RoadmapConfig`` mounts them
under ``/api/v1/`` through ``collab_hub.api.register_api``.

* ``feature-requests/`` (+ ``status/``, ``merge/``, ``impact/``) and
  ``feature-requests/<id>/demands/`` — ``roadmap.api.feature_requests``;
* ``promises/`` (+ ``approve/``, ``decline/``) and ``deals/<id>/promises/`` —
  ``roadmap.api.promises``.
"""

from roadmap.api import feature_requests, promises

MODULES = [feature_requests, promises]

ROUTES = [route for module in MODULES for route in module.ROUTES]
URLS = [pattern for module in MODULES for pattern in module.URLS]
