"""Browser pages: the inbox and the discussion thread partial (htmx)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from collab_hub.exceptions import DomainError
from collab_hub.notifications import selectors, services
from collab_hub.tenancy import tenant_view


@tenant_view
def inbox(request):
    notifications = selectors.inbox(membership=request.membership)
    return render(request, "notifications/inbox.html", {"notifications": notifications})


@tenant_view
@require_POST
def mark_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.mark_read(membership=request.membership, ids=ids)
    return redirect(request.POST.get("next") or "notifications")


@tenant_view
def comments(request, target_type: str, target_id: int):
    """The thread of one record: GET renders it, POST adds a comment (htmx swaps the thread)."""
    model = selectors.commentable_model(target_type)
    if model is None:
        raise Http404
    target = get_object_or_404(model.objects.visible_to(request.membership), pk=target_id)
    error = None
    if request.method == "POST":
        try:
            body = request.POST.get("body", "").strip()
            if body:
                services.post_comment(author=request.membership, target=target, body=body)
        except DomainError as exc:
            error = exc.message
    context = {
        "target": target,
        "target_type": target_type,
        "comments": selectors.thread(membership=request.membership, target=target),
        "error": error,
    }
    return render(request, "notifications/thread.html", context)
