"""The leads flow's API. Each module lists its viewsets in ``ROUTES`` (prefix, viewset,
basename) and any plain views in ``URLS``; ``collab_hub.api`` and ``collab_hub.urls`` mount
them under ``/api/v1/``."""

from leads.api import capture, collateral, config, deals, imports, leads, quality, reports

MODULES = [leads, config, capture, imports, deals, collateral, quality, reports]


def register(router) -> None:
    for module in MODULES:
        for prefix, viewset, basename in module.ROUTES:
            router.register(prefix, viewset, basename=basename)


def urlpatterns() -> list:
    return [pattern for module in MODULES for pattern in module.URLS]
