"""leads/upsert/ (create or update by email, the CSV import's rule) and leads/batch/ (up to
100 leads, a result per item, valid items kept)."""

import pytest

from accounts.models import DepartmentKind, Role
from collab_hub.notifications.models import ActivityEvent
from leads.models import Lead, LeadSettings, LeadStatus, LeadTransition
from tests.factories import (
    CampaignFactory,
    LeadFactory,
    ScoringRuleFactory,
    TierFactory,
    member_of,
)

UPSERT = "/api/v1/leads/upsert/"
BATCH = "/api/v1/leads/batch/"

# Queries of a 100-item batch of new leads: a few once (membership, the known emails, rules,
# tiers, settings, the status history and the events in bulk) and per lead its savepoint
# (2 statements) and INSERT, plus a campaign lookup for an item that names one. Measured:
# 365 for 100 leads, half of them with a campaign (100 separate POST /leads/: about 1,200).
BATCH_QUERY_BUDGET = 400


# --- Upsert --------------------------------------------------------------------------------


def test_upsert_of_a_new_email_creates_the_lead_as_a_create_would(api_for, org, marketer):
    TierFactory(organization=org, rank=1, countries=["PL"])
    ScoringRuleFactory(organization=org, field="country", operator="eq", value="PL", points=7)
    response = api_for(marketer).post(
        UPSERT, {"email": "Ann@Example.test", "first_name": "Ann", "country": "PL"}
    )
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert response.json()["id"] == lead.pk
    assert (lead.email, lead.score, lead.tier.rank, lead.marketing_owner) == (
        "ann@example.test",
        7,
        1,
        marketer,
    )
    assert LeadTransition.objects.filter(lead=lead, to_status=LeadStatus.NEW).count() == 1
    assert ActivityEvent.objects.filter(verb="lead.created").count() == 1


def test_upsert_of_a_known_email_overwrites_the_values_given_and_never_erases(
    api_for, org, marketer
):
    lead = LeadFactory(
        organization=org, email="ann@example.test", first_name="Ann", title="CTO", employees=50
    )
    response = api_for(marketer).post(
        UPSERT,
        {"email": "ANN@example.test", "first_name": "Annie", "title": "", "employees": None},
    )
    assert response.status_code == 200
    assert response.json()["id"] == lead.pk
    assert response.json()["first_name"] == "Annie"
    lead.refresh_from_db()
    assert (lead.first_name, lead.title, lead.employees) == ("Annie", "CTO", 50)
    assert Lead.objects.count() == 1
    event = ActivityEvent.objects.get(verb="lead.updated")
    assert event.payload["fields"] == ["first_name"]


def test_upsert_with_nothing_new_answers_200_and_records_nothing(api_for, org, marketer):
    LeadFactory(organization=org, email="ann@example.test", first_name="Ann")
    response = api_for(marketer).post(UPSERT, {"email": "ann@example.test", "first_name": "Ann"})
    assert response.status_code == 200
    assert not ActivityEvent.objects.exists()


def test_upsert_validates_like_a_create(api_for, marketer):
    response = api_for(marketer).post(UPSERT, {"email": "nope", "employees": -1})
    assert response.status_code == 400
    assert {"email", "employees"} <= set(response.json())
    assert not Lead.objects.exists()


def test_upsert_follows_the_create_rule(api_for, product_person):
    response = api_for(product_person).post(UPSERT, {"email": "a@b.test"})
    assert response.status_code == 403
    assert not Lead.objects.exists()


def test_upsert_of_a_lead_the_member_may_not_see_is_the_duplicate_a_create_answers(
    api_for, org, marketer, rep
):
    org.visibility = {"leads": "own"}
    org.save()
    hidden = LeadFactory(organization=org, email="ann@example.test", owner=rep, title="CTO")
    response = api_for(marketer).post(UPSERT, {"email": "ann@example.test", "title": "Intern"})
    assert (response.status_code, response.json()["code"]) == (400, "duplicate")
    assert "email" in response.json()
    hidden.refresh_from_db()
    assert hidden.title == "CTO"


def test_an_outsider_upserting_a_known_email_writes_only_in_its_own_organization(
    api_for, org, other_org
):
    lead = LeadFactory(organization=org, email="ann@example.test", title="CTO")
    outsider = member_of(other_org, DepartmentKind.MARKETING, Role.MEMBER)
    response = api_for(outsider).post(UPSERT, {"email": "ann@example.test", "title": "Intern"})
    assert response.status_code == 201
    assert response.json()["id"] != lead.pk
    lead.refresh_from_db()
    assert lead.title == "CTO"


def test_upsert_retried_with_its_key_is_answered_once(api_for, marketer):
    client = api_for(marketer)
    first = client.post(UPSERT, {"email": "a@b.test"}, HTTP_IDEMPOTENCY_KEY="u1")
    retry = client.post(UPSERT, {"email": "a@b.test"}, HTTP_IDEMPOTENCY_KEY="u1")
    # Without the key the retry would be a 200 (known email); with it, the first answer.
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"


# --- Batch ---------------------------------------------------------------------------------


def test_a_batch_keeps_the_valid_items_and_reports_the_invalid_ones(api_for, org, marketer):
    LeadFactory(organization=org, email="known@example.test")
    response = api_for(marketer).post(
        BATCH,
        {
            "leads": [
                {"email": "a@example.test", "first_name": "A"},
                {"email": "not an email", "employees": -5},
                {"email": "known@example.test"},
                "not an object",
                {"email": "b@example.test"},
            ]
        },
    )
    assert response.status_code == 200
    body = response.json()
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in results] == [201, 400, 400, 400, 201]
    assert (body["created"], body["updated"], body["invalid"]) == (2, 0, 3)
    assert {"email", "employees"} <= set(results[1]["errors"])
    assert results[2]["errors"] == {"email": ["A lead with this email already exists."]}
    assert "non_field_errors" in results[3]["errors"]
    assert [r["id"] for r in results if r["status"] == 400] == [None, None, None]
    created = Lead.objects.filter(pk__in=[results[0]["id"], results[4]["id"]])
    assert sorted(created.values_list("email", flat=True)) == ["a@example.test", "b@example.test"]
    assert results[0]["errors"] == {}
    assert ActivityEvent.objects.filter(verb="lead.created").count() == 2


def test_a_lead_from_a_batch_is_the_lead_a_create_makes(api_for, org, marketer, rep):
    TierFactory(organization=org, rank=1, countries=["PL"])
    ScoringRuleFactory(organization=org, field="country", operator="eq", value="PL", points=60)
    settings = LeadSettings.objects.get_or_create(organization=org)[0]
    settings.auto_qualify, settings.mql_threshold = True, 50
    settings.save()
    client = api_for(marketer)
    data = {"first_name": "Ann", "country": "pl", "employees": 20, "source": "event"}
    single = client.post("/api/v1/leads/", {**data, "email": "one@example.test"}).json()
    batch = client.post(BATCH, {"leads": [{**data, "email": "Two@Example.test"}]}).json()
    assert batch["results"][0]["status"] == 201, batch
    one, two = Lead.objects.get(pk=single["id"]), Lead.objects.get(pk=batch["results"][0]["id"])
    fields = ("status", "score", "tier_id", "country", "source", "marketing_owner_id", "owner_id")
    assert [getattr(two, f) for f in fields] == [getattr(one, f) for f in fields]
    assert (two.email, two.status, two.owner) == ("two@example.test", LeadStatus.MQL, rep)

    def history(lead):
        return list(
            LeadTransition.objects.filter(lead=lead)
            .order_by("pk")
            .values_list("from_status", "to_status", "by_id")
        )

    def events(lead):
        return [
            (
                event.verb,
                event.actor_id,
                {k: v for k, v in event.payload.items() if k != "sla_due_at"},
            )
            for event in ActivityEvent.objects.filter(target_id=lead.pk).order_by("pk")
        ]

    assert history(two) == history(one)
    assert events(two) == events(one)
    assert [verb for verb, _actor, _payload in events(two)] == ["lead.created", "lead.qualified"]


def test_a_batch_refuses_what_a_create_refuses(api_for, marketer):
    response = api_for(marketer).post(
        BATCH,
        {
            "leads": [
                {"email": "a@example.test", "country": "P1"},
                {"email": "b@example.test"},
            ]
        },
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == [400, 201]
    assert "country" in results[0]["errors"]


def test_a_batch_in_upsert_mode_creates_and_updates_in_order(api_for, org, marketer):
    known = LeadFactory(organization=org, email="known@example.test", title="CTO")
    response = api_for(marketer).post(
        BATCH,
        {
            "mode": "upsert",
            "leads": [
                {"email": "KNOWN@example.test", "title": "CEO"},
                {"email": "new@example.test", "first_name": "N"},
                {"email": "new@example.test", "last_name": "Ew"},
            ],
        },
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == [200, 201, 200]
    assert results[0]["id"] == known.pk
    assert results[1]["id"] == results[2]["id"]
    known.refresh_from_db()
    assert known.title == "CEO"
    new = Lead.objects.get(email="new@example.test")
    assert (new.first_name, new.last_name) == ("N", "Ew")
    verbs = ActivityEvent.objects.filter(target_id=new.pk).order_by("pk")
    assert [event.verb for event in verbs] == ["lead.created", "lead.updated"]
    assert ActivityEvent.objects.get(target_id=known.pk).verb == "lead.updated"


@pytest.mark.parametrize("count", [0, 101])
def test_a_batch_of_none_or_more_than_100_is_refused_whole(api_for, marketer, count):
    leads = [{"email": f"l{i}@example.test"} for i in range(count)]
    response = api_for(marketer).post(BATCH, {"leads": leads})
    assert response.status_code == 400
    assert "leads" in response.json()
    assert not Lead.objects.exists()


def test_a_batch_follows_the_create_rule(api_for, product_person):
    response = api_for(product_person).post(BATCH, {"leads": [{"email": "a@b.test"}]})
    assert response.status_code == 403
    assert not Lead.objects.exists()


def test_a_batch_chooses_campaigns_among_the_organizations_own(api_for, org, other_org, marketer):
    ours, theirs = CampaignFactory(organization=org), CampaignFactory(organization=other_org)
    response = api_for(marketer).post(
        BATCH,
        {
            "leads": [
                {"email": "a@example.test", "campaign": ours.pk},
                {"email": "b@example.test", "campaign": theirs.pk},
            ]
        },
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 400]
    assert "campaign" in results[1]["errors"]
    assert Lead.objects.get().campaign == ours


def test_a_batch_retried_with_its_key_writes_nothing_more(api_for, marketer):
    client = api_for(marketer)
    body = {"leads": [{"email": "a@example.test"}, {"email": "bad"}]}
    first = client.post(BATCH, body, HTTP_IDEMPOTENCY_KEY="b1")
    retry = client.post(BATCH, body, HTTP_IDEMPOTENCY_KEY="b1")
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Lead.objects.count() == 1


def test_a_batch_of_100_stays_within_its_query_budget(
    api_for, org, marketer, django_assert_max_num_queries
):
    campaign = CampaignFactory(organization=org)
    ScoringRuleFactory(organization=org, field="country", operator="eq", value="PL", points=5)
    TierFactory(organization=org, rank=1)
    leads = [
        {
            "email": f"lead{i}@example.test",
            "first_name": f"L{i}",
            "country": "PL",
            "campaign": campaign.pk if i % 2 else None,
        }
        for i in range(100)
    ]
    client = api_for(marketer)
    with django_assert_max_num_queries(BATCH_QUERY_BUDGET):
        response = client.post(BATCH, {"leads": leads})
    assert response.json()["created"] == 100
    assert Lead.objects.count() == 100
