"""Who may discuss records, registered by ``NotificationsConfig``."""

from accounts.policy import Allow, everyone

RULES: dict[str, Allow] = {
    # Discussion on records a member can see (visibility is the tenancy queryset's job).
    "comments.create": everyone,
}
