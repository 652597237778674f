"""The people API fails closed on related ids: another organization's department answers
exactly like a missing one, in filters and in writes."""

from __future__ import annotations

from accounts.models import Department, Invitation

MISSING = 2**31


def test_filtering_members_by_another_organizations_department_is_like_a_missing_one(
    api_for, alice, bob, other_org, charlie
):
    foreign = Department.objects.for_org(other_org).first()
    client = api_for(alice)
    by_foreign = client.get("/api/v1/members/", {"department": foreign.pk})
    by_missing = client.get("/api/v1/members/", {"department": MISSING})
    assert (by_foreign.status_code, by_missing.status_code) == (400, 400)
    assert by_foreign.json() == by_missing.json()
    assert set(by_foreign.json()) == {"department", "detail", "code"}


def test_filtering_members_by_an_own_department_still_works(api_for, alice, bob):
    response = api_for(alice).get("/api/v1/members/", {"department": bob.department_id})
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {alice.pk, bob.pk}


def test_inviting_into_another_organizations_department_is_like_a_missing_one(
    api_for, alice, other_org
):
    foreign = Department.objects.for_org(other_org).first()
    client = api_for(alice)

    def invite(department_id):
        return client.post(
            "/api/v1/invitations/",
            {"email": "new@acme.test", "department": department_id, "role": "member"},
        )

    by_foreign, by_missing = invite(foreign.pk), invite(MISSING)
    assert (by_foreign.status_code, by_missing.status_code) == (400, 400)
    assert repr(by_foreign.json()).replace(str(foreign.pk), "ID") == repr(
        by_missing.json()
    ).replace(str(MISSING), "ID")
    assert not Invitation.objects.exists()
