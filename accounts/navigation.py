"""The organization's sidebar entries (people, departments, settings), registered by
``AccountsConfig``."""

from django.utils.translation import gettext_lazy as _

from collab_hub.navigation import NavEntry

NAVIGATION = [
    NavEntry(
        _("People"),
        "people",
        icon="people",
        section="organization",
        order=10,
        active=("invite_member", "member_edit"),
    ),
    NavEntry(
        _("Departments"),
        "home",
        icon="departments",
        section="organization",
        order=20,
        fragment="#departments",
        active=("department_detail", "department_edit", "department_create"),
    ),
    NavEntry(
        _("Settings"),
        "admin:index",
        icon="settings",
        section="organization",
        order=30,
        permission="organization.configure",
    ),
]
