"""Event types of the organization and its people, registered by ``AccountsConfig``."""

from django.utils.translation import gettext_lazy as _

from collab_hub.notifications.registry import EventType

EVENT_TYPES = [
    EventType(
        "organization.created",
        _("%(actor)s created the organization %(target)s"),
        _("A new organization was founded; its founder is its first admin."),
    ),
    EventType(
        "organization.updated",
        _("%(actor)s changed the organization's settings"),
        _("An admin changed the organization's name, currency, time zone or record visibility."),
        {"changes": {"currency": ["EUR", "PLN"]}},
    ),
    EventType(
        "department.created",
        _("%(actor)s created the department %(target)s"),
        _("An admin added a department."),
    ),
    EventType(
        "department.updated",
        _("%(actor)s changed the department %(target)s"),
        _("An admin renamed a department or changed its kind."),
        {"name": "Inside sales", "kind": "sales"},
    ),
    EventType(
        "department.deleted",
        _("%(actor)s removed the department %(target)s"),
        _("An admin removed an empty department."),
        {"name": "Inside sales"},
    ),
    EventType(
        "member.changed",
        _("%(actor)s changed the membership %(target)s"),
        _("An admin changed a member's role, department or activity; values are [old, new]."),
        {"role": ["member", "manager"], "department": [3, 4], "is_active": [True, False]},
    ),
    EventType(
        "invitation.sent",
        _("%(actor)s invited %(target)s"),
        _("An admin invited someone by email into a department and role."),
        {"email": "ana@example.com", "role": "member"},
    ),
    EventType(
        "invitation.revoked",
        _("%(actor)s revoked the invitation of %(target)s"),
        _("An admin withdrew a pending invitation."),
    ),
    EventType(
        "invitation.accepted",
        _("%(actor)s joined the organization"),
        _("An invited person accepted and became a member."),
    ),
    EventType(
        "api_key.created",
        _("%(actor)s created the API key %(target)s"),
        _("An admin created an organization API key for an integration (never the key itself)."),
        {
            "name": "CRM sync",
            "prefix": "chk_1a2b3c4d",
            "scopes": ["read", "leads:write"],
            "expires_at": None,
        },
    ),
    EventType(
        "api_key.updated",
        _("%(actor)s changed the API key %(target)s"),
        _("An admin renamed an API key or changed its scopes or expiry; values are [old, new]."),
        {"changes": {"scopes": [["read"], ["read", "leads:write"]]}},
    ),
    EventType(
        "api_key.revoked",
        _("%(actor)s revoked the API key %(target)s"),
        _("An admin revoked an API key: requests with it are refused from now on."),
        {"name": "CRM sync", "prefix": "chk_1a2b3c4d"},
    ),
]
