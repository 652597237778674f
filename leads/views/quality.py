"""Browser pages: lead-quality complaints — the list, filing one (sales, from a campaign row
of the lead-quality report or from an import: ``?campaign=<id>`` / ``?import_batch=<id>``),
and one complaint with marketing's answer form and the discussion.

Thin: forms check the shape, ``leads.services.quality`` applies the rules (a ``DomainError``
is shown on the page), every row is looked up through ``visible_to`` (404 for foreign ones).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.policy import can
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import tenant_view
from leads.models import (
    Campaign,
    ComplaintStatus,
    ImportBatch,
    Lead,
    LeadStatus,
    QualityComplaint,
    RejectionReason,
)
from leads.services import quality

# Leads offered as examples on the form: the most telling (rejected first), then the newest.
EXAMPLE_CHOICES = 25
PAGE_SIZE = 50


class ComplaintForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("Campaign"), queryset=Campaign.objects.none(), required=False
    )
    import_batch = forms.ModelChoiceField(
        label=gettext_lazy("Import"), queryset=ImportBatch.objects.none(), required=False
    )
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=RejectionReason.choices)
    note = forms.CharField(
        label=gettext_lazy("What is wrong with these leads?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    example_leads = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Example leads"),
        queryset=Lead.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, membership: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = membership.organization
        self.fields["campaign"].queryset = Campaign.objects.for_org(organization).order_by("name")
        self.fields["import_batch"].queryset = ImportBatch.objects.for_org(organization)
        # The service checks that each example comes from the chosen campaign or import.
        self.fields["example_leads"].queryset = Lead.objects.visible_to(membership)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (data.get("campaign") is None) == (data.get("import_batch") is None):
            raise forms.ValidationError(
                _("Name the campaign or the import the leads came from (one of them).")
            )
        return data


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    action_taken = forms.CharField(
        label=gettext_lazy("Action taken"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _complaints(request: HttpRequest) -> QuerySet[QualityComplaint]:
    return QualityComplaint.objects.visible_to(request.membership).select_related(
        "campaign", "import_batch", "filed_by__user", "answered_by__user"
    )


def _example_candidates(
    membership: Any, campaign: Campaign | None, import_batch: ImportBatch | None
) -> list[Lead]:
    """Leads of the campaign or import the filer can see: rejected ones first, then newest."""
    if campaign is None and import_batch is None:
        return []
    leads = Lead.objects.visible_to(membership)
    leads = leads.filter(campaign=campaign) if campaign else leads.filter(import_batch=import_batch)
    rejected_first = Case(
        When(status=LeadStatus.REJECTED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list(leads.order_by(rejected_first, "-created_at", "-pk")[:EXAMPLE_CHOICES])


def _preselected(request: HttpRequest, model: type, name: str) -> Any:
    """The campaign / import named by ``?campaign=`` / ``?import_batch=`` (404 if foreign)."""
    value = request.GET.get(name, "")
    if not value.isdigit() or len(value) > 18:
        return None
    return get_object_or_404(model.objects.for_org(request.organization), pk=int(value))


@tenant_view
def complaint_list(request: HttpRequest) -> HttpResponse:
    """Every quality complaint of the organization, open ones first (filter by status)."""
    complaints = _complaints(request)
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
def complaint_create(request: HttpRequest) -> HttpResponse:
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
        "candidates": _example_candidates(membership, campaign, import_batch),
        "chosen": {str(pk) for pk in form["example_leads"].value() or []},
    }
    template = "leads/quality/form.html"
    if request.htmx:
        template += "#examples"
    return render(request, template, context)


@tenant_view
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One complaint: what sales said, the examples, marketing's answer (a form for marketing
    while it is open) and the discussion. POST answers it."""
    complaint = get_object_or_404(
        _complaints(request).prefetch_related(
            Prefetch(
                "example_leads",
                queryset=Lead.objects.visible_to(request.membership).order_by("pk"),
                to_attr="visible_examples",
            )
        ),
        pk=pk,
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
