"""Admin screens of cross-department feedback. ``TenantAdmin`` scopes every list and choice to
the admin's organization, and every write goes through ``feedback.services``.

Organization admins schedule rounds here (created and changed through
``create_round``/``update_round``, opened and closed with the "Open now"/"Close now"
actions, as on the round's page) and follow up on action items (``update_action_item``).

**Anonymity.** Responses are not in the admin at all: a round's results are read on its
results page, through ``feedback.selectors.results`` and its minimum per cell. Participants
are not either (who was asked, in the order they were added, next to the results could
hint at who answered what); a round shows only how many took part and how many answered.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from collab_hub.admin import TenantAdmin
from collab_hub.exceptions import DomainError
from feedback.models import OPEN_ACTION_STATUSES, ActionItem, FeedbackRound, RoundStatus
from feedback.services import actions, rounds

ROUND_FORM_FIELDS = ["name", "opens_at", "closes_at", "departments", "anonymous", "min_responses"]
# What may still change once a round is open (``update_round``).
OPEN_ROUND_FIELDS = {"name", "closes_at"}


@admin.register(FeedbackRound)
class FeedbackRoundAdmin(TenantAdmin):
    """Rounds: a draft is edited freely, an open round's name and closing time only, a
    closed round is read-only. Rounds are kept (their results and action items refer to
    them), never deleted."""

    deletes = False
    list_display = [
        "name", "status", "opens_at", "closes_at", "anonymous", "min_responses",
        "participants_count", "completed_count",
    ]  # fmt: skip
    list_filter = ["status", "anonymous"]
    search_fields = ["name"]
    date_hierarchy = "opens_at"
    fields = [
        *ROUND_FORM_FIELDS, "status", "created_by", "opened_at", "reminded_at", "closed_at",
    ]  # fmt: skip
    readonly_fields = ["status", "created_by", "opened_at", "reminded_at", "closed_at"]
    filter_horizontal = ["departments"]
    actions = ["open_now", "close_now"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                participants_total=Count("participants", distinct=True),
                participants_done=Count(
                    "participants", filter=Q(participants__completed=True), distinct=True
                ),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None or obj.status == RoundStatus.DRAFT:
            return self.readonly_fields
        if obj.status == RoundStatus.OPEN:
            return [
                *self.readonly_fields,
                *(f for f in ROUND_FORM_FIELDS if f not in OPEN_ROUND_FIELDS),
            ]
        return self.fields

    @admin.display(description=_("participants"), ordering="participants_total")
    def participants_count(self, obj):
        return obj.participants_total

    @admin.display(description=_("answered"), ordering="participants_done")
    def completed_count(self, obj):
        return obj.participants_done

    def save_with_service(self, request, obj, form, change):
        if change:
            data = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in ROUND_FORM_FIELDS
            }
            saved = rounds.update_round(by=request.membership, feedback_round=obj, data=data)
        else:
            data = {name: form.cleaned_data[name] for name in ROUND_FORM_FIELDS}
            saved = rounds.create_round(by=request.membership, **data)
        obj.pk = saved.pk
        form.instance = saved

    def save_related(self, request, form, formsets, change):
        """The participating departments are set by the service, not by the form."""

    def _transition(self, request, queryset, service, done_message):
        done = 0
        for feedback_round in queryset.order_by("pk"):
            try:
                service(by=request.membership, feedback_round=feedback_round)
            except DomainError as error:
                self.message_user(
                    request, f"{feedback_round.name}: {error.message}", level=messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done))

    @admin.action(description=_("Open now"))
    def open_now(self, request, queryset):
        """Open the selected drafts now: their participants are taken and told."""
        self._transition(
            request,
            queryset,
            rounds.open_round,
            lambda n: (
                ngettext("%(count)d round opened.", "%(count)d rounds opened.", n) % {"count": n}
            ),
        )

    @admin.action(description=_("Close now"))
    def close_now(self, request, queryset):
        """Close the selected open rounds now: answers are no longer taken."""
        self._transition(
            request,
            queryset,
            rounds.close_round,
            lambda n: (
                ngettext("%(count)d round closed.", "%(count)d rounds closed.", n) % {"count": n}
            ),
        )


class OverdueFilter(admin.SimpleListFilter):
    title = _("due date")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                status__in=OPEN_ACTION_STATUSES, due_date__lt=timezone.localdate()
            )
        return queryset


@admin.register(ActionItem)
class ActionItemAdmin(TenantAdmin):
    """What a department pair will do about a round's results: created for a pair of an
    opened round (``create_action_item``), then changed through ``update_action_item`` (its
    round and pair stay). Kept, never deleted: done or dropped instead."""

    deletes = False
    list_display = [
        "title", "round", "from_department", "to_department", "owner", "due_date", "status",
        "overdue",
    ]  # fmt: skip
    list_filter = [
        "status",
        OverdueFilter,
        # Only the rounds and owners of the listed (the organization's) items.
        ("round", admin.RelatedOnlyFieldListFilter),
        ("owner", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "description"]
    list_select_related = ["round", "from_department", "to_department", "owner__user"]
    fields = [
        "round", "from_department", "to_department", "title", "description", "owner",
        "due_date", "status", "created_by", "completed_at", "overdue_notified_at",
    ]  # fmt: skip
    readonly_fields = ["created_by", "completed_at", "overdue_notified_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return [*self.readonly_fields, "status"]
        return ["round", "from_department", "to_department", *self.readonly_fields]

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue

    def save_with_service(self, request, obj, form, change):
        if change:
            data = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in actions.ITEM_FIELDS
            }
            saved = actions.update_action_item(by=request.membership, item=obj, data=data)
        else:
            cleaned = form.cleaned_data
            saved = actions.create_action_item(
                by=request.membership,
                feedback_round=cleaned["round"],
                from_department=cleaned["from_department"],
                to_department=cleaned["to_department"],
                title=cleaned["title"],
                description=cleaned.get("description") or "",
                owner=cleaned.get("owner"),
                due_date=cleaned.get("due_date"),
            )
        obj.pk = saved.pk
        form.instance = saved
