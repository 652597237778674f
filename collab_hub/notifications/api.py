"""API: the activity feed, the member's notifications, and discussion threads."""

from __future__ import annotations

from typing import Any

import django_filters
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from collab_hub.api import (
    IdFilter,
    ReadOnlyModelSerializer,
    ReadOnlySerializer,
    TenantModelSerializer,
    TenantSerializer,
    TenantViewSet,
)
from collab_hub.notifications import selectors, services
from collab_hub.notifications.models import ActivityEvent, Comment, Notification

# The largest id a PositiveBigIntegerField holds; a larger one is a 400, not a database error.
MAX_ID = 2**63 - 1


class ActorField(ReadOnlySerializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="user.display_name")


class TargetTypeField(serializers.CharField):
    """A content type as ``"app_label.model"`` (read from the id: no query per row)."""

    def get_attribute(self, instance):
        return instance.target_type_id

    def to_representation(self, value):
        return selectors.target_type_label(value)


class RecordUrlField(serializers.URLField):
    """The absolute address of the page of the event's record (``SITE_URL``-based), or null
    when the record no longer exists or has no page. The record is prefetched by the view."""

    def get_attribute(self, instance):
        return instance if isinstance(instance, ActivityEvent) else instance.event

    def to_representation(self, value):
        path = selectors.record_url(value)
        return selectors.absolute_url(path) if path else None


RECORD_URL_HELP = _(
    "The page of the record this is about, or null when the record no longer exists."
)


class EventSerializer(ReadOnlyModelSerializer):
    actor = ActorField(read_only=True, allow_null=True)
    target_type = TargetTypeField(read_only=True, allow_null=True)
    description = serializers.CharField(
        read_only=True, help_text=_("What happened, in one sentence in your language.")
    )
    url = RecordUrlField(read_only=True, allow_null=True, help_text=RECORD_URL_HELP)

    class Meta:
        model = ActivityEvent
        fields = [
            "id",
            "verb",
            "description",
            "actor",
            "target_type",
            "target_id",
            "target_label",
            "url",
            "payload",
            "created_at",
        ]


class NotificationSerializer(ReadOnlyModelSerializer):
    event = EventSerializer(read_only=True)
    description = serializers.CharField(
        read_only=True,
        help_text=_('What happened, as you read it ("Ana mentioned you on …"), in your language.'),
    )
    url = RecordUrlField(read_only=True, allow_null=True, help_text=RECORD_URL_HELP)

    class Meta:
        model = Notification
        fields = ["id", "description", "url", "event", "created_at", "read_at"]


class MarkReadSerializer(TenantSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=1000,
        help_text=_("Notifications to mark read; leave out to mark all of them read."),
    )


class CommentSerializer(TenantModelSerializer):
    author = ActorField(read_only=True)
    target_type = TargetTypeField(help_text=_('"app_label.model", e.g. "leads.lead".'))
    target_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    mentions: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Comment
        fields = ["id", "target_type", "target_id", "author", "body", "mentions", "created_at"]
        read_only_fields = ["id", "author", "mentions", "created_at"]

    def validate_target_type(self, value: str) -> str:
        if selectors.commentable_model(value) is None:
            raise serializers.ValidationError(NOT_COMMENTABLE)
        return value


NOT_COMMENTABLE = _("Not a kind of record that has a discussion.")


def commentable_model(label: str):
    """The commentable model named ``label``, or a 400 naming the ``target_type`` field."""
    model = selectors.commentable_model(label)
    if model is None:
        raise exceptions.ValidationError({"target_type": [NOT_COMMENTABLE]})
    return model


def id_param(params, name: str) -> int:
    """The query parameter ``name`` as a record id, or a 400 naming it."""
    try:
        value = int(params.get(name, ""))
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ID:
        raise exceptions.ValidationError({name: [_("A record id.")]})
    return value


TARGET_PARAMETERS = [
    OpenApiParameter(
        "target_type", OpenApiTypes.STR, description=_('"app_label.model", e.g. "leads.lead".')
    ),
    OpenApiParameter("target_id", OpenApiTypes.INT),
]


class EventFilter(django_filters.FilterSet):
    after = IdFilter(
        field_name="id",
        lookup_expr="gt",
        min_value=0,
        label=_("Only events after this id, oldest first: the last id you saw, to resume."),
    )

    class Meta:
        model = ActivityEvent
        fields = ["verb"]


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """What happened in the organization, newest first.

    ``?verb=comment.posted``; ``?target_type=accounts.department&target_id=3`` for one record.
    ``?after=<id>``: the events after that id, oldest first (ascending id, by cursor), so a
    consumer resumes from the last id it saw.
    """

    queryset = ActivityEvent.objects.select_related("actor__user").prefetch_related("target")
    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["id", "created_at"]

    @property
    def ordering(self) -> list[str]:
        # A feed read from a point on is read oldest first; otherwise newest first.
        request = getattr(self, "request", None)
        resuming = request is not None and "after" in getattr(request, "query_params", {})
        return ["id"] if resuming else ["-id"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        params = self.request.query_params
        if "target_type" in params:
            try:
                model = apps.get_model(params["target_type"])
            except (LookupError, ValueError):
                raise exceptions.ValidationError(
                    {"target_type": [_("Unknown kind of record.")]}
                ) from None
            queryset = queryset.filter(target_type=ContentType.objects.get_for_model(model))
        if "target_id" in params:
            queryset = queryset.filter(target_id=id_param(params, "target_id"))
        return queryset

    @extend_schema(parameters=TARGET_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The caller's own notifications; ``?unread=true`` for the inbox."""

    queryset = Notification.objects.select_related("event__actor__user").prefetch_related(
        "event__target"
    )
    serializer_class = NotificationSerializer
    open_actions = ("mark_read",)
    ordering_fields = ["id", "created_at"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        unread = self.request.query_params.get("unread", "").lower()
        if unread in ("true", "1"):
            queryset = queryset.filter(read_at__isnull=True)
        elif unread in ("false", "0"):
            queryset = queryset.filter(read_at__isnull=False)
        return queryset

    @extend_schema(parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=MarkReadSerializer,
        responses=inline_serializer(
            "MarkReadResponse",
            {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()},
        ),
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        """Mark the given notifications (or, with no ``ids``, all of them) read.

        Ids of notifications that are not yours are ignored (never marked, never reported).
        """
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = services.mark_read(
            membership=self.membership, ids=serializer.validated_data.get("ids")
        )
        return Response(
            {"marked": marked, "unread": selectors.unread_count(membership=self.membership)}
        )


class CommentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantViewSet
):
    """Discussion threads: ``?target_type=leads.lead&target_id=7``; @email mentions notify."""

    queryset = Comment.objects.select_related("author__user").prefetch_related("mentions")
    serializer_class = CommentSerializer
    policy = {"create": "comments.create"}
    ordering = ["created_at", "pk"]
    ordering_fields = ["created_at", "id"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        params = self.request.query_params
        if "target_type" in params or "target_id" in params:
            model = commentable_model(params.get("target_type", ""))
            target_id = id_param(params, "target_id")
            # The thread of a record you cannot see is as missing as the record (404).
            if not model.objects.visible_to(self.membership).filter(pk=target_id).exists():
                raise Http404
            queryset = queryset.filter(
                target_type=ContentType.objects.get_for_model(model), target_id=target_id
            )
        return queryset

    @extend_schema(parameters=TARGET_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        model = commentable_model(serializer.validated_data["target_type"])
        target = get_object_or_404(
            model.objects.visible_to(self.membership), pk=serializer.validated_data["target_id"]
        )
        serializer.instance = services.post_comment(
            author=self.membership, target=target, body=serializer.validated_data["body"]
        )


ROUTES = [
    ("events", EventViewSet, "event"),
    ("notifications", NotificationViewSet, "notification"),
    ("comments", CommentViewSet, "comment"),
]
