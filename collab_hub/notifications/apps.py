from django.utils.translation import gettext_lazy as _

# The module, not the class: Django picks the one AppConfig class defined here.
from collab_hub import plugins


class NotificationsConfig(plugins.PluggableAppConfig):
    name = "collab_hub.notifications"
    label = "notifications"
    verbose_name = _("Activity and notifications")
    policy = "collab_hub.notifications.policy"
    events = "collab_hub.notifications.events"
    api = "collab_hub.notifications.api"
