from django.contrib import admin

from collab_hub.admin import TenantAdmin
from collab_hub.notifications.models import ActivityEvent


@admin.register(ActivityEvent)
class ActivityEventAdmin(TenantAdmin):
    """The organization's audit trail: read-only."""

    list_display = ["created_at", "verb", "actor", "target_label"]
    list_filter = ["verb"]
    search_fields = ["verb", "target_label"]
    list_select_related = ["actor__user"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "verb", "actor", "target_label", "payload"]
    fields = readonly_fields
    saves = False
    deletes = False
