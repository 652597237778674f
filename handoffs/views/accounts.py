"""Browser pages of a customer's account, posted from the company page's "Customer health"
panel: set the health score (CS) and change the CS owner (CS managers). A GET shows the
form on its own page.

Thin: forms check the shape, ``handoffs.services.accounts`` changes state (its refusals land
on the form). The company is looked up through ``tenant_object_or_404`` first: another
organization's company is a 404, a member who may see but not act gets a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from collab_hub.exceptions import DomainError
from collab_hub.tenancy import (
    TenantRequest,
    next_url,
    require_page,
    tenant_object_or_404,
    tenant_view,
)
from handoffs.forms.accounts import CsOwnerForm, HealthForm
from handoffs.models import health_band
from handoffs.selectors import handoffs as selectors
from handoffs.services import accounts as services
from leads.models import Company


def _form_page(
    request: TenantRequest, company: Company, form: Any, action: str, *, status: int = 200
) -> HttpResponse:
    context = {
        "company": company,
        "account": selectors.account_of(company),
        "form": form,
        "action": action,
    }
    return render(request, "handoffs/accounts/form.html", context, status=status)


@tenant_view
def health_set(request: TenantRequest, pk: int) -> HttpResponse:
    """CS records the customer's health score (0–100) with a note; it joins the history.
    Turning red tells the customer's sales owner and CS owner."""
    company = tenant_object_or_404(request, Company, pk)
    require_page(request, "health.set", company)
    if request.method != "POST":
        account = selectors.account_of(company)
        initial = {"score": account.health_score} if account else {}
        return _form_page(request, company, HealthForm(initial=initial), "health")
    form = HealthForm(request.POST)
    if form.is_valid():
        try:
            change = services.set_health(
                by=request.membership,
                company=company,
                score=form.cleaned_data["score"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(
                request,
                _("Health of %(company)s set to %(score)s.")
                % {"company": company.name, "score": change.score},
            )
            if health_band(change.score) == "red":
                messages.warning(
                    request,
                    _("%(company)s is at risk: a retention demand on the roadmap can help.")
                    % {"company": company.name},
                )
            return redirect(next_url(request, company.get_absolute_url()))
    return _form_page(request, company, form, "health", status=400)


@tenant_view
def cs_owner_set(request: TenantRequest, pk: int) -> HttpResponse:
    """A CS manager gives the customer to a CS member; its later handoffs go to them."""
    company = tenant_object_or_404(request, Company, pk)
    require_page(request, "handoffs.assign", company)
    if request.method != "POST":
        account = selectors.account_of(company)
        initial = {"cs_owner": account.cs_owner_id} if account else {}
        form = CsOwnerForm(initial=initial, membership=request.membership)
        return _form_page(request, company, form, "cs_owner")
    form = CsOwnerForm(request.POST, membership=request.membership)
    if form.is_valid():
        try:
            account = services.set_cs_owner(
                by=request.membership, company=company, cs_owner=form.cleaned_data["cs_owner"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            owner = account.cs_owner
            messages.success(
                request,
                _("%(name)s is now the CS owner of %(company)s.")
                % {"name": owner.user.display_name if owner else "—", "company": company.name},
            )
            return redirect(next_url(request, company.get_absolute_url()))
    return _form_page(request, company, form, "cs_owner", status=400)
