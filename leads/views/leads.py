"""Browser pages for leads: marketing's list (filters, search, bulk qualify) and new-lead
form, sales' MQL queue (accept / reject in place with htmx), and the lead page both share.

Thin: forms check the shape, ``leads.services.lifecycle`` does every status change (and says
no with a ``DomainError``, shown on the page or in the row), selectors read. A lead is looked
up through ``tenant_object_or_404`` before anything else, so another organization's lead (or
one hidden by record visibility) is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.policy import can
from collab_hub.exceptions import DomainError, NotAllowed
from collab_hub.tenancy import TenantRequest, tenant_object_or_404, tenant_view
from leads.forms import ConvertForm, LeadFilterForm, LeadForm, NoteForm, QualifyForm, RejectForm
from leads.forms.fields import country_name
from leads.forms.leads import ResubmitForm
from leads.models import Lead, LeadStatus, RejectionReason
from leads.selectors import history
from leads.selectors import leads as selectors
from leads.services import lifecycle


def _require(request: TenantRequest, action: str, obj: Any = None) -> None:
    if not can(request.membership, action, obj):
        raise PermissionDenied


def _next_url(request: TenantRequest, default: str) -> str:
    """The page to return to after a form post: a local ``next``, else ``default``."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _first_error(form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Check the form.")


# --- Marketing: the list, bulk qualify, a new lead -------------------------------------------


@tenant_view
def lead_list(request: TenantRequest) -> HttpResponse:
    """Every lead the member may see, newest first: filters, search, 50 per page (keyset
    cursor), and for marketing the bulk "Qualify selected". A fixed number of queries
    whatever the number of rows. htmx requests (the filter form) get only the results."""
    membership = request.membership
    form = LeadFilterForm(request.GET or None, membership=membership)
    filters = form.filters() if request.GET else {}
    leads = selectors.lead_list(membership=membership, filters=filters)
    page = selectors.lead_page(leads, request.GET.get("cursor"))
    query = request.GET.copy()
    query.pop("cursor", None)
    can_qualify = can(membership, "leads.qualify")
    context = {
        "form": form,
        "page": page,
        "leads": page.rows,
        "query": query.urlencode(),
        "filtered": bool(filters),
        "can_qualify": can_qualify,
        "can_create": can(membership, "leads.create"),
        "can_manage_campaigns": can(membership, "campaigns.manage"),
        # Its own ids: the filter form above has an owner field too.
        "qualify_form": (
            QualifyForm(membership=membership, auto_id="bulk-%s") if can_qualify else None
        ),
    }
    template = "leads/leads/list.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


@tenant_view
@require_POST
def lead_bulk_qualify(request: TenantRequest) -> HttpResponse:
    """Qualify the ticked leads (``ids``) through ``lifecycle.qualify_leads``: the legal ones
    are handed to sales, the others are listed with the reason."""
    membership = request.membership
    _require(request, "leads.qualify")
    back = _next_url(request, reverse("leads:lead_list"))
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    if not ids:
        messages.error(request, _("Tick the leads to qualify first."))
        return redirect(back)
    form = QualifyForm(request.POST, membership=membership)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(back)
    try:
        result = lifecycle.qualify_leads(
            by=membership, leads_or_ids=ids, owner=form.cleaned_data.get("owner")
        )
    except NotAllowed:
        raise PermissionDenied from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    if result.qualified:
        messages.success(
            request,
            ngettext(
                "%(count)d lead qualified and handed to sales.",
                "%(count)d leads qualified and handed to sales.",
                len(result.qualified),
            )
            % {"count": len(result.qualified)},
        )
    if result.failures:
        messages.warning(
            request,
            ngettext(
                "%(count)d lead was not qualified:",
                "%(count)d leads were not qualified:",
                len(result.failures),
            )
            % {"count": len(result.failures)},
        )
        for line in result.failure_summary():
            messages.warning(request, line)
    return redirect(back)


@tenant_view
def lead_create(request: TenantRequest) -> HttpResponse:
    """A lead typed in by hand: scored, tiered (and qualified, if the organization
    auto-qualifies) by ``lifecycle.create_lead``."""
    _require(request, "leads.create")
    form = LeadForm(request.POST or None, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            lead = lifecycle.create_lead(
                organization=request.organization, data=form.cleaned_data, by=request.membership
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(lead)s was added.") % {"lead": lead})
            return redirect("leads:lead_detail", pk=lead.pk)
    return render(request, "leads/leads/form.html", {"form": form})


# --- Sales: the MQL queue -------------------------------------------------------------------


@tenant_view
def mql_queue(request: TenantRequest) -> HttpResponse:
    """MQLs waiting for an answer, breached first, then by response deadline; a sales
    manager sees everyone's. Each row carries the tier's value proposition and playbook and
    accepts or rejects in place. One query for the rows whatever their number."""
    _require(request, "leads.respond")
    membership = request.membership
    context = {
        "leads": selectors.attach_rejections(list(selectors.mql_queue(membership=membership))),
        "now": timezone.now(),
        "whole_queue": selectors.sees_whole_queue(membership),
        "reasons": RejectionReason.choices,
    }
    return render(request, "leads/leads/queue.html", context)


# --- The lead page and its actions ----------------------------------------------------------


@tenant_view
def lead_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """One lead: its details, score and tier, the full transition history (who, when, why),
    the actions the viewer's role allows in its current status, and its discussion."""
    membership = request.membership
    lead = selectors.lead_detail(membership=membership, pk=pk)
    if lead is None:
        raise Http404
    transitions = list(lead.transitions.all())
    for step in transitions:
        step.reason_label = _reason_label(step.reason)
    allowed = lifecycle.ALLOWED[lead.status]
    can_qualify = lead.status == LeadStatus.NEW and can(membership, "leads.qualify", lead)
    can_respond = can(membership, "leads.respond", lead)
    can_resubmit = lead.status == LeadStatus.REJECTED and can(membership, "leads.resubmit", lead)
    changes = history.change_history(
        obj=lead, verb="lead.updated", currency=request.organization.currency
    )
    rejections = [t for t in transitions if t.to_status == LeadStatus.REJECTED]
    timeline: list[Any] = [*transitions, *changes]
    context = {
        "lead": lead,
        "transitions": transitions,
        # Status steps and field changes, oldest first: the lead's whole history.
        "history": sorted(timeline, key=lambda item: item.at),
        "rejection": rejections[-1] if rejections else None,
        "can_edit": can(membership, "leads.update", lead),
        "country_label": country_name(lead.country),
        "can_resubmit": can_resubmit,
        "resubmit_form": ResubmitForm(auto_id="resubmit-%s") if can_resubmit else None,
        "can_qualify": can_qualify,
        "can_answer": LeadStatus.ACCEPTED in allowed
        and LeadStatus.REJECTED in allowed
        and can_respond,
        "can_convert": LeadStatus.CONVERTED in allowed and can_respond,
        "can_disqualify": LeadStatus.DISQUALIFIED in allowed
        and can(membership, "leads.disqualify", lead),
        "qualify_form": QualifyForm(membership=membership) if can_qualify else None,
        "reasons": RejectionReason.choices,
        "now": timezone.now(),
    }
    return render(request, "leads/leads/detail.html", context)


def _reason_label(reason: str) -> str:
    if reason in RejectionReason.values:
        return str(RejectionReason(reason).label)
    if reason == lifecycle.RESUBMITTED:
        return _("Resubmitted by marketing")
    return reason


@tenant_view
def lead_edit(request: TenantRequest, pk: int) -> HttpResponse:
    """Correct a lead's details (every editable field) through ``lifecycle.update_lead``:
    score and tier follow, each changed field lands in the lead's history. A rejected lead
    is resubmitted from its page afterwards."""
    lead = _visible_lead(request, pk)
    _require(request, "leads.update", lead)
    form = LeadForm(request.POST or None, instance=lead, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data.get(name) for name in lifecycle.EDITABLE_FIELDS}
        try:
            lead = lifecycle.update_lead(by=request.membership, lead=lead, data=data)
        except NotAllowed:
            raise PermissionDenied from None
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(lead)s was saved.") % {"lead": lead})
            return redirect("leads:lead_detail", pk=lead.pk)
    status = 400 if request.method == "POST" else 200
    lead.refresh_from_db()
    context = {"form": form, "lead": lead}
    return render(request, "leads/leads/form.html", context, status=status)


@tenant_view
@require_POST
def lead_resubmit(request: TenantRequest, pk: int) -> HttpResponse:
    """``rejected → mql``: marketing hands a corrected lead back to sales, with a note."""

    def perform(lead: Lead, data: dict):
        lead = lifecycle.resubmit_lead(by=request.membership, lead=lead, note=data["note"])
        owner = lead.owner.user.display_name if lead.owner else _("the sales managers")
        return lead, _("Resubmitted: %(owner)s has it back in the MQL queue.") % {"owner": owner}

    return _lead_action(request, pk, "leads.resubmit", ResubmitForm, perform)


def _visible_lead(request: TenantRequest, pk: int) -> Lead:
    return tenant_object_or_404(
        request, Lead.objects.select_related("tier", "campaign", "owner__user"), pk
    )


def _row(request: TenantRequest, lead: Lead, *, error: str = "", status: int = 200, form=None):
    """The queue row of ``lead`` after an htmx action: the result, or the row with the error
    (409 for an illegal transition, 400 for a bad form) — the queue page swaps both in."""
    context = {
        "lead": lead,
        "now": timezone.now(),
        "whole_queue": selectors.sees_whole_queue(request.membership),
        "reasons": RejectionReason.choices,
        "error": error,
        "reject_form": form,
    }
    return render(request, "leads/leads/queue.html#row", context, status=status)


def _lead_action(request: TenantRequest, pk: int, rule: str, form_class, perform) -> HttpResponse:
    """Look the lead up (404 first), check ``rule`` (403), validate
    ``form_class(request.POST)``, run ``perform(lead, data)`` (a service call). htmx gets the
    queue row; a plain post is redirected with a message."""
    lead = _visible_lead(request, pk)
    _require(request, rule, lead)
    form = form_class(request.POST)
    back = _next_url(request, reverse("leads:lead_detail", kwargs={"pk": lead.pk}))
    if not form.is_valid():
        if request.htmx:
            return _row(request, lead, error=_first_error(form), status=400, form=form)
        messages.error(request, _first_error(form))
        return redirect(back)
    try:
        result, message = perform(lead, form.cleaned_data)
    except NotAllowed:
        raise PermissionDenied from None
    except DomainError as error:
        if request.htmx:
            return _row(request, lead, error=str(error.message), status=error.status_code)
        messages.error(request, error.message)
        return redirect(back)
    if request.htmx:
        return _row(request, result)
    messages.success(request, message)
    return redirect(back)


@tenant_view
@require_POST
def lead_qualify(request: TenantRequest, pk: int) -> HttpResponse:
    """``new → mql``, to the chosen sales owner or the next rep in turn."""

    def perform(lead: Lead, data: dict):
        lead = lifecycle.qualify_lead(by=request.membership, lead=lead, owner=data.get("owner"))
        owner = lead.owner.user.display_name if lead.owner else _("nobody (no sales rep)")
        return lead, _("Qualified and handed to %(owner)s.") % {"owner": owner}

    def owner_form(data):
        return QualifyForm(data, membership=request.membership)

    return _lead_action(request, pk, "leads.qualify", owner_form, perform)


@tenant_view
@require_POST
def lead_accept(request: TenantRequest, pk: int) -> HttpResponse:
    """``mql → accepted``: sales will work the lead."""

    def perform(lead: Lead, data: dict):
        lead = lifecycle.accept_lead(by=request.membership, lead=lead, note=data.get("note", ""))
        return lead, _("%(lead)s accepted.") % {"lead": lead}

    return _lead_action(request, pk, "leads.respond", NoteForm, perform)


@tenant_view
@require_POST
def lead_reject(request: TenantRequest, pk: int) -> HttpResponse:
    """``mql → rejected`` with a reason code and a note; marketing sees both."""

    def perform(lead: Lead, data: dict):
        lead = lifecycle.reject_lead(
            by=request.membership, lead=lead, reason=data["reason"], note=data.get("note", "")
        )
        return lead, _("%(lead)s rejected; marketing sees your reason.") % {"lead": lead}

    return _lead_action(request, pk, "leads.respond", RejectForm, perform)


@tenant_view
@require_POST
def lead_disqualify(request: TenantRequest, pk: int) -> HttpResponse:
    """Any open status → ``disqualified``."""

    def perform(lead: Lead, data: dict):
        lead = lifecycle.disqualify_lead(
            by=request.membership, lead=lead, note=data.get("note", "")
        )
        return lead, _("%(lead)s disqualified.") % {"lead": lead}

    return _lead_action(request, pk, "leads.disqualify", NoteForm, perform)


@tenant_view
@require_POST
def lead_convert(request: TenantRequest, pk: int) -> HttpResponse:
    """``accepted → converted``: company and contact found or created, a deal opened; then
    the deal's page when it exists, else the lead's."""
    lead = _visible_lead(request, pk)
    _require(request, "leads.respond", lead)
    form = ConvertForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("leads:lead_detail", pk=lead.pk)
    try:
        deal = lifecycle.convert_lead(
            by=request.membership,
            lead=lead,
            deal_name=form.cleaned_data.get("deal_name") or "",
            value=form.cleaned_data.get("value"),
        )
    except NotAllowed:
        raise PermissionDenied from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("leads:lead_detail", pk=lead.pk)
    messages.success(request, _("Converted: the deal %(deal)s is open.") % {"deal": deal})
    try:
        return redirect(reverse("leads:deal_detail", kwargs={"pk": deal.pk}))
    except NoReverseMatch:
        return redirect("leads:lead_detail", pk=lead.pk)


urlpatterns = [
    path("leads/", lead_list, name="lead_list"),
    path("leads/new/", lead_create, name="lead_create"),
    path("leads/bulk-qualify/", lead_bulk_qualify, name="lead_bulk_qualify"),
    path("leads/queue/", mql_queue, name="mql_queue"),
    path("leads/<int:pk>/", lead_detail, name="lead_detail"),
    path("leads/<int:pk>/qualify/", lead_qualify, name="lead_qualify"),
    path("leads/<int:pk>/accept/", lead_accept, name="lead_accept"),
    path("leads/<int:pk>/reject/", lead_reject, name="lead_reject"),
    path("leads/<int:pk>/disqualify/", lead_disqualify, name="lead_disqualify"),
    path("leads/<int:pk>/convert/", lead_convert, name="lead_convert"),
    path("leads/<int:pk>/edit/", lead_edit, name="lead_edit"),
    path("leads/<int:pk>/resubmit/", lead_resubmit, name="lead_resubmit"),
]
