"""The sales ↔ customer-success flow's API (DESIGN §4), mounted by ``HandoffsConfig``."""

from handoffs.api import reports

MODULES = [reports]

ROUTES = [route for module in MODULES for route in module.ROUTES]
URLS = [pattern for module in MODULES for pattern in module.URLS]
