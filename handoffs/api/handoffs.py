"""Handoffs of won deals from sales to customer success (DESIGN §3.3, §4).

``handoffs/`` lists, reads and edits the package (PATCH/PUT: the texts and the CS owner);
the actions ``submit/``, ``accept/``, ``return/``, ``start-onboarding/`` and ``go-live/`` move
it along the status machine (``handoffs.services.handoffs``), answering the handoff or a 409
with a stable ``code`` (``handoff_incomplete`` with ``missing``, ``signoff_missing``,
``handoff_<status>``). Handoffs are opened by winning a deal and never deleted: there is no
POST on the list and no DELETE.

Nested, as plain URLs (``URLS``): ``handoffs/<id>/discrepancies/``, ``…/checklist/`` (and
``…/checklist/<item>/``), ``…/stakeholders/`` (and ``…/stakeholders/<id>/``) and
``…/promise-signoffs/``; ``discrepancies/`` lists every surprise for sync, with ``answer/``
(sales) and ``resolve/``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, Q
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.models import Membership
from collab_hub.api import (
    IdFilter,
    ReadOnlyModelSerializer,
    ReadOnlySerializer,
    ServiceViewSet,
    TenantModelSerializer,
    TenantSerializer,
    TenantViewSet,
)
from handoffs.models import (
    SALES_STATUSES,
    ChecklistItem,
    Discrepancy,
    DiscrepancyKind,
    Handoff,
    HandoffStatus,
    PromiseSignoff,
    Stakeholder,
)
from handoffs.selectors.handoffs import PromiseRow, promise_rows_of
from handoffs.services import handoffs as services
from leads.models import Contact
from roadmap.models import FeatureStatus, Promise, PromiseStatus

TEXT_MAX = services.TEXT_MAX


# --- Handoffs -------------------------------------------------------------------------------


class ChecklistItemSerializer(ReadOnlyModelSerializer):
    done = serializers.BooleanField(help_text=_("Ticked (done_at and done_by say when, by whom)."))

    class Meta:
        model = ChecklistItem
        fields = ["id", "title", "required", "done", "done_at", "done_by", "position"]


class StakeholderSerializer(ReadOnlyModelSerializer):
    name = serializers.SerializerMethodField(help_text=_("The contact's full name."))
    email = serializers.EmailField(source="contact.email")

    class Meta:
        model = Stakeholder
        fields = ["id", "contact", "name", "email", "role"]

    def get_name(self, obj: Stakeholder) -> str:
        contact = obj.contact
        return f"{contact.first_name} {contact.last_name}".strip()


class SignoffBriefSerializer(ReadOnlySerializer):
    deliverable = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    by = serializers.IntegerField(
        source="by_id", allow_null=True, help_text=_("Membership id of the CS member.")
    )
    at = serializers.DateTimeField()


class PromiseRowSerializer(ReadOnlySerializer):
    """One promise of the deal with its live roadmap status and CS's sign-off."""

    id = serializers.IntegerField(source="promise.pk", help_text=_("The promise's id."))
    feature_request = serializers.IntegerField(source="promise.feature_request_id")
    feature_title = serializers.CharField(source="promise.feature_request.title")
    feature_status = serializers.ChoiceField(
        source="promise.feature_request.status",
        choices=FeatureStatus.choices,
        help_text=_("The promised request's status today."),
    )
    status = serializers.ChoiceField(source="promise.status", choices=PromiseStatus.choices)
    highlighted = serializers.BooleanField(
        help_text=_("Not a sure thing: the promise is not confirmed or the feature not shipped.")
    )
    signoff = SignoffBriefSerializer(
        allow_null=True, help_text=_("CS's answer on the promise; null until it signs it off.")
    )


class MissingSerializer(ReadOnlySerializer):
    code = serializers.CharField(
        help_text=_(
            "customer_goals, commercial_terms, implementation_notes, stakeholders, cs_owner, "
            "checklist (with item) or promise_pending (with promise)."
        )
    )
    message = serializers.CharField()
    item = serializers.IntegerField(
        allow_null=True, help_text=_("The checklist item's id (code checklist; else null).")
    )
    promise = serializers.IntegerField(
        allow_null=True, help_text=_("The promise's id (code promise_pending; else null).")
    )


class HandoffSerializer(TenantModelSerializer):
    """A handoff as integrations see it: the package, the deal's promises read live from the
    roadmap, the checklist, the stakeholders and, while sales holds it, what is missing
    before it can be submitted."""

    status = serializers.ChoiceField(
        choices=HandoffStatus.choices,
        read_only=True,
        help_text=_(
            "draft → submitted → accepted | returned → onboarding → live; changed only by "
            "the actions."
        ),
    )
    cs_owner = serializers.PrimaryKeyRelatedField(
        queryset=Membership.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Membership id of an active CS member (CS managers and admins change it)."),
    )
    promises = serializers.SerializerMethodField(
        help_text=_("The deal's promises, oldest first, with their live roadmap status.")
    )
    checklist = ChecklistItemSerializer(many=True, read_only=True)
    stakeholders = StakeholderSerializer(many=True, read_only=True)
    missing = serializers.SerializerMethodField(
        help_text=_("What stops it from being submitted (draft or returned; else empty).")
    )
    overdue = serializers.BooleanField(
        source="is_overdue",
        read_only=True,
        help_text=_("Submitted and past its acceptance SLA (accept_due_at)."),
    )

    class Meta:
        model = Handoff
        fields = [
            "id", "deal", "status", "sales_owner", "cs_owner", "customer_goals",
            "commercial_terms", "implementation_notes", "risks", "questions", "promises",
            "checklist", "stakeholders", "missing", "overdue", "submitted_at", "accept_due_at",
            "accepted_at", "onboarding_at", "live_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "deal", "sales_owner", "questions", "submitted_at", "accept_due_at", "accepted_at",
            "onboarding_at", "live_at", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            name: {"max_length": TEXT_MAX}
            for name in ("customer_goals", "commercial_terms", "implementation_notes", "risks")
        }

    def _rows(self, obj: Handoff) -> list[PromiseRow]:
        rows = self.context.get("promise_rows")
        if rows is None or obj.pk not in rows:
            rows = promise_rows_of([obj])
        found: list[PromiseRow] = rows[obj.pk]
        return found

    @extend_schema_field(PromiseRowSerializer(many=True))
    def get_promises(self, obj: Handoff) -> Any:
        return PromiseRowSerializer(self._rows(obj), many=True).data

    @extend_schema_field(MissingSerializer(many=True))
    def get_missing(self, obj: Handoff) -> Any:
        if obj.status not in SALES_STATUSES:
            return []
        promises = [row.promise for row in self._rows(obj)]
        return MissingSerializer(
            services.missing_for_submit(obj, promises=promises), many=True
        ).data


class HandoffNoteSerializer(TenantSerializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_MAX, help_text=_("Kept in the history.")
    )


class ReturnSerializer(TenantSerializer):
    questions = serializers.CharField(
        allow_blank=True,
        max_length=TEXT_MAX,
        help_text=_("What sales must answer; required (400 questions_required when empty)."),
    )


class HandoffFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=HandoffStatus.choices)
    cs_owner = IdFilter(field_name="cs_owner_id")
    sales_owner = IdFilter(field_name="sales_owner_id")
    deal = IdFilter(field_name="deal_id")
    company = IdFilter(field_name="deal__company_id", label=_("The deal's company"))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("true: submitted and past the acceptance SLA; false: every other handoff"),
    )

    class Meta:
        model = Handoff
        fields = ["status", "cs_owner", "sales_owner", "deal", "company", "overdue"]

    def filter_overdue(self, qs: Any, name: str, value: Any) -> Any:
        if value is None:
            return qs
        late = Q(status=HandoffStatus.SUBMITTED, accept_due_at__lt=timezone.now())
        return qs.filter(late) if value else qs.exclude(late)


# The list's rows with their nested lists.
HANDOFFS = Handoff.objects.prefetch_related(
    Prefetch("checklist", queryset=ChecklistItem.objects.order_by("position", "pk"))
).prefetch_related(Prefetch("stakeholders", queryset=Stakeholder.objects.select_related("contact")))


def _transition_409(description: Any) -> OpenApiResponse:
    return OpenApiResponse(OpenApiTypes.OBJECT, description=description)


_MOVE_409 = _transition_409(_("Not a move the status machine allows (code handoff_<status>)."))


class HandoffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    ServiceViewSet,
):
    """Handoffs, newest first (``?ordering=accept_due_at`` for the SLA's order). Sales, CS
    and managers read them; sales edits the package while it holds it (draft or returned);
    CS managers and admins change the CS owner. Opened by winning a deal; never deleted."""

    queryset = HANDOFFS
    serializer_class = HandoffSerializer
    filterset_class = HandoffFilter
    ordering_fields = ["created_at", "updated_at", "accept_due_at", "id"]
    ordering = ["-created_at"]
    update_service = services.update_handoff
    instance_arg = "handoff"
    # Who may change which field is the service's to say (texts: sales; cs_owner: CS
    # managers); whoever may read a handoff gets that answer (403 with its code).
    write_policy = "handoffs.view"
    policy = {
        "list": "handoffs.view",
        "retrieve": "handoffs.view",
        "submit": "handoffs.submit",
        "accept": "handoffs.review",
        "return_handoff": "handoffs.review",
        "start_onboarding": "handoffs.review",
        "go_live": "handoffs.review",
    }

    def _context(self, rows: list[Handoff]) -> dict[str, Any]:
        # The promises of the whole page in two queries.
        return {**self.get_serializer_context(), "promise_rows": promise_rows_of(rows)}

    def response_row(self, row: Any) -> Any:
        return HANDOFFS.get(pk=row.pk)

    def list(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        data = HandoffSerializer(rows, many=True, context=self._context(rows)).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _answer(self, handoff: Handoff) -> Response:
        row = HANDOFFS.get(pk=handoff.pk)
        return Response(HandoffSerializer(row, context=self._context([row])).data)

    @extend_schema(
        request=HandoffNoteSerializer,
        responses={
            200: HandoffSerializer,
            409: _transition_409(
                _(
                    "Something is missing (handoff_incomplete, with missing: one entry per gap, "
                    "promise_pending among them), or not a draft or returned handoff "
                    "(handoff_<status>)."
                )
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Any, pk: Any = None) -> Response:
        """``draft | returned → submitted`` (sales): CS is told and the acceptance SLA
        starts. ``note`` answers CS's questions on a resubmission."""
        handoff = self.get_object()
        data = HandoffNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.submit_handoff(by=self.membership, handoff=handoff, **data.validated_data)
        )

    @extend_schema(
        request=HandoffNoteSerializer,
        responses={
            200: HandoffSerializer,
            409: _transition_409(
                _(
                    "A promise is not signed off yet (signoff_missing, with missing), or not a "
                    "submitted handoff (handoff_<status>)."
                )
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Any, pk: Any = None) -> Response:
        """``submitted → accepted`` (CS), once every promise not declined is signed off
        (``promise-signoffs/``); the sales owner is told."""
        handoff = self.get_object()
        data = HandoffNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.accept_handoff(by=self.membership, handoff=handoff, **data.validated_data)
        )

    @extend_schema(request=ReturnSerializer, responses={200: HandoffSerializer, 409: _MOVE_409})
    @action(detail=True, methods=["post"], url_path="return")
    def return_handoff(self, request: Any, pk: Any = None) -> Response:
        """``submitted → returned`` (CS) with the questions sales must answer; the sales
        owner is told."""
        handoff = self.get_object()
        data = ReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.return_handoff(by=self.membership, handoff=handoff, **data.validated_data)
        )

    @extend_schema(request=None, responses={200: HandoffSerializer, 409: _MOVE_409})
    @action(detail=True, methods=["post"], url_path="start-onboarding")
    def start_onboarding(self, request: Any, pk: Any = None) -> Response:
        """``accepted → onboarding`` (CS); the sales owner is told."""
        handoff = self.get_object()
        return self._answer(services.start_onboarding(by=self.membership, handoff=handoff))

    @extend_schema(request=None, responses={200: HandoffSerializer, 409: _MOVE_409})
    @action(detail=True, methods=["post"], url_path="go-live")
    def go_live(self, request: Any, pk: Any = None) -> Response:
        """``onboarding → live`` (CS); the sales owner is told."""
        handoff = self.get_object()
        return self._answer(services.go_live(by=self.membership, handoff=handoff))


# --- Nested under a handoff -------------------------------------------------------------------


class HandoffChildViewSet(TenantViewSet):
    """Base of the lists nested under ``handoffs/<id>/`` (plain URLs: ``pk`` is the
    handoff's). A handoff the member may not see, or another organization's, is a 404."""

    def _handoff(self, pk: Any) -> Handoff:
        handoff = Handoff.objects.visible_to(self.membership).filter(pk=pk).first()
        if handoff is None:
            raise NotFound(_("No such handoff."))
        return handoff

    def _page(self, queryset: Any, serializer: type[serializers.BaseSerializer[Any]]) -> Response:
        page = self.paginate_queryset(self.filter_queryset(queryset))
        return self.get_paginated_response(serializer(page, many=True).data)


class DiscrepancySerializer(ReadOnlyModelSerializer):
    """A surprise CS found in a handoff, sales' answer, and whether it is resolved."""

    kind = serializers.ChoiceField(choices=DiscrepancyKind.choices)

    class Meta:
        model = Discrepancy
        fields = [
            "id", "handoff", "kind", "description", "promise", "raised_by", "answer",
            "answered_by", "answered_at", "resolved", "resolved_by", "resolved_at",
            "created_at", "updated_at",
        ]  # fmt: skip


class RecordDiscrepancySerializer(TenantSerializer):
    kind = serializers.ChoiceField(choices=DiscrepancyKind.choices)
    description = serializers.CharField(allow_blank=True, max_length=TEXT_MAX)


class AnswerDiscrepancySerializer(TenantSerializer):
    answer = serializers.CharField(
        allow_blank=True, max_length=TEXT_MAX, help_text=_("Required; answering again replaces it.")
    )


class ResolveDiscrepancySerializer(TenantSerializer):
    resolved = serializers.BooleanField(
        required=False, default=True, help_text=_("false reopens a resolved discrepancy.")
    )


class DiscrepancyFilter(django_filters.FilterSet):
    handoff = IdFilter(field_name="handoff_id")
    kind = django_filters.MultipleChoiceFilter(choices=DiscrepancyKind.choices)
    resolved = django_filters.BooleanFilter()

    class Meta:
        model = Discrepancy
        fields = ["handoff", "kind", "resolved"]


class NestedDiscrepancyFilter(DiscrepancyFilter):
    class Meta:
        model = Discrepancy
        fields = ["kind", "resolved"]


class _VisibleHandoffsOnly:
    """Rows of a handoff the member may see (record visibility applies to handoffs)."""

    membership: Membership

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset)  # type: ignore[misc]
        return queryset.filter(handoff__in=Handoff.objects.visible_to(self.membership))


class DiscrepancyViewSet(
    _VisibleHandoffsOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet
):
    """Every discrepancy of the handoffs the member may see, oldest first (``?updated_after=``
    with ``ordering=updated_at`` to sync). Sales answers (``answer/``); CS or sales resolves
    (``resolve/``). Recorded under ``handoffs/<id>/discrepancies/``."""

    queryset = Discrepancy.objects.all()
    serializer_class = DiscrepancySerializer
    filterset_class = DiscrepancyFilter
    ordering_fields = ["created_at", "updated_at", "id"]
    ordering = ["created_at"]
    policy = {
        "list": "handoffs.view",
        "retrieve": "handoffs.view",
        "answer": "handoffs.answer",
        # CS or sales: the service decides (either rule).
        "resolve": "handoffs.view",
    }

    def _answer(self, discrepancy: Discrepancy) -> Response:
        return Response(DiscrepancySerializer(Discrepancy.objects.get(pk=discrepancy.pk)).data)

    @extend_schema(request=AnswerDiscrepancySerializer, responses={200: DiscrepancySerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request: Any, pk: Any = None) -> Response:
        """Sales answers the surprise; the CS member who recorded it is told."""
        discrepancy = self.get_object()
        data = AnswerDiscrepancySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.answer_discrepancy(
                by=self.membership, discrepancy=discrepancy, **data.validated_data
            )
        )

    @extend_schema(
        request=ResolveDiscrepancySerializer,
        responses={
            200: DiscrepancySerializer,
            409: _transition_409(
                _("Already resolved (discrepancy_resolved) or open (discrepancy_open).")
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Any, pk: Any = None) -> Response:
        """Mark it resolved (or reopen it with ``resolved: false``); CS or sales."""
        discrepancy = self.get_object()
        data = ResolveDiscrepancySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.resolve_discrepancy(
                by=self.membership, discrepancy=discrepancy, **data.validated_data
            )
        )


class HandoffDiscrepancyViewSet(HandoffChildViewSet):
    """``handoffs/<id>/discrepancies/``: the handoff's surprises, and CS recording one."""

    queryset = Discrepancy.objects.all()
    serializer_class = DiscrepancySerializer
    filterset_class = NestedDiscrepancyFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at"]
    policy = {"list": "handoffs.view", "create": "handoffs.review"}

    @extend_schema(responses=DiscrepancySerializer(many=True))
    def list(self, request: Any, pk: Any = None) -> Response:
        """The handoff's discrepancies, oldest first (those from a sign-off too)."""
        handoff = self._handoff(pk)
        return self._page(Discrepancy.objects.filter(handoff=handoff), DiscrepancySerializer)

    @extend_schema(
        request=RecordDiscrepancySerializer,
        responses={
            201: DiscrepancySerializer,
            409: _transition_409(_("A draft: CS has not received it (handoff_draft).")),
        },
    )
    def create(self, request: Any, pk: Any = None) -> Response:
        """CS records a surprise; the sales owner is told."""
        handoff = self._handoff(pk)
        data = RecordDiscrepancySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        discrepancy = services.record_discrepancy(
            by=self.membership, handoff=handoff, **data.validated_data
        )
        return Response(DiscrepancySerializer(discrepancy).data, status=status.HTTP_201_CREATED)


class AddChecklistItemSerializer(TenantSerializer):
    title = serializers.CharField(allow_blank=True, max_length=services.TITLE_MAX)
    # A declared field, moved off the class by DRF's metaclass.
    required = serializers.BooleanField(  # type: ignore[assignment]
        required=False, default=False, help_text=_("Must be done before sales submits.")
    )


class ChangeChecklistItemSerializer(TenantSerializer):
    done = serializers.BooleanField(required=False, help_text=_("Tick (true) or untick."))
    title = serializers.CharField(required=False, allow_blank=True, max_length=services.TITLE_MAX)


class HandoffChecklistViewSet(HandoffChildViewSet):
    """``handoffs/<id>/checklist/`` (+ ``<item>/``): the checklist, adding, ticking,
    renaming and removing items (sales and CS, until the handoff is live)."""

    queryset = ChecklistItem.objects.all()
    serializer_class = ChecklistItemSerializer
    ordering_fields = ["position", "id"]
    ordering = ["position"]
    policy = {
        "list": "handoffs.view",
        "create": "handoffs.checklist",
        "partial_update": "handoffs.checklist",
        "destroy": "handoffs.checklist",
    }

    def _item(self, pk: Any, item: Any) -> ChecklistItem:
        found = ChecklistItem.objects.filter(handoff=self._handoff(pk), pk=item).first()
        if found is None:
            raise NotFound(_("No such checklist item."))
        return found

    @extend_schema(responses=ChecklistItemSerializer(many=True))
    def list(self, request: Any, pk: Any = None) -> Response:
        """The checklist in its order."""
        handoff = self._handoff(pk)
        return self._page(ChecklistItem.objects.filter(handoff=handoff), ChecklistItemSerializer)

    @extend_schema(request=AddChecklistItemSerializer, responses={201: ChecklistItemSerializer})
    def create(self, request: Any, pk: Any = None) -> Response:
        """Add an item at the end of the checklist."""
        handoff = self._handoff(pk)
        data = AddChecklistItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.add_checklist_item(
            by=self.membership, handoff=handoff, **data.validated_data
        )
        return Response(ChecklistItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChangeChecklistItemSerializer, responses={200: ChecklistItemSerializer})
    def partial_update(self, request: Any, pk: Any = None, item: Any = None) -> Response:
        """Tick or untick the item (``done``), or rename it (``title``)."""
        found = self._item(pk, item)
        data = ChangeChecklistItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = services.set_checklist_item(by=self.membership, item=found, **data.validated_data)
        return Response(ChecklistItemSerializer(changed).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Any, pk: Any = None, item: Any = None) -> Response:
        """Remove an item added by mistake."""
        services.remove_checklist_item(by=self.membership, item=self._item(pk, item))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AddStakeholderSerializer(TenantSerializer):
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), help_text=_("A contact of the deal's company.")
    )
    role = serializers.CharField(
        allow_blank=True,
        max_length=services.ROLE_MAX,
        help_text=_("Their part in the project: sponsor, admin, champion, end user…"),
    )


class HandoffStakeholderViewSet(HandoffChildViewSet):
    """``handoffs/<id>/stakeholders/`` (+ ``<id>/``): the people at the customer CS needs
    to know; sales names and removes them while it holds the handoff."""

    queryset = Stakeholder.objects.select_related("contact")
    serializer_class = StakeholderSerializer
    ordering_fields = ["id"]
    ordering = ["id"]
    policy = {"list": "handoffs.view", "create": "handoffs.submit", "destroy": "handoffs.submit"}

    @extend_schema(responses=StakeholderSerializer(many=True))
    def list(self, request: Any, pk: Any = None) -> Response:
        """The stakeholders, in the order they were named."""
        handoff = self._handoff(pk)
        return self._page(self.get_queryset().filter(handoff=handoff), StakeholderSerializer)

    @extend_schema(
        request=AddStakeholderSerializer,
        responses={
            201: StakeholderSerializer,
            409: _transition_409(
                _("Named already (stakeholder_exists), or CS holds it (handoff_<status>).")
            ),
        },
    )
    def create(self, request: Any, pk: Any = None) -> Response:
        """Name a contact of the customer with their role."""
        handoff = self._handoff(pk)
        data = AddStakeholderSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        stakeholder = services.add_stakeholder(
            by=self.membership, handoff=handoff, **data.validated_data
        )
        return Response(StakeholderSerializer(stakeholder).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Any, pk: Any = None, stakeholder: Any = None) -> Response:
        """Take the stakeholder off the handoff."""
        found = Stakeholder.objects.filter(handoff=self._handoff(pk), pk=stakeholder).first()
        if found is None:
            raise NotFound(_("No such stakeholder."))
        services.remove_stakeholder(by=self.membership, stakeholder=found)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PromiseSignoffSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = PromiseSignoff
        fields = ["id", "handoff", "promise", "deliverable", "note", "by", "at", "updated_at"]


class SignOffSerializer(TenantSerializer):
    promise = serializers.PrimaryKeyRelatedField(
        queryset=Promise.objects.all(), help_text=_("A promise of the handoff's deal.")
    )
    deliverable = serializers.BooleanField()
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX,
        help_text=_("Required when not deliverable: it becomes the discrepancy's description."),
    )


class HandoffSignoffViewSet(HandoffChildViewSet):
    """``handoffs/<id>/promise-signoffs/``: CS's answer on each promise of the deal before
    accepting; POST again for the same promise changes it."""

    queryset = PromiseSignoff.objects.all()
    serializer_class = PromiseSignoffSerializer
    ordering_fields = ["id"]
    ordering = ["id"]
    policy = {"list": "handoffs.view", "create": "handoffs.review"}

    @extend_schema(responses=PromiseSignoffSerializer(many=True))
    def list(self, request: Any, pk: Any = None) -> Response:
        """The sign-offs given so far."""
        handoff = self._handoff(pk)
        return self._page(PromiseSignoff.objects.filter(handoff=handoff), PromiseSignoffSerializer)

    @extend_schema(
        request=SignOffSerializer,
        responses={
            201: OpenApiResponse(PromiseSignoffSerializer, _("The promise's first sign-off.")),
            200: OpenApiResponse(PromiseSignoffSerializer, _("The sign-off, changed.")),
            409: _transition_409(
                _("Not a submitted handoff (handoff_<status>), or a declined promise.")
            ),
        },
    )
    def create(self, request: Any, pk: Any = None) -> Response:
        """Sign off a promise: deliverable, or not (with a note: an ``undeliverable_promise``
        discrepancy is recorded and the sales owner told)."""
        handoff = self._handoff(pk)
        data = SignOffSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        promise = data.validated_data["promise"]
        existed = PromiseSignoff.objects.filter(handoff=handoff, promise=promise).exists()
        signoff = services.sign_off_promise(
            by=self.membership, handoff=handoff, **data.validated_data
        )
        return Response(
            PromiseSignoffSerializer(signoff).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


ROUTES = [
    ("handoffs", HandoffViewSet, "handoff"),
    ("discrepancies", DiscrepancyViewSet, "discrepancy"),
]
URLS = [
    path(
        "handoffs/<int:pk>/discrepancies/",
        HandoffDiscrepancyViewSet.as_view({"get": "list", "post": "create"}, detail=False),
        name="api-handoff-discrepancies",
    ),
    path(
        "handoffs/<int:pk>/checklist/",
        HandoffChecklistViewSet.as_view({"get": "list", "post": "create"}, detail=False),
        name="api-handoff-checklist",
    ),
    path(
        "handoffs/<int:pk>/checklist/<int:item>/",
        HandoffChecklistViewSet.as_view(
            {"patch": "partial_update", "delete": "destroy"}, detail=False
        ),
        name="api-handoff-checklist-item",
    ),
    path(
        "handoffs/<int:pk>/stakeholders/",
        HandoffStakeholderViewSet.as_view({"get": "list", "post": "create"}, detail=False),
        name="api-handoff-stakeholders",
    ),
    path(
        "handoffs/<int:pk>/stakeholders/<int:stakeholder>/",
        HandoffStakeholderViewSet.as_view({"delete": "destroy"}, detail=False),
        name="api-handoff-stakeholder",
    ),
    path(
        "handoffs/<int:pk>/promise-signoffs/",
        HandoffSignoffViewSet.as_view({"get": "list", "post": "create"}, detail=False),
        name="api-handoff-promise-signoffs",
    ),
]
