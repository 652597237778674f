"""The handoff pages: CS's inbox (overdue first), a handoff's page with its buttons by status
and permission, the edit form, and every post behind the page's buttons (its effect, and its
refusal shown as a message, never a 500). Another organization's handoff is a 404; a member
who may not read handoffs (marketing) gets a 403."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from handoffs.models import (
    ChecklistItem,
    Discrepancy,
    Handoff,
    HandoffStatus,
    PromiseSignoff,
    Stakeholder,
)
from tests.factories import (
    ChecklistItemFactory,
    ContactFactory,
    DealFactory,
    DiscrepancyFactory,
    FeatureRequestFactory,
    HandoffFactory,
    PromiseFactory,
    StakeholderFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

S = HandoffStatus


@pytest.fixture
def marketer(org):
    return member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mia@acme.test")


def _handoff(org, rep, cs, *, company_name="Initech", complete=False, **fields):
    deal = DealFactory(
        organization=org,
        owner=rep,
        stage="won",
        name=f"{company_name} platform",
        company__name=company_name,
        value=24000,
    )
    if complete:
        fields.setdefault("customer_goals", "Cut onboarding time in half.")
        fields.setdefault("commercial_terms", "€24k a year, 3 years, 50 seats.")
        fields.setdefault("implementation_notes", "SSO with Okta; data from Salesforce.")
    handoff = HandoffFactory(organization=org, deal=deal, sales_owner=rep, cs_owner=cs, **fields)
    if complete:
        StakeholderFactory(organization=org, handoff=handoff, role="Executive sponsor")
    return handoff


def _submitted(org, rep, cs, **fields):
    fields.setdefault("accept_due_at", timezone.now() + timedelta(hours=40))
    return _handoff(
        org, rep, cs, complete=True, status=S.SUBMITTED, submitted_at=timezone.now(), **fields
    )


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _detail(handoff):
    return reverse("handoffs:handoff_detail", args=[handoff.pk])


# --- The inbox ----------------------------------------------------------------------------


def test_inbox_lists_overdue_first_then_the_soonest_due(org, rep, cs, browser_for):
    now = timezone.now()
    _handoff(org, rep, cs, company_name="Draftco")
    _submitted(org, rep, cs, company_name="Latecorp", accept_due_at=now - timedelta(hours=2))
    _submitted(org, rep, cs, company_name="Soonish", accept_due_at=now + timedelta(hours=3))
    _submitted(org, rep, cs, company_name="Laterly", accept_due_at=now + timedelta(hours=30))

    page = browser_for(cs).get(reverse("handoffs:handoff_list"))

    assert page.status_code == 200
    html = page.content.decode()
    order = [html.index(name) for name in ("Latecorp", "Soonish", "Laterly", "Draftco")]
    assert order == sorted(order)
    assert "Overdue by 2" in html and "hours left" in html
    assert "24,000" in html or "24 000" in html or "24\xa0000" in html


def test_inbox_tabs_filter_what_each_side_needs(org, rep, rep2, cs, browser_for):
    _submitted(org, rep, cs, company_name="Waiting")
    _handoff(org, rep, cs, company_name="Questioned", status=S.RETURNED, questions="Seats?")
    _submitted(org, rep2, None, company_name="Elsewhere")
    client = browser_for(rep)

    to_accept = client.get(reverse("handoffs:handoff_list"), {"tab": "to_accept"})
    returned = client.get(reverse("handoffs:handoff_list"), {"tab": "returned"})
    mine = client.get(reverse("handoffs:handoff_list"), {"tab": "mine"})
    by_status = client.get(reverse("handoffs:handoff_list"), {"status": "returned"})

    assert "Waiting" in to_accept.content.decode()
    assert "Questioned" not in to_accept.content.decode()
    assert "Questioned" in returned.content.decode()
    assert "Waiting" not in returned.content.decode()
    assert "Elsewhere" not in mine.content.decode() and "Waiting" in mine.content.decode()
    assert "Questioned" in by_status.content.decode()
    assert "Waiting" not in by_status.content.decode()


def test_inbox_warns_about_promises_that_are_not_a_sure_thing(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    PromiseFactory(organization=org, deal=handoff.deal, status="pending")

    html = browser_for(cs).get(reverse("handoffs:handoff_list")).content.decode()

    assert "1 promise is not a sure thing" in html


def test_empty_inbox_says_what_to_do(cs, browser_for):
    client = browser_for(cs)
    html = client.get(reverse("handoffs:handoff_list")).content.decode()
    assert "No handoffs yet" in html and "Winning a deal opens its handoff here" in html
    to_accept = client.get(reverse("handoffs:handoff_list"), {"tab": "to_accept"})
    assert "Nothing waits for acceptance" in to_accept.content.decode()


def test_inbox_costs_the_same_queries_for_3_or_30_handoffs(
    org, rep, cs, browser_for, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            handoff = _submitted(org, rep, cs, company_name=f"Customer {i}")
            PromiseFactory(organization=org, deal=handoff.deal)

    client = browser_for(cs)
    add(3)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("handoffs:handoff_list"))
    add(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("handoffs:handoff_list"))
    assert page.content.decode().count('<tr id="handoff-') == 30


def test_inbox_paginates_by_50(org, rep, cs, browser_for):
    for i in range(51):
        _handoff(org, rep, cs, company_name=f"Customer {i}")
    client = browser_for(cs)
    first = client.get(reverse("handoffs:handoff_list")).content.decode()
    second = client.get(reverse("handoffs:handoff_list"), {"page": 2}).content.decode()
    assert first.count('<tr id="handoff-') == 50 and 'rel="next"' in first
    assert second.count('<tr id="handoff-') == 1


def test_marketing_may_not_open_handoff_pages(org, rep, cs, marketer, browser_for):
    handoff = _submitted(org, rep, cs)
    client = browser_for(marketer)
    assert client.get(reverse("handoffs:handoff_list")).status_code == 403
    assert client.get(_detail(handoff)).status_code == 403


def test_another_organizations_handoff_is_a_404(org, other_org, rep, cs, browser_for):
    outsider = member_of(other_org, DepartmentKind.CS, Role.MANAGER, email="olga@globex.test")
    handoff = _submitted(org, rep, cs)
    client = browser_for(outsider)
    assert client.get(_detail(handoff)).status_code == 404
    response = client.post(reverse("handoffs:handoff_accept", args=[handoff.pk]))
    assert response.status_code == 404
    assert "Initech" not in client.get(reverse("handoffs:handoff_list")).content.decode()


# --- A handoff's page ---------------------------------------------------------------------


def test_sales_sees_what_is_missing_and_the_submit_button(org, rep, cs, browser_for):
    handoff = _handoff(org, rep, cs)
    ChecklistItemFactory(
        organization=org, handoff=handoff, title="Signed order form", required=True
    )

    page = browser_for(rep).get(_detail(handoff))

    assert page.status_code == 200
    html = page.content.decode()
    assert "What's missing before submitting" in html
    assert "Describe the customer&#x27;s goals." in html
    assert "Checklist: “Signed order form” is not done." in html
    assert reverse("handoffs:handoff_submit", args=[handoff.pk]) in html
    assert reverse("handoffs:handoff_edit", args=[handoff.pk]) in html
    assert reverse("handoffs:handoff_accept", args=[handoff.pk]) not in html
    assert reverse("handoffs:stakeholder_add", args=[handoff.pk]) in html


def test_cs_sees_the_decision_buttons_on_a_submitted_handoff(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    html = browser_for(cs).get(_detail(handoff)).content.decode()
    assert reverse("handoffs:handoff_accept", args=[handoff.pk]) in html
    assert reverse("handoffs:handoff_return", args=[handoff.pk]) in html
    assert reverse("handoffs:discrepancy_add", args=[handoff.pk]) in html
    assert reverse("handoffs:handoff_submit", args=[handoff.pk]) not in html
    assert reverse("handoffs:handoff_edit", args=[handoff.pk]) not in html


def test_a_cs_manager_may_change_the_cs_owner(org, rep, cs, cs2, cs_manager, browser_for):
    handoff = _submitted(org, rep, cs)
    client = browser_for(cs_manager)
    html = client.get(_detail(handoff)).content.decode()
    assert "Change the CS owner" in html

    form = client.get(reverse("handoffs:handoff_edit", args=[handoff.pk]))
    assert form.status_code == 200
    assert "customer_goals" not in form.content.decode()
    response = client.post(
        reverse("handoffs:handoff_edit", args=[handoff.pk]), {"cs_owner": cs2.pk}
    )

    assert response.status_code == 302
    handoff.refresh_from_db()
    assert handoff.cs_owner == cs2


def test_the_promise_panel_marks_what_is_not_a_sure_thing(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    shipped = FeatureRequestFactory(organization=org, title="Audit log", status="shipped")
    planned = FeatureRequestFactory(organization=org, title="Single sign-on", status="planned")
    sure = PromiseFactory(organization=org, deal=handoff.deal, feature_request=shipped)
    sure.status = "confirmed"
    sure.save()
    PromiseFactory(organization=org, deal=handoff.deal, feature_request=planned, status="pending")

    html = browser_for(cs).get(_detail(handoff)).content.decode()

    assert reverse("roadmap:feature_request_detail", args=[planned.pk]) in html
    assert "not confirmed" in html and "not shipped yet" in html
    assert html.count('class="is-highlighted"') == 1
    assert html.count("Save the sign-off") == 2


def test_a_manager_of_another_department_reads_without_buttons(org, rep, cs, browser_for):
    product_manager = member_of(org, DepartmentKind.PRODUCT, Role.MANAGER, email="pm@acme.test")
    handoff = _submitted(org, rep, cs)
    html = browser_for(product_manager).get(_detail(handoff)).content.decode()
    assert "Initech" in html
    assert reverse("handoffs:handoff_accept", args=[handoff.pk]) not in html
    assert reverse("handoffs:handoff_submit", args=[handoff.pk]) not in html


def test_detail_costs_the_same_queries_for_3_or_30_rows(
    org, rep, cs, browser_for, django_assert_max_num_queries
):
    handoff = _submitted(org, rep, cs)

    def add(n):
        for _ in range(n):
            PromiseFactory(organization=org, deal=handoff.deal)
            ChecklistItemFactory(organization=org, handoff=handoff)
            StakeholderFactory(organization=org, handoff=handoff)
            DiscrepancyFactory(organization=org, handoff=handoff, raised_by=cs)

    client = browser_for(cs)
    add(3)
    with django_assert_max_num_queries(60) as few:
        client.get(_detail(handoff))
    add(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(_detail(handoff))
    assert page.content.decode().count('<article class="card discrepancy') == 30


# --- Edit ---------------------------------------------------------------------------------


def test_sales_edits_the_package(org, rep, cs, browser_for):
    handoff = _handoff(org, rep, cs)
    client = browser_for(rep)
    form = client.get(reverse("handoffs:handoff_edit", args=[handoff.pk]))
    assert "What the customer bought this to achieve." in form.content.decode()
    assert 'name="cs_owner"' not in form.content.decode()

    response = client.post(
        reverse("handoffs:handoff_edit", args=[handoff.pk]),
        {"customer_goals": "Go live by March.", "commercial_terms": "Annual", "risks": ""},
    )

    assert response.status_code == 302
    handoff.refresh_from_db()
    assert handoff.customer_goals == "Go live by March."


def test_sales_cannot_edit_a_submitted_handoff_and_cs_cannot_edit_text(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    assert (
        browser_for(rep).get(reverse("handoffs:handoff_edit", args=[handoff.pk])).status_code == 403
    )
    assert (
        browser_for(cs).get(reverse("handoffs:handoff_edit", args=[handoff.pk])).status_code == 403
    )


# --- Status moves -------------------------------------------------------------------------


def test_submit_is_refused_with_what_is_missing(org, rep, cs, browser_for):
    handoff = _handoff(org, rep, cs)
    response = browser_for(rep).post(
        reverse("handoffs:handoff_submit", args=[handoff.pk]), follow=True
    )
    assert response.status_code == 200
    assert any("cannot be submitted yet" in m and "goals" in m for m in _messages(response))
    handoff.refresh_from_db()
    assert handoff.status == S.DRAFT


def test_submit_hands_the_package_to_cs(org, rep, cs, browser_for):
    handoff = _handoff(org, rep, cs, complete=True)
    response = browser_for(rep).post(
        reverse("handoffs:handoff_submit", args=[handoff.pk]), follow=True
    )
    assert "The handoff was submitted; CS was told." in _messages(response)
    handoff.refresh_from_db()
    assert handoff.status == S.SUBMITTED and handoff.accept_due_at is not None


def test_cs_may_not_submit(org, rep, cs, browser_for):
    handoff = _handoff(org, rep, cs, complete=True)
    response = browser_for(cs).post(reverse("handoffs:handoff_submit", args=[handoff.pk]))
    assert response.status_code == 403


def test_return_needs_questions_and_sends_them_to_sales(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    client = browser_for(cs)
    url = reverse("handoffs:handoff_return", args=[handoff.pk])

    empty = client.post(url, {"questions": ""}, follow=True)
    assert "Write down your questions for sales." in _messages(empty)
    done = client.post(url, {"questions": "How many seats exactly?"}, follow=True)

    assert "The handoff went back to sales with your questions." in _messages(done)
    handoff.refresh_from_db()
    assert handoff.status == S.RETURNED
    page = browser_for(rep).get(_detail(handoff)).content.decode()
    assert "How many seats exactly?" in page and "CS&#x27;s questions" in page


def test_accept_is_refused_until_every_promise_is_signed_off(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    PromiseFactory(
        organization=org,
        deal=handoff.deal,
        status="confirmed",
        feature_request__title="Audit log",
    )
    client = browser_for(cs)

    refused = client.post(reverse("handoffs:handoff_accept", args=[handoff.pk]), follow=True)

    assert "Sign off every promise before accepting the handoff." in _messages(refused)
    assert "Still to sign off before accepting" in refused.content.decode()
    handoff.refresh_from_db()
    assert handoff.status == S.SUBMITTED


def test_accept_onboarding_and_go_live(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    client = browser_for(cs)

    accepted = client.post(reverse("handoffs:handoff_accept", args=[handoff.pk]), follow=True)
    assert "The handoff was accepted; sales was told." in _messages(accepted)
    assert reverse("handoffs:handoff_onboarding", args=[handoff.pk]) in accepted.content.decode()
    onboarding = client.post(reverse("handoffs:handoff_onboarding", args=[handoff.pk]), follow=True)
    assert "Onboarding started." in _messages(onboarding)
    live = client.post(reverse("handoffs:handoff_go_live", args=[handoff.pk]), follow=True)
    assert "The customer is live." in _messages(live)

    handoff.refresh_from_db()
    assert handoff.status == S.LIVE and handoff.accepted_by == cs
    again = client.post(reverse("handoffs:handoff_go_live", args=[handoff.pk]), follow=True)
    assert "The customer is live already." in _messages(again)
    history = again.content.decode()
    assert "Onboarding → Live" in history


def test_sales_may_not_accept(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    assert (
        browser_for(rep).post(reverse("handoffs:handoff_accept", args=[handoff.pk])).status_code
        == 403
    )


# --- Stakeholders -------------------------------------------------------------------------


def test_sales_adds_and_removes_a_stakeholder(org, rep, cs, browser_for):
    handoff = _handoff(org, rep, cs)
    contact = ContactFactory(
        organization=org, company=handoff.deal.company, first_name="Ada", last_name="Byron"
    )
    client = browser_for(rep)
    assert "Ada Byron" in client.get(_detail(handoff)).content.decode()

    added = client.post(
        reverse("handoffs:stakeholder_add", args=[handoff.pk]),
        {"contact": contact.pk, "role": "Champion"},
        follow=True,
    )
    assert "Ada Byron was added as Champion." in _messages(added)
    stakeholder = Stakeholder.objects.get(handoff=handoff)
    twice = client.post(
        reverse("handoffs:stakeholder_add", args=[handoff.pk]),
        {"contact": contact.pk, "role": "Admin"},
        follow=True,
    )
    assert "This contact is a stakeholder already." in _messages(twice)
    removed = client.post(
        reverse("handoffs:stakeholder_remove", args=[stakeholder.pk]), follow=True
    )
    assert "Ada Byron is no longer a stakeholder." in _messages(removed)
    assert not Stakeholder.objects.filter(handoff=handoff).exists()


def test_a_contact_of_another_company_is_refused(org, rep, cs, browser_for):
    handoff = _handoff(org, rep, cs)
    stranger = ContactFactory(organization=org)
    response = browser_for(rep).post(
        reverse("handoffs:stakeholder_add", args=[handoff.pk]),
        {"contact": stranger.pk, "role": "Champion"},
        follow=True,
    )
    assert any("valid choice" in message for message in _messages(response))
    assert not Stakeholder.objects.exists()


# --- Checklist ----------------------------------------------------------------------------


def test_checklist_items_are_added_ticked_and_removed(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    client = browser_for(cs)

    client.post(
        reverse("handoffs:checklist_add", args=[handoff.pk]),
        {"title": "Kick-off call", "required": "on"},
    )
    item = ChecklistItem.objects.get(handoff=handoff)
    assert item.required
    ticked = client.post(reverse("handoffs:checklist_item", args=[item.pk]), {"done": "1"})
    assert ticked.status_code == 302
    item.refresh_from_db()
    assert item.done and item.done_by == cs
    client.post(reverse("handoffs:checklist_item", args=[item.pk]), {})
    item.refresh_from_db()
    assert not item.done
    client.post(reverse("handoffs:checklist_remove", args=[item.pk]))
    assert not ChecklistItem.objects.filter(handoff=handoff).exists()


def test_ticking_with_htmx_answers_the_item_alone(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    item = ChecklistItemFactory(organization=org, handoff=handoff, title="Kick-off call")

    response = browser_for(rep).post(
        reverse("handoffs:checklist_item", args=[item.pk]), {"done": "1"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<li id="item-{item.pk}"')
    assert "checked" in html and "<html" not in html


def test_a_live_handoffs_checklist_is_closed(org, rep, cs, browser_for):
    handoff = _handoff(org, rep, cs, status=S.LIVE)
    item = ChecklistItemFactory(organization=org, handoff=handoff)
    response = browser_for(cs).post(
        reverse("handoffs:checklist_item", args=[item.pk]), {"done": "1"}, follow=True
    )
    assert "The customer is live already." in _messages(response)


# --- Promise sign-off ---------------------------------------------------------------------


def test_sign_off_deliverable_and_not_deliverable(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    promise = PromiseFactory(
        organization=org, deal=handoff.deal, status="confirmed", feature_request__title="SSO"
    )
    client = browser_for(cs)
    url = reverse("handoffs:promise_signoff", args=[handoff.pk, promise.pk])

    no_note = client.post(url, {"deliverable": "no", "note": ""}, follow=True)
    assert "Say why it cannot be delivered." in _messages(no_note)
    assert not PromiseSignoff.objects.exists()
    yes = client.post(url, {"deliverable": "yes"}, follow=True)
    assert "“SSO”: deliverable." in _messages(yes)
    no = client.post(url, {"deliverable": "no", "note": "Okta only next year"}, follow=True)

    assert "“SSO”: not deliverable; a discrepancy was recorded and sales told." in _messages(no)
    signoff = PromiseSignoff.objects.get(handoff=handoff, promise=promise)
    assert signoff.deliverable is False
    discrepancy = Discrepancy.objects.get(handoff=handoff)
    assert discrepancy.kind == "undeliverable_promise"
    assert "Okta only next year" in no.content.decode()


def test_sign_off_of_a_draft_is_refused(org, rep, cs, browser_for):
    handoff = _handoff(org, rep, cs)
    promise = PromiseFactory(organization=org, deal=handoff.deal)
    response = browser_for(cs).post(
        reverse("handoffs:promise_signoff", args=[handoff.pk, promise.pk]),
        {"deliverable": "yes"},
        follow=True,
    )
    assert "The handoff is a draft: sales has not submitted it yet." in _messages(response)


# --- Discrepancies ------------------------------------------------------------------------


def test_cs_records_a_surprise_and_sales_answers_it(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    recorded = browser_for(cs).post(
        reverse("handoffs:discrepancy_add", args=[handoff.pk]),
        {"kind": "wrong_terms", "description": "The contract says 40 seats, not 50."},
        follow=True,
    )
    assert "The surprise was recorded; sales was told." in _messages(recorded)
    discrepancy = Discrepancy.objects.get(handoff=handoff)

    sales = browser_for(rep)
    page = sales.get(_detail(handoff)).content.decode()
    assert reverse("handoffs:discrepancy_answer", args=[discrepancy.pk]) in page
    assert reverse("handoffs:discrepancy_add", args=[handoff.pk]) not in page
    answered = sales.post(
        reverse("handoffs:discrepancy_answer", args=[discrepancy.pk]),
        {"answer": "Right, 40: the order form was amended."},
        follow=True,
    )
    assert "Your answer was sent to CS." in _messages(answered)
    discrepancy.refresh_from_db()
    assert discrepancy.answer == "Right, 40: the order form was amended."
    assert discrepancy.answered_by == rep


def test_a_surprise_needs_a_description_and_a_submitted_handoff(org, rep, cs, browser_for):
    draft = _handoff(org, rep, cs)
    client = browser_for(cs)
    empty = client.post(
        reverse("handoffs:discrepancy_add", args=[draft.pk]),
        {"kind": "other", "description": ""},
        follow=True,
    )
    assert "This field is required." in _messages(empty)
    refused = client.post(
        reverse("handoffs:discrepancy_add", args=[draft.pk]),
        {"kind": "other", "description": "Odd"},
        follow=True,
    )
    assert "The handoff is a draft: sales has not submitted it yet." in _messages(refused)
    assert not Discrepancy.objects.exists()


def test_resolve_and_reopen_a_discrepancy(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    discrepancy = DiscrepancyFactory(organization=org, handoff=handoff, raised_by=cs)
    client = browser_for(rep)
    url = reverse("handoffs:discrepancy_resolve", args=[discrepancy.pk])

    resolved = client.post(url, {"resolved": "1"}, follow=True)
    assert "The discrepancy is resolved." in _messages(resolved)
    again = client.post(url, {"resolved": "1"}, follow=True)
    assert "The discrepancy is resolved already." in _messages(again)
    reopened = client.post(url, {"resolved": "0"}, follow=True)
    assert "The discrepancy is open again." in _messages(reopened)
    discrepancy.refresh_from_db()
    assert not discrepancy.resolved


def test_marketing_may_not_resolve_a_discrepancy(org, rep, cs, marketer, browser_for):
    handoff = _submitted(org, rep, cs)
    discrepancy = DiscrepancyFactory(organization=org, handoff=handoff)
    response = browser_for(marketer).post(
        reverse("handoffs:discrepancy_resolve", args=[discrepancy.pk]), {"resolved": "1"}
    )
    assert response.status_code in (403, 404)
    discrepancy.refresh_from_db()
    assert not discrepancy.resolved


def test_a_handoff_page_has_its_discussion(org, rep, cs, browser_for):
    handoff = _submitted(org, rep, cs)
    html = browser_for(cs).get(_detail(handoff)).content.decode()
    assert "Loading the discussion" in html
    assert Handoff.commentable


def test_the_inbox_takes_the_selectors_flags_too(org, rep, rep2, cs, browser_for):
    _submitted(org, rep, cs, company_name="Myco")
    _submitted(org, rep2, None, company_name="Theirs", accept_due_at=timezone.now())
    client = browser_for(rep)
    mine = client.get(reverse("handoffs:handoff_list"), {"mine": "1"}).content.decode()
    overdue = client.get(reverse("handoffs:handoff_list"), {"overdue": "1"}).content.decode()
    assert "Myco" in mine and "Theirs" not in mine
    assert "Theirs" in overdue and "Myco" not in overdue
