"""Browser pages for campaigns: the list everyone reads, and marketing's create / edit forms
(``leads.services.campaigns`` does the writing)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from accounts.policy import can
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import TenantRequest, scoped, tenant_object_or_404, tenant_view
from leads.forms import CampaignForm
from leads.models import Campaign
from leads.services import campaigns as services


@tenant_view
def campaign_list(request: TenantRequest) -> HttpResponse:
    """The organization's campaigns, latest first, with their cost and how many leads each
    brought (one query whatever their number)."""
    membership = request.membership
    rows = (
        scoped(request, Campaign)
        .select_related("owner__user")
        .annotate(lead_count=Count("leads"))
        .order_by("-starts_on", "-created_at", "-pk")
    )
    context = {"campaigns": rows, "can_manage": can(membership, "campaigns.manage")}
    return render(request, "leads/campaigns/list.html", context)


@tenant_view
def campaign_create(request: TenantRequest) -> HttpResponse:
    if not can(request.membership, "campaigns.manage"):
        raise PermissionDenied
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(by=request.membership, data=form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(name)s was created.") % {"name": campaign.name})
            return redirect("leads:campaign_list")
    return render(request, "leads/campaigns/form.html", {"form": form, "campaign": None})


@tenant_view
def campaign_edit(request: TenantRequest, pk: int) -> HttpResponse:
    campaign = tenant_object_or_404(request, Campaign, pk)
    if not can(request.membership, "campaigns.manage", campaign):
        raise PermissionDenied
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_campaign(
                by=request.membership, campaign=campaign, data=form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": campaign.name})
            return redirect("leads:campaign_list")
    return render(request, "leads/campaigns/form.html", {"form": form, "campaign": campaign})


urlpatterns = [
    path("campaigns/", campaign_list, name="campaign_list"),
    path("campaigns/new/", campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/edit/", campaign_edit, name="campaign_edit"),
]
