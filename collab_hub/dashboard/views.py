"""The home page: the member's work first, then the organization at a glance."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts import selectors as accounts_selectors
from accounts.policy import can
from collab_hub.home import my_work
from collab_hub.notifications import selectors as activity
from collab_hub.tenancy import TenantRequest, tenant_view


@tenant_view
def home(request: TenantRequest) -> HttpResponse:
    """What needs the member ("my work", from every app's home providers, most urgent
    first), then departments with their people, everyone in one list, and what happened lately.

    A fixed number of queries whatever the size of the organization: one or two per home
    provider the member may use, departments with member counts, their members
    (prefetched), and the latest events with their actors.
    """
    organization = request.organization
    departments = list(accounts_selectors.departments_with_members(organization=organization))
    members = sorted(
        (member for department in departments for member in department.active_members),
        key=lambda m: (m.user.display_name.lower(), m.pk),
    )
    # The members came from their department's prefetch: give them that department back.
    for department in departments:
        for member in department.active_members:
            member.department = department
    context = {
        "work": my_work(request.membership),
        "now": timezone.now(),
        "departments": departments,
        "members": members,
        "activity": activity.recent_activity(organization=organization, limit=15),
        "can_invite": can(request.membership, "invitations.manage"),
        "can_manage_departments": can(request.membership, "departments.manage"),
    }
    return render(request, "dashboard/home.html", context)
