from django.utils.translation import gettext_lazy as _

# The module, not the class: Django picks the one AppConfig class defined here.
from collab_hub import plugins


class AccountsConfig(plugins.PluggableAppConfig):
    name = "accounts"
    verbose_name = _("Organization and people")
    # The organization's own rules (configuration, people, reports) live in accounts.policy.
    policy = "accounts.policy"
    events = "accounts.events"
    api = "accounts.api"
    navigation = "accounts.navigation"
