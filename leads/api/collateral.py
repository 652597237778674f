"""The collateral library and content requests (DESIGN §4).

``collateral/``: marketing adds assets (multipart with ``file``, or JSON with ``url``), tags
them by tier and deal stage, archives them (no DELETE: the usage history stays); sales
records use on a deal with ``use/`` (idempotent). Each asset carries ``usage_count`` and
``win_rate``; ``stats/`` breaks them down per tier and stage; ``coverage/`` says how often
sales found what it needed in the library. ``content-requests/``: sales asks, marketing
``start/``, ``complete/`` or ``decline/``.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.reverse import reverse

from collab_hub.api import (
    SEARCH_FILTER_BACKENDS,
    IdFilter,
    ReadOnlyModelSerializer,
    ReadOnlySerializer,
    ServiceViewSet,
    TenantModelSerializer,
    TenantSerializer,
)
from collab_hub.parsers import JSONParser, MultiPartParser
from leads import files
from leads.models import (
    Collateral,
    CollateralUse,
    ContentRequest,
    ContentRequestStatus,
    Deal,
    DealStage,
    Tier,
)
from leads.selectors import collateral as selectors
from leads.services import collateral as services

# Largest collateral upload accepted (bytes).
MAX_UPLOAD_BYTES = 25 * 1024 * 1024

# --- Collateral ----------------------------------------------------------------------------


class CollateralFileField(serializers.FileField):
    """Written as a multipart upload; read as the address of ``collateral/<id>/download/``
    (the file is only served to members who may see the asset, never from ``/media/``)."""

    def to_representation(self, value):
        if not value:
            return None
        request = self.context.get("request")
        return reverse("collateral-download", args=[value.instance.pk], request=request)


class CollateralSerializer(TenantModelSerializer):
    file = CollateralFileField(
        required=False,
        allow_null=True,
        help_text=_(
            "Upload: the asset's file (multipart; PDF, PNG, JPEG, GIF, WebP, DOCX, XLSX, PPTX, "
            "ZIP, TXT or CSV, checked by content). Read: the address to download it from "
            "(with your credentials); null when the asset is a link."
        ),
    )
    file_name = serializers.CharField(
        read_only=True, help_text=_("The file's name as uploaded; empty for a link.")
    )
    tiers = serializers.PrimaryKeyRelatedField(
        queryset=Tier.objects.all(),
        many=True,
        required=False,
        help_text=_("Tier ids the asset is for; empty: every tier."),
    )
    stages = serializers.ListField(
        child=serializers.ChoiceField(choices=DealStage.choices),
        required=False,
        max_length=len(DealStage.values),
        help_text=_("Deal stages the asset is for; empty: every stage."),
    )
    usage_count = serializers.IntegerField(read_only=True, help_text=_("Deals it was used on."))
    deals_won = serializers.IntegerField(read_only=True)
    deals_lost = serializers.IntegerField(read_only=True)
    win_rate = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text=_("Won ÷ closed deals it was used on (0..1); null while none is closed."),
    )

    class Meta:
        model = Collateral
        fields = [
            "id", "title", "description", "file", "file_name", "url", "tiers", "stages", "owner",
            "created_at", "archived_at", "usage_count", "deals_won", "deals_lost", "win_rate",
        ]  # fmt: skip
        read_only_fields = ["owner", "created_at", "archived_at"]

    def validate_file(self, value):
        if value is not None and value.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20}
            )
        return value


class UseSerializer(TenantSerializer):
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.all())


class CollateralUseSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = CollateralUse
        fields = ["id", "collateral", "deal", "by", "used_at", "stage"]


class FiguresSerializer(ReadOnlySerializer):
    key = serializers.CharField(
        allow_null=True, help_text=_("Tier id or stage; null: no tier / overall.")
    )
    label = serializers.CharField(allow_blank=True)  # type: ignore[assignment]  # a declared field, moved off the class by DRF's metaclass
    uses = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True)


class CollateralStatsSerializer(ReadOnlySerializer):
    overall = FiguresSerializer()
    by_tier = FiguresSerializer(many=True)
    by_stage = FiguresSerializer(many=True)


class CoverageCellSerializer(ReadOnlySerializer):
    tier_id = serializers.IntegerField(allow_null=True)
    tier_name = serializers.CharField(allow_blank=True)
    stage = serializers.CharField(allow_blank=True)
    library_uses = serializers.IntegerField()
    own_material = serializers.IntegerField()
    coverage = serializers.FloatField(
        allow_null=True, help_text=_("Library uses ÷ (library uses + own material), 0..1.")
    )


class CoverageSerializer(ReadOnlySerializer):
    cells = CoverageCellSerializer(many=True)
    by_tier = CoverageCellSerializer(many=True)
    by_stage = CoverageCellSerializer(many=True)
    total = CoverageCellSerializer()


class CoverageQuerySerializer(TenantSerializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class CollateralFilter(django_filters.FilterSet):
    tier = IdFilter(method="filter_tier", label=_("For this tier (untagged assets fit all)"))
    stage = django_filters.ChoiceFilter(
        choices=DealStage.choices,
        method="filter_stage",
        label=_("For this stage (untagged assets fit all)"),
    )
    # ``archived=true``: only archived assets; ``false``: the live library; omitted: both.
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True
    )
    owner = IdFilter(field_name="owner_id")

    class Meta:
        model = Collateral
        fields = ["tier", "stage", "archived", "owner"]

    def filter_tier(self, qs, name, value):
        return selectors.for_tier(qs, value) if value else qs

    def filter_stage(self, qs, name, value):
        return selectors.for_stage(qs, value) if value else qs


def _annotated(pk: int) -> Collateral:
    return selectors.with_figures(Collateral.objects.filter(pk=pk)).prefetch_related("tiers").get()


# An asset is a file (or a link): its writes are multipart, the one encoding a file travels in.
_UPLOAD = extend_schema(request={"multipart/form-data": CollateralSerializer})


@extend_schema_view(create=_UPLOAD, update=_UPLOAD, partial_update=_UPLOAD)
class CollateralViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ServiceViewSet,
):
    """The collateral library, with usage figures on every asset. ``?search=`` looks in title
    and description; ``?archived=false`` is the live library."""

    queryset = selectors.with_figures(Collateral.objects.all()).prefetch_related("tiers")
    serializer_class = CollateralSerializer
    # A file asset travels as multipart; a link (and every action) as JSON.
    parser_classes = [JSONParser, MultiPartParser]
    filterset_class = CollateralFilter
    filter_backends = SEARCH_FILTER_BACKENDS
    search_fields = list(selectors.SEARCH_FIELDS)
    ordering_fields = ["title", "created_at", "usage_count", "id"]
    create_service = services.add_collateral
    update_service = services.update_collateral
    instance_arg = "collateral"
    write_policy = "collateral.manage"
    policy = {"archive": "collateral.manage", "use": "collateral.use"}
    open_actions = ("stats", "coverage", "download")

    def create_arguments(self, data):
        # add_collateral takes the asset's fields one by one.
        return {
            "title": data.get("title", ""),
            "description": data.get("description", ""),
            "file": data.get("file"),
            "url": data.get("url", ""),
            "tiers": data.get("tiers", ()),
            "stages": data.get("stages", ()),
        }

    def response_row(self, row):
        # With its usage figures, as the list shows it.
        return _annotated(row.pk)

    @extend_schema(request=None, responses=CollateralSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Take the asset out of the library (409 when already archived); it keeps its
        figures and history."""
        collateral = services.archive_collateral(by=self.membership, collateral=self.get_object())
        return Response(
            CollateralSerializer(
                _annotated(collateral.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(request=UseSerializer, responses=CollateralUseSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def use(self, request, pk=None):
        """Record that the asset was used on a deal (at the deal's current stage). Recording
        it again returns the first record: 200 either way."""
        collateral = self.get_object()
        data = UseSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        use = services.use_collateral(
            by=self.membership, collateral=collateral, deal=data.validated_data["deal"]
        )
        return Response(CollateralUseSerializer(use).data)

    @extend_schema(
        request=None,
        responses={
            (200, content_type): OpenApiResponse(
                OpenApiTypes.BINARY,
                description=_(
                    "The file, with its type from the allow-list as Content-Type; "
                    "Content-Disposition inline for PDF and images, attachment otherwise."
                ),
            )
            for content_type in files.served_content_types()
        },
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def download(self, request, pk=None):
        """The asset's file (archived assets too) for any member who may see the asset; 404
        for a link-only asset. Served like the page's download: ``X-Content-Type-Options:
        nosniff``, a sandboxing Content-Security-Policy, ``Cache-Control: private``."""
        collateral = self.get_object()
        if not collateral.file:
            raise NotFound(_("This asset has no file; it is a link."))
        return files.file_response(
            name=str(collateral.file.name), download_name=collateral.file_name
        )

    @extend_schema(request=None, responses=CollateralStatsSerializer)
    @action(detail=True, methods=["get"])
    def stats(self, request, pk=None):
        """Usage and win rate of the asset overall, per tier and per deal stage."""
        stats = selectors.collateral_stats(collateral=self.get_object())
        return Response(CollateralStatsSerializer(stats).data)

    @extend_schema(
        request=None,
        responses=CoverageSerializer,
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATETIME, description=_("Needs from then on")),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description=_("Needs before then")),
        ],
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def coverage(self, request):
        """Library coverage per tier × stage: library uses ÷ (library uses + times sales used
        its own material)."""
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        coverage = selectors.library_coverage(
            organization=self.membership.organization, **query.validated_data
        )
        return Response(CoverageSerializer(coverage).data)


# --- Content requests ----------------------------------------------------------------------


class ContentRequestSerializer(TenantModelSerializer):
    deal = serializers.PrimaryKeyRelatedField(
        queryset=Deal.objects.all(), allow_null=True, required=False
    )
    tier = serializers.PrimaryKeyRelatedField(
        queryset=Tier.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Omitted with a deal: the tier of the deal's company."),
    )
    stage = serializers.ChoiceField(
        choices=DealStage.choices,
        allow_blank=True,
        required=False,
        help_text=_("Omitted with a deal: the deal's current stage."),
    )

    class Meta:
        model = ContentRequest
        fields = [
            "id", "title", "need", "deal", "tier", "stage", "due_date", "status",
            "requested_by", "assignee", "own_material", "collateral", "resolution_note",
            "created_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = [
            "status", "requested_by", "assignee", "own_material", "collateral",
            "resolution_note", "created_at", "closed_at",
        ]  # fmt: skip


class CompleteSerializer(TenantSerializer):
    collateral = serializers.PrimaryKeyRelatedField(
        queryset=Collateral.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("The library asset that answers the request."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DeclineSerializer(TenantSerializer):
    reason = serializers.CharField(max_length=5000)


class ContentRequestFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ContentRequestStatus.choices)
    stage = django_filters.ChoiceFilter(choices=DealStage.choices)
    deal = IdFilter(field_name="deal_id")
    tier = IdFilter(field_name="tier_id")
    requested_by = IdFilter(field_name="requested_by_id")
    assignee = IdFilter(field_name="assignee_id")
    own_material = django_filters.BooleanFilter(
        method="filter_own_material", label=_("Shadow collateral: sales used its own material")
    )

    class Meta:
        model = ContentRequest
        fields = ["status", "stage", "deal", "tier", "requested_by", "assignee"]

    def filter_own_material(self, qs, name, value):
        if value is None:
            return qs
        return qs.exclude(own_material="") if value else qs.filter(own_material="")


class ContentRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ServiceViewSet
):
    """Sales asks marketing for material; marketing works the request:
    ``open → in_progress → done | declined`` (409 otherwise)."""

    queryset = ContentRequest.objects.all()
    serializer_class = ContentRequestSerializer
    filterset_class = ContentRequestFilter
    filter_backends = SEARCH_FILTER_BACKENDS
    search_fields = ["title", "need"]
    ordering_fields = ["created_at", "due_date", "id"]
    create_service = services.request_content
    policy = {
        "create": "content_requests.create",
        "start": "content_requests.handle",
        "complete": "content_requests.handle",
        "decline": "content_requests.handle",
    }

    def create_arguments(self, data):
        # request_content takes the fields one by one; a blank stage means "the deal's".
        return {
            "title": data.get("title", ""),
            "need": data.get("need", ""),
            "deal": data.get("deal"),
            "due_date": data.get("due_date"),
            "tier": data.get("tier"),
            "stage": data.get("stage") or None,
        }

    def _act(self, request, serializer_class, service):
        content_request = self.get_object()
        kwargs = {}
        if serializer_class is not None:
            data = serializer_class(data=request.data, context=self.get_serializer_context())
            data.is_valid(raise_exception=True)
            kwargs = data.validated_data
        content_request = service(by=self.membership, request=content_request, **kwargs)
        return Response(
            ContentRequestSerializer(content_request, context=self.get_serializer_context()).data
        )

    @extend_schema(request=None, responses=ContentRequestSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """``open → in_progress``; you become the assignee."""
        return self._act(request, None, services.start_content_request)

    @extend_schema(request=CompleteSerializer, responses=ContentRequestSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """``open | in_progress → done``, optionally with the asset that answers it."""
        return self._act(request, CompleteSerializer, services.complete_content_request)

    @extend_schema(request=DeclineSerializer, responses=ContentRequestSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """``open | in_progress → declined`` with a reason the requester reads."""
        return self._act(request, DeclineSerializer, services.decline_content_request)


ROUTES = [
    ("collateral", CollateralViewSet, "collateral"),
    ("content-requests", ContentRequestViewSet, "content-request"),
]
URLS: list = []
