"""Read queries about the organization's people."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import Department, Invitation, Membership, Organization, User

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class DepartmentMembers(TypedDict):
    """What ``departments_with_members`` adds to each department."""

    members_count: int
    active_members: list[Membership]


def departments_with_members(
    *, organization: Organization
) -> QuerySet[WithAnnotations[Department, DepartmentMembers]]:
    """Departments with their active members prefetched (two queries in all); the API keys'
    integration memberships are not members."""
    members = (
        Membership.objects.people()
        .filter(is_active=True)
        .select_related("user")
        .order_by("role", "user__email")
    )
    return (
        Department.objects.for_org(organization)
        .annotate(
            members_count=Count(
                "memberships",
                filter=Q(memberships__is_active=True, memberships__is_integration=False),
            )
        )
        .prefetch_related(Prefetch("memberships", queryset=members, to_attr="active_members"))
        .order_by("name")
    )


def pending_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    from django.utils import timezone

    return (
        Invitation.objects.for_org(organization)
        .filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("department")
        .order_by("-created_at")
    )


def deactivated_memberships(*, user: User) -> QuerySet[Membership]:
    """The organizations where an admin deactivated ``user``'s membership (what the welcome
    page explains to a person who is in no organization any more)."""
    return (
        Membership.objects.filter(user=user, is_active=False, is_integration=False)
        .select_related("organization")
        .order_by("organization__name")
    )
