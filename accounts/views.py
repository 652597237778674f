"""Browser pages for organizations, people, departments, invitations and the profile.

Thin: forms check the shape, services do the work and say no with a ``DomainError`` (shown
on the page), ``accounts.policy.can`` decides who sees the admin actions (403 otherwise), and
every object is looked up through ``tenant_object_or_404`` so another organization's row is a
404.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import (
    PENDING_INVITATION_KEY,
    DepartmentForm,
    InvitationForm,
    MembershipForm,
    OrganizationForm,
    ProfileForm,
)
from accounts.models import Department, Invitation, Membership
from accounts.policy import can
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import (
    activate_organization,
    memberships_of,
    scoped,
    tenant_object_or_404,
    tenant_view,
)


def _require(request: HttpRequest, action: str) -> None:
    if not can(request.membership, action):
        raise PermissionDenied


# --- Organizations --------------------------------------------------------------------------


@login_required
def no_organization(request):
    """Where a signed-in user without any organization lands: found one, or wait for an invite."""
    if request.membership is not None:
        return redirect("home")
    return render(request, "accounts/no_organization.html", _welcome_context(request))


def _welcome_context(request: Any, form: OrganizationForm | None = None) -> dict[str, Any]:
    """What the page for a person without an organization explains: why (a deactivated
    membership) and the ways in (an invitation to their address, or founding one)."""
    return {
        "form": form or OrganizationForm(),
        "deactivated": list(selectors.deactivated_memberships(user=request.user)),
    }


@login_required
def create_organization(request):
    """Found an organization (with the four standard departments) and switch to it."""
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.create_organization(
                name=form.cleaned_data["name"],
                owner=request.user,
                department_kind=form.cleaned_data["department"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            activate_organization(request, membership.organization)
            messages.success(
                request,
                _("%(org)s is ready. Invite your colleagues next.")
                % {"org": membership.organization.name},
            )
            return redirect("home")
    if request.membership is None:
        return render(request, "accounts/no_organization.html", _welcome_context(request, form))
    return render(request, "accounts/organization_form.html", {"form": form})


@login_required
@require_POST
def switch_organization(request):
    membership = (
        memberships_of(request.user)
        .filter(organization__slug=request.POST.get("organization", ""))
        .first()
    )
    if membership is None:
        raise Http404
    activate_organization(request, membership.organization)
    return redirect("home")


# --- Invitations ----------------------------------------------------------------------------


def accept_invitation_view(request, token: str):
    """Opened from the invitation mail: accept (signed in) or sign up / log in first."""
    invitation = (
        Invitation.objects.select_related("organization", "department").filter(token=token).first()
    )
    if invitation is None:
        raise Http404
    if request.method == "POST" and request.user.is_authenticated:
        try:
            membership = services.accept_invitation(invitation=invitation, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("invitation_accept", token=token)
        activate_organization(request, membership.organization)
        messages.success(request, _("Welcome to %(org)s.") % {"org": membership.organization.name})
        return redirect("home")
    if not request.user.is_authenticated and invitation.is_pending:
        request.session[PENDING_INVITATION_KEY] = invitation.token
    already_member = (
        request.user.is_authenticated
        and memberships_of(request.user).filter(organization=invitation.organization_id).exists()
    )
    context = {
        "invitation": invitation,
        "already_member": already_member,
        "wrong_recipient": request.user.is_authenticated
        and request.user.email.lower() != invitation.email.lower(),
    }
    return render(request, "accounts/invitation.html", context)


@tenant_view
def invite_member(request):
    """Admins invite a colleague by email into a department with a role."""
    _require(request, "invitations.manage")
    form = InvitationForm(
        request.POST or None,
        membership=request.membership,
        initial={"department": request.GET.get("department")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_member(
                by=request.membership,
                email=form.cleaned_data["email"],
                department=form.cleaned_data["department"],
                role=form.cleaned_data["role"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("people")
    return render(request, "accounts/invite.html", {"form": form})


@tenant_view
@require_POST
def revoke_invitation(request, pk: int):
    invitation = tenant_object_or_404(request, Invitation, pk)
    _require(request, "invitations.manage")
    try:
        services.revoke_invitation(by=request.membership, invitation=invitation)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Invitation to %(email)s revoked.") % {"email": invitation.email}
        )
    return redirect("people")


# --- People ---------------------------------------------------------------------------------


@tenant_view
def people(request):
    """Everyone in the organization; admins also see deactivated members and open invitations."""
    membership = request.membership
    is_admin = can(membership, "members.manage")
    members = (
        scoped(request, Membership)
        .select_related("user", "department")
        .order_by("-is_active", "user__full_name", "user__email")
    )
    if not is_admin:
        members = members.filter(is_active=True)
    context = {
        "members": members,
        "invitations": (
            selectors.pending_invitations(organization=request.organization) if is_admin else []
        ),
        "can_manage": is_admin,
    }
    return render(request, "accounts/people.html", context)


@tenant_view
def member_edit(request, pk: int):
    """Admins move a member to another department, change the role, or deactivate them."""
    member = tenant_object_or_404(
        request, Membership.objects.select_related("user", "department"), pk
    )
    _require(request, "members.manage")
    initial = {"department": member.department, "role": member.role, "is_active": member.is_active}
    form = MembershipForm(request.POST or None, initial=initial, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_membership(
                by=request.membership,
                membership=member,
                role=form.cleaned_data["role"],
                department=form.cleaned_data["department"],
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("%(name)s was updated.") % {"name": member.user.display_name}
            )
            return redirect("people")
    return render(request, "accounts/member_form.html", {"member": member, "form": form})


# --- Departments ----------------------------------------------------------------------------


@tenant_view
def department_detail(request, pk: int):
    """One department: its members and its discussion thread."""
    department = tenant_object_or_404(request, Department, pk)
    members = department.memberships.people().filter(is_active=True).select_related("user")
    context = {
        "department": department,
        "members": members.order_by("role", "user__full_name", "user__email"),
        "can_manage": can(request.membership, "departments.manage", department),
    }
    return render(request, "accounts/department_detail.html", context)


@tenant_view
def department_create(request):
    _require(request, "departments.manage")
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.create_department(
                by=request.membership,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
            )
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("%(name)s was created.") % {"name": department.name})
            return redirect("department_detail", pk=department.pk)
    return render(request, "accounts/department_form.html", {"form": form, "department": None})


@tenant_view
def department_edit(request, pk: int):
    department = tenant_object_or_404(request, Department, pk)
    _require(request, "departments.manage")
    initial = {"name": department.name, "kind": department.kind}
    form = DepartmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_department(
                by=request.membership,
                department=department,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
            )
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": department.name})
            return redirect("department_detail", pk=department.pk)
    return render(
        request, "accounts/department_form.html", {"form": form, "department": department}
    )


# --- Profile --------------------------------------------------------------------------------


@login_required
def profile(request) -> HttpResponse:
    """The signed-in person's name, language and (for the active organization) email choice."""
    user = request.user
    membership = request.membership
    initial = {
        "full_name": user.full_name,
        "language": user.language,
        "email_notifications": membership.email_notifications if membership else False,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if membership is None:
        del form.fields["email_notifications"]
    if request.method == "POST" and form.is_valid():
        services.update_profile(
            user=user,
            full_name=form.cleaned_data["full_name"],
            language=form.cleaned_data["language"],
        )
        if membership is not None:
            services.set_email_notifications(
                membership=membership, enabled=form.cleaned_data["email_notifications"]
            )
        # Said in the language the next page is shown in, not the one this form was in.
        language = form.cleaned_data["language"] or translation.get_language_from_request(request)
        with translation.override(language):
            messages.success(request, _("Your profile was saved."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


# --- Language -------------------------------------------------------------------------------


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: show the app in ``language`` from the next page on.

    Like Django's ``set_language`` (the language cookie, back to a safe ``next``), and for a
    signed-in person who chose a language in their profile, that choice changes too (it
    would win over the cookie otherwise). The confirmation is in the new language.
    """
    language = request.POST.get("language", "")
    target = request.POST.get("next") or request.headers.get("referer") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    response = HttpResponseRedirect(target)
    if language not in dict(settings.LANGUAGES):
        return response
    user = request.user
    if user.is_authenticated and user.language and user.language != language:
        services.update_profile(user=user, full_name=user.full_name, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    with translation.override(language):
        name = capfirst(translation.get_language_info(language)["name_local"])
        messages.success(request, _("Language changed to %(language)s.") % {"language": name})
    return response
