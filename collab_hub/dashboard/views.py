"""The home page: the organization at a glance."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from accounts import selectors as accounts_selectors
from accounts.policy import can
from collab_hub.notifications import selectors as activity
from collab_hub.tenancy import TenantRequest, tenant_view


@tenant_view
def home(request: TenantRequest) -> HttpResponse:
    """Departments with their people, everyone in one list, and what happened lately.

    A fixed number of queries whatever the size of the organization: departments with
    member counts, their members (prefetched), and the latest events with their actors.
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
        "departments": departments,
        "members": members,
        "activity": activity.recent_activity(organization=organization, limit=15),
        "can_invite": can(request.membership, "invitations.manage"),
        "can_manage_departments": can(request.membership, "departments.manage"),
    }
    return render(request, "dashboard/home.html", context)
