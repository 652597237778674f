"""Lead-quality complaints: filing rules, one answer (409 after), overdue managers told once,
who may do what, and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from collab_hub.exceptions import DomainError, IllegalTransition, NotAllowed
from collab_hub.notifications.models import ActivityEvent, Notification
from leads.models import ComplaintStatus, QualityComplaint
from leads.services import quality
from leads.services.scoring import lead_settings
from tests.factories import (
    CampaignFactory,
    ImportBatchFactory,
    LeadFactory,
    QualityComplaintFactory,
    member_of,
)


@pytest.fixture
def marketing_manager(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MANAGER, email="mona@acme.test")


@pytest.fixture
def campaign(org, marketer):
    return CampaignFactory(organization=org, name="Trade fair", owner=marketer)


@pytest.fixture
def batch(org):
    return ImportBatchFactory(organization=org)


def notified(verb: str) -> set[int]:
    return set(Notification.objects.filter(event__verb=verb).values_list("recipient_id", flat=True))


# --- Filing --------------------------------------------------------------------------------


def test_sales_files_a_complaint_and_the_campaign_owner_hears(org, rep, marketer, campaign):
    settings = lead_settings(org)
    settings.complaint_response_days = 3
    settings.save()
    examples = LeadFactory.create_batch(2, organization=org, campaign=campaign)
    before = timezone.now()
    complaint = quality.file_complaint(
        by=rep, reason="not_icp", note="Students, not buyers", campaign=campaign,
        example_leads=examples,
    )  # fmt: skip
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN
    assert (complaint.filed_by, complaint.campaign, complaint.reason) == (rep, campaign, "not_icp")
    assert set(complaint.example_leads.all()) == set(examples)
    assert before + timedelta(days=3) <= complaint.due_at <= timezone.now() + timedelta(days=3)
    assert notified("complaint.filed") == {marketer.pk}
    event = ActivityEvent.objects.get(verb="complaint.filed")
    assert (event.actor, event.payload["reason"]) == (rep, "not_icp")


def test_without_a_campaign_owner_the_marketing_managers_hear(org, rep, marketer, batch):
    manager = member_of(org, DepartmentKind.MARKETING, Role.MANAGER)
    quality.file_complaint(by=rep, reason="bad_contact_data", import_batch=batch)
    assert notified("complaint.filed") == {manager.pk}


def test_the_marketer_who_uploaded_the_import_hears(org, rep, marketer, marketing_manager):
    batch = ImportBatchFactory(organization=org, uploaded_by=marketer)
    quality.file_complaint(by=rep, reason="duplicate", import_batch=batch)
    assert notified("complaint.filed") == {marketer.pk}


@pytest.mark.parametrize("sources", ["neither", "both"])
def test_a_complaint_names_a_campaign_or_an_import(rep, campaign, batch, sources):
    named = {} if sources == "neither" else {"campaign": campaign, "import_batch": batch}
    with pytest.raises(DomainError) as error:
        quality.file_complaint(by=rep, reason="not_icp", **named)
    assert error.value.code == "campaign_or_import"
    assert not QualityComplaint.objects.exists()


def test_examples_must_come_from_the_named_campaign(org, rep, campaign):
    elsewhere = LeadFactory(organization=org, campaign=CampaignFactory(organization=org))
    with pytest.raises(DomainError) as error:
        quality.file_complaint(
            by=rep, reason="not_icp", campaign=campaign, example_leads=[elsewhere]
        )
    assert error.value.code == "invalid_examples"
    assert not QualityComplaint.objects.exists()


def test_examples_must_come_from_the_named_import(org, rep, batch):
    mine = LeadFactory(organization=org, import_batch=batch)
    other = LeadFactory(organization=org, import_batch=ImportBatchFactory(organization=org))
    quality.file_complaint(by=rep, reason="duplicate", import_batch=batch, example_leads=[mine])
    with pytest.raises(DomainError):
        quality.file_complaint(
            by=rep, reason="duplicate", import_batch=batch, example_leads=[other]
        )


def test_examples_must_be_visible_to_the_filer(org, rep, rep2, campaign):
    org.visibility = {"leads": "own"}
    org.save()
    theirs = LeadFactory(organization=org, campaign=campaign, owner=rep2)
    mine = LeadFactory(organization=org, campaign=campaign, owner=rep)
    with pytest.raises(DomainError) as error:
        quality.file_complaint(by=rep, reason="not_icp", campaign=campaign, example_leads=[theirs])
    assert error.value.code == "invalid_examples"
    complaint = quality.file_complaint(
        by=rep, reason="not_icp", campaign=campaign, example_leads=[mine]
    )
    assert list(complaint.example_leads.all()) == [mine]


def test_a_campaign_of_another_organization_is_refused(rep, other_org):
    with pytest.raises(DomainError):
        quality.file_complaint(
            by=rep, reason="not_icp", campaign=CampaignFactory(organization=other_org)
        )


# --- Who may do what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("rep", True),
        ("sales_manager", True),
        ("alice", True),
        ("marketer", False),
        ("marketing_manager", False),
        ("product_person", False),
    ],
)
def test_who_may_file(request, campaign, who, allowed):
    member = request.getfixturevalue(who)
    if allowed:
        assert quality.file_complaint(by=member, reason="not_icp", campaign=campaign).pk
    else:
        with pytest.raises(NotAllowed):
            quality.file_complaint(by=member, reason="not_icp", campaign=campaign)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("marketer", True),
        ("marketing_manager", True),
        ("alice", True),
        ("rep", False),
        ("sales_manager", False),
        ("product_person", False),
    ],
)
def test_who_may_answer(request, org, who, allowed):
    complaint = QualityComplaintFactory(organization=org)
    member = request.getfixturevalue(who)
    if allowed:
        quality.answer_complaint(by=member, complaint=complaint, answer="Fixed the targeting")
        complaint.refresh_from_db()
        assert complaint.status == ComplaintStatus.ANSWERED
    else:
        with pytest.raises(NotAllowed):
            quality.answer_complaint(by=member, complaint=complaint, answer="No")
        complaint.refresh_from_db()
        assert complaint.status == ComplaintStatus.OPEN


# --- Answering -----------------------------------------------------------------------------


def test_marketing_answers_once_and_the_filer_hears(org, rep, marketer, campaign):
    complaint = quality.file_complaint(by=rep, reason="no_budget", campaign=campaign)
    quality.answer_complaint(
        by=marketer, complaint=complaint, answer="  Agreed.  ", action_taken="Paused the ads"
    )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.answer, complaint.action_taken) == (
        ComplaintStatus.ANSWERED,
        "Agreed.",
        "Paused the ads",
    )
    assert complaint.answered_by == marketer and complaint.answered_at is not None
    assert notified("complaint.answered") == {rep.pk}
    with pytest.raises(IllegalTransition):
        quality.answer_complaint(by=marketer, complaint=complaint, answer="Changed my mind")
    complaint.refresh_from_db()
    assert complaint.answer == "Agreed."
    assert ActivityEvent.objects.filter(verb="complaint.answered").count() == 1


def test_an_answer_cannot_be_blank(org, marketer):
    complaint = QualityComplaintFactory(organization=org)
    with pytest.raises(DomainError):
        quality.answer_complaint(by=marketer, complaint=complaint, answer="   ")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN


# --- Overdue -------------------------------------------------------------------------------


def test_overdue_complaints_notify_the_marketing_managers_exactly_once(
    org, other_org, rep, marketer, marketing_manager, campaign
):
    now = timezone.now()
    late = QualityComplaintFactory(organization=org, filed_by=rep, due_at=now - timedelta(hours=1))
    QualityComplaintFactory(organization=org, due_at=now + timedelta(hours=1))
    QualityComplaintFactory(
        organization=org, due_at=now - timedelta(days=2), status=ComplaintStatus.ANSWERED
    )
    other_manager = member_of(other_org, DepartmentKind.MARKETING, Role.MANAGER)
    foreign = QualityComplaintFactory(organization=other_org, due_at=now - timedelta(days=1))

    assert quality.flag_overdue_complaints(now=now) == 2
    assert quality.flag_overdue_complaints(now=now + timedelta(minutes=5)) == 0

    events = ActivityEvent.objects.filter(verb="complaint.overdue")
    assert {event.target_id for event in events} == {late.pk, foreign.pk}
    # One digest per organization's managers, listing its overdue complaints.
    digests = ActivityEvent.objects.filter(verb="complaint.overdue_digest")
    assert {
        (event.organization_id, tuple(c["id"] for c in event.payload["complaints"]))
        for event in digests
    } == {(org.pk, (late.pk,)), (other_org.pk, (foreign.pk,))}
    assert notified("complaint.overdue_digest") == {marketing_manager.pk, other_manager.pk}
    late.refresh_from_db()
    assert late.overdue_notified_at == now


def test_overdue_without_a_marketing_manager_goes_to_the_admins(org, alice, marketer):
    complaint = QualityComplaintFactory(
        organization=org, due_at=timezone.now() - timedelta(minutes=1)
    )
    assert quality.flag_overdue_complaints() == 1
    assert notified("complaint.overdue_digest") == {alice.pk}
    complaint.refresh_from_db()
    assert complaint.overdue_notified_at is not None


def test_a_complaint_claimed_by_another_run_is_not_notified_again(org, marketing_manager):
    complaint = QualityComplaintFactory(
        organization=org, due_at=timezone.now() - timedelta(minutes=1)
    )
    ids = quality.overdue_complaints(now=timezone.now())
    assert ids == [complaint.pk]
    # Another worker claims it between this run's SELECT and its UPDATE.
    QualityComplaint.objects.filter(pk=complaint.pk).update(overdue_notified_at=timezone.now())
    assert quality.flag_overdue_complaints() == 0
    assert not ActivityEvent.objects.filter(verb="complaint.overdue").exists()


# --- API -----------------------------------------------------------------------------------

URL = "/api/v1/quality-complaints/"


def test_api_files_a_complaint(api_for, org, rep, marketer, campaign):
    lead = LeadFactory(organization=org, campaign=campaign)
    response = api_for(rep).post(
        URL,
        {"campaign": campaign.pk, "reason": "not_icp", "note": "x", "example_leads": [lead.pk]},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["campaign"], body["import_batch"], body["status"]) == (campaign.pk, None, "open")
    assert (body["example_leads"], body["filed_by"], body["is_overdue"]) == (
        [lead.pk],
        rep.pk,
        False,
    )
    assert QualityComplaint.objects.get().filed_by == rep


@pytest.mark.parametrize(
    "payload",
    [
        {"reason": "not_icp"},
        {"reason": "ugly", "campaign": "CAMPAIGN"},
        {"reason": "not_icp", "campaign": "CAMPAIGN", "import_batch": "BATCH"},
        {"reason": "not_icp", "campaign": "CAMPAIGN", "example_leads": ["ELSEWHERE"]},
        {"reason": "not_icp", "campaign": "FOREIGN"},
    ],
)
def test_api_refuses_bad_complaints(api_for, org, other_org, rep, campaign, batch, payload):
    elsewhere = LeadFactory(organization=org)
    values = {
        "CAMPAIGN": campaign.pk,
        "BATCH": batch.pk,
        "ELSEWHERE": elsewhere.pk,
        "FOREIGN": CampaignFactory(organization=other_org).pk,
    }
    data = {
        key: ([values[v] for v in value] if isinstance(value, list) else values.get(value, value))
        for key, value in payload.items()
    }
    response = api_for(rep).post(URL, data)
    assert response.status_code == 400
    assert not QualityComplaint.objects.exists()


def test_api_marketing_cannot_file_and_sales_cannot_answer(api_for, org, rep, marketer, campaign):
    assert api_for(marketer).post(URL, {"campaign": campaign.pk, "reason": "x"}).status_code == 403
    complaint = QualityComplaintFactory(organization=org)
    response = api_for(rep).post(f"{URL}{complaint.pk}/answer/", {"answer": "No"})
    assert response.status_code == 403


def test_api_second_answer_is_a_409(api_for, org, marketer):
    complaint = QualityComplaintFactory(organization=org)
    first = api_for(marketer).post(
        f"{URL}{complaint.pk}/answer/", {"answer": "We fixed it", "action_taken": "New filter"}
    )
    assert first.status_code == 200
    assert (first.json()["status"], first.json()["answered_by"]) == ("answered", marketer.pk)
    second = api_for(marketer).post(f"{URL}{complaint.pk}/answer/", {"answer": "Again"})
    assert second.status_code == 409
    assert second.json()["code"] == "complaint_answered"
    complaint.refresh_from_db()
    assert complaint.answer == "We fixed it"


def test_api_lists_with_filters(api_for, org, rep, campaign):
    mine = QualityComplaintFactory(organization=org, campaign=campaign)
    answered = QualityComplaintFactory(organization=org, status=ComplaintStatus.ANSWERED)
    client = api_for(rep)
    ids = lambda params: {row["id"] for row in client.get(URL, params).json()["results"]}  # noqa: E731
    assert ids({}) == {mine.pk, answered.pk}
    assert ids({"status": "open"}) == {mine.pk}
    assert ids({"campaign": campaign.pk}) == {mine.pk}
    assert client.get(URL, {"campaign": "abc"}).status_code == 400


def test_api_list_query_count_does_not_grow_with_rows(
    api_for, org, rep, campaign, django_assert_max_num_queries
):
    def add(count):
        for _ in range(count):
            complaint = QualityComplaintFactory(organization=org, campaign=campaign)
            complaint.example_leads.set(LeadFactory.create_batch(2, organization=org))

    client = api_for(rep)
    add(2)
    with django_assert_max_num_queries(8) as few:
        assert client.get(URL).status_code == 200
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 22


def test_api_outsider_gets_404(api_for, org, charlie):
    complaint = QualityComplaintFactory(organization=org)
    assert api_for(charlie).get(f"{URL}{complaint.pk}/").status_code == 404
    assert api_for(charlie).post(f"{URL}{complaint.pk}/answer/", {"answer": "x"}).status_code == 404
    assert api_for(charlie).get(URL).json()["results"] == []
