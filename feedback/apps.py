from django.utils.translation import gettext_lazy as _

# The module, not the class: Django picks the one AppConfig class defined here.
from collab_hub import plugins


class FeedbackConfig(plugins.PluggableAppConfig):
    name = "feedback"
    verbose_name = _("Feedback")
    policy = "feedback.policy"
    events = "feedback.events"
    api = "feedback.api"
    demo = "feedback.demo"
    navigation = "feedback.navigation"
    home = "feedback.home"
