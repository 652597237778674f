"""Action items: what a department pair will do about a round's results (DESIGN §3.4, §4).

``action-items/`` lists and reads them (every member), managers create one for two
different departments of a round that has opened (409 ``round_draft`` before) and change
anything; the owner may move its status only (PATCH ``{"status": …}``; anything else is a
403). Done or dropped stamps ``completed_at``. The round and the department pair never
change. Never deleted: an unwanted item is dropped.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers

from accounts.models import Department, Membership
from collab_hub.api import IdFilter, ServiceViewSet, TenantModelSerializer
from feedback.models import OPEN_ACTION_STATUSES, ActionItem, ActionStatus, FeedbackRound
from feedback.services import actions as services

# Due dates outside these years are refused (400) rather than sent to the database.
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2999, 12, 31)
# Set when the item is created; never changed afterwards.
FIXED_FIELDS = ("round", "from_department", "to_department")


class ActionItemSerializer(TenantModelSerializer):
    """An action item as integrations see it."""

    round = serializers.PrimaryKeyRelatedField(
        queryset=FeedbackRound.objects.all(),
        help_text=_("The round whose results it answers (set once)."),
    )
    from_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), help_text=_("Set once.")
    )
    to_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(),
        help_text=_("Another department of the round (set once)."),
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Membership.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Membership id of an active member; told when given the item."),
    )
    status = serializers.ChoiceField(
        choices=ActionStatus.choices,
        required=False,
        help_text=_("open when created; its owner or a manager moves it."),
    )
    overdue = serializers.BooleanField(
        source="is_overdue",
        read_only=True,
        help_text=_("Open or in progress and past its due date."),
    )

    class Meta:
        model = ActionItem
        fields = [
            "id", "round", "from_department", "to_department", "title", "description",
            "owner", "due_date", "status", "overdue", "completed_at", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["completed_at", "created_at", "updated_at"]
        extra_kwargs = {
            "title": {"max_length": services.TITLE_MAX},
            "description": {"max_length": services.DESCRIPTION_MAX},
        }

    def validate_due_date(self, value: date | None) -> date | None:
        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            raise serializers.ValidationError(
                _("Choose a date between 1970 and 2999."), code="out_of_range"
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            if attrs.get("status", ActionStatus.OPEN) != ActionStatus.OPEN:
                raise serializers.ValidationError(
                    {"status": _("A new action item is open.")}, code="invalid_status"
                )
            return attrs
        for name in FIXED_FIELDS:
            if name in attrs and attrs[name] != getattr(self.instance, name):
                raise serializers.ValidationError(
                    {name: _("Set when the item is created; it does not change.")},
                    code="read_only",
                )
        return attrs


class ActionItemFilter(django_filters.FilterSet):
    round = IdFilter(field_name="round_id")
    owner = IdFilter(field_name="owner_id")
    status = django_filters.MultipleChoiceFilter(choices=ActionStatus.choices)
    from_department = IdFilter(field_name="from_department_id")
    to_department = IdFilter(field_name="to_department_id")
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("true: open or in progress and past the due date; false: every other item"),
    )

    class Meta:
        model = ActionItem
        fields = ["round", "owner", "status", "from_department", "to_department", "overdue"]

    def filter_overdue(self, qs: Any, name: str, value: Any) -> Any:
        if value is None:
            return qs
        late = Q(status__in=OPEN_ACTION_STATUSES, due_date__lt=timezone.localdate())
        return qs.filter(late) if value else qs.exclude(late)


class ActionItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ServiceViewSet,
):
    """Action items, the soonest due first. Every member reads them; managers create and
    change them; their owner moves their status."""

    queryset = ActionItem.objects.all()
    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilter
    ordering_fields = ["due_date", "created_at", "updated_at", "id"]
    ordering = ["due_date"]
    create_service = services.create_action_item
    update_service = services.update_action_item
    instance_arg = "item"
    # Who may change which field is the service's to say (status: the owner; anything:
    # managers); whoever may read an item gets that answer (403).
    write_policy = "feedback.view"
    policy = {
        "list": "feedback.view",
        "retrieve": "feedback.view",
        "create": "feedback.manage",
    }

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        values = dict(data)
        values.pop("status", None)
        values["feedback_round"] = values.pop("round")
        return values

    def update_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"data": {k: v for k, v in data.items() if k not in FIXED_FIELDS}}


ROUTES = [("action-items", ActionItemViewSet, "action-item")]
URLS: list[Any] = []
