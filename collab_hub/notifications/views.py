"""Browser pages: the inbox and the discussion thread (a partial that htmx swaps in place)."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab_hub.exceptions import DomainError
from collab_hub.notifications import selectors, services
from collab_hub.tenancy import tenant_object_or_404, tenant_view


@tenant_view
def inbox(request):
    """The member's notifications grouped by record, each item linking to its record."""
    items = selectors.inbox_items(membership=request.membership)
    unread = selectors.unread_count(membership=request.membership)
    return render(request, "notifications/inbox.html", {"items": items, "unread": unread})


@tenant_view
@require_POST
def mark_read(request):
    """Mark the given notifications (``id``, repeatable) or all unread ones as read."""
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.mark_read(membership=request.membership, ids=ids)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "notifications"
    return redirect(next_url)


@tenant_view
def comments(request, target_type: str, target_id: int):
    """The thread of one record: GET shows it, POST adds a comment.

    htmx requests get only the thread fragment (``thread.html#thread``), which replaces
    itself; without JavaScript the same URL is a full page and a comment is posted with a
    plain form submit (then redirected, so a reload does not post twice).
    """
    model = selectors.commentable_model(target_type)
    if model is None:
        raise Http404
    target = tenant_object_or_404(request, model, target_id)
    error = None
    body = ""
    if request.method == "POST":
        body = request.POST.get("body", "").strip()
        if not body:
            error = _("Write a comment first.")
        else:
            try:
                services.post_comment(author=request.membership, target=target, body=body)
            except DomainError as exc:
                error = exc.message
            else:
                body = ""
                if not request.htmx:
                    return redirect("comments", target_type=target_type, target_id=target_id)
    context = {
        "target": target,
        "target_type": target_type,
        "comments": selectors.thread(membership=request.membership, target=target),
        "error": error,
        "body": body,
    }
    template = "notifications/thread.html"
    return render(request, f"{template}#thread" if request.htmx else template, context)
