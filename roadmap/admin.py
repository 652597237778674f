"""Admin screens of the sales ↔ product flow: feature requests (statuses through the status
machine) and the tier weights of the priority score. ``TenantAdmin`` scopes everything and
every write goes through ``roadmap.services``."""

from django.contrib import admin

from collab_hub.admin import TenantAdmin
from roadmap import services
from roadmap.models import FeatureRequest, TierWeight


@admin.register(FeatureRequest)
class FeatureRequestAdmin(TenantAdmin):
    """Requests: details through ``update_feature_request``, a new status through
    ``change_status`` (an illegal move is refused with the service's message)."""

    deletes = False
    list_display = ["title", "status", "owner", "effort", "target_release", "merged_into"]
    list_filter = ["status"]
    search_fields = ["title"]
    fields = ["title", "description", "status", "owner", "target_release", "effort"]

    def get_readonly_fields(self, request, obj=None):
        # A new request starts as "new"; a merged one no longer changes.
        if obj is None:
            return ["status"]
        if obj.merged_into_id:
            return self.fields
        return []

    def save_with_service(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if not change:
            saved = services.create_feature_request(
                by=request.membership,
                title=form.cleaned_data["title"],
                description=form.cleaned_data.get("description", ""),
                owner=form.cleaned_data.get("owner"),
                target_release=form.cleaned_data.get("target_release", ""),
                effort=form.cleaned_data.get("effort"),
            )
        else:
            status = data.pop("status", None)
            current = FeatureRequest.objects.get(pk=obj.pk)
            saved = services.update_feature_request(
                by=request.membership, feature_request=current, data=data
            )
            if status:
                saved = services.change_status(
                    by=request.membership, feature_request=saved, status=status
                )
        obj.pk = saved.pk
        form.instance = saved


@admin.register(TierWeight)
class TierWeightAdmin(TenantAdmin):
    """How much each customer tier counts in the priority score (default 1.0)."""

    deletes = False
    list_display = ["tier", "weight"]
    fields = ["tier", "weight"]

    def save_with_service(self, request, obj, form, change):
        saved = services.set_tier_weight(
            by=request.membership,
            tier=form.cleaned_data["tier"],
            weight=form.cleaned_data["weight"],
        )
        obj.pk = saved.pk
        form.instance = saved
