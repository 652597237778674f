"""Answering a round: a participant rates each other participating department.

In an anonymous round the response carries no author; ``respondent_key`` (an HMAC of the
round and the membership under ``SECRET_KEY``) lets the same person find and change their
own answers while the round is open, and nobody else link them. No event is recorded.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Department, Membership
from accounts.policy import require
from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from feedback.models import (
    RATING_MAX,
    RATING_MIN,
    RATINGS,
    FeedbackResponse,
    FeedbackRound,
    Participant,
    RoundStatus,
)

COMMENT_MAX = 2000


def _key_under(
    secret: str, feedback_round: FeedbackRound | int, membership: Membership | int
) -> str:
    round_id = feedback_round if isinstance(feedback_round, int) else feedback_round.pk
    member_id = membership if isinstance(membership, int) else membership.pk
    message = f"feedback-response:{round_id}:{member_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def respondent_key(feedback_round: FeedbackRound | int, membership: Membership | int) -> str:
    """HMAC-SHA256(SECRET_KEY, "feedback-response:<round>:<membership>") in hex."""
    return _key_under(settings.SECRET_KEY, feedback_round, membership)


def _earlier_keys(feedback_round: FeedbackRound | int, membership: Membership | int) -> list[str]:
    """The member's keys under ``SECRET_KEY_FALLBACKS`` (a rotated secret)."""
    fallbacks = getattr(settings, "SECRET_KEY_FALLBACKS", None) or []
    return [_key_under(secret, feedback_round, membership) for secret in fallbacks]


def _rekey(feedback_round: FeedbackRound, membership: Membership, key: str) -> None:
    """Move the member's answers made under a rotated ``SECRET_KEY`` to the current key:
    otherwise, after a rotation, the member would no longer find them and a new answer
    would count twice (and could lift a cell over the anonymity floor alone)."""
    earlier = _earlier_keys(feedback_round, membership)
    if not earlier:
        return
    current = FeedbackResponse.objects.filter(round=feedback_round, respondent_key=key)
    FeedbackResponse.objects.filter(round=feedback_round, respondent_key__in=earlier).exclude(
        to_department__in=current.values("to_department")
    ).update(respondent_key=key)


def participation(feedback_round: FeedbackRound, membership: Membership) -> Participant | None:
    return (
        Participant.objects.filter(round=feedback_round, membership=membership)
        .select_related("department")
        .first()
    )


def own_responses(
    feedback_round: FeedbackRound, membership: Membership
) -> QuerySet[FeedbackResponse]:
    """The member's own answers in the round (to show and edit them), by department —
    also those made before ``SECRET_KEY`` was rotated (under ``SECRET_KEY_FALLBACKS``)."""
    keys = [respondent_key(feedback_round, membership), *_earlier_keys(feedback_round, membership)]
    return FeedbackResponse.objects.filter(
        round=feedback_round, respondent_key__in=keys
    ).select_related("to_department")


def departments_to_rate(
    feedback_round: FeedbackRound, participant: Participant
) -> list[Department]:
    """The other participating departments, by name."""
    return list(
        feedback_round.departments.exclude(pk=participant.department_id).order_by("name", "pk")
    )


def _rating(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        value = None
    try:
        number = int(value) if value is not None else 0
    except ValueError:
        number = 0
    if not RATING_MIN <= number <= RATING_MAX:
        raise DomainError(
            _("Rate from %(low)d to %(high)d.") % {"low": RATING_MIN, "high": RATING_MAX},
            code=f"invalid_{field}",
            field=field,
        )
    return number


@transaction.atomic
def answer(
    *,
    by: Membership,
    feedback_round: FeedbackRound,
    to_department: Department,
    collaboration: Any,
    responsiveness: Any,
    quality: Any,
    comment: str = "",
) -> FeedbackResponse:
    """Record (or change) ``by``'s rating of ``to_department`` in an open round (409
    ``round_draft`` / ``round_closed`` otherwise). Only a participant (403
    ``not_a_participant``), only another participating department (400
    ``invalid_department``); each rating 1–5, the comment at most 2,000 characters. When
    the participant has rated every other department they count as having answered."""
    require(by, "feedback.view", feedback_round)
    feedback_round = FeedbackRound.objects.select_for_update(of=("self",)).get(pk=feedback_round.pk)
    if feedback_round.status != RoundStatus.OPEN:
        message = (
            _("The round has not opened yet.")
            if feedback_round.status == RoundStatus.DRAFT
            else _("The round is closed: answers can no longer change.")
        )
        raise IllegalTransition(message, code=f"round_{feedback_round.status}")
    participant = participation(feedback_round, by)
    if participant is None:
        raise NotAllowed(_("You are not taking part in this round."), code="not_a_participant")
    others = departments_to_rate(feedback_round, participant)
    if to_department.pk not in {department.pk for department in others}:
        raise DomainError(
            _("Rate one of the other departments of the round."),
            code="invalid_department",
            field="to_department",
        )
    ratings = {
        "collaboration": _rating(collaboration, "collaboration"),
        "responsiveness": _rating(responsiveness, "responsiveness"),
        "quality": _rating(quality, "quality"),
    }
    assert tuple(ratings) == RATINGS
    text = str(comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise DomainError(
            _("A comment has at most %(n)d characters.") % {"n": COMMENT_MAX},
            code="invalid_comment",
            field="comment",
        )
    key = respondent_key(feedback_round, by)
    _rekey(feedback_round, by, key)
    response, _created = FeedbackResponse.objects.update_or_create(
        round=feedback_round,
        respondent_key=key,
        to_department=to_department,
        defaults={
            "organization_id": feedback_round.organization_id,
            "from_department_id": participant.department_id,
            "comment": text,
            "author": None if feedback_round.anonymous else by,
            **ratings,
        },
    )
    rated = FeedbackResponse.objects.filter(round=feedback_round, respondent_key=key).count()
    complete = rated >= len(others)
    if complete != participant.completed:
        Participant.objects.filter(pk=participant.pk).update(completed=complete)
    return response
