from django.utils.translation import gettext_lazy as _

# The module, not the class: Django picks the one AppConfig class defined here.
from collab_hub import plugins


class LeadsConfig(plugins.PluggableAppConfig):
    name = "leads"
    verbose_name = _("Leads and deals")
    policy = "leads.policy"
    events = "leads.events"
    api = "leads.api"
    navigation = "leads.navigation"
    home = "leads.home"
    panels = "leads.panels"
    demo = "leads.demo"
