"""Browser pages: the lead-quality report and the scorecard (managers and admins, with their
chart data), and the quality-complaint pages (list, file, answer)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import DepartmentKind, Role
from leads.models import ComplaintStatus, LeadStatus, QualityComplaint
from tests.factories import (
    CampaignFactory,
    ImportBatchFactory,
    LeadFactory,
    QualityComplaintFactory,
    TierFactory,
    member_of,
)

REPORT = "/reports/lead-quality/"
SCORECARD = "/reports/scorecard/"


def chart_data(response) -> dict:
    match = re.search(
        r'<script id="chart-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page carries no chart data"
    return json.loads(match.group(1))


def add_leads(org, count: int) -> None:
    now = timezone.now()
    for index in range(count):
        campaign = CampaignFactory(organization=org, name=f"Campaign {org.pk}-{index}")
        LeadFactory(
            organization=org,
            campaign=campaign,
            source=("website", "paid", "event")[index % 3],
            created_at=now - timedelta(days=1 + index % 30),
            qualified_at=now - timedelta(days=1),
            responded_at=now - timedelta(hours=20),
            sla_due_at=now,
            rejection_reason="not_icp" if index % 2 else "",
            status=LeadStatus.REJECTED if index % 2 else LeadStatus.ACCEPTED,
        )


def test_report_page_shows_figures_and_chart_data(browser_for, org, sales_manager):
    add_leads(org, 4)
    response = browser_for(sales_manager).get(REPORT)
    assert response.status_code == 200
    page = response.content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert "js/charts/lead_quality.js" in page
    # Scripts come from our own static files, never another host (no CDN).
    assert not re.search(r'<script[^>]+src="(https?:)?//', page)
    data = chart_data(response)
    assert sorted(data["labels"]) == ["Event", "Paid ads", "Website form"]
    assert [dataset["label"] for dataset in data["rejections"]["datasets"]] == [
        "Not our ideal customer"
    ]
    assert response.context["totals"]["leads"] == 4


def test_report_page_groups_by_campaign_with_a_complaint_link(browser_for, org, sales_manager):
    add_leads(org, 2)
    campaign = CampaignFactory(organization=org, name="Webinar")
    LeadFactory(organization=org, campaign=campaign)
    response = browser_for(sales_manager).get(REPORT, {"group_by": "campaign"})
    assert response.status_code == 200
    assert "Webinar" in chart_data(response)["labels"]
    assert (
        f"{reverse('leads:quality_complaint_new')}?campaign={campaign.pk}"
        in response.content.decode()
    )


def test_report_page_without_leads_shows_an_empty_state(browser_for, alice):
    response = browser_for(alice).get(REPORT)
    assert response.status_code == 200
    assert "No leads in this range" in response.content.decode()
    assert 'id="chart-data"' not in response.content.decode()


def test_report_page_shows_range_errors(browser_for, alice):
    response = browser_for(alice).get(REPORT, {"start": "2026-03-10", "end": "2026-03-01"})
    assert response.status_code == 200
    assert "The end must come after the start." in response.content.decode()


def test_report_page_answers_htmx_with_the_report_only(browser_for, alice):
    add_leads(alice.organization, 2)
    response = browser_for(alice).get(REPORT, {"group_by": "source"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="report"')
    assert 'id="chart-data"' in page and "<html" not in page
    # Range errors come back with the fragment, next to the fields.
    response = browser_for(alice).get(
        REPORT, {"start": "2026-03-10", "end": "2026-03-01"}, HTTP_HX_REQUEST="true"
    )
    assert "The end must come after the start." in response.content.decode()


@pytest.mark.parametrize("url", [REPORT, SCORECARD])
@pytest.mark.parametrize("who", ["rep", "marketer", "product_person"])
def test_report_pages_are_for_managers_and_admins(browser_for, request, url, who):
    assert browser_for(request.getfixturevalue(who)).get(url).status_code == 403


def test_report_page_query_count_does_not_grow_with_rows(
    browser_for, org, sales_manager, django_assert_max_num_queries
):
    client = browser_for(sales_manager)
    add_leads(org, 5)
    with django_assert_max_num_queries(20) as few:
        client.get(REPORT, {"group_by": "campaign"})
    add_leads(org, 45)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(REPORT, {"group_by": "campaign"})
    assert response.context["totals"]["leads"] == 50


def test_scorecard_page_for_both_managers(browser_for, org, rep, sales_manager):
    TierFactory(organization=org, name="Enterprise", monthly_mql_target_per_rep=4)
    marketing_manager = member_of(org, DepartmentKind.MARKETING, Role.MANAGER)
    for manager in (sales_manager, marketing_manager):
        response = browser_for(manager).get(SCORECARD, {"month": "2026-03"})
        assert response.status_code == 200
        data = chart_data(response)
        # Two reps (the member and the manager) × 4.
        assert data["tiers"] == data["tiers"] | {"labels": ["Enterprise"]}
        assert data["tiers"]["target"]["values"] == [8]
    assert 'value="2026-03"' in response.content.decode()
    assert "js/charts/scorecard.js" in response.content.decode()


def test_scorecard_page_refuses_a_bad_month_politely(browser_for, alice):
    response = browser_for(alice).get(SCORECARD, {"month": "2026-13"})
    assert response.status_code == 200
    assert "YYYY-MM" in response.content.decode()


def test_scorecard_page_query_count_does_not_grow_with_rows(
    browser_for, org, sales_manager, django_assert_max_num_queries
):
    tier = TierFactory(organization=org)
    client = browser_for(sales_manager)

    def add(count):
        reps = [member_of(org, DepartmentKind.SALES) for _ in range(count // 5)]
        now = timezone.now()
        for index in range(count):
            LeadFactory(
                organization=org,
                tier=tier,
                owner=reps[index % len(reps)],
                qualified_at=now,
                sla_due_at=now + timedelta(days=1),
                status=LeadStatus.MQL,
            )

    add(5)
    with django_assert_max_num_queries(20) as few:
        client.get(SCORECARD)
    add(45)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(SCORECARD).status_code == 200


# --- Quality complaints ----------------------------------------------------------------------


@pytest.fixture
def campaign(org, marketer):
    return CampaignFactory(organization=org, name="Trade fair", owner=marketer)


def test_complaint_form_from_a_campaign_offers_its_leads(browser_for, org, rep, campaign):
    rejected = LeadFactory(
        organization=org, campaign=campaign, status="rejected", rejection_reason="not_icp"
    )
    elsewhere = LeadFactory(organization=org)
    response = browser_for(rep).get(
        reverse("leads:quality_complaint_new"), {"campaign": campaign.pk}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'value="{rejected.pk}"' in page and rejected.email in page
    assert elsewhere.email not in page


def test_complaint_form_from_an_import(browser_for, org, rep):
    batch = ImportBatchFactory(organization=org)
    lead = LeadFactory(organization=org, import_batch=batch)
    response = browser_for(rep).get(
        reverse("leads:quality_complaint_new"), {"import_batch": batch.pk}
    )
    assert response.status_code == 200
    assert lead.email in response.content.decode()


def test_complaint_form_for_a_foreign_campaign_is_a_404(browser_for, rep, other_org):
    foreign = CampaignFactory(organization=other_org)
    url = reverse("leads:quality_complaint_new")
    assert browser_for(rep).get(url, {"campaign": foreign.pk}).status_code == 404


def test_filing_through_the_form(browser_for, org, rep, marketer, campaign):
    lead = LeadFactory(organization=org, campaign=campaign)
    response = browser_for(rep).post(
        reverse("leads:quality_complaint_new"),
        {"campaign": campaign.pk, "reason": "no_budget", "note": "None", "example_leads": lead.pk},
    )
    complaint = QualityComplaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:quality_complaint_detail", args=[complaint.pk])
    assert (complaint.filed_by, list(complaint.example_leads.all())) == (rep, [lead])


def test_filing_errors_stay_on_the_form(browser_for, org, rep, campaign):
    elsewhere = LeadFactory(organization=org)
    response = browser_for(rep).post(
        reverse("leads:quality_complaint_new"),
        {"campaign": campaign.pk, "reason": "no_budget", "example_leads": elsewhere.pk},
    )
    assert response.status_code == 200
    assert "Example leads must be leads you can see" in response.content.decode()
    response = browser_for(rep).post(
        reverse("leads:quality_complaint_new"), {"reason": "no_budget"}
    )
    assert "Name the campaign or the import" in response.content.decode()
    assert not QualityComplaint.objects.exists()


def test_filing_form_refuses_an_example_lead_hidden_by_record_visibility(
    browser_for, org, rep, rep2, campaign
):
    org.visibility = {"leads": "own"}
    org.save()
    mine = LeadFactory(organization=org, campaign=campaign, owner=rep)
    theirs = LeadFactory(organization=org, campaign=campaign, owner=rep2)
    url = reverse("leads:quality_complaint_new")
    client = browser_for(rep)
    page = client.get(url, {"campaign": campaign.pk}).content.decode()
    assert mine.email in page and theirs.email not in page
    response = client.post(
        url, {"campaign": campaign.pk, "reason": "no_budget", "example_leads": [mine.pk, theirs.pk]}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["example_leads"]
    assert f"Select a valid choice. {theirs.pk} is not one of the available choices." in errors
    assert not QualityComplaint.objects.exists()


def test_filing_form_refuses_another_organizations_campaign(browser_for, rep, other_org):
    foreign = CampaignFactory(organization=other_org)
    response = browser_for(rep).post(
        reverse("leads:quality_complaint_new"), {"campaign": foreign.pk, "reason": "no_budget"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["campaign"]
    assert not QualityComplaint.objects.exists()


def test_marketing_cannot_open_the_filing_form(browser_for, marketer):
    assert browser_for(marketer).get(reverse("leads:quality_complaint_new")).status_code == 403


def test_marketing_answers_on_the_complaint_page(browser_for, org, rep, marketer, campaign):
    complaint = QualityComplaintFactory(organization=org, campaign=campaign, filed_by=rep)
    url = reverse("leads:quality_complaint_detail", args=[complaint.pk])
    page = browser_for(marketer).get(url)
    assert page.status_code == 200
    assert 'name="answer"' in page.content.decode()
    assert "thread-loader" in page.content.decode()
    response = browser_for(marketer).post(url, {"answer": "Fixed", "action_taken": "Filter"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.answer) == (ComplaintStatus.ANSWERED, "Fixed")
    page = browser_for(marketer).get(url).content.decode()
    assert 'name="answer"' not in page and "Fixed" in page


def test_sales_sees_the_complaint_but_cannot_answer(browser_for, org, rep):
    complaint = QualityComplaintFactory(organization=org)
    url = reverse("leads:quality_complaint_detail", args=[complaint.pk])
    assert 'name="answer"' not in browser_for(rep).get(url).content.decode()
    assert browser_for(rep).post(url, {"answer": "Me"}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN


def test_complaint_page_of_another_organization_is_a_404(browser_for, other_org, rep):
    complaint = QualityComplaintFactory(organization=other_org)
    url = reverse("leads:quality_complaint_detail", args=[complaint.pk])
    assert browser_for(rep).get(url).status_code == 404
    assert browser_for(rep).post(url, {"answer": "x"}).status_code == 404


def test_complaint_list_filters_and_stays_bounded(
    browser_for, org, rep, campaign, django_assert_max_num_queries
):
    open_one = QualityComplaintFactory(organization=org, campaign=campaign, filed_by=rep)
    QualityComplaintFactory(organization=org, status=ComplaintStatus.ANSWERED)
    client = browser_for(rep)
    with django_assert_max_num_queries(20) as few:
        response = client.get(reverse("leads:quality_complaints"))
    bound = len(few.captured_queries)
    assert len(response.context["complaints"]) == 2
    filtered = client.get(reverse("leads:quality_complaints"), {"status": "open"})
    assert [c.pk for c in filtered.context["complaints"]] == [open_one.pk]
    for _ in range(20):
        QualityComplaintFactory(organization=org, campaign=campaign, filed_by=rep)
    with django_assert_max_num_queries(bound):
        assert client.get(reverse("leads:quality_complaints")).status_code == 200


# --- Dates, charts and empty states as a reader sees them (issue 8 §6) ----------------------


def test_polish_report_fills_its_date_inputs_with_iso_dates(browser_for, org, sales_manager):
    add_leads(org, 2)
    client = browser_for(sales_manager)
    response = client.get(
        REPORT, {"start": "2026-09-04", "end": "2026-12-01"}, HTTP_ACCEPT_LANGUAGE="pl"
    )
    page = response.content.decode()
    assert 'lang="pl"' in page
    # <input type=date> shows nothing for "04.09.2026": the value is ISO in every language.
    assert re.search(r'<input type="date" name="start" value="2026-09-04"', page)
    assert re.search(r'<input type="date" name="end" value="2026-12-01"', page)
    # The caption is the reader's: Polish short dates with dots.
    assert "04.09.2026" in page and "01.12.2026" in page
    assert "04-09-2026" not in page


def test_polish_report_default_range_is_in_the_inputs_too(browser_for, org, sales_manager):
    from leads.selectors.reports import default_range

    start, end = default_range(org)
    page = browser_for(sales_manager).get(REPORT, HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert f'name="start" value="{start.isoformat()}"' in page
    assert f'name="end" value="{end.isoformat()}"' in page


def test_polish_iso_dates_submitted_by_the_inputs_are_accepted(browser_for, org, sales_manager):
    add_leads(org, 3)
    response = browser_for(sales_manager).get(
        REPORT,
        {"start": "2020-01-01", "end": "2020-02-01", "group_by": "source"},
        HTTP_ACCEPT_LANGUAGE="pl",
    )
    assert not response.context["form"].errors
    assert (response.context["start"].isoformat(), response.context["end"].isoformat()) == (
        "2020-01-01",
        "2020-02-01",
    )


@pytest.mark.parametrize("group_by", ["source", "campaign"])
def test_rejection_chart_has_a_bar_for_every_rejection_in_the_table(
    browser_for, org, sales_manager, group_by
):
    add_leads(org, 6)  # three rejected, each in its own campaign
    response = browser_for(sales_manager).get(REPORT, {"group_by": group_by})
    data = chart_data(response)
    totals = response.context["totals"]
    assert totals["rejected"] == 3
    drawn = sum(sum(dataset["values"]) for dataset in data["rejections"]["datasets"])
    assert drawn == totals["rejected"]
    for dataset in data["rejections"]["datasets"]:
        assert len(dataset["values"]) == len(data["labels"])
    assert 'id="chart-rejections"' in response.content.decode()


def test_report_without_rejections_says_so_instead_of_an_empty_chart(
    browser_for, org, sales_manager
):
    LeadFactory(organization=org, created_at=timezone.now() - timedelta(days=1))
    page = browser_for(sales_manager).get(REPORT).content.decode()
    assert 'id="chart-rejections"' not in page
    assert "Sales rejected no lead in this range." in page


def test_scorecard_without_tiers_links_the_admin_to_adding_one(browser_for, alice, org):
    page = browser_for(alice).get(SCORECARD).content.decode()
    assert "No tiers yet" in page
    assert f'href="{reverse("admin:leads_tier_add")}"' in page
    assert browser_for(alice).get(reverse("admin:leads_tier_add")).status_code == 200


def test_scorecard_without_tiers_has_no_admin_link_for_a_manager(browser_for, sales_manager):
    page = browser_for(sales_manager).get(SCORECARD).content.decode()
    assert "No tiers yet" in page
    assert reverse("admin:leads_tier_add") not in page


def test_complaint_form_frames_the_example_leads(browser_for, org, rep, campaign):
    LeadFactory(organization=org, campaign=campaign, email="ex@ample.test")
    response = browser_for(rep).get(
        reverse("leads:quality_complaint_new"), {"campaign": campaign.pk}
    )
    page = response.content.decode()
    assert '<fieldset id="examples" class="field choice-box">' in page
    assert 'class="choice-list"' in page and "ex@ample.test" in page
