"""Browser pages for organizations and invitations (thin: services do the work)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import PENDING_INVITATION_KEY
from accounts.models import Invitation
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import activate_organization, memberships_of


@login_required
def no_organization(request):
    """Where a signed-in user without any organization lands."""
    if request.membership is not None:
        return redirect("home")
    return render(request, "accounts/no_organization.html")


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
    return render(request, "accounts/invitation.html", {"invitation": invitation})
