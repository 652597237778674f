"""Three sales people answer an anonymous feedback round about marketing, each in their own
browser session → the marketing manager's results heatmap keeps the sales → marketing cell
hidden after the first and the second answer and shows it, with its average and comments,
only after the third (the round's minimum). Real pages, a real browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Department, DepartmentKind, Role
from feedback.models import FeedbackResponse, Participant
from feedback.services import rounds as round_services
from tests.e2e.test_leads_flow import log_in
from tests.e2e.test_roadmap_flow import new_session
from tests.factories import member_of, organization_with_departments

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# (collaboration, responsiveness, quality, comment) of each seller's answer about marketing:
# averages 4.00, 4.00 and 3.00 → overall 3.67, shown as 3.7.
ANSWERS = [
    (5, 4, 3, "Leads arrive with context now."),
    (4, 4, 3, "Campaign briefs come late."),
    (3, 4, 3, "Webinar leads are cold."),
]


def answer_in_the_browser(browser, live_server, email, feedback_round, marketing, answer):
    from playwright.sync_api import expect

    collaboration, responsiveness, quality, comment = answer
    context, page = new_session(browser, live_server, email)
    try:
        page.goto(f"{live_server.url}/feedback/{feedback_round.pk}/answer/")
        expect(page.locator(".feedback-anonymity")).to_contain_text("This round is anonymous.")
        card = page.locator(f"#card-{marketing.pk}")
        for question, value in (
            ("Collaboration", collaboration),
            ("Responsiveness", responsiveness),
            ("Quality", quality),
        ):
            group = card.locator("fieldset", has=page.locator("legend", has_text=question))
            group.get_by_label(str(value), exact=True).check()
        card.get_by_label("Comment (optional)").fill(comment)
        page.get_by_role("button", name="Submit my answers").click()
        expect(page.locator(".messages")).to_contain_text("Thank you: your answers were saved.")
    finally:
        context.close()


def test_the_heatmap_cell_appears_only_after_the_third_answer(
    browser, page, live_server, screenshot
):
    from playwright.sync_api import expect

    org = organization_with_departments(name="Acme", slug="acme")
    manager = member_of(org, DepartmentKind.MARKETING, Role.MANAGER, email="mara@acme.test")
    sellers = [
        member_of(org, DepartmentKind.SALES, Role.MEMBER, email=f"seller{n}@acme.test")
        for n in (1, 2, 3)
    ]
    sales = Department.objects.get(organization=org, kind=DepartmentKind.SALES)
    marketing = Department.objects.get(organization=org, kind=DepartmentKind.MARKETING)
    now = timezone.now()
    feedback_round = round_services.create_round(
        by=manager,
        name="Q4 sales and marketing",
        opens_at=now,
        closes_at=now + timedelta(days=7),
        departments=[sales, marketing],
        min_responses=3,
    )
    feedback_round = round_services.open_round(by=manager, feedback_round=feedback_round)
    assert Participant.objects.filter(round=feedback_round).count() == 4

    log_in(page, live_server, "mara@acme.test")
    results = f"{live_server.url}/feedback/{feedback_round.pk}/results/"
    cell = page.locator(f"#cell-{sales.pk}-{marketing.pk}")
    sales_row = page.locator("table.heatmap tbody tr", has=page.locator("th", has_text="Sales"))

    for seen, (seller, answer) in enumerate(zip(sellers, ANSWERS, strict=True), start=1):
        answer_in_the_browser(
            browser, live_server, seller.user.email, feedback_round, marketing, answer
        )
        assert FeedbackResponse.objects.filter(round=feedback_round).count() == seen
        page.goto(results)
        expect(page.locator("table.heatmap")).to_be_visible()
        if seen < 3:
            # Below the minimum: no figure, no count, no comment — only the note.
            expect(cell).to_have_count(0)
            expect(sales_row.locator("td.heat-hidden")).to_have_count(1)
            expect(sales_row.locator("td.heat-hidden")).to_contain_text("fewer than 3 answers")
            for _rating_1, _rating_2, _rating_3, comment in ANSWERS[:seen]:
                expect(page.locator("main")).not_to_contain_text(comment)
            if seen == 2:
                screenshot(page, "feedback-heatmap-hidden")

    expect(cell).to_be_visible()
    expect(cell.locator(".heat-value")).to_have_text("3.7")
    expect(cell.locator(".heat-count")).to_have_text("3 answers")
    expect(sales_row.locator("td.heat-hidden")).to_have_count(0)
    comments = page.locator(".feedback-comments")
    for _rating_1, _rating_2, _rating_3, comment in ANSWERS:
        expect(comments).to_contain_text(comment)
    # Nobody's name is on the results page (the manager's own, in the header, aside).
    main = page.locator("main")
    for seller in sellers:
        expect(main).not_to_contain_text(seller.user.email)
        expect(main).not_to_contain_text(seller.user.full_name)
    screenshot(page, "feedback-heatmap-shown")
