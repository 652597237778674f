from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts import selectors as accounts_selectors
from collab_hub.notifications import selectors as activity


@login_required
def home(request):
    """The organization at a glance: departments, people, recent activity."""
    membership = request.membership
    if membership is None:
        return redirect("no_organization")
    context = {
        "departments": accounts_selectors.departments_with_members(
            organization=membership.organization
        ),
        "activity": activity.recent_activity(organization=membership.organization),
    }
    return render(request, "dashboard/home.html", context)
