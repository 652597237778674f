"""Organization admins configure the funnel in /admin/, for their organization only."""

from leads.models import Tier
from tests.factories import LeadFactory, TierFactory


def test_tier_shows_how_many_leads_match_it(browser_for, alice, org):
    tier = TierFactory(organization=org, rank=1, industries=["software"], countries=["PL"])
    LeadFactory(organization=org, industry="Software", country="pl")
    LeadFactory(organization=org, industry="software", country="DE")
    LeadFactory(organization=org, industry="retail", country="PL")
    response = browser_for(alice).get(f"/admin/leads/tier/{tier.pk}/change/")
    assert response.status_code == 200
    assert response.context["adminform"].form.instance.pk == tier.pk
    page = response.content.decode()
    assert '<span id="tier-match-count">1</span>' in page


def test_adding_a_tier_in_the_admin_retiers_leads(
    browser_for, alice, org, django_capture_on_commit_callbacks
):
    lead = LeadFactory(organization=org, industry="Fintech", employees=300)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = browser_for(alice).post(
            "/admin/leads/tier/add/",
            {
                "rank": 1,
                "name": "Mid-market fintech",
                "industries": "fintech, banking",
                "countries": "",
                "min_employees": 100,
                "max_employees": 1000,
                "response_sla_hours": 8,
                "monthly_mql_target_per_rep": 10,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    tier = Tier.objects.get(name="Mid-market fintech")
    assert (tier.organization, tier.industries) == (org, ["fintech", "banking"])
    assert len(callbacks) == 1
    from leads.tasks import rescore_leads

    rescore_leads.run(org.pk)
    lead.refresh_from_db()
    assert lead.tier == tier


def test_tier_rank_is_unique_within_the_organization(browser_for, alice, org):
    TierFactory(organization=org, rank=1)
    response = browser_for(alice).post(
        "/admin/leads/tier/add/",
        {"rank": 1, "name": "Dup", "response_sla_hours": 8, "monthly_mql_target_per_rep": 0},
    )
    assert response.status_code == 200
    assert "Another tier already has this rank." in response.content.decode()


def test_invalid_country_codes_are_refused(browser_for, alice):
    response = browser_for(alice).post(
        "/admin/leads/tier/add/",
        {
            "rank": 3,
            "name": "X",
            "countries": "Narnia, PL",
            "response_sla_hours": 8,
            "monthly_mql_target_per_rep": 0,
        },
    )
    assert "Use two-letter country codes: Narnia" in response.content.decode()
    assert not Tier.objects.exists()


def test_country_names_become_codes_as_everywhere_else(browser_for, alice, org):
    response = browser_for(alice).post(
        "/admin/leads/tier/add/",
        {
            "rank": 3,
            "name": "DACH",
            "countries": "Germany, österreich, ch",
            "response_sla_hours": 8,
            "monthly_mql_target_per_rep": 0,
        },
    )
    assert response.status_code == 302
    assert Tier.objects.get(name="DACH").countries == ["DE", "AT", "CH"]


def test_live_match_count_follows_the_criteria_being_typed(browser_for, alice, org):
    LeadFactory(organization=org, industry="Software", country="PL", employees=50)
    LeadFactory(organization=org, industry="Retail", country="PL", employees=500)
    client = browser_for(alice)
    url = "/admin/leads/tier/match-count/"
    assert client.get(url, {"countries": "PL"}).content == b"2"
    assert client.get(url, {"countries": "PL", "industries": "software"}).content == b"1"
    assert client.get(url, {"min_employees": "100"}).content == b"1"
    # A criterion with an error is ignored rather than failing the preview.
    assert client.get(url, {"countries": "Poland"}).content == b"2"


def test_live_match_count_counts_only_the_admins_organization(browser_for, alice, org, other_org):
    LeadFactory(organization=other_org, country="PL")
    assert browser_for(alice).get("/admin/leads/tier/match-count/").content == b"0"


def test_members_cannot_use_the_live_count(browser_for, bob):
    response = browser_for(bob).get("/admin/leads/tier/match-count/")
    assert response.status_code == 302
