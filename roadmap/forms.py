"""Browser forms of the sales ↔ product flow. They check the shape of input; the services in
``roadmap.services`` apply the rules (and say no with a ``DomainError``, shown on the form).

Every form that chooses tenant rows (owner, tier, company, deal, feature request) extends
``TenantFormMixin``: its querysets are declared unscoped and narrowed to the member's
organization, so a foreign id posted by hand is "not one of the available choices".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import DepartmentKind, Membership
from collab_hub.tenancy import TenantFormMixin
from leads.forms.fields import DateInput, MemberChoiceField
from leads.models import OPEN_DEAL_STAGES, Company, Deal, DealSource, Tier
from roadmap.models import EFFORT_MAX, DemandKind, FeatureRequest, FeatureStatus
from roadmap.selectors import ORDERINGS

if TYPE_CHECKING:
    _FeatureChoiceField = forms.ModelChoiceField[FeatureRequest]
else:
    _FeatureChoiceField = forms.ModelChoiceField

ORDERING_LABELS = {
    "priority_score": _("Priority score"),
    "revenue_at_stake": _("Revenue at stake"),
    "customers_count": _("Customers"),
    "created_at": _("Newest"),
    "status": _("Status"),
}
# Kinds a member raises by hand; ``lost`` comes from losing the deal.
RAISED_KINDS = [
    (kind.value, kind.label)
    for kind in (DemandKind.BLOCKING, DemandKind.EXPANSION, DemandKind.RETENTION)
]


def product_members() -> Any:
    """Active members of product departments (owners of requests). Unscoped: the form's
    ``TenantFormMixin`` narrows it to the organization."""
    return (
        Membership.objects.filter(is_active=True, department__kind=DepartmentKind.PRODUCT)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


class FeatureChoiceField(_FeatureChoiceField):
    def label_from_instance(self, obj: FeatureRequest) -> str:
        return f"{obj.title} ({obj.get_status_display()})"


def open_requests() -> Any:
    return FeatureRequest.objects.filter(merged_into__isnull=True).order_by("title", "pk")


class RoadmapFilterForm(TenantFormMixin, forms.Form):
    """The ranked roadmap's filters and sort (GET); a bad value is dropped, not an error."""

    search = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Part of a title")}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *FeatureStatus.choices],
    )
    owner = MemberChoiceField(
        label=_("Product owner"),
        required=False,
        queryset=product_members(),
        empty_label=_("Anyone"),
    )
    tier = forms.ModelChoiceField(
        label=_("Customer tier"),
        required=False,
        queryset=Tier.objects.order_by("rank"),
        empty_label=_("Any tier"),
    )
    ordering = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(key, ORDERING_LABELS[key]) for key in (*ORDERINGS, "status")],
    )

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        return {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if value not in (None, "") and name not in self.errors
        }


class FeatureRequestForm(TenantFormMixin, forms.Form):
    """A new request or an edit. Owner, target release and effort are product's: the view
    drops them for everyone else."""

    PRODUCT_FIELDS = ("owner", "target_release", "effort")

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What customers need to do, and why today's product does not let them."),
    )
    owner = MemberChoiceField(
        label=_("Product owner"), required=False, queryset=product_members(), empty_label="—"
    )
    target_release = forms.CharField(label=_("Target release"), required=False, max_length=100)
    effort = forms.IntegerField(
        label=_("Effort (points)"),
        required=False,
        min_value=0,
        max_value=EFFORT_MAX,
        help_text=_("Divides the priority score; unknown counts as 1."),
    )

    def __init__(self, *args: Any, product: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not product:
            for name in self.PRODUCT_FIELDS:
                del self.fields[name]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=FeatureStatus.choices)
    note = forms.CharField(required=False, max_length=5000)


class MergeForm(TenantFormMixin, forms.Form):
    into = FeatureChoiceField(
        label=_("Merge into"),
        queryset=open_requests(),
        help_text=_("Its demands and promises move there; this request is closed as a duplicate."),
    )

    def __init__(self, *args: Any, source: FeatureRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["into"]
        field.queryset = field.queryset.exclude(pk=source.pk)


class DemandForm(TenantFormMixin, forms.Form):
    """Raise a demand. From a request's page the member chooses the company (and deal);
    from a deal or company page, the feature request."""

    feature_request = FeatureChoiceField(label=_("Feature request"), queryset=open_requests())
    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.order_by("name"))
    deal = forms.ModelChoiceField(
        label=_("Deal"),
        required=False,
        queryset=Deal.objects.filter(stage__in=OPEN_DEAL_STAGES)
        .select_related("company")
        .order_by("name"),
        empty_label="—",
        help_text=_("Required for a blocking demand: its value is the deal's."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=RAISED_KINDS)
    value = forms.DecimalField(
        label=_("Value"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Expansion and retention: the annual revenue at stake."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        feature_request: FeatureRequest | None = None,
        company: Company | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_request, self.fixed_company = feature_request, company
        if feature_request is not None:
            del self.fields["feature_request"]
        if company is not None:
            del self.fields["company"]
            deal: Any = self.fields["deal"]
            deal.queryset = deal.queryset.filter(company=company)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.fixed_request is not None:
            data["feature_request"] = self.fixed_request
        if self.fixed_company is not None:
            data["company"] = self.fixed_company
        return data


class PromiseForm(TenantFormMixin, forms.Form):
    feature_request = FeatureChoiceField(label=_("Feature"), queryset=open_requests())
    note = forms.CharField(
        label=_("What was promised"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclinePromiseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why decline it?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImpactFilterForm(TenantFormMixin, forms.Form):
    """The impact page's filters (GET): demands raised in a period, from a tier, a source."""

    start = forms.DateField(label=_("Raised from"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Raised until"), required=False, widget=DateInput())
    tier = forms.ModelChoiceField(
        label=_("Customer tier"),
        required=False,
        queryset=Tier.objects.order_by("rank"),
        empty_label=_("Any tier"),
    )
    source = forms.ChoiceField(
        label=_("Deal source"), required=False, choices=[("", _("Any source")), *DealSource.choices]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end comes after the start."))
        return data
