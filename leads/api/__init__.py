"""The leads flow's API. Each module lists its viewsets in ``ROUTES`` (prefix, viewset,
basename) and any plain views in ``URLS``; ``LeadsConfig.ready`` mounts them under
``/api/v1/`` through ``collab_hub.api.register_api``."""

from leads.api import capture, collateral, config, deals, imports, leads, quality, reports

MODULES = [leads, config, capture, imports, deals, collateral, quality, reports]

ROUTES = [route for module in MODULES for route in module.ROUTES]
URLS = [pattern for module in MODULES for pattern in module.URLS]
