from rest_framework import mixins, serializers

from collab_hub.api import TenantViewSet
from tests.scratch_app import services
from tests.scratch_app.models import Note


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "title", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class NoteViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TenantViewSet
):
    queryset = Note.objects.all()
    serializer_class = NoteSerializer
    policy = {"create": "notes.create"}
    ordering_fields = ["id"]

    def perform_create(self, serializer):
        serializer.instance = services.create_note(
            by=self.membership, title=serializer.validated_data["title"]
        )


ROUTES = [("notes", NoteViewSet, "note")]
