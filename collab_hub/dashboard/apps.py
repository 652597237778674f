from django.utils.translation import gettext_lazy as _

# The module, not the class: Django picks the one AppConfig class defined here.
from collab_hub import plugins


class DashboardConfig(plugins.PluggableAppConfig):
    name = "collab_hub.dashboard"
    label = "dashboard"
    verbose_name = _("Dashboard")
    navigation = "collab_hub.dashboard.navigation"
