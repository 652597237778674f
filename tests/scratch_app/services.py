from django.db import transaction

from accounts.models import Membership
from accounts.policy import require
from collab_hub.notifications.services import record_event
from tests.scratch_app.models import Note


@transaction.atomic
def create_note(*, by: Membership, title: str) -> Note:
    require(by, "notes.create")
    note = Note.objects.create(organization=by.organization, author=by, title=title)
    record_event(
        organization=by.organization,
        actor=by,
        verb="note.created",
        target=note,
        payload={"title": title},
    )
    return note
