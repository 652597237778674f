"""The scratch flow's panels on the leads flow's pages, without leads knowing of it."""

from typing import Any

from django.http import HttpRequest

from collab_hub.panels import Panel
from tests.scratch_app.models import Note


class DealNotes(Panel):
    """On a deal page, for product (``notes.create``): how many notes the organization has
    and the latest titles (one query, whatever the number of notes)."""

    name = "scratch.deal_notes"
    slot = "deal.detail"
    permission = "notes.create"
    template = "scratch/panels/deal_notes.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        notes = list(
            Note.objects.filter(organization_id=obj.organization_id)
            .order_by("-pk")
            .values_list("title", flat=True)[:5]
        )
        return {"notes": notes}


class DealNoteAction(Panel):
    """A button in the deal page's actions card, for product, while the deal is open."""

    name = "scratch.deal_note_action"
    slot = "deal.actions"
    permission = "notes.create"
    template = "scratch/panels/deal_note_action.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        # Nothing to show on a closed deal: the panel renders nothing at all.
        return {} if obj.is_open else None


class FeaturePicker(Panel):
    """Inside the lose form: checkboxes posting ``feature_request_ids`` (what a roadmap's
    picker does), re-checked after a failed post."""

    name = "scratch.feature_picker"
    slot = "deal.lose"
    template = "scratch/panels/feature_picker.html"

    def context(self, request: HttpRequest, obj: Any) -> dict[str, Any] | None:
        return {"choices": [(7, "Scratch SSO"), (8, "Scratch audit log")]}


PANELS = [DealNotes(), DealNoteAction(), FeaturePicker()]
