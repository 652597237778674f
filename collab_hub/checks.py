"""Start-up checks of the deployment (``manage.py check``, ``migrate``, ``runserver``…).

``throttle_cache_check``: the API throttles (``collab_hub.throttling``) and allauth's login
limits count in the default cache. A local-memory cache is one per process: with
two gunicorn workers the 30/min capture limit let about 60 through. With ``DEBUG`` off (a
deployment), a local-memory or dummy default cache is a warning; set ``REDIS_URL``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning

# Backends whose counters do not hold across processes: check id, what happens then.
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": (
        "W001",
        "are kept in each process on its own, so every worker process allows the full rate",
    ),
    "django.core.cache.backends.dummy.DummyCache": (
        "W002",
        "are never kept, so nothing is limited",
    ),
}


def throttle_cache_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when, outside DEBUG, the default cache does not hold counters across processes."""
    if settings.DEBUG:
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PER_PROCESS_CACHES:
        return []
    check_id, consequence = PER_PROCESS_CACHES[backend]
    return [
        Warning(
            f"The default cache is {backend.rsplit('.', 1)[-1]}: the counters of API "
            f"throttles and login limits {consequence}.",
            hint="Set REDIS_URL so that every process shares one cache (see the README).",
            obj="CACHES['default']",
            id=f"collab_hub.{check_id}",
        )
    ]


# Tags: the cache, and security (limits that do not hold are a security finding).
CHECK_TAGS = (Tags.caches, Tags.security)
