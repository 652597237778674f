"""The dashboard's sidebar entry, registered by ``DashboardConfig``."""

from django.utils.translation import gettext_lazy as _

from collab_hub.navigation import NavEntry

NAVIGATION = [NavEntry(_("Dashboard"), "home", icon="home", section="main", order=0)]
