from django.utils.translation import gettext_lazy as _

# The module, not the class: Django picks the one AppConfig class defined here.
from collab_hub import plugins


class RoadmapConfig(plugins.PluggableAppConfig):
    name = "roadmap"
    verbose_name = _("Roadmap")
    policy = "roadmap.policy"
    events = "roadmap.events"
    api = "roadmap.api"
    subscribers = "roadmap.subscribers"
    demo = "roadmap.demo"
    navigation = "roadmap.navigation"
    home = "roadmap.home"
    panels = "roadmap.panels"
