from django.contrib.admin.apps import AdminConfig


class CollabHubAdminConfig(AdminConfig):
    """The Django admin, as a site organization admins may use for their own organization.

    Also the core's own ``AppConfig``: ``ready()`` registers the core's start-up checks.
    """

    default_site = "collab_hub.admin.TenantAdminSite"

    def ready(self) -> None:
        super().ready()
        from django.core import checks

        from collab_hub.checks import CHECK_TAGS, throttle_cache_check

        checks.register(throttle_cache_check, *CHECK_TAGS)

        from collab_hub import search

        # ``__search_contains``: accent-insensitive search on every database (collab_hub/search.py).
        search.install()
