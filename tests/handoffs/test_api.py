"""The handoffs API (DESIGN §3.3, §4) as an integration sees it: the handoff of a won deal,
its refusals (409 with ``code`` and ``missing``), the nested sign-offs, discrepancies,
checklist and stakeholders, upsell signals and the expansion deal, company health — with
the 400/403/404/409 answers, other organizations' rows, query counts and sync."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from collab_hub.notifications.models import Notification
from handoffs.models import Discrepancy, Handoff, UpsellSignal
from leads.services import deals as deal_services
from roadmap import services as roadmap
from tests.factories import (
    ChecklistItemFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    HandoffFactory,
    PromiseFactory,
    StakeholderFactory,
    UpsellSignalFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

HANDOFFS = "/api/v1/handoffs/"
DISCREPANCIES = "/api/v1/discrepancies/"
SIGNALS = "/api/v1/upsell-signals/"
PACKAGE = {
    "customer_goals": "Cut onboarding time in half.",
    "commercial_terms": "50 seats, 2 years, 10% discount.",
    "implementation_notes": "SSO with Okta; data import from the old CRM.",
}


def handoff_url(pk, tail=""):
    return f"{HANDOFFS}{pk}/{tail}"


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _error(response, status, code):
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    return body


@pytest.fixture
def marketer(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mia@acme.test")


@pytest.fixture
def won(org, rep, cs, pm):
    """A deal of ``rep``'s won with a pending promise of "Offline mode" (a new request):
    the win opened its handoff, given to ``cs`` (the only CS member)."""
    company = CompanyFactory(organization=org, name="Initech")
    contact = ContactFactory(organization=org, company=company, first_name="Ida", last_name="Ng")
    deal = DealFactory(organization=org, company=company, owner=rep, value=40000)
    feature = roadmap.create_feature_request(by=pm, title="Offline mode")
    promise = roadmap.record_promise(by=rep, deal=deal, feature_request=feature)
    deal_services.win_deal(by=rep, deal=deal)
    handoff = Handoff.objects.get(deal=deal)
    return {"deal": deal, "handoff": handoff, "promise": promise, "contact": contact}


def _fill_in(client, won):
    """Sales completes the package and names a stakeholder."""
    handoff = won["handoff"]
    assert client.patch(handoff_url(handoff.pk), PACKAGE).status_code == 200
    response = client.post(
        handoff_url(handoff.pk, "stakeholders/"),
        {"contact": won["contact"].pk, "role": "Executive sponsor"},
    )
    assert response.status_code == 201, response.content


def _submitted(api_for, rep, pm, won):
    """The handoff completed, its promise approved by product, and submitted."""
    sales = api_for(rep)
    _fill_in(sales, won)
    approve = api_for(pm).post(f"/api/v1/promises/{won['promise'].pk}/approve/", {})
    assert approve.status_code == 200, approve.content
    response = sales.post(handoff_url(won["handoff"].pk, "submit/"), {})
    assert response.status_code == 200, response.content
    return response.json()


# --- The handoff of a won deal ----------------------------------------------------------------


def test_a_won_deal_has_one_handoff_with_its_live_promise_and_what_is_missing(
    api_for, cs, rep, won
):
    rows = api_for(cs).get(HANDOFFS).json()["results"]
    assert [row["id"] for row in rows] == [won["handoff"].pk]
    row = rows[0]
    assert row["deal"] == won["deal"].pk
    assert (row["status"], row["sales_owner"], row["cs_owner"]) == ("draft", rep.pk, cs.pk)
    [promise] = row["promises"]
    assert promise["id"] == won["promise"].pk
    assert promise["feature_title"] == "Offline mode"
    assert (promise["status"], promise["feature_status"]) == ("pending", "new")
    assert promise["highlighted"] is True and promise["signoff"] is None
    assert {gap["code"] for gap in row["missing"]} == {
        "customer_goals", "commercial_terms", "implementation_notes", "stakeholders",
        "promise_pending",
    }  # fmt: skip
    assert row["overdue"] is False and row["submitted_at"] is None


def test_submit_is_refused_with_what_is_missing_until_filled_in_and_product_decides(
    api_for, rep, pm, cs, won
):
    sales, handoff = api_for(rep), won["handoff"]
    body = _error(sales.post(handoff_url(handoff.pk, "submit/"), {}), 409, "handoff_incomplete")
    assert "promise_pending" in {gap["code"] for gap in body["missing"]}
    _fill_in(sales, won)
    body = _error(sales.post(handoff_url(handoff.pk, "submit/"), {}), 409, "handoff_incomplete")
    assert body["missing"] == [
        {
            "code": "promise_pending",
            "message": body["missing"][0]["message"],
            "promise": won["promise"].pk,
        }
    ]
    assert api_for(pm).post(f"/api/v1/promises/{won['promise'].pk}/approve/", {}).status_code == 200

    response = sales.post(handoff_url(handoff.pk, "submit/"), {"note": "All set."})

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "submitted" and data["missing"] == []
    assert data["submitted_at"] and data["accept_due_at"]
    assert data["stakeholders"][0]["name"] == "Ida Ng"
    assert Notification.objects.filter(recipient=cs, event__verb="handoff.submitted").exists()


def test_return_needs_questions_and_sales_resubmits(api_for, rep, pm, cs, won):
    _submitted(api_for, rep, pm, won)
    url = handoff_url(won["handoff"].pk, "return/")
    client = api_for(cs)
    assert client.post(url, {}).status_code == 400
    _error(client.post(url, {"questions": "  "}), 400, "questions_required")

    response = client.post(url, {"questions": "Which Okta tenant?"})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["questions"]) == (
        "returned",
        "Which Okta tenant?",
    )
    again = api_for(rep).post(handoff_url(won["handoff"].pk, "submit/"), {"note": "acme.okta"})
    assert again.json()["status"] == "submitted"


def test_accept_before_every_promise_is_signed_off_is_a_409(api_for, rep, pm, cs, won):
    _submitted(api_for, rep, pm, won)
    client, handoff = api_for(cs), won["handoff"]
    body = _error(client.post(handoff_url(handoff.pk, "accept/"), {}), 409, "signoff_missing")
    assert [gap["promise"] for gap in body["missing"]] == [won["promise"].pk]
    signoff = client.post(
        handoff_url(handoff.pk, "promise-signoffs/"),
        {"promise": won["promise"].pk, "deliverable": True},
    )
    assert signoff.status_code == 201, signoff.content

    accepted = client.post(handoff_url(handoff.pk, "accept/"), {})

    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted" and accepted.json()["accepted_at"]
    assert accepted.json()["promises"][0]["signoff"]["deliverable"] is True
    assert client.post(handoff_url(handoff.pk, "start-onboarding/")).json()["status"] == (
        "onboarding"
    )
    assert client.post(handoff_url(handoff.pk, "go-live/")).json()["status"] == "live"
    _error(client.post(handoff_url(handoff.pk, "go-live/")), 409, "handoff_live")
    _error(client.post(handoff_url(handoff.pk, "accept/"), {}), 409, "handoff_live")


def test_a_promise_signed_off_as_not_deliverable_is_a_discrepancy(api_for, rep, pm, cs, won):
    _submitted(api_for, rep, pm, won)
    client, handoff = api_for(cs), won["handoff"]
    url = handoff_url(handoff.pk, "promise-signoffs/")
    body = {"promise": won["promise"].pk, "deliverable": False}
    _error(client.post(url, body), 400, "note_required")

    response = client.post(url, {**body, "note": "Offline mode is not on our plan."})

    assert response.status_code == 201, response.content
    [discrepancy] = api_for(rep).get(handoff_url(handoff.pk, "discrepancies/")).json()["results"]
    assert discrepancy["kind"] == "undeliverable_promise"
    assert discrepancy["promise"] == won["promise"].pk
    assert discrepancy["description"] == "Offline mode is not on our plan."
    assert discrepancy["raised_by"] == cs.pk and discrepancy["resolved"] is False
    assert Notification.objects.filter(recipient=rep, event__verb="discrepancy.recorded").exists()
    # Answering again changes the sign-off (200) and records no second discrepancy.
    changed = client.post(url, {**body, "deliverable": True})
    assert changed.status_code == 200 and changed.json()["deliverable"] is True
    assert Discrepancy.objects.filter(handoff=handoff).count() == 1
    assert client.get(url).json()["results"][0]["deliverable"] is True


def test_cs_records_a_discrepancy_sales_answers_and_it_is_resolved(api_for, rep, pm, cs, won):
    _submitted(api_for, rep, pm, won)
    handoff = won["handoff"]
    recorded = api_for(cs).post(
        handoff_url(handoff.pk, "discrepancies/"),
        {"kind": "wrong_terms", "description": "The contract says 40 seats."},
    )
    assert recorded.status_code == 201, recorded.content
    pk = recorded.json()["id"]
    _error(
        api_for(cs).post(f"{DISCREPANCIES}{pk}/answer/", {"answer": "I'll check"}),
        403,
        "permission_denied",
    )
    _error(
        api_for(rep).post(f"{DISCREPANCIES}{pk}/answer/", {"answer": ""}), 400, "answer_required"
    )

    answered = api_for(rep).post(f"{DISCREPANCIES}{pk}/answer/", {"answer": "40 is right."})

    assert answered.status_code == 200, answered.content
    assert (answered.json()["answer"], answered.json()["answered_by"]) == ("40 is right.", rep.pk)
    assert Notification.objects.filter(recipient=cs, event__verb="discrepancy.answered").exists()
    resolved = api_for(cs).post(f"{DISCREPANCIES}{pk}/resolve/", {})
    assert resolved.json()["resolved"] is True and resolved.json()["resolved_by"] == cs.pk
    _error(api_for(cs).post(f"{DISCREPANCIES}{pk}/resolve/", {}), 409, "discrepancy_resolved")
    assert _ids(api_for(rep).get(DISCREPANCIES, {"resolved": "false"})) == []
    assert _ids(api_for(rep).get(DISCREPANCIES, {"handoff": handoff.pk})) == [pk]
    reopened = api_for(rep).post(f"{DISCREPANCIES}{pk}/resolve/", {"resolved": False})
    assert reopened.json()["resolved"] is False


def test_a_draft_has_no_discrepancies_yet(api_for, cs, won):
    response = api_for(cs).post(
        handoff_url(won["handoff"].pk, "discrepancies/"), {"kind": "other", "description": "?"}
    )
    _error(response, 409, "handoff_draft")


# --- The package, checklist, stakeholders ---------------------------------------------------


def test_sales_edits_the_package_but_cs_cannot(api_for, rep, cs, won):
    url = handoff_url(won["handoff"].pk)
    response = api_for(rep).patch(url, {"risks": "Champion leaves in March."})
    assert response.status_code == 200, response.content
    assert response.json()["risks"] == "Champion leaves in March."
    _error(api_for(cs).patch(url, {"risks": "None."}), 403, "permission_denied")
    won["handoff"].refresh_from_db()
    assert won["handoff"].risks == "Champion leaves in March."


def test_a_cs_manager_reassigns_the_handoff_to_a_cs_member(api_for, cs, cs2, cs_manager, rep, won):
    url = handoff_url(won["handoff"].pk)
    _error(api_for(cs).patch(url, {"cs_owner": cs2.pk}), 403, "permission_denied")
    _error(api_for(cs_manager).patch(url, {"cs_owner": rep.pk}), 400, "invalid_cs_owner")

    response = api_for(cs_manager).patch(url, {"cs_owner": cs2.pk})

    assert response.status_code == 200, response.content
    assert response.json()["cs_owner"] == cs2.pk
    assert Notification.objects.filter(recipient=cs2, event__verb="handoff.updated").exists()


def test_the_checklist_is_added_to_ticked_and_trimmed(api_for, rep, cs, won):
    url = handoff_url(won["handoff"].pk, "checklist/")
    added = api_for(cs).post(url, {"title": "Kick-off call booked", "required": True})
    assert added.status_code == 201, added.content
    item = added.json()
    assert (item["done"], item["required"]) == (False, True)
    missing = api_for(rep).get(handoff_url(won["handoff"].pk)).json()["missing"]
    assert {"code": "checklist", "item": item["id"]} in [
        {"code": gap["code"], "item": gap.get("item")} for gap in missing
    ]

    ticked = api_for(rep).patch(f"{url}{item['id']}/", {"done": True})

    assert ticked.status_code == 200, ticked.content
    assert ticked.json()["done"] is True and ticked.json()["done_by"] == rep.pk
    assert [row["done"] for row in api_for(cs).get(url).json()["results"]] == [True]
    assert api_for(cs).delete(f"{url}{item['id']}/").status_code == 204
    assert api_for(cs).get(url).json()["results"] == []
    assert api_for(cs).patch(f"{url}{item['id']}/", {"done": False}).status_code == 404


def test_stakeholders_are_contacts_of_the_customer_named_once(api_for, rep, cs, org, won):
    url = handoff_url(won["handoff"].pk, "stakeholders/")
    stranger = ContactFactory(organization=org)
    _error(api_for(rep).post(url, {"contact": stranger.pk, "role": "x"}), 400, "invalid_contact")
    body = {"contact": won["contact"].pk, "role": "Admin"}
    _error(api_for(cs).post(url, body), 403, "permission_denied")
    created = api_for(rep).post(url, body)
    assert created.status_code == 201, created.content
    _error(api_for(rep).post(url, body), 409, "stakeholder_exists")

    assert api_for(rep).delete(f"{url}{created.json()['id']}/").status_code == 204

    assert api_for(rep).get(url).json()["results"] == []


def test_who_may_act_on_a_handoff(api_for, rep, cs, pm, marketer, won):
    handoff = won["handoff"]
    _error(api_for(marketer).get(HANDOFFS), 403, "permission_denied")
    _error(api_for(marketer).get(handoff_url(handoff.pk)), 403, "permission_denied")
    _error(api_for(pm).get(handoff_url(handoff.pk, "checklist/")), 403, "permission_denied")
    _error(api_for(cs).post(handoff_url(handoff.pk, "submit/"), {}), 403, "permission_denied")
    _error(api_for(rep).post(handoff_url(handoff.pk, "accept/"), {}), 403, "permission_denied")
    _error(
        api_for(rep).post(handoff_url(handoff.pk, "return/"), {"questions": "?"}),
        403,
        "permission_denied",
    )
    _error(
        api_for(rep).post(
            handoff_url(handoff.pk, "promise-signoffs/"),
            {"promise": won["promise"].pk, "deliverable": True},
        ),
        403,
        "permission_denied",
    )
    _error(
        api_for(marketer).post(handoff_url(handoff.pk, "checklist/"), {"title": "x"}),
        403,
        "permission_denied",
    )


# --- Lists: filters, ordering, sync, query counts -----------------------------------------------


def test_the_list_filters_by_status_company_owner_and_overdue(api_for, cs, rep, org, won):
    late = HandoffFactory(
        organization=org,
        status="submitted",
        cs_owner=cs,
        accept_due_at=timezone.now() - timedelta(hours=1),
    )
    client = api_for(cs)
    assert _ids(client.get(HANDOFFS, {"overdue": "true"})) == [late.pk]
    assert _ids(client.get(HANDOFFS, {"overdue": "false"})) == [won["handoff"].pk]
    assert _ids(client.get(HANDOFFS, {"status": "draft"})) == [won["handoff"].pk]
    assert _ids(client.get(HANDOFFS, {"company": won["deal"].company_id})) == [won["handoff"].pk]
    assert _ids(client.get(HANDOFFS, {"sales_owner": rep.pk})) == [won["handoff"].pk]
    assert _ids(client.get(HANDOFFS, {"ordering": "accept_due_at"})) == [late.pk, won["handoff"].pk]
    assert client.get(handoff_url(late.pk)).json()["overdue"] is True


def test_handoffs_sync_by_updated_after(api_for, cs, org, won):
    others = HandoffFactory.create_batch(2, organization=org)
    since = timezone.now() + timedelta(seconds=5)
    Handoff.objects.filter(pk=others[1].pk).update(updated_at=since + timedelta(seconds=1))
    rows = api_for(cs).get(
        HANDOFFS, {"updated_after": since.isoformat(), "ordering": "updated_at,id"}
    )
    assert _ids(rows) == [others[1].pk]


def test_the_list_costs_the_same_queries_for_3_or_30_handoffs(
    api_for, cs, org, django_assert_max_num_queries
):
    def fill(count):
        for _n in range(count):
            handoff = HandoffFactory(organization=org)
            PromiseFactory(organization=org, deal=handoff.deal)
            ChecklistItemFactory(organization=org, handoff=handoff, required=True)
            StakeholderFactory(organization=org, handoff=handoff)

    client = api_for(cs)
    fill(3)
    with django_assert_max_num_queries(6) as few:
        rows = client.get(HANDOFFS, {"page_size": 50}).json()["results"]
    assert len(rows) == 3 and all(len(row["promises"]) == 1 for row in rows)
    assert all(row["stakeholders"] and row["checklist"] for row in rows)
    fill(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_ids(client.get(HANDOFFS, {"page_size": 50}))) == 30


# --- Upsell signals ---------------------------------------------------------------------------


@pytest.fixture
def customer(won):
    """Initech, a customer since ``rep`` won its deal (so signals go to rep)."""
    return won["deal"].company


def test_cs_raises_a_signal_routed_to_the_customers_sales_owner(api_for, cs, rep, customer):
    response = api_for(cs).post(
        SIGNALS,
        {"company": customer.pk, "kind": "seats", "estimated_value": "12000", "confidence": "high"},
    )
    assert response.status_code == 201, response.content
    signal = response.json()
    assert (signal["status"], signal["raised_by"], signal["routed_to"]) == ("open", cs.pk, rep.pk)
    assert signal["deal"] is None and signal["sales_credit_percent"] is None
    assert Notification.objects.filter(recipient=rep, event__verb="upsell.raised").exists()


def test_an_idempotency_key_makes_one_signal(api_for, cs, customer):
    client = api_for(cs)
    body = {
        "company": customer.pk,
        "kind": "upgrade",
        "estimated_value": "500",
        "confidence": "low",
    }
    key = {"HTTP_IDEMPOTENCY_KEY": "5b0c8a1e-7f0e-4c39-9d3f-0b7c6a2f1e11"}
    first = client.post(SIGNALS, body, **key)
    retry = client.post(SIGNALS, body, **key)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert UpsellSignal.objects.count() == 1


def test_sales_accepts_a_signal_and_gets_the_expansion_deal(api_for, cs, rep, customer):
    pk = (
        api_for(cs)
        .post(
            SIGNALS,
            {
                "company": customer.pk,
                "kind": "seats",
                "estimated_value": "12000",
                "confidence": "high",
            },
        )
        .json()["id"]
    )
    sales = api_for(rep)

    response = sales.post(f"{SIGNALS}{pk}/accept/", {"name": "Initech: 30 more seats"})

    assert response.status_code == 200, response.content
    signal = response.json()
    assert signal["status"] == "accepted" and signal["answered_by"] == rep.pk
    assert (signal["cs_credit_percent"], signal["sales_credit_percent"]) == ("30.00", "70.00")
    deal = sales.get(f"/api/v1/deals/{signal['deal']}/").json()
    assert (deal["kind"], deal["source"], deal["company"]) == ("expansion", "cs", customer.pk)
    assert deal["name"] == "Initech: 30 more seats" and deal["value"] == "12000.00"
    assert Notification.objects.filter(recipient=cs, event__verb="upsell.accepted").exists()
    _error(sales.post(f"{SIGNALS}{pk}/accept/", {}), 409, "upsell_accepted")
    split = sales.post(f"{SIGNALS}{pk}/credit-split/", {"cs_credit_percent": "40"})
    assert (split.json()["cs_credit_percent"], split.json()["sales_credit_percent"]) == (
        "40.00",
        "60.00",
    )
    assert (
        sales.post(f"{SIGNALS}{pk}/credit-split/", {"cs_credit_percent": "101"}).status_code == 400
    )


def test_dismissing_a_signal_needs_a_reason(api_for, cs, rep, customer):
    signal = UpsellSignalFactory(organization=customer.organization, company=customer, raised_by=cs)
    url = f"{SIGNALS}{signal.pk}/dismiss/"
    sales = api_for(rep)
    assert sales.post(url, {}).status_code == 400
    _error(sales.post(url, {"reason": " "}), 400, "reason_required")

    response = sales.post(url, {"reason": "They just renewed for 3 years."})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "dismissed"
    assert response.json()["dismiss_reason"] == "They just renewed for 3 years."
    _error(sales.post(f"{SIGNALS}{signal.pk}/credit-split/", {"cs_credit_percent": 10}), 409,
           "upsell_dismissed")  # fmt: skip


def test_who_may_raise_and_answer_signals(api_for, cs, rep, marketer, customer):
    body = {"company": customer.pk, "kind": "seats", "estimated_value": "1", "confidence": "low"}
    _error(api_for(rep).post(SIGNALS, body), 403, "permission_denied")
    _error(api_for(marketer).get(SIGNALS), 403, "permission_denied")
    signal = UpsellSignalFactory(organization=customer.organization, company=customer)
    _error(api_for(cs).post(f"{SIGNALS}{signal.pk}/accept/", {}), 403, "permission_denied")
    _error(
        api_for(cs).post(f"{SIGNALS}{signal.pk}/dismiss/", {"reason": "no"}),
        403,
        "permission_denied",
    )
    assert UpsellSignal.objects.get(pk=signal.pk).status == "open"


def test_signals_filter_by_status_and_routing(api_for, cs, rep, rep2, customer):
    org = customer.organization
    mine = UpsellSignalFactory(organization=org, company=customer, routed_to=rep)
    UpsellSignalFactory(organization=org, company=customer, routed_to=rep2, status="dismissed")
    client = api_for(cs)
    assert _ids(client.get(SIGNALS, {"routed_to": rep.pk})) == [mine.pk]
    assert _ids(client.get(SIGNALS, {"status": "open"})) == [mine.pk]


# --- Company health -------------------------------------------------------------------------


def test_cs_sets_a_health_score_kept_in_history(api_for, cs, rep, marketer, customer):
    url = f"/api/v1/companies/{customer.pk}/health/"
    assert api_for(marketer).get(url).json()["score"] is None
    _error(api_for(rep).post(url, {"score": 50}), 403, "permission_denied")
    assert api_for(cs).post(url, {"score": 101}).status_code == 400
    assert api_for(cs).post(url, {"score": 80, "note": "Happy"}).status_code == 201

    response = api_for(cs).post(url, {"score": 35, "note": "Champion left."})

    assert response.status_code == 201, response.content
    health = response.json()
    assert (health["score"], health["band"], health["note"]) == (35, "red", "Champion left.")
    assert health["cs_owner"] == cs.pk
    assert [(row["score"], row["band"], row["by"]) for row in health["history"]] == [
        (35, "red", cs.pk),
        (80, "green", cs.pk),
    ]
    assert api_for(marketer).get(url).json() == health
    # Turning red tells the customer's sales owner.
    assert Notification.objects.filter(recipient=rep, event__verb="account.health_changed").exists()


def test_a_cs_manager_sets_the_customers_cs_owner(api_for, cs, cs2, cs_manager, customer):
    url = f"/api/v1/companies/{customer.pk}/cs-owner/"
    _error(api_for(cs).post(url, {"cs_owner": cs2.pk}), 403, "permission_denied")

    response = api_for(cs_manager).post(url, {"cs_owner": cs2.pk})

    assert response.status_code == 200, response.content
    assert response.json()["cs_owner"] == cs2.pk


# --- Other organizations ----------------------------------------------------------------------


def test_another_organizations_rows_are_404_and_never_listed(api_for, charlie, cs, won, customer):
    signal = UpsellSignalFactory(organization=customer.organization, company=customer)
    discrepancy = Discrepancy.objects.create(
        organization=customer.organization,
        handoff=won["handoff"],
        kind="other",
        description="?",
    )
    outsider, handoff = api_for(charlie), won["handoff"]
    assert outsider.get(HANDOFFS).json()["results"] == []
    assert outsider.get(SIGNALS).json()["results"] == []
    assert outsider.get(DISCREPANCIES).json()["results"] == []
    for url in (
        handoff_url(handoff.pk),
        handoff_url(handoff.pk, "checklist/"),
        handoff_url(handoff.pk, "discrepancies/"),
        handoff_url(handoff.pk, "promise-signoffs/"),
        handoff_url(handoff.pk, "stakeholders/"),
        f"{SIGNALS}{signal.pk}/",
        f"{DISCREPANCIES}{discrepancy.pk}/",
        f"/api/v1/companies/{customer.pk}/health/",
    ):
        _error(outsider.get(url), 404, "not_found")
    _error(outsider.post(handoff_url(handoff.pk, "submit/"), {}), 404, "not_found")
    _error(outsider.post(f"{SIGNALS}{signal.pk}/accept/", {}), 404, "not_found")
    _error(
        outsider.post(f"/api/v1/companies/{customer.pk}/health/", {"score": 1}), 404, "not_found"
    )
    # A foreign company in a body is unknown, like a missing one.
    body = {"company": customer.pk, "kind": "seats", "estimated_value": "1", "confidence": "low"}
    assert outsider.post(SIGNALS, body).status_code == 400
    assert api_for(cs).get(handoff_url(handoff.pk)).status_code == 200


def test_under_own_visibility_a_rep_sees_neither_others_handoffs_nor_their_discrepancies(
    api_for, rep, rep2, org, won
):
    org.visibility = {"deals": "own"}
    org.save(update_fields=["visibility"])
    discrepancy = Discrepancy.objects.create(
        organization=org, handoff=won["handoff"], kind="other", description="?"
    )
    other_rep = api_for(rep2)
    assert other_rep.get(HANDOFFS).json()["results"] == []
    assert other_rep.get(DISCREPANCIES).json()["results"] == []
    _error(other_rep.get(f"{DISCREPANCIES}{discrepancy.pk}/"), 404, "not_found")
    _error(other_rep.get(handoff_url(won["handoff"].pk, "checklist/")), 404, "not_found")
    assert _ids(api_for(rep).get(DISCREPANCIES)) == [discrepancy.pk]
