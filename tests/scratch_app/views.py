from django.shortcuts import render

from collab_hub.tenancy import scoped, tenant_view
from tests.scratch_app.models import Note


@tenant_view
def note_list(request):
    notes = scoped(request, Note).order_by("-id")
    return render(request, "scratch/notes.html", {"notes": notes})
