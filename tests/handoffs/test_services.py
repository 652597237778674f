"""The handoff's services: the package and what stops its submission, the status machine
with who may move it, the item-by-item sign-off of promises, and discrepancies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.models import ActivityEvent, Notification
from handoffs.models import (
    CustomerAccount,
    Discrepancy,
    DiscrepancyKind,
    Handoff,
    HandoffSettings,
    HandoffStatus,
    PromiseSignoff,
)
from handoffs.services import handoffs as services
from leads.services import deals as deal_services
from roadmap import services as roadmap_services
from roadmap.models import PromiseStatus
from tests.factories import (
    ChecklistItemFactory,
    ContactFactory,
    DealFactory,
    HandoffFactory,
    PromiseFactory,
    StakeholderFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

S = HandoffStatus

PACKAGE = {
    "customer_goals": "Stop losing renewals in spreadsheets.",
    "commercial_terms": "€24,000 a year, 3 years, 50 seats, 10% discount.",
    "implementation_notes": "Salesforce import; SSO through Okta by March.",
}


@pytest.fixture
def marketer(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mia@acme.test")


def events(verb: str, target=None):
    qs = ActivityEvent.objects.filter(verb=verb)
    if target is not None:
        qs = qs.filter(target_id=target.pk)
    return qs


def notified(verb: str, target=None) -> set[int]:
    """Who the ``verb`` events (on ``target``) notified."""
    return set(
        Notification.objects.filter(event__in=events(verb, target)).values_list(
            "recipient_id", flat=True
        )
    )


@pytest.fixture
def draft(org, rep, cs):
    """``draft(**fields)`` → a complete draft handoff of a won deal of ``rep`` for ``cs``
    (one stakeholder named): it may be submitted as it is."""

    def make(**fields):
        deal = DealFactory(organization=org, owner=rep, stage="won")
        handoff = HandoffFactory(
            organization=org,
            deal=deal,
            sales_owner=rep,
            cs_owner=cs,
            **{**PACKAGE, **fields},
        )
        StakeholderFactory(organization=org, handoff=handoff)
        return handoff

    return make


@pytest.fixture
def submitted(draft, rep):
    def make(**fields):
        return services.submit_handoff(by=rep, handoff=draft(**fields))

    return make


def promise(handoff, status=PromiseStatus.CONFIRMED, **fields):
    return PromiseFactory(
        organization=handoff.organization, deal=handoff.deal, status=status, **fields
    )


# --- The package -----------------------------------------------------------------------------


def test_sales_fills_in_the_package_and_each_change_is_recorded(org, rep, cs):
    handoff = HandoffFactory(organization=org, sales_owner=rep, cs_owner=cs)

    handoff = services.update_handoff(
        by=rep, handoff=handoff, data={**PACKAGE, "risks": "  Legacy data in two CRMs. "}
    )

    handoff.refresh_from_db()
    assert handoff.risks == "Legacy data in two CRMs."
    assert handoff.customer_goals == PACKAGE["customer_goals"]
    event = events("handoff.updated").get()
    assert event.payload["changes"]["risks"] == ["", "Legacy data in two CRMs."]
    # The same data again changes nothing and records nothing.
    services.update_handoff(by=rep, handoff=handoff, data=PACKAGE)
    assert events("handoff.updated").count() == 1


def test_the_package_is_frozen_while_cs_holds_the_handoff(submitted, rep):
    handoff = submitted()
    with pytest.raises(IllegalTransition) as error:
        services.update_handoff(by=rep, handoff=handoff, data={"risks": "New risk"})
    assert error.value.code == "handoff_submitted"


def test_cs_cannot_edit_the_package(draft, cs):
    with pytest.raises(NotAllowed):
        services.update_handoff(by=cs, handoff=draft(), data={"risks": "Mine now"})


def test_a_cs_manager_hands_the_handoff_to_another_cs_member(draft, cs, cs2, cs_manager, rep):
    handoff = draft()
    with pytest.raises(NotAllowed):
        services.update_handoff(by=cs, handoff=handoff, data={"cs_owner": cs2})
    with pytest.raises(DomainError) as error:
        services.update_handoff(by=cs_manager, handoff=handoff, data={"cs_owner": rep})
    assert error.value.code == "invalid_cs_owner"

    services.update_handoff(by=cs_manager, handoff=handoff, data={"cs_owner": cs2})

    handoff.refresh_from_db()
    assert handoff.cs_owner == cs2
    assert notified("handoff.updated") == {cs2.pk}


def test_a_stakeholder_is_a_contact_of_the_customer_named_once_with_a_role(org, draft, rep):
    handoff = draft()
    contact = ContactFactory(organization=org, company=handoff.deal.company)
    elsewhere = ContactFactory(organization=org)

    with pytest.raises(DomainError) as error:
        services.add_stakeholder(by=rep, handoff=handoff, contact=contact, role="  ")
    assert error.value.code == "role_required"
    with pytest.raises(DomainError) as error:
        services.add_stakeholder(by=rep, handoff=handoff, contact=elsewhere, role="Sponsor")
    assert error.value.code == "invalid_contact"

    stakeholder = services.add_stakeholder(by=rep, handoff=handoff, contact=contact, role="Sponsor")
    with pytest.raises(IllegalTransition) as error:
        services.add_stakeholder(by=rep, handoff=handoff, contact=contact, role="Admin")
    assert error.value.code == "stakeholder_exists"
    assert handoff.stakeholders.count() == 2

    services.remove_stakeholder(by=rep, stakeholder=stakeholder)
    assert handoff.stakeholders.count() == 1


def test_both_sides_tick_and_add_checklist_items_until_the_customer_is_live(
    draft, rep, cs, marketer
):
    handoff = draft()
    item = services.add_checklist_item(by=cs, handoff=handoff, title="Kick-off call")
    later = services.add_checklist_item(by=rep, handoff=handoff, title="Data import")
    assert (item.position, later.position) == (1, 2)
    with pytest.raises(NotAllowed):
        services.add_checklist_item(by=marketer, handoff=handoff, title="Nope")

    item = services.set_checklist_item(by=rep, item=item, done=True)
    assert (item.done, item.done_by) == (True, rep)
    item = services.set_checklist_item(by=cs, item=item, done=False)
    assert (item.done, item.done_by) == (False, None)

    Handoff.objects.filter(pk=handoff.pk).update(status=S.LIVE)
    with pytest.raises(IllegalTransition) as error:
        services.set_checklist_item(by=cs, item=item, done=True)
    assert error.value.code == "handoff_live"


# --- Submit refusal --------------------------------------------------------------------------


def _empty(field):
    def spoil(handoff):
        setattr(handoff, field, "   ")
        handoff.save()

    return spoil


def _no_stakeholder(handoff):
    handoff.stakeholders.all().delete()


def _no_cs_owner(handoff):
    handoff.cs_owner = None
    handoff.save()


def _required_item_undone(handoff):
    ChecklistItemFactory(organization=handoff.organization, handoff=handoff, required=True)
    # Optional items, and required ones done, never block.
    ChecklistItemFactory(organization=handoff.organization, handoff=handoff, required=False)
    ChecklistItemFactory(
        organization=handoff.organization,
        handoff=handoff,
        required=True,
        done_at=timezone.now(),
    )


def _pending_promise(handoff):
    promise(handoff, PromiseStatus.PENDING)
    # Settled promises never block.
    promise(handoff, PromiseStatus.CONFIRMED)
    promise(handoff, PromiseStatus.DECLINED)
    promise(handoff, PromiseStatus.AT_RISK)


@pytest.mark.parametrize(
    ("code", "spoil"),
    [
        ("customer_goals", _empty("customer_goals")),
        ("commercial_terms", _empty("commercial_terms")),
        ("implementation_notes", _empty("implementation_notes")),
        ("stakeholders", _no_stakeholder),
        ("cs_owner", _no_cs_owner),
        ("checklist", _required_item_undone),
        ("promise_pending", _pending_promise),
    ],
)
def test_each_gap_alone_refuses_the_submission_and_is_listed(draft, rep, code, spoil):
    handoff = draft()
    spoil(handoff)

    with pytest.raises(IllegalTransition) as error:
        services.submit_handoff(by=rep, handoff=handoff)

    assert error.value.code == "handoff_incomplete"
    assert [gap["code"] for gap in error.value.extra["missing"]] == [code]
    assert all(gap["message"] for gap in error.value.extra["missing"])
    handoff.refresh_from_db()
    assert (handoff.status, handoff.submitted_at) == (S.DRAFT, None)
    assert not events("handoff.submitted").exists()


def test_an_empty_handoff_lists_every_gap_in_order(org, rep):
    handoff = HandoffFactory(organization=org, sales_owner=rep)
    ChecklistItemFactory(organization=org, handoff=handoff, required=True, title="Kick-off")
    pending = promise(handoff, PromiseStatus.PENDING)

    with pytest.raises(IllegalTransition) as error:
        services.submit_handoff(by=rep, handoff=handoff)

    missing = error.value.extra["missing"]
    assert [gap["code"] for gap in missing] == [
        "customer_goals",
        "commercial_terms",
        "implementation_notes",
        "stakeholders",
        "cs_owner",
        "checklist",
        "promise_pending",
    ]
    assert missing[-1]["promise"] == pending.pk
    assert "Kick-off" in missing[-2]["message"]


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_a_pending_promise_blocks_the_submission_until_product_decides(org, rep, cs, pm, decision):
    deal = DealFactory(organization=org, owner=rep)
    request = roadmap_services.create_feature_request(by=rep, title="Single sign-on")
    pending = roadmap_services.record_promise(by=rep, deal=deal, feature_request=request)
    assert pending.status == PromiseStatus.PENDING
    deal_services.win_deal(by=rep, deal=deal)
    handoff = services.update_handoff(by=rep, handoff=Handoff.objects.get(deal=deal), data=PACKAGE)
    StakeholderFactory(organization=org, handoff=handoff)

    with pytest.raises(IllegalTransition) as error:
        services.submit_handoff(by=rep, handoff=handoff)
    assert [gap["code"] for gap in error.value.extra["missing"]] == ["promise_pending"]

    if decision == "approve":
        roadmap_services.approve_promise(by=pm, promise=pending)
    else:
        roadmap_services.decline_promise(by=pm, promise=pending, reason="Not this year.")
    handoff = services.submit_handoff(by=rep, handoff=handoff)
    assert handoff.status == S.SUBMITTED


# --- The status machine ----------------------------------------------------------------------


def test_a_handoff_walks_the_whole_machine_with_its_history_and_people_told(
    submitted, rep, cs, cs_manager
):
    handoff = submitted(risks="Champion leaves in June.")
    assert notified("handoff.submitted") == {cs.pk}
    handoff = services.return_handoff(by=cs, handoff=handoff, questions="Which SSO provider?")
    assert (handoff.status, handoff.questions) == (S.RETURNED, "Which SSO provider?")
    assert notified("handoff.returned") == {rep.pk}
    handoff = services.submit_handoff(by=rep, handoff=handoff, note="Okta.")
    handoff = services.accept_handoff(by=cs, handoff=handoff)
    assert (handoff.accepted_by, handoff.questions) == (cs, "")
    assert handoff.accepted_at is not None
    assert notified("handoff.accepted") == {rep.pk}
    handoff = services.start_onboarding(by=cs_manager, handoff=handoff)
    assert handoff.onboarding_at is not None
    handoff = services.go_live(by=cs, handoff=handoff)
    assert (handoff.status, handoff.live_at is not None) == (S.LIVE, True)
    assert notified("handoff.onboarding_started") == {rep.pk}
    assert notified("handoff.live") == {rep.pk}

    history = list(handoff.status_changes.values_list("from_status", "to_status", "note"))
    assert history == [
        ("draft", "submitted", ""),
        ("submitted", "returned", "Which SSO provider?"),
        ("returned", "submitted", "Okta."),
        ("submitted", "accepted", ""),
        ("accepted", "onboarding", ""),
        ("onboarding", "live", ""),
    ]
    moves = [
        event.payload.get("to")
        for event in ActivityEvent.objects.filter(
            verb__startswith="handoff.", target_id=handoff.pk
        ).order_by("pk")
    ]
    assert moves == ["submitted", "returned", "submitted", "accepted", "onboarding", "live"]


# Every move, and the statuses it starts from.
MOVES = {
    "submit": (S.DRAFT, S.RETURNED),
    "return": (S.SUBMITTED,),
    "accept": (S.SUBMITTED,),
    "onboarding": (S.ACCEPTED,),
    "live": (S.ONBOARDING,),
}


def move(name, handoff, *, rep, cs):
    if name == "submit":
        return services.submit_handoff(by=rep, handoff=handoff)
    if name == "return":
        return services.return_handoff(by=cs, handoff=handoff, questions="Why?")
    if name == "accept":
        return services.accept_handoff(by=cs, handoff=handoff)
    if name == "onboarding":
        return services.start_onboarding(by=cs, handoff=handoff)
    return services.go_live(by=cs, handoff=handoff)


@pytest.mark.parametrize(
    ("name", "status"),
    [(name, status) for name, allowed in MOVES.items() for status in S if status not in allowed],
)
def test_every_illegal_move_is_a_409_naming_the_current_status(draft, rep, cs, name, status):
    handoff = draft(status=status)
    with pytest.raises(IllegalTransition) as error:
        move(name, handoff, rep=rep, cs=cs)
    assert error.value.code == f"handoff_{status}"
    handoff.refresh_from_db()
    assert handoff.status == status
    assert not handoff.status_changes.exists()


@pytest.mark.parametrize(
    ("name", "status"),
    [(name, status) for name, allowed in MOVES.items() for status in allowed],
)
def test_every_allowed_move_moves(draft, rep, cs, name, status):
    handoff = draft(status=status)
    handoff = move(name, handoff, rep=rep, cs=cs)
    assert handoff.status != status
    assert list(handoff.status_changes.values_list("from_status", flat=True)) == [status]


@pytest.mark.parametrize(
    ("name", "status", "allowed", "refused"),
    [
        ("submit", S.DRAFT, ("rep", "sales_manager", "alice"), ("cs", "cs_manager", "marketer")),
        (
            "return",
            S.SUBMITTED,
            ("cs", "cs_manager", "alice"),
            ("rep", "sales_manager", "marketer"),
        ),
        (
            "accept",
            S.SUBMITTED,
            ("cs", "cs_manager", "alice"),
            ("rep", "sales_manager", "marketer"),
        ),
        ("onboarding", S.ACCEPTED, ("cs", "cs_manager", "alice"), ("rep", "marketer")),
        ("live", S.ONBOARDING, ("cs", "cs_manager", "alice"), ("rep", "marketer")),
    ],
)
def test_who_may_make_each_move(draft, request, name, status, allowed, refused):
    people = {who: request.getfixturevalue(who) for who in (*allowed, *refused)}
    for who in refused:
        handoff = draft(status=status)
        with pytest.raises(NotAllowed):
            move(name, handoff, rep=people[who], cs=people[who])
        assert Handoff.objects.get(pk=handoff.pk).status == status, who
    for who in allowed:
        handoff = move(name, draft(status=status), rep=people[who], cs=people[who])
        assert handoff.status != status, who


def test_returning_needs_questions(submitted, cs):
    handoff = submitted()
    with pytest.raises(DomainError) as error:
        services.return_handoff(by=cs, handoff=handoff, questions="  ")
    assert error.value.code == "questions_required"
    assert Handoff.objects.get(pk=handoff.pk).status == S.SUBMITTED


def test_submitting_starts_the_sla_of_the_organization(org, draft, rep):
    HandoffSettings.objects.update_or_create(organization=org, defaults={"acceptance_sla_hours": 4})
    before = timezone.now()
    handoff = services.submit_handoff(by=rep, handoff=draft())
    assert before + timedelta(hours=4) <= handoff.accept_due_at
    assert handoff.accept_due_at <= timezone.now() + timedelta(hours=4)
    event = events("handoff.submitted").get()
    assert event.payload["accept_due_at"] == handoff.accept_due_at.isoformat()


def test_a_resubmission_restarts_the_sla_and_clears_the_overdue_flag(submitted, rep, cs):
    handoff = submitted()
    first_due = handoff.accept_due_at
    assert services.flag_overdue_handoffs(now=first_due + timedelta(seconds=1)) == 1
    handoff = services.return_handoff(by=cs, handoff=handoff, questions="Which SSO?")

    handoff = services.submit_handoff(by=rep, handoff=handoff, note="Okta.")

    handoff.refresh_from_db()
    assert handoff.accept_due_at >= first_due
    assert handoff.overdue_notified_at is None
    assert services.flag_overdue_handoffs(now=handoff.accept_due_at - timedelta(minutes=1)) == 0
    assert services.flag_overdue_handoffs(now=handoff.accept_due_at + timedelta(seconds=1)) == 1
    assert events("handoff.overdue", handoff).count() == 2


def test_an_acceptance_past_the_sla_is_marked_late(submitted, cs):
    on_time = services.accept_handoff(by=cs, handoff=submitted())
    late = submitted()
    Handoff.objects.filter(pk=late.pk).update(accept_due_at=timezone.now() - timedelta(hours=1))
    services.accept_handoff(by=cs, handoff=late)

    assert events("handoff.accepted", on_time).get().payload["late"] is False
    assert events("handoff.accepted", late).get().payload["late"] is True


def test_the_cs_managers_are_told_when_the_cs_owner_has_left(submitted, cs, cs_manager):
    cs.is_active = False
    cs.save()
    submitted()
    assert notified("handoff.submitted") == {cs_manager.pk}


def test_the_sales_managers_are_told_when_the_sales_owner_has_left(
    submitted, rep, cs, sales_manager
):
    handoff = submitted()
    rep.is_active = False
    rep.save()
    services.return_handoff(by=cs, handoff=handoff, questions="Who signed?")
    assert notified("handoff.returned") == {sales_manager.pk}


def test_accepting_a_handoff_without_a_cs_owner_makes_the_accepter_its_owner(submitted, cs_manager):
    handoff = submitted()
    Handoff.objects.filter(pk=handoff.pk).update(cs_owner=None)
    handoff = services.accept_handoff(by=cs_manager, handoff=handoff)
    assert handoff.cs_owner == cs_manager


# --- Promise sign-off ------------------------------------------------------------------------


def test_accepting_needs_every_promise_that_is_not_declined_signed_off(submitted, cs):
    handoff = submitted()
    confirmed = promise(handoff, PromiseStatus.CONFIRMED)
    at_risk = promise(handoff, PromiseStatus.AT_RISK)
    promise(handoff, PromiseStatus.DECLINED)

    with pytest.raises(IllegalTransition) as error:
        services.accept_handoff(by=cs, handoff=handoff)
    assert error.value.code == "signoff_missing"
    assert {gap["promise"] for gap in error.value.extra["missing"]} == {confirmed.pk, at_risk.pk}

    services.sign_off_promise(by=cs, handoff=handoff, promise=confirmed, deliverable=True)
    with pytest.raises(IllegalTransition) as error:
        services.accept_handoff(by=cs, handoff=handoff)
    assert [gap["promise"] for gap in error.value.extra["missing"]] == [at_risk.pk]

    services.sign_off_promise(
        by=cs, handoff=handoff, promise=at_risk, deliverable=False, note="Not before 2028."
    )
    handoff = services.accept_handoff(by=cs, handoff=handoff)
    assert handoff.status == S.ACCEPTED
    assert events("handoff.accepted").get().payload["discrepancies"] == 1


def test_a_declined_promise_needs_no_sign_off_and_cannot_be_signed_off(submitted, cs):
    handoff = submitted()
    declined = promise(handoff, PromiseStatus.DECLINED)
    with pytest.raises(IllegalTransition) as error:
        services.sign_off_promise(by=cs, handoff=handoff, promise=declined, deliverable=True)
    assert error.value.code == "promise_declined"
    assert services.accept_handoff(by=cs, handoff=handoff).status == S.ACCEPTED


def test_a_deliverable_promise_makes_no_discrepancy(submitted, cs):
    handoff = submitted()
    confirmed = promise(handoff)
    signoff = services.sign_off_promise(by=cs, handoff=handoff, promise=confirmed, deliverable=True)
    assert (signoff.deliverable, signoff.by) == (True, cs)
    assert not Discrepancy.objects.exists()
    assert events("handoff.promise_signed_off").get().payload["deliverable"] is True


def test_an_undeliverable_promise_needs_a_note_and_makes_one_open_discrepancy(submitted, cs, rep):
    handoff = submitted()
    confirmed = promise(handoff)

    with pytest.raises(DomainError) as error:
        services.sign_off_promise(by=cs, handoff=handoff, promise=confirmed, deliverable=False)
    assert error.value.code == "note_required"
    assert not PromiseSignoff.objects.exists()

    for note in ("Not on our roadmap.", "Still not on it."):
        services.sign_off_promise(
            by=cs, handoff=handoff, promise=confirmed, deliverable=False, note=note
        )

    (discrepancy,) = Discrepancy.objects.all()
    assert (discrepancy.kind, discrepancy.promise, discrepancy.resolved) == (
        DiscrepancyKind.UNDELIVERABLE_PROMISE,
        confirmed,
        False,
    )
    assert (discrepancy.description, discrepancy.raised_by) == ("Not on our roadmap.", cs)
    assert PromiseSignoff.objects.get().note == "Still not on it."
    assert notified("discrepancy.recorded") == {rep.pk}


def test_signing_off_again_after_the_discrepancy_was_resolved_records_a_new_one(submitted, cs):
    handoff = submitted()
    confirmed = promise(handoff)
    services.sign_off_promise(
        by=cs, handoff=handoff, promise=confirmed, deliverable=False, note="No."
    )
    services.resolve_discrepancy(by=cs, discrepancy=Discrepancy.objects.get())
    services.sign_off_promise(
        by=cs, handoff=handoff, promise=confirmed, deliverable=False, note="Still no."
    )
    assert list(Discrepancy.objects.values_list("resolved", flat=True)) == [True, False]


def test_a_promise_of_another_deal_is_a_400(org, submitted, cs):
    handoff = submitted()
    other = PromiseFactory(organization=org)
    with pytest.raises(DomainError) as error:
        services.sign_off_promise(by=cs, handoff=handoff, promise=other, deliverable=True)
    assert (error.value.status_code, error.value.code) == (400, "invalid_promise")
    assert not PromiseSignoff.objects.exists()


def test_promises_are_signed_off_only_while_the_handoff_is_submitted(draft, cs):
    handoff = draft()
    confirmed = promise(handoff)
    with pytest.raises(IllegalTransition) as error:
        services.sign_off_promise(by=cs, handoff=handoff, promise=confirmed, deliverable=True)
    assert error.value.code == "handoff_draft"


def test_sales_cannot_sign_off_promises(submitted, rep):
    handoff = submitted()
    with pytest.raises(NotAllowed):
        services.sign_off_promise(
            by=rep, handoff=handoff, promise=promise(handoff), deliverable=True
        )


def test_deliverable_must_be_a_yes_or_no(submitted, cs):
    handoff = submitted()
    with pytest.raises(DomainError) as error:
        services.sign_off_promise(
            by=cs,
            handoff=handoff,
            promise=promise(handoff),
            deliverable="yes",
        )
    assert error.value.code == "invalid_deliverable"


# --- Discrepancies ---------------------------------------------------------------------------


def test_cs_records_a_surprise_and_the_sales_owner_is_told(submitted, cs, rep):
    handoff = submitted()
    discrepancy = services.record_discrepancy(
        by=cs, handoff=handoff, kind="wrong_terms", description="The discount is 20%, not 10%."
    )
    assert (discrepancy.kind, discrepancy.raised_by, discrepancy.promise) == (
        DiscrepancyKind.WRONG_TERMS,
        cs,
        None,
    )
    assert notified("discrepancy.recorded") == {rep.pk}


def test_a_surprise_is_not_recorded_on_a_draft(draft, cs):
    with pytest.raises(IllegalTransition) as error:
        services.record_discrepancy(by=cs, handoff=draft(), kind="other", description="Hm.")
    assert error.value.code == "handoff_draft"
    assert not Discrepancy.objects.exists()


@pytest.mark.parametrize("status", [S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.ONBOARDING, S.LIVE])
def test_a_surprise_may_be_recorded_in_any_status_after_the_draft(draft, cs, status):
    handoff = draft(status=status)
    services.record_discrepancy(by=cs, handoff=handoff, kind="other", description="Hm.")
    assert Discrepancy.objects.filter(handoff=handoff).count() == 1


def test_a_surprise_needs_a_known_kind_and_a_description(submitted, cs):
    handoff = submitted()
    with pytest.raises(DomainError) as error:
        services.record_discrepancy(by=cs, handoff=handoff, kind="mood", description="Bad.")
    assert error.value.code == "invalid_kind"
    with pytest.raises(DomainError) as error:
        services.record_discrepancy(by=cs, handoff=handoff, kind="other", description=" ")
    assert error.value.code == "description_required"


def test_sales_does_not_record_surprises(submitted, rep):
    with pytest.raises(NotAllowed):
        services.record_discrepancy(
            by=rep, handoff=submitted(), kind="other", description="Self-report."
        )


@pytest.fixture
def surprise(submitted, cs):
    return services.record_discrepancy(
        by=cs, handoff=submitted(), kind="missing_information", description="No admin named."
    )


def test_sales_answers_a_surprise_and_the_recorder_is_told(surprise, rep, rep2, cs, cs2):
    with pytest.raises(NotAllowed):
        services.answer_discrepancy(by=cs2, discrepancy=surprise, answer="Me?")
    with pytest.raises(DomainError) as error:
        services.answer_discrepancy(by=rep, discrepancy=surprise, answer="")
    assert error.value.code == "answer_required"

    services.answer_discrepancy(by=rep, discrepancy=surprise, answer="Dana is the admin.")
    services.answer_discrepancy(by=rep2, discrepancy=surprise, answer="Dana, in fact Dan.")

    surprise.refresh_from_db()
    assert (surprise.answer, surprise.answered_by) == ("Dana, in fact Dan.", rep2)
    assert notified("discrepancy.answered") == {cs.pk}


def test_either_side_resolves_a_surprise_once_and_may_reopen_it(surprise, rep, cs, marketer):
    with pytest.raises(NotAllowed):
        services.resolve_discrepancy(by=marketer, discrepancy=surprise)

    services.resolve_discrepancy(by=rep, discrepancy=surprise)
    surprise.refresh_from_db()
    assert (surprise.resolved, surprise.resolved_by) == (True, rep)
    assert surprise.resolved_at is not None
    assert notified("discrepancy.resolved") == {cs.pk}
    with pytest.raises(IllegalTransition) as error:
        services.resolve_discrepancy(by=cs, discrepancy=surprise)
    assert error.value.code == "discrepancy_resolved"

    services.resolve_discrepancy(by=cs, discrepancy=surprise, resolved=False)
    surprise.refresh_from_db()
    assert (surprise.resolved, surprise.resolved_by, surprise.resolved_at) == (False, None, None)
    with pytest.raises(IllegalTransition) as error:
        services.resolve_discrepancy(by=cs, discrepancy=surprise, resolved=False)
    assert error.value.code == "discrepancy_open"


def test_an_undeliverable_promise_has_one_open_discrepancy_even_when_reopening(submitted, cs):
    handoff = submitted()
    confirmed = promise(handoff)
    services.sign_off_promise(
        by=cs, handoff=handoff, promise=confirmed, deliverable=False, note="No."
    )
    first = Discrepancy.objects.get()
    services.resolve_discrepancy(by=cs, discrepancy=first)
    services.sign_off_promise(
        by=cs, handoff=handoff, promise=confirmed, deliverable=False, note="Still no."
    )

    with pytest.raises(IllegalTransition) as error:
        services.resolve_discrepancy(by=cs, discrepancy=first, resolved=False)

    assert error.value.code == "discrepancy_open"
    assert Discrepancy.objects.filter(resolved=False).count() == 1


def test_resolved_must_be_a_yes_or_no(surprise, cs):
    with pytest.raises(DomainError) as error:
        services.resolve_discrepancy(by=cs, discrepancy=surprise, resolved="yes")
    assert error.value.code == "invalid_resolved"


def test_nobody_acts_on_another_organizations_handoff(surprise, charlie, other_org):
    outsider_cs = member_of(other_org, DepartmentKind.CS, Role.MEMBER)
    handoff = surprise.handoff
    for call in (
        lambda: services.accept_handoff(by=outsider_cs, handoff=handoff),
        lambda: services.record_discrepancy(
            by=charlie, handoff=handoff, kind="other", description="Ours?"
        ),
        lambda: services.resolve_discrepancy(by=charlie, discrepancy=surprise),
        lambda: services.answer_discrepancy(by=charlie, discrepancy=surprise, answer="Hi"),
    ):
        with pytest.raises(NotAllowed):
            call()
    assert Discrepancy.objects.count() == 1


def test_a_new_cs_owner_becomes_the_customers_owner_when_it_had_none(draft, cs2, cs_manager):
    handoff = draft()
    account = CustomerAccount.objects.filter(company=handoff.deal.company)
    assert not account.exists()
    services.update_handoff(by=cs_manager, handoff=handoff, data={"cs_owner": cs2})
    assert account.get().cs_owner == cs2
