from django.contrib.admin.apps import AdminConfig


class CollabHubAdminConfig(AdminConfig):
    """The Django admin, as a site organization admins may use for their own organization."""

    default_site = "collab_hub.admin.TenantAdminSite"
