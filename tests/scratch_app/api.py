from rest_framework import mixins

from collab_hub.api import ServiceViewSet, TenantModelSerializer
from tests.scratch_app import services
from tests.scratch_app.models import Note


class NoteSerializer(TenantModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "title", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class NoteViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ServiceViewSet
):
    queryset = Note.objects.all()
    serializer_class = NoteSerializer
    ordering_fields = ["id"]
    create_service = services.create_note
    data_arg = None  # create_note(by=, title=)
    write_policy = "notes.create"


ROUTES = [("notes", NoteViewSet, "note")]
