"""API: the activity feed, the member's notifications, and discussion threads."""

from django.contrib.contenttypes.models import ContentType
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from collab_hub.api import TenantViewSet
from collab_hub.notifications import selectors, services
from collab_hub.notifications.models import ActivityEvent, Comment, Notification


class ActorField(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="user.display_name")


class EventSerializer(serializers.ModelSerializer):
    actor = ActorField(read_only=True, allow_null=True)
    target_type = serializers.SerializerMethodField()

    class Meta:
        model = ActivityEvent
        fields = [
            "id",
            "verb",
            "actor",
            "target_type",
            "target_id",
            "target_label",
            "payload",
            "created_at",
        ]

    def get_target_type(self, obj: ActivityEvent) -> str | None:
        return selectors.target_type_label(obj.target_type_id)


class NotificationSerializer(serializers.ModelSerializer):
    event = EventSerializer(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "event", "created_at", "read_at"]


class CommentSerializer(serializers.ModelSerializer):
    author = ActorField(read_only=True)
    target_type = serializers.CharField(
        write_only=True, help_text=_('"app_label.model", e.g. "leads.lead".')
    )
    target_id = serializers.IntegerField(min_value=1)
    mentions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "target_type", "target_id", "author", "body", "mentions", "created_at"]
        read_only_fields = ["id", "author", "mentions", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["target_type"] = selectors.target_type_label(instance.target_type_id)
        return data


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """What happened in the organization, newest first."""

    queryset = ActivityEvent.objects.select_related("actor__user")
    serializer_class = EventSerializer
    filterset_fields = ["verb", "target_id"]
    ordering_fields = ["id", "created_at"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The caller's own notifications; ``?unread=true`` for the inbox."""

    queryset = Notification.objects.select_related("event__actor__user")
    serializer_class = NotificationSerializer
    open_actions = ("mark_read",)
    ordering_fields = ["id", "created_at"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        unread = self.request.query_params.get("unread")
        if unread in ("true", "1"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL)],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=inline_serializer(
            "MarkReadRequest",
            {"ids": serializers.ListField(child=serializers.IntegerField(), required=False)},
        ),
        responses=inline_serializer(
            "MarkReadResponse",
            {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()},
        ),
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        """Mark the given notifications (or, with no ``ids``, all of them) read."""
        ids = request.data.get("ids") if isinstance(request.data, dict) else None
        if ids is not None and (
            not isinstance(ids, list) or not all(isinstance(i, int) for i in ids)
        ):
            raise exceptions.ValidationError({"ids": [_("A list of notification ids.")]})
        marked = services.mark_read(membership=self.membership, ids=ids)
        return Response(
            {"marked": marked, "unread": services.unread_count(membership=self.membership)}
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
            model = self._target_model(params.get("target_type", ""))
            try:
                target_id = int(params.get("target_id", ""))
            except ValueError:
                raise exceptions.ValidationError({"target_id": [_("A record id.")]}) from None
            queryset = queryset.filter(
                target_type=ContentType.objects.get_for_model(model), target_id=target_id
            )
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("target_type", OpenApiTypes.STR),
            OpenApiParameter("target_id", OpenApiTypes.INT),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _target_model(self, label: str):
        model = selectors.commentable_model(label)
        if model is None:
            raise exceptions.ValidationError(
                {"target_type": [_("Not a kind of record that has a discussion.")]}
            )
        return model

    def perform_create(self, serializer):
        model = self._target_model(serializer.validated_data["target_type"])
        target = get_object_or_404(
            model.objects.visible_to(self.membership), pk=serializer.validated_data["target_id"]
        )
        serializer.instance = services.post_comment(
            author=self.membership, target=target, body=serializer.validated_data["body"]
        )
