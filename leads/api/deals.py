"""Companies, contacts and deals (DESIGN §4): list, search, create, update, and the deal
actions ``advance/``, ``win/``, ``lose/``, ``reopen/`` and ``own-material/``.

Deals are never deleted: a deal ends won or lost, and keeps its history. Services do the
work and answer 400/403/409 through ``collab_hub.exceptions``.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Membership
from collab_hub.api import (
    SEARCH_FILTER_BACKENDS,
    IdFilter,
    ReadOnlyModelSerializer,
    ReadOnlySerializerMixin,
    ServiceViewSet,
    TenantModelSerializer,
    TenantSerializer,
)
from leads.api.collateral import ContentRequestSerializer
from leads.models import (
    OPEN_DEAL_STAGES,
    CollateralUse,
    Company,
    Contact,
    Deal,
    DealKind,
    DealSource,
    DealStage,
    DealStageChange,
    LostReason,
    Tier,
)
from leads.selectors import deals as deal_selectors
from leads.services import collateral as collateral_services
from leads.services import deals as services

# --- Companies -----------------------------------------------------------------------------


class CompanySerializer(TenantModelSerializer):
    tier = serializers.PrimaryKeyRelatedField(
        queryset=Tier.objects.all(), allow_null=True, required=False
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Membership.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Membership id of the account owner; omitted: you."),
    )

    class Meta:
        model = Company
        fields = [
            "id", "name", "domain", "industry", "country", "employees", "annual_revenue",
            "tier", "owner", "created_at",
        ]  # fmt: skip
        read_only_fields = ["created_at"]
        # The service normalizes the domain and country and checks the domain is new.
        validators: list = []


class CompanyFilter(django_filters.FilterSet):
    tier = IdFilter(field_name="tier_id")
    owner = IdFilter(field_name="owner_id")

    class Meta:
        model = Company
        fields = ["tier", "owner", "country", "industry"]


class CompanyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ServiceViewSet,
):
    """Customer companies. ``?search=`` looks in name and domain. Not deletable: deals and
    contacts keep pointing at them."""

    queryset = Company.objects.all()
    serializer_class = CompanySerializer
    filterset_class = CompanyFilter
    filter_backends = SEARCH_FILTER_BACKENDS
    # Ignoring case and accents, like the pages (collab_hub/search.py).
    search_fields = ["name__search_contains", "domain__search_contains"]
    ordering_fields = ["name", "created_at", "id"]
    create_service = services.create_company
    update_service = services.update_company
    instance_arg = "company"
    write_policy = "deals.manage"


# --- Contacts ------------------------------------------------------------------------------


class ContactSerializer(TenantModelSerializer):
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all())

    class Meta:
        model = Contact
        fields = [
            "id", "company", "first_name", "last_name", "email", "title", "phone", "created_at",
        ]  # fmt: skip
        read_only_fields = ["created_at"]
        # The service checks the email is new in the organization.
        validators: list = []


class ContactFilter(django_filters.FilterSet):
    company = IdFilter(field_name="company_id")

    class Meta:
        model = Contact
        fields = ["company"]


class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ServiceViewSet,
):
    """People at customer companies. ``?search=`` looks in email, first and last name and the
    company's name."""

    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    filter_backends = SEARCH_FILTER_BACKENDS
    search_fields = [
        "email__search_contains",
        "first_name__search_contains",
        "last_name__search_contains",
        "company__name__search_contains",
    ]
    ordering_fields = ["last_name", "created_at", "id"]
    create_service = services.create_contact
    update_service = services.update_contact
    instance_arg = "contact"
    write_policy = "deals.manage"


# --- Deals ---------------------------------------------------------------------------------


class DealSerializer(TenantModelSerializer):
    """A deal as integrations see it (DESIGN §4 key fields first)."""

    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all())
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), allow_null=True, required=False
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Membership.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Membership id of a sales member; omitted: you."),
    )
    kind = serializers.ChoiceField(choices=DealKind.choices, required=False)
    # Empty unless the deal was lost.
    lost_reason = serializers.ChoiceField(
        choices=LostReason.choices, allow_blank=True, read_only=True
    )
    missing_features = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("Set when lost for a feature.")
    )

    class Meta:
        model = Deal
        fields = [
            "id", "name", "company", "owner", "value", "stage", "kind", "source",
            "lost_reason", "close_date", "contact", "lost_note", "missing_features",
            "closed_at", "lead", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "stage", "source", "lost_note", "closed_at", "lead", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {"name": {"required": False, "allow_blank": True}}

    def validate(self, attrs):
        company = attrs.get("company") or getattr(self.instance, "company", None)
        contact = attrs.get("contact")
        if contact is not None and company is not None and contact.company_id != company.pk:
            raise serializers.ValidationError(
                {"contact": _("The contact must work at the deal's company.")}
            )
        return attrs


class StageChangeSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = DealStageChange
        fields = ["from_stage", "to_stage", "by", "at", "note"]


class DealCollateralUseSerializer(ReadOnlyModelSerializer):
    title = serializers.CharField(source="collateral.title", read_only=True)

    class Meta:
        model = CollateralUse
        fields = ["id", "collateral", "title", "by", "used_at", "stage"]


class DealDetailSerializer(ReadOnlySerializerMixin, DealSerializer):
    """A deal with its stage history and the collateral used on it (responses only)."""

    stage_changes = StageChangeSerializer(many=True, read_only=True)
    collateral_uses = DealCollateralUseSerializer(many=True, read_only=True)

    class Meta(DealSerializer.Meta):
        fields = [*DealSerializer.Meta.fields, "stage_changes", "collateral_uses"]


class AdvanceSerializer(TenantSerializer):
    stage = serializers.ChoiceField(
        choices=[(stage.value, stage.label) for stage in OPEN_DEAL_STAGES],
        help_text=_("An open stage; win/ and lose/ close a deal."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ReopenSerializer(TenantSerializer):
    reason = serializers.CharField(
        max_length=5000, help_text=_("Why the closed deal is reopened. Required.")
    )


class WinSerializer(TenantSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


@extend_schema_field(
    {
        "oneOf": [
            {
                "type": "integer",
                "minimum": 1,
                "maximum": services.FEATURE_REQUEST_ID_MAX,
                "description": "The id of one of the organization's feature requests.",
            },
            {
                "type": "string",
                "maxLength": services.FEATURE_NAME_MAX,
                "description": "The name of a feature.",
            },
        ]
    }
)
class FeatureRequestItemField(serializers.Field):
    """A missing feature: a feature request's id (a JSON integer) or a name (a string)."""

    default_error_messages = {
        "invalid": _("Give a feature request's id (an integer) or a feature's name (a string)."),
        "id_range": _("A feature request id is between 1 and %(max)d."),
        "max_length": _("A feature name has at most %(max)d characters."),
    }

    def to_internal_value(self, data):
        # JSON true/false are ints in Python; neither is an id nor a name.
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, int):
            if not 1 <= data <= services.FEATURE_REQUEST_ID_MAX:
                self.fail("id_range", max=services.FEATURE_REQUEST_ID_MAX)
            return data
        if len(data) > services.FEATURE_NAME_MAX:
            self.fail("max_length", max=services.FEATURE_NAME_MAX)
        return data

    def to_representation(self, value):
        return value


class LoseSerializer(TenantSerializer):
    reason = serializers.ChoiceField(choices=LostReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    feature_requests = serializers.ListField(
        child=FeatureRequestItemField(),
        required=False,
        max_length=50,
        help_text=_(
            "The features the customer missed: each the id of one of the organization's "
            "feature requests (an integer) or a feature's name (a string; the roadmap matches "
            "it to a request or opens one). Required, at least one, when the reason is "
            "missing_feature; ignored otherwise. An id the roadmap does not know is a 400."
        ),
    )


class OwnMaterialSerializer(TenantSerializer):
    description = serializers.CharField(
        max_length=5000, help_text=_("The material sales used instead of the library's.")
    )
    missing = serializers.CharField(
        max_length=5000, help_text=_("What the library was missing: marketing's brief.")
    )


class DealFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=DealStage.choices)
    kind = django_filters.MultipleChoiceFilter(choices=DealKind.choices)
    source = django_filters.MultipleChoiceFilter(choices=DealSource.choices)
    owner = IdFilter(field_name="owner_id")
    company = IdFilter(field_name="company_id")
    closed_after = django_filters.IsoDateTimeFilter(field_name="closed_at", lookup_expr="gte")
    closed_before = django_filters.IsoDateTimeFilter(field_name="closed_at", lookup_expr="lt")

    class Meta:
        model = Deal
        fields = ["stage", "kind", "source", "owner", "company"]


class DealViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ServiceViewSet,
):
    """Deals. Created here they have source ``sales``; the stage changes only through the
    actions (409 on a closed deal). ``?search=`` looks in the deal's name and its company's
    name and domain. There is no DELETE: a deal ends won or lost."""

    queryset = Deal.objects.all()
    serializer_class = DealSerializer
    filterset_class = DealFilter
    filter_backends = SEARCH_FILTER_BACKENDS
    search_fields = [f"{name}__search_contains" for name in deal_selectors.DEAL_SEARCH_FIELDS]
    ordering_fields = ["created_at", "updated_at", "value", "close_date", "closed_at", "id"]
    create_service = services.open_deal
    update_service = services.update_deal
    instance_arg = "deal"
    write_policy = "deals.manage"
    policy = {
        "advance": "deals.manage",
        "win": "deals.manage",
        "lose": "deals.manage",
        "reopen": "deals.reopen",
        "own_material": "content_requests.create",
    }

    def get_serializer_class(self):
        if self.action == "retrieve":
            return DealDetailSerializer
        return super().get_serializer_class()

    def retrieve(self, request, *args, **kwargs):
        deal = self.get_object()
        deal = (
            type(deal)
            .objects.filter(pk=deal.pk)
            .prefetch_related("stage_changes", "collateral_uses__collateral")
            .get()
        )
        return Response(DealDetailSerializer(deal, context=self.get_serializer_context()).data)

    def create_arguments(self, data):
        # open_deal takes the fields one by one; deals opened here come from sales.
        return {
            "company": data["company"],
            "name": data.get("name") or "",
            "source": DealSource.SALES,
            "value": data.get("value", 0),
            "kind": data.get("kind", DealKind.NEW),
            "contact": data.get("contact"),
            "owner": data.get("owner"),
            "close_date": data.get("close_date"),
        }

    def _act(self, request, serializer_class, service):
        deal = self.get_object()
        data = serializer_class(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        deal = service(by=self.membership, deal=deal, **data.validated_data)
        return Response(DealSerializer(deal, context=self.get_serializer_context()).data)

    @extend_schema(request=AdvanceSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        """Move an open deal to another open stage (back as well as forward)."""
        return self._act(request, AdvanceSerializer, services.advance_deal)

    @extend_schema(request=WinSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def win(self, request, pk=None):
        """``open → won``."""
        return self._act(request, WinSerializer, services.win_deal)

    @extend_schema(request=LoseSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def lose(self, request, pk=None):
        """``open → lost`` with a reason; ``missing_feature`` needs ``feature_requests``."""
        return self._act(request, LoseSerializer, services.lose_deal)

    @extend_schema(request=ReopenSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """``won | lost → open`` (sales managers), with a reason: back to the stage it closed
        from; no longer counted as won or lost. 409 for an open deal."""
        return self._act(request, ReopenSerializer, services.reopen_deal)

    @extend_schema(
        request=OwnMaterialSerializer, responses={status.HTTP_201_CREATED: ContentRequestSerializer}
    )
    @action(detail=True, methods=["post"], url_path="own-material")
    def own_material(self, request, pk=None):
        """Sales used its own material on the deal instead of the library's: this becomes a
        content request to marketing and counts in the library's coverage."""
        deal = self.get_object()
        data = OwnMaterialSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        content_request = collateral_services.record_own_material(
            by=self.membership, deal=deal, **data.validated_data
        )
        return Response(
            ContentRequestSerializer(content_request, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


ROUTES = [
    ("companies", CompanyViewSet, "company"),
    ("contacts", ContactViewSet, "contact"),
    ("deals", DealViewSet, "deal"),
]
URLS: list = []
