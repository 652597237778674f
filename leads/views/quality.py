"""Browser pages: lead-quality complaints — the list, filing one (sales, from a campaign row
of the lead-quality report or from an import: ``?campaign=<id>`` / ``?import_batch=<id>``),
and one complaint with marketing's answer form and the discussion.

Thin: forms check the shape, ``leads.services.quality`` applies the rules (a ``DomainError``
is shown on the page), every row is read through ``scoped`` / ``tenant_object_or_404`` (404
for foreign ones).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import can
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import TenantRequest, scoped, tenant_object_or_404, tenant_view
from leads.forms import AnswerForm, ComplaintForm
from leads.models import (
    Campaign,
    ComplaintStatus,
    ImportBatch,
    Lead,
    LeadStatus,
    QualityComplaint,
)
from leads.services import quality

# Leads offered as examples on the form: the most telling (rejected first), then the newest.
EXAMPLE_CHOICES = 25
PAGE_SIZE = 50


def _complaint_rows() -> QuerySet[QualityComplaint]:
    """Complaints with the people and sources their pages show. Unscoped: read them through
    ``scoped`` / ``tenant_object_or_404``."""
    return QualityComplaint.objects.select_related(
        "campaign", "import_batch", "filed_by__user", "answered_by__user"
    )


def _example_candidates(
    request: TenantRequest, campaign: Campaign | None, import_batch: ImportBatch | None
) -> list[Lead]:
    """Leads of the campaign or import the filer can see: rejected ones first, then newest."""
    if campaign is None and import_batch is None:
        return []
    leads = scoped(request, Lead)
    leads = leads.filter(campaign=campaign) if campaign else leads.filter(import_batch=import_batch)
    rejected_first = Case(
        When(status=LeadStatus.REJECTED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list(leads.order_by(rejected_first, "-created_at", "-pk")[:EXAMPLE_CHOICES])


def _preselected(request: TenantRequest, model: type, name: str) -> Any:
    """The campaign / import named by ``?campaign=`` / ``?import_batch=`` (404 if foreign)."""
    value = request.GET.get(name, "")
    if not value.isdigit() or len(value) > 18:
        return None
    return tenant_object_or_404(request, model, int(value))


@tenant_view
def complaint_list(request: TenantRequest) -> HttpResponse:
    """Every quality complaint of the organization, open ones first (filter by status)."""
    complaints = scoped(request, _complaint_rows())
    status = request.GET.get("status", "")
    if status in ComplaintStatus.values:
        complaints = complaints.filter(status=status)
    open_first = Case(
        When(status=ComplaintStatus.OPEN, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    complaints = list(complaints.order_by(open_first, "due_at", "-pk")[:PAGE_SIZE])
    now = timezone.now()
    for complaint in complaints:
        complaint.is_overdue = complaint.status == ComplaintStatus.OPEN and complaint.due_at < now
    context = {
        "complaints": complaints,
        "status": status,
        "statuses": ComplaintStatus.choices,
        "can_file": can(request.membership, "complaints.file"),
    }
    return render(request, "leads/quality/list.html", context)


@tenant_view
def complaint_create(request: TenantRequest) -> HttpResponse:
    """Sales files a complaint; the form comes pre-filled from ``?campaign=`` or
    ``?import_batch=`` and then offers that source's leads as examples."""
    if not can(request.membership, "complaints.file"):
        raise PermissionDenied
    membership = request.membership
    if request.method == "POST":
        form = ComplaintForm(request.POST, membership=membership)
        if form.is_valid():
            try:
                complaint = quality.file_complaint(by=membership, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Complaint filed. Marketing has been asked to answer."))
                return redirect("leads:quality_complaint_detail", pk=complaint.pk)
        campaign = form.cleaned_data.get("campaign")
        import_batch = None if campaign else form.cleaned_data.get("import_batch")
    else:
        campaign = _preselected(request, Campaign, "campaign")
        import_batch = None if campaign else _preselected(request, ImportBatch, "import_batch")
        form = ComplaintForm(
            initial={"campaign": campaign, "import_batch": import_batch}, membership=membership
        )
    context = {
        "form": form,
        "campaign": campaign,
        "import_batch": import_batch,
        "candidates": _example_candidates(request, campaign, import_batch),
        "chosen": {str(pk) for pk in form["example_leads"].value() or []},
    }
    template = "leads/quality/form.html"
    if request.htmx:
        template += "#examples"
    return render(request, template, context)


@tenant_view
def complaint_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """One complaint: what sales said, the examples, marketing's answer (a form for marketing
    while it is open) and the discussion. POST answers it."""
    complaint = tenant_object_or_404(
        request,
        _complaint_rows().prefetch_related(
            Prefetch(
                "example_leads",
                queryset=scoped(request, Lead).order_by("pk"),
                to_attr="visible_examples",
            )
        ),
        pk,
    )
    can_answer = can(request.membership, "complaints.answer", complaint)
    form = AnswerForm(request.POST or None)
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied
        if form.is_valid():
            try:
                quality.answer_complaint(
                    by=request.membership, complaint=complaint, **form.cleaned_data
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Answer sent to sales."))
            return redirect("leads:quality_complaint_detail", pk=complaint.pk)
    context = {
        "complaint": complaint,
        "form": form,
        "can_answer": can_answer and complaint.status == ComplaintStatus.OPEN,
        "is_overdue": complaint.status == ComplaintStatus.OPEN
        and complaint.due_at < timezone.now(),
    }
    return render(request, "leads/quality/detail.html", context)


urlpatterns = [
    path("quality/complaints/", complaint_list, name="quality_complaints"),
    path("quality/complaints/new/", complaint_create, name="quality_complaint_new"),
    path("quality/complaints/<int:pk>/", complaint_detail, name="quality_complaint_detail"),
]
