from django.utils.translation import gettext_lazy as _

# The module, not the class: Django picks the one AppConfig class defined here.
from collab_hub import plugins


class HandoffsConfig(plugins.PluggableAppConfig):
    name = "handoffs"
    verbose_name = _("Handoffs")
    policy = "handoffs.policy"
    events = "handoffs.events"
    api = "handoffs.api"
    subscribers = "handoffs.subscribers"
    demo = "handoffs.demo"
    navigation = "handoffs.navigation"
    home = "handoffs.home"
    panels = "handoffs.panels"
