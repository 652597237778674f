"""Feedback rounds, answering them and their results (DESIGN §3.4, §4).

``feedback-rounds/`` lists and reads rounds (every member), managers create one (a draft),
change it (PATCH: a draft freely, an open round only its name and closing time) and move it
with ``open/`` and ``close/`` (409 ``round_<status>`` otherwise). Each round says, for the
member asking, whether they take part (``participating``), whether they have answered and
which departments they still have to rate (``to_rate``).

``feedback-rounds/<id>/responses/`` (a plain URL) is the member's *own* answers — never
anyone else's — and POST answers (or changes the answer about) one department: 201 the
first time, 200 when it changed the existing one. A response carries no author, no key and
no time. Answering is an upsert (one response per department pair), so a retry is
harmless; the endpoint deliberately does **not** store ``Idempotency-Key`` records: one
would keep, for a day or two, who sent which ratings and when, which an anonymous round
must never keep.

``feedback-rounds/<id>/results/`` is the matrix of ``feedback.selectors.results`` with its
anonymity floor: a cell below the round's minimum has ``shown: false``, every figure null
and no comments. A closed round's results are every member's; an open round's only
managers' and admins' (``feedback.results``, 403 otherwise); a draft has none (409
``round_draft``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import django_filters
from django.db.models import Count, Q
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.models import Department, Membership
from accounts.policy import can
from collab_hub.api import (
    ReadOnlyModelSerializer,
    ReadOnlySerializer,
    ServiceViewSet,
    TenantModelSerializer,
    TenantSerializer,
    TenantViewSet,
)
from collab_hub.exceptions import IllegalTransition, NotAllowed
from feedback.models import (
    MIN_RESPONSES_MAX,
    MIN_RESPONSES_MIN,
    RATING_MAX,
    RATING_MIN,
    FeedbackResponse,
    FeedbackRound,
    Participant,
    RoundStatus,
)
from feedback.selectors.results import Cell, results
from feedback.services import responses as response_services
from feedback.services import rounds as services

# Date-times outside these years are refused (400) rather than sent to the database.
MIN_YEAR, MAX_YEAR = 1970, 2999


# --- Rounds ---------------------------------------------------------------------------------


class MemberRound:
    """What a round is for one member: taking part, answered, departments left to rate."""

    def __init__(self, participant: Participant | None, rated: set[int]):
        self.participant = participant
        self.rated = rated


def member_rounds(rounds: list[FeedbackRound], membership: Membership | None) -> dict[int, Any]:
    """``{round id: MemberRound}`` for a page of rounds, in two queries."""
    if membership is None or not rounds:
        return {}
    ids = [feedback_round.pk for feedback_round in rounds]
    participants = {
        participant.round_id: participant
        for participant in Participant.objects.filter(round__in=ids, membership=membership)
    }
    keys = [response_services.respondent_key(pk, membership) for pk in participants]
    rated: dict[int, set[int]] = {}
    if keys:
        for round_id, department_id in FeedbackResponse.objects.filter(
            round__in=list(participants), respondent_key__in=keys
        ).values_list("round_id", "to_department_id"):
            rated.setdefault(round_id, set()).add(department_id)
    return {pk: MemberRound(participants.get(pk), rated.get(pk, set())) for pk in ids}


def _in_range(value: datetime) -> datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise serializers.ValidationError(
            _("Choose a date between 1970 and 2999."), code="out_of_range"
        )
    return value


class FeedbackRoundSerializer(TenantModelSerializer):
    """A round as integrations see it, with its participation counts and what it is for the
    member asking (``participating``, ``answered``, ``to_rate``)."""

    status = serializers.ChoiceField(
        choices=RoundStatus.choices,
        read_only=True,
        help_text=_("draft → open → closed; changed only by open/, close/ and the schedule."),
    )
    departments = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(),
        many=True,
        help_text=_("Ids of the participating departments (two or more)."),
    )
    anonymous = serializers.BooleanField(
        required=False,
        help_text=_("Nobody, admins included, can see who gave which answer (default true)."),
    )
    min_responses = serializers.IntegerField(
        min_value=MIN_RESPONSES_MIN,
        max_value=MIN_RESPONSES_MAX,
        required=False,
        help_text=_("A department pair's results show only from this many responses (default 3)."),
    )
    participants = serializers.IntegerField(
        source="participants_count",
        read_only=True,
        help_text=_("People asked to answer (taken when the round opened)."),
    )
    completed = serializers.IntegerField(
        source="completed_count",
        read_only=True,
        help_text=_("Participants who have rated every other department."),
    )
    participating = serializers.SerializerMethodField(
        help_text=_("Whether the member asking takes part in the round.")
    )
    answered = serializers.SerializerMethodField(
        help_text=_("Whether the member asking has rated every other department.")
    )
    to_rate = serializers.SerializerMethodField(
        help_text=_("Ids of the departments the member asking has not rated yet.")
    )

    class Meta:
        model = FeedbackRound
        fields = [
            "id", "name", "status", "anonymous", "min_responses", "opens_at", "closes_at",
            "departments", "participants", "completed", "participating", "answered",
            "to_rate", "opened_at", "closed_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["opened_at", "closed_at", "created_at", "updated_at"]
        extra_kwargs = {"name": {"max_length": services.NAME_MAX}}

    def validate_opens_at(self, value: datetime) -> datetime:
        return _in_range(value)

    def validate_closes_at(self, value: datetime) -> datetime:
        return _in_range(value)

    def _member(self, obj: FeedbackRound) -> MemberRound:
        found = self.context.get("member_rounds")
        if found is None or obj.pk not in found:
            found = member_rounds([obj], self.context.get("membership"))
        member: MemberRound | None = found.get(obj.pk)
        return member or MemberRound(None, set())

    def get_participating(self, obj: FeedbackRound) -> bool:
        return self._member(obj).participant is not None

    def get_answered(self, obj: FeedbackRound) -> bool:
        participant = self._member(obj).participant
        return participant is not None and participant.completed

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_to_rate(self, obj: FeedbackRound) -> list[int]:
        member = self._member(obj)
        if member.participant is None:
            return []
        departments = sorted(obj.departments.all(), key=lambda d: (d.name, d.pk))
        return [
            department.pk
            for department in departments
            if department.pk != member.participant.department_id
            and department.pk not in member.rated
        ]


class FeedbackRoundFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RoundStatus.choices)
    anonymous = django_filters.BooleanFilter()

    class Meta:
        model = FeedbackRound
        fields = ["status", "anonymous"]


# The list's rows with their counts and departments.
ROUNDS = FeedbackRound.objects.annotate(
    participants_count=Count("participants", distinct=True),
    completed_count=Count("participants", filter=Q(participants__completed=True), distinct=True),
).prefetch_related("departments")


class DepartmentBriefSerializer(ReadOnlySerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _rating_average(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=4, decimal_places=2, read_only=True, allow_null=True, **kwargs
    )


class CellSerializer(ReadOnlySerializer):
    """One department's ratings of another; below the round's minimum ``shown`` is false,
    every figure null and ``comments`` empty."""

    from_department = serializers.IntegerField(source="from_department.pk")
    to_department = serializers.IntegerField(source="to_department.pk")
    shown = serializers.BooleanField(
        help_text=_("Whether enough people answered for the figures to be shown.")
    )
    count = serializers.IntegerField(
        allow_null=True, help_text=_("Responses behind the cell; null when hidden.")
    )
    collaboration = _rating_average()
    responsiveness = _rating_average()
    quality = _rating_average()
    overall = _rating_average(help_text=_("The mean of the three averages."))
    previous = _rating_average(
        help_text=_("The cell's overall average in the previous round (when shown in both).")
    )
    trend = _rating_average(help_text=_("overall − previous."))
    comments = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("The cell's comments, in no meaningful order (empty when hidden)."),
    )


class ResultsSerializer(ReadOnlySerializer):
    departments = DepartmentBriefSerializer(many=True, help_text=_("By name."))
    cells = CellSerializer(many=True, help_text=_("Every ordered pair of different departments."))
    previous_round = serializers.IntegerField(
        allow_null=True, help_text=_("The round the trend compares with; null for the first.")
    )
    participants = serializers.IntegerField()
    completed = serializers.IntegerField()


class ResultsQuerySerializer(TenantSerializer):
    department = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_('Only how the others rate this department ("how others see us").'),
    )


def _transition_409(description: Any) -> OpenApiResponse:
    return OpenApiResponse(OpenApiTypes.OBJECT, description=description)


_MOVE_409 = _transition_409(_("Not a move the status machine allows (code round_<status>)."))


class FeedbackRoundViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ServiceViewSet,
):
    """Feedback rounds, the latest opening first. Every member reads them; managers and
    admins create, change, open and close them. Never deleted."""

    queryset = ROUNDS
    serializer_class = FeedbackRoundSerializer
    filterset_class = FeedbackRoundFilter
    ordering_fields = ["opens_at", "created_at", "updated_at", "id"]
    ordering = ["-opens_at"]
    create_service = services.create_round
    update_service = services.update_round
    instance_arg = "feedback_round"
    data_arg = None
    write_policy = "feedback.manage"
    policy = {
        "list": "feedback.view",
        "retrieve": "feedback.view",
        "open": "feedback.manage",
        "close": "feedback.manage",
        "results": "feedback.view",
    }

    def update_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"data": dict(data)}

    def response_row(self, row: Any) -> Any:
        return ROUNDS.get(pk=row.pk)

    def list(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        context = {
            **self.get_serializer_context(),
            "member_rounds": member_rounds(rows, self.membership),
        }
        data = FeedbackRoundSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _answer(self, feedback_round: FeedbackRound) -> Response:
        return Response(
            FeedbackRoundSerializer(
                ROUNDS.get(pk=feedback_round.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(request=None, responses={200: FeedbackRoundSerializer, 409: _MOVE_409})
    @action(detail=True, methods=["post"])
    def open(self, request: Any, pk: Any = None) -> Response:
        """``draft → open`` now: everyone in its departments becomes a participant and is
        told. 400 ``invalid_closes_at`` when its closing time has passed."""
        feedback_round = self.get_object()
        return self._answer(services.open_round(by=self.membership, feedback_round=feedback_round))

    @extend_schema(request=None, responses={200: FeedbackRoundSerializer, 409: _MOVE_409})
    @action(detail=True, methods=["post"])
    def close(self, request: Any, pk: Any = None) -> Response:
        """``open → closed`` now: answers can no longer change; participants and managers
        are told."""
        feedback_round = self.get_object()
        return self._answer(services.close_round(by=self.membership, feedback_round=feedback_round))

    @extend_schema(
        parameters=[ResultsQuerySerializer],
        responses={
            200: ResultsSerializer,
            403: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=_("The round is open: its results are for managers (results_open)."),
            ),
            409: _transition_409(_("A draft has no results (round_draft).")),
        },
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Any, pk: Any = None) -> Response:
        """The from → to matrix with the anonymity floor applied, the trend against the
        previous round and the participation counts."""
        feedback_round = self.get_object()
        query = ResultsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if feedback_round.status == RoundStatus.DRAFT:
            raise IllegalTransition(_("The round has not opened yet."), code="round_draft")
        if feedback_round.status == RoundStatus.OPEN and not can(
            self.membership, "feedback.results", feedback_round
        ):
            raise NotAllowed(_("The results show once the round closes."), code="results_open")
        matrix = results(feedback_round)
        cells: list[Cell] = [cell for _department, row in matrix.rows for cell in row if cell]
        department = query.validated_data.get("department")
        if department is not None:
            cells = [cell for cell in cells if cell.to_department.pk == department]
        return Response(
            ResultsSerializer(
                {
                    "departments": matrix.departments,
                    "cells": cells,
                    "previous_round": matrix.previous_round.pk if matrix.previous_round else None,
                    "participants": matrix.participants,
                    "completed": matrix.completed,
                }
            ).data
        )


# --- A member's own responses (nested, a plain URL) -------------------------------------------


class FeedbackResponseSerializer(ReadOnlyModelSerializer):
    """One of the member's own ratings: no author, no key, no time."""

    class Meta:
        model = FeedbackResponse
        fields = ["id", "to_department", "collaboration", "responsiveness", "quality", "comment"]


def _rating() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=RATING_MIN, max_value=RATING_MAX)


class AnswerSerializer(TenantSerializer):
    to_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(),
        help_text=_("Another participating department (not the member's own)."),
    )
    collaboration = _rating()
    responsiveness = _rating()
    quality = _rating()
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=response_services.COMMENT_MAX
    )


class RoundResponsesViewSet(TenantViewSet):
    """``feedback-rounds/<id>/responses/``: the member's own answers in the round, and
    answering. A round of another organization is a 404."""

    queryset = FeedbackResponse.objects.all()
    serializer_class = FeedbackResponseSerializer
    pagination_class = None
    ordering_fields = ["id"]
    ordering = ["id"]
    policy = {"list": "feedback.view", "create": "feedback.view"}
    # An answer is an upsert (a retry changes nothing); a stored Idempotency-Key record would
    # tie the caller to the ratings they sent, and when.
    honours_idempotency_key = False

    def _round(self, pk: Any) -> FeedbackRound:
        found = FeedbackRound.objects.visible_to(self.membership).filter(pk=pk).first()
        if found is None:
            raise NotFound(_("No such feedback round."))
        return found

    @extend_schema(responses=FeedbackResponseSerializer(many=True))
    def list(self, request: Any, pk: Any = None) -> Response:
        """The member's own answers in the round, by department (at most one per other
        participating department); nobody else's, whoever asks."""
        feedback_round = self._round(pk)
        rows = response_services.own_responses(feedback_round, self.membership).order_by(
            "to_department__name", "to_department_id"
        )
        return Response(FeedbackResponseSerializer(rows, many=True).data)

    @extend_schema(
        request=AnswerSerializer,
        responses={
            201: OpenApiResponse(FeedbackResponseSerializer, _("The first answer about it.")),
            200: OpenApiResponse(FeedbackResponseSerializer, _("The answer, changed.")),
            403: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=_("Not a participant of the round (not_a_participant)."),
            ),
            409: _transition_409(_("Not open (round_draft, round_closed).")),
        },
        description=_(
            "Rate another participating department, or change the rating of it: one response "
            "per department pair, so a retry is harmless. No Idempotency-Key record is kept "
            "here: it would tie the answer to its author."
        ),
    )
    def create(self, request: Any, pk: Any = None) -> Response:
        """Rate another participating department (or change the rating)."""
        feedback_round = self._round(pk)
        data = AnswerSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        existed = (
            response_services.own_responses(feedback_round, self.membership)
            .filter(to_department=data.validated_data["to_department"])
            .exists()
        )
        response = response_services.answer(
            by=self.membership, feedback_round=feedback_round, **data.validated_data
        )
        return Response(
            FeedbackResponseSerializer(response).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


ROUTES = [("feedback-rounds", FeedbackRoundViewSet, "feedback-round")]
URLS = [
    path(
        "feedback-rounds/<int:pk>/responses/",
        RoundResponsesViewSet.as_view({"get": "list", "post": "create"}, detail=False),
        name="api-feedback-round-responses",
    ),
]
