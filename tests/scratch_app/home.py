"""The scratch flow's "my work": notes their author means to review by a date."""

from datetime import datetime

from django.db.models import QuerySet
from django.urls import reverse

from accounts.models import DepartmentKind, Membership
from collab_hub.home import HomeProvider, WorkItem, urgency_of
from tests.scratch_app.models import Note


class NotesToReview(HomeProvider):
    name = "scratch.notes_to_review"
    title = "Notes to review"
    permission = "notes.create"
    see_all = "scratch:note_list"

    def queryset(self, membership: Membership) -> QuerySet[Note]:
        return (
            Note.objects.visible_to(membership)
            .filter(author=membership, due_at__isnull=False)
            .order_by("due_at", "pk")
        )

    def item(self, row: Note, *, now: datetime, membership: Membership) -> WorkItem:
        return WorkItem(
            title=row.title,
            url=reverse("scratch:note_list") + f"#note-{row.pk}",
            kind="Note",
            due=row.due_at,
            urgency=urgency_of(row.due_at, now=now),
            department=DepartmentKind.PRODUCT,
        )


HOME_ITEMS = [NotesToReview()]
