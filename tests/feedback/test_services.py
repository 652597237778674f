"""The feedback services: a round's status machine and who may move it, its validation, who
takes part when it opens; answering (one response per participant and department, only
the other departments, only while open) and the "has answered" flag; action items."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.models import ActivityEvent, Notification
from feedback.models import (
    ActionItem,
    ActionStatus,
    FeedbackResponse,
    FeedbackRound,
    Participant,
    RoundStatus,
)
from feedback.services import actions as action_services
from feedback.services import responses as response_services
from feedback.services import rounds as round_services
from tests.factories import MembershipFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

K = DepartmentKind
GOOD = {"collaboration": 4, "responsiveness": 3, "quality": 5}


def notified(verb: str, target=None) -> set[int]:
    events = ActivityEvent.objects.filter(verb=verb)
    if target is not None:
        events = events.filter(target_id=target.pk)
    return set(Notification.objects.filter(event__in=events).values_list("recipient_id", flat=True))


def rate(member, feedback_round, department, comment: str = "", **ratings):
    return response_services.answer(
        by=member,
        feedback_round=feedback_round,
        to_department=department,
        comment=comment,
        **{**GOOD, **ratings},
    )


# --- Creating and validating a round -------------------------------------------------------


def test_a_manager_creates_a_draft_round_and_the_event_says_what_was_set(
    manager, departments, make_round
):
    feedback_round = make_round(open=False, min_responses=4)

    assert feedback_round.status == RoundStatus.DRAFT
    assert feedback_round.created_by == manager
    assert set(feedback_round.departments.all()) == {
        departments[K.SALES],
        departments[K.MARKETING],
    }
    assert not Participant.objects.filter(round=feedback_round).exists()
    (event,) = ActivityEvent.objects.filter(verb="round.created")
    assert event.payload["min_responses"] == 4 and event.payload["anonymous"] is True
    assert event.payload["departments"] == sorted(
        [departments[K.SALES].pk, departments[K.MARKETING].pk]
    )


def test_an_admin_may_create_a_round(alice, departments):
    now = timezone.now()
    feedback_round = round_services.create_round(
        by=alice,
        name="All hands",
        opens_at=now,
        closes_at=now + timedelta(days=3),
        departments=list(departments.values()),
    )
    assert feedback_round.departments.count() == 4


@pytest.mark.parametrize("role", [Role.MEMBER])
def test_a_member_may_not_create_open_or_close_a_round(org, departments, make_round, role):
    member = member_of(org, K.MARKETING, role)
    now = timezone.now()
    with pytest.raises(NotAllowed):
        round_services.create_round(
            by=member,
            name="Mine",
            opens_at=now,
            closes_at=now + timedelta(days=1),
            departments=[departments[K.SALES], departments[K.MARKETING]],
        )
    draft = make_round(open=False)
    with pytest.raises(NotAllowed):
        round_services.open_round(by=member, feedback_round=draft)
    with pytest.raises(NotAllowed):
        round_services.update_round(by=member, feedback_round=draft, data={"name": "x"})
    opened = make_round()
    with pytest.raises(NotAllowed):
        round_services.close_round(by=member, feedback_round=opened)
    draft.refresh_from_db()
    opened.refresh_from_db()
    assert (draft.status, draft.name, opened.status) == (
        RoundStatus.DRAFT,
        "Q4 cross-department round",
        RoundStatus.OPEN,
    )


def test_another_organizations_admin_may_not_touch_a_round(charlie, make_round):
    draft = make_round(open=False)
    with pytest.raises(NotAllowed):
        round_services.open_round(by=charlie, feedback_round=draft)
    draft.refresh_from_db()
    assert draft.status == RoundStatus.DRAFT


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "  "}, "invalid_name"),
        ({"name": "x" * 201}, "invalid_name"),
        ({"min_responses": 0}, "invalid_min_responses"),
        ({"min_responses": 51}, "invalid_min_responses"),
        ({"min_responses": True}, "invalid_min_responses"),
        ({"min_responses": "3"}, "invalid_min_responses"),
        ({"closes_at_hours": 0}, "invalid_closes_at"),
        ({"closes_at_hours": -5}, "invalid_closes_at"),
        ({"closes_at_hours": 93 * 24}, "invalid_closes_at"),
        ({"opens_at": "tomorrow"}, "invalid_opens_at"),
        ({"kinds": (K.SALES,)}, "invalid_departments"),
        ({"kinds": ()}, "invalid_departments"),
        ({"anonymous": "yes"}, "invalid_anonymous"),
    ],
)
def test_a_round_is_validated(manager, departments, fields, code):
    now = timezone.now()
    values = {
        "name": "Round",
        "opens_at": now,
        "closes_at": now + timedelta(days=7),
        "departments": [departments[K.SALES], departments[K.MARKETING]],
    }
    fields = dict(fields)
    if "closes_at_hours" in fields:
        values["closes_at"] = now + timedelta(hours=fields.pop("closes_at_hours"))
    if "kinds" in fields:
        values["departments"] = [departments[kind] for kind in fields.pop("kinds")]
    values.update(fields)
    with pytest.raises(DomainError) as refused:
        round_services.create_round(by=manager, **values)
    assert refused.value.code == code
    assert not FeedbackRound.objects.exists()


def test_the_minimum_may_be_one_or_fifty_and_a_round_last_92_days(manager, departments):
    now = timezone.now()
    pair = [departments[K.SALES], departments[K.CS]]
    for minimum in (1, 50):
        round_services.create_round(
            by=manager,
            name=f"min {minimum}",
            opens_at=now,
            closes_at=now + timedelta(days=92),
            departments=pair,
            min_responses=minimum,
        )
    assert sorted(FeedbackRound.objects.values_list("min_responses", flat=True)) == [1, 50]


def test_a_round_takes_only_its_own_organizations_departments(manager, departments, other_org):
    from accounts.models import Department

    foreign = Department.objects.filter(organization=other_org).first()
    now = timezone.now()
    with pytest.raises(DomainError) as refused:
        round_services.create_round(
            by=manager,
            name="Sneaky",
            opens_at=now,
            closes_at=now + timedelta(days=1),
            departments=[departments[K.SALES], foreign],
        )
    assert refused.value.code == "invalid_departments"


def test_a_draft_is_edited_and_the_change_recorded(manager, departments, make_round):
    draft = make_round(open=False)
    round_services.update_round(
        by=manager,
        feedback_round=draft,
        data={"name": "Renamed", "departments": list(departments.values()), "min_responses": 5},
    )
    draft.refresh_from_db()
    assert (draft.name, draft.min_responses, draft.departments.count()) == ("Renamed", 5, 4)
    (event,) = ActivityEvent.objects.filter(verb="round.updated")
    assert event.payload["changes"]["name"] == ["Q4 cross-department round", "Renamed"]
    assert len(event.payload["changes"]["departments"][1]) == 4


def test_an_unchanged_edit_records_nothing(manager, make_round):
    draft = make_round(open=False)
    round_services.update_round(by=manager, feedback_round=draft, data={"name": draft.name})
    assert not ActivityEvent.objects.filter(verb="round.updated").exists()


def test_an_open_round_may_only_be_renamed_or_its_closing_moved(manager, departments, make_round):
    feedback_round = make_round()
    later = feedback_round.closes_at + timedelta(days=1)
    round_services.update_round(
        by=manager, feedback_round=feedback_round, data={"closes_at": later, "name": "Longer"}
    )
    feedback_round.refresh_from_db()
    assert (feedback_round.closes_at, feedback_round.name) == (later, "Longer")
    for data in (
        {"min_responses": 1},
        {"anonymous": False},
        {"departments": list(departments.values())},
    ):
        with pytest.raises(IllegalTransition) as refused:
            round_services.update_round(by=manager, feedback_round=feedback_round, data=data)
        assert refused.value.code == "round_open"
    with pytest.raises(DomainError) as refused:
        round_services.update_round(
            by=manager,
            feedback_round=feedback_round,
            data={"closes_at": timezone.now() - timedelta(minutes=1)},
        )
    assert refused.value.code == "invalid_closes_at"
    feedback_round.refresh_from_db()
    assert feedback_round.min_responses == 3 and feedback_round.anonymous


def test_a_closed_round_cannot_change(manager, make_round):
    feedback_round = make_round()
    round_services.close_round(by=manager, feedback_round=feedback_round)
    with pytest.raises(IllegalTransition) as refused:
        round_services.update_round(by=manager, feedback_round=feedback_round, data={"name": "x"})
    assert refused.value.code == "round_closed"


# --- Opening: who takes part --------------------------------------------------------------


def test_opening_makes_the_active_people_of_the_departments_participants_and_tells_them(
    org, manager, seller, marketer, engineer, make_round
):
    retired = member_of(org, K.SALES, Role.MEMBER)
    retired.is_active = False
    retired.save()
    locked_out = member_of(org, K.MARKETING, Role.MEMBER)
    locked_out.user.is_active = False
    locked_out.user.save()
    integration = MembershipFactory(
        organization=org,
        department=seller.department,
        is_integration=True,
        user=UserFactory(email="bot@acme.test"),
    )

    feedback_round = make_round()

    assert feedback_round.status == RoundStatus.OPEN
    assert feedback_round.opened_at is not None
    # Opened before its planned start: it starts now.
    assert feedback_round.opens_at <= timezone.now()
    taking_part = dict(
        Participant.objects.filter(round=feedback_round).values_list("membership", "department")
    )
    assert taking_part == {
        manager.pk: manager.department_id,
        seller.pk: seller.department_id,
        marketer.pk: marketer.department_id,
    }
    for outside in (engineer, retired, locked_out, integration):
        assert outside.pk not in taking_part
    # The manager opened it: everyone else is told.
    assert notified("round.opened", feedback_round) == {seller.pk, marketer.pk}
    (event,) = ActivityEvent.objects.filter(verb="round.opened")
    assert event.payload["participants"] == 3


def test_someone_joining_a_department_after_opening_does_not_take_part(org, manager, make_round):
    feedback_round = make_round()
    newcomer = member_of(org, K.MARKETING, Role.MEMBER)
    assert not Participant.objects.filter(round=feedback_round, membership=newcomer).exists()
    with pytest.raises(NotAllowed) as refused:
        rate(newcomer, feedback_round, manager.department)
    assert refused.value.code == "not_a_participant"


def test_a_round_whose_closing_passed_cannot_open(manager, make_round):
    draft = make_round(open=False)
    FeedbackRound.objects.filter(pk=draft.pk).update(
        opens_at=timezone.now() - timedelta(days=3), closes_at=timezone.now() - timedelta(days=1)
    )
    draft.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        round_services.open_round(by=manager, feedback_round=draft)
    assert refused.value.code == "invalid_closes_at"
    draft.refresh_from_db()
    assert draft.status == RoundStatus.DRAFT


# --- The status machine: every illegal move is a 409 --------------------------------------


def test_every_illegal_move_is_a_409_named_after_the_status(manager, make_round):
    draft = make_round(open=False)
    with pytest.raises(IllegalTransition) as refused:
        round_services.close_round(by=manager, feedback_round=draft)
    assert refused.value.code == "round_draft" and refused.value.status_code == 409

    opened = make_round()
    with pytest.raises(IllegalTransition) as refused:
        round_services.open_round(by=manager, feedback_round=opened)
    assert refused.value.code == "round_open"

    closed = round_services.close_round(by=manager, feedback_round=make_round())
    for move in (round_services.open_round, round_services.close_round):
        with pytest.raises(IllegalTransition) as refused:
            move(by=manager, feedback_round=closed)
        assert refused.value.code == "round_closed"
    # A stale instance still gets the database's status.
    stale = FeedbackRound.objects.get(pk=opened.pk)
    round_services.close_round(by=manager, feedback_round=opened)
    with pytest.raises(IllegalTransition) as refused:
        round_services.close_round(by=manager, feedback_round=stale)
    assert refused.value.code == "round_closed"
    assert ActivityEvent.objects.filter(verb="round.closed", target_id=opened.pk).count() == 1


def test_closing_early_ends_the_round_now_and_tells_participants_and_managers(
    org, alice, manager, seller, marketer, engineer, make_round
):
    other_manager = member_of(org, K.PRODUCT, Role.MANAGER)
    feedback_round = make_round()
    rate(seller, feedback_round, marketer.department)

    round_services.close_round(by=manager, feedback_round=feedback_round)

    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.CLOSED
    assert feedback_round.closed_at is not None
    assert feedback_round.closes_at <= timezone.now()
    assert notified("round.closed", feedback_round) == {
        seller.pk,
        marketer.pk,
        alice.pk,
        other_manager.pk,
    }
    assert engineer.pk not in notified("round.closed")
    (event,) = ActivityEvent.objects.filter(verb="round.closed")
    # alice (an admin in sales) takes part too.
    assert event.payload == {"responses": 1, "participants": 4, "completed": 1}


# --- Answering ------------------------------------------------------------------------------


def test_answering_twice_keeps_one_response_with_the_new_ratings(seller, marketer, make_round):
    feedback_round = make_round()
    first = rate(seller, feedback_round, marketer.department, comment="Slow replies")
    second = rate(
        seller,
        feedback_round,
        marketer.department,
        comment="  Better since Monday  ",
        collaboration=2,
        quality=1,
    )

    assert second.pk == first.pk
    (response,) = FeedbackResponse.objects.filter(round=feedback_round)
    assert (response.collaboration, response.responsiveness, response.quality) == (2, 3, 1)
    assert response.comment == "Better since Monday"
    assert (response.from_department, response.to_department) == (
        seller.department,
        marketer.department,
    )


def test_an_anonymous_response_stores_no_author_and_a_non_anonymous_one_does(
    seller, marketer, make_round
):
    anonymous = make_round()
    named = make_round(anonymous=False)
    hidden = rate(seller, anonymous, marketer.department)
    shown = rate(seller, named, marketer.department)

    assert hidden.author is None
    assert hidden.respondent_key == response_services.respondent_key(anonymous, seller)
    # The key alone says nothing: it is no function of the membership without the secret.
    assert len(hidden.respondent_key) == 64
    assert shown.author == seller
    # No event is recorded for an answer, anonymous or not.
    assert (
        not ActivityEvent.objects.filter(target_id__in=[anonymous.pk, named.pk])
        .exclude(verb__in=["round.created", "round.opened"])
        .exists()
    )


def test_the_respondent_key_differs_per_round_and_per_person(seller, marketer, make_round):
    one, two = make_round(), make_round()
    keys = {
        response_services.respondent_key(feedback_round, member)
        for feedback_round in (one, two)
        for member in (seller, marketer)
    }
    assert len(keys) == 4


def test_answers_survive_a_rotated_secret_key(seller, marketer, make_round, settings):
    feedback_round = make_round()
    before = rate(seller, feedback_round, marketer.department, comment="Before the rotation")
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = f"rotated-{old_secret}"
    settings.SECRET_KEY_FALLBACKS = [old_secret]

    assert list(response_services.own_responses(feedback_round, seller)) == [before]
    after = rate(seller, feedback_round, marketer.department, comment="After", quality=1)

    # Still one answer (not two counted in the results), now under the current key.
    assert after.pk == before.pk
    (response,) = FeedbackResponse.objects.filter(round=feedback_round)
    assert (response.comment, response.quality) == ("After", 1)
    assert response.respondent_key == response_services.respondent_key(feedback_round, seller)
    settings.SECRET_KEY_FALLBACKS = []
    assert list(response_services.own_responses(feedback_round, seller)) == [response]
    assert Participant.objects.get(round=feedback_round, membership=seller).completed


def test_people_of_the_same_department_answer_separately(org, seller, marketer, make_round):
    colleague = member_of(org, K.SALES, Role.MEMBER)
    feedback_round = make_round()
    rate(seller, feedback_round, marketer.department)
    rate(colleague, feedback_round, marketer.department)
    assert FeedbackResponse.objects.filter(round=feedback_round).count() == 2
    assert {r.pk for r in response_services.own_responses(feedback_round, seller)} != {
        r.pk for r in response_services.own_responses(feedback_round, colleague)
    }


def test_only_the_other_participating_departments_may_be_rated(
    seller, marketer, departments, make_round
):
    feedback_round = make_round()
    for department in (seller.department, departments[K.PRODUCT]):
        with pytest.raises(DomainError) as refused:
            rate(seller, feedback_round, department)
        assert refused.value.code == "invalid_department"
    assert not FeedbackResponse.objects.exists()


def test_a_non_participant_may_not_answer(engineer, seller, make_round):
    feedback_round = make_round()
    with pytest.raises(NotAllowed) as refused:
        rate(engineer, feedback_round, seller.department)
    assert refused.value.code == "not_a_participant"


def test_an_outsider_may_not_answer(charlie, seller, make_round):
    feedback_round = make_round()
    with pytest.raises(NotAllowed):
        rate(charlie, feedback_round, seller.department)
    assert not FeedbackResponse.objects.exists()


def test_answers_are_taken_only_while_the_round_is_open(manager, seller, marketer, make_round):
    draft = make_round(open=False)
    with pytest.raises(IllegalTransition) as refused:
        rate(seller, draft, marketer.department)
    assert refused.value.code == "round_draft"

    feedback_round = make_round()
    response = rate(seller, feedback_round, marketer.department, comment="Before closing")
    round_services.close_round(by=manager, feedback_round=feedback_round)
    with pytest.raises(IllegalTransition) as refused:
        rate(seller, feedback_round, marketer.department, comment="After", collaboration=1)
    assert refused.value.code == "round_closed"
    response.refresh_from_db()
    assert (response.comment, response.collaboration) == ("Before closing", 4)


@pytest.mark.parametrize(
    ("ratings", "code"),
    [
        ({"collaboration": 0}, "invalid_collaboration"),
        ({"responsiveness": 6}, "invalid_responsiveness"),
        ({"quality": None}, "invalid_quality"),
        ({"quality": True}, "invalid_quality"),
        ({"collaboration": "x"}, "invalid_collaboration"),
        ({"collaboration": 3.5}, "invalid_collaboration"),
    ],
)
def test_ratings_are_whole_numbers_from_one_to_five(seller, marketer, make_round, ratings, code):
    feedback_round = make_round()
    with pytest.raises(DomainError) as refused:
        rate(seller, feedback_round, marketer.department, **ratings)
    assert refused.value.code == code
    assert not FeedbackResponse.objects.exists()


def test_ratings_may_come_as_text_from_a_form(seller, marketer, make_round):
    feedback_round = make_round()
    response = rate(
        seller, feedback_round, marketer.department, collaboration="5", responsiveness="1"
    )
    assert (response.collaboration, response.responsiveness) == (5, 1)


def test_a_comment_has_at_most_2000_characters(seller, marketer, make_round):
    feedback_round = make_round()
    rate(seller, feedback_round, marketer.department, comment="x" * 2000)
    with pytest.raises(DomainError) as refused:
        rate(seller, feedback_round, marketer.department, comment="x" * 2001)
    assert refused.value.code == "invalid_comment"


def test_a_participant_has_answered_once_every_other_department_is_rated(
    seller, cs_member, departments, make_round
):
    feedback_round = make_round((K.SALES, K.MARKETING, K.CS))
    participant = Participant.objects.get(round=feedback_round, membership=seller)
    assert not participant.completed

    rate(seller, feedback_round, departments[K.MARKETING])
    participant.refresh_from_db()
    assert not participant.completed

    rate(seller, feedback_round, departments[K.CS])
    participant.refresh_from_db()
    assert participant.completed

    # Changing an answer keeps it answered; others are unaffected.
    rate(seller, feedback_round, departments[K.CS], quality=1)
    participant.refresh_from_db()
    assert participant.completed
    assert not Participant.objects.get(round=feedback_round, membership=cs_member).completed


def test_own_responses_are_the_members_own_only(seller, marketer, make_round):
    feedback_round = make_round()
    mine = rate(seller, feedback_round, marketer.department)
    theirs = rate(marketer, feedback_round, seller.department)
    assert list(response_services.own_responses(feedback_round, seller)) == [mine]
    assert list(response_services.own_responses(feedback_round, marketer)) == [theirs]


# --- Action items ------------------------------------------------------------------------------


def test_a_manager_creates_an_action_item_and_its_owner_is_told(
    manager, seller, marketer, make_round
):
    feedback_round = make_round()
    item = action_services.create_action_item(
        by=manager,
        feedback_round=feedback_round,
        from_department=seller.department,
        to_department=marketer.department,
        title="  Weekly lead review  ",
        owner=marketer,
        due_date=date(2027, 1, 15),
    )
    assert (item.title, item.status, item.owner, item.created_by) == (
        "Weekly lead review",
        ActionStatus.OPEN,
        marketer,
        manager,
    )
    assert notified("action_item.created", item) == {marketer.pk}


def test_action_items_need_an_opened_round_and_two_of_its_departments(
    manager, seller, marketer, engineer, make_round
):
    draft = make_round(open=False)
    with pytest.raises(IllegalTransition) as refused:
        action_services.create_action_item(
            by=manager,
            feedback_round=draft,
            from_department=seller.department,
            to_department=marketer.department,
            title="Too early",
        )
    assert refused.value.code == "round_draft"
    feedback_round = make_round()
    for pair in (
        (seller.department, seller.department),
        (seller.department, engineer.department),
    ):
        with pytest.raises(DomainError) as refused:
            action_services.create_action_item(
                by=manager,
                feedback_round=feedback_round,
                from_department=pair[0],
                to_department=pair[1],
                title="Bad pair",
            )
        assert refused.value.code == "invalid_departments"
    with pytest.raises(NotAllowed):
        action_services.create_action_item(
            by=seller,
            feedback_round=feedback_round,
            from_department=seller.department,
            to_department=marketer.department,
            title="Members may not",
        )
    assert not ActionItem.objects.exists()


def test_an_action_items_owner_may_move_its_status_only(manager, seller, marketer, make_round):
    feedback_round = make_round()
    item = action_services.create_action_item(
        by=manager,
        feedback_round=feedback_round,
        from_department=seller.department,
        to_department=marketer.department,
        title="Shared glossary",
        owner=marketer,
    )
    action_services.update_action_item(by=marketer, item=item, data={"status": "done"})
    item.refresh_from_db()
    assert item.status == ActionStatus.DONE and item.completed_at is not None
    with pytest.raises(NotAllowed):
        action_services.update_action_item(by=marketer, item=item, data={"title": "Mine now"})
    with pytest.raises(NotAllowed):
        action_services.update_action_item(by=seller, item=item, data={"status": "open"})
    action_services.update_action_item(by=manager, item=item, data={"status": "in_progress"})
    item.refresh_from_db()
    assert item.status == ActionStatus.IN_PROGRESS and item.completed_at is None
