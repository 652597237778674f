"""The tenancy queryset: organization scoping and the record-visibility setting."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Invitation
from tests.factories import InvitationFactory, member_of


@pytest.fixture
def invitations_have_owners(monkeypatch):
    """Treat invitations as owned by their inviter, to exercise visibility on a real table."""
    monkeypatch.setattr(Invitation, "visibility_kind", "invitations")
    monkeypatch.setattr(Invitation, "owner_fields", ("invited_by",))


@pytest.fixture
def rows(org, other_org):
    sales_rep = member_of(org, "sales")
    sales_peer = member_of(org, "sales")
    marketer = member_of(org, "marketing")
    mine = InvitationFactory(organization=org, invited_by=sales_rep)
    peers = InvitationFactory(organization=org, invited_by=sales_peer)
    marketing = InvitationFactory(organization=org, invited_by=marketer)
    foreign = InvitationFactory(organization=other_org)
    return sales_rep, {"mine": mine, "peers": peers, "marketing": marketing, "foreign": foreign}


def _visible(membership):
    return set(Invitation.objects.visible_to(membership).values_list("pk", flat=True))


def test_everyone_sees_all_rows_of_their_organization_by_default(invitations_have_owners, rows):
    member, row = rows
    assert _visible(member) == {row["mine"].pk, row["peers"].pk, row["marketing"].pk}


def test_department_visibility_shows_rows_owned_within_the_department(
    invitations_have_owners, rows
):
    member, row = rows
    member.organization.visibility = {"invitations": "department"}
    assert _visible(member) == {row["mine"].pk, row["peers"].pk}


def test_own_visibility_shows_only_the_members_rows(invitations_have_owners, rows):
    member, row = rows
    member.organization.visibility = {"invitations": "own"}
    assert _visible(member) == {row["mine"].pk}


def test_managers_see_everything_whatever_the_setting(invitations_have_owners, rows, org):
    _member, row = rows
    manager = member_of(org, "sales", "manager")
    manager.organization.visibility = {"invitations": "own"}
    assert _visible(manager) == {row["mine"].pk, row["peers"].pk, row["marketing"].pk}


def test_for_org_never_returns_another_organizations_rows(rows, org):
    _member, row = rows
    assert row["foreign"] not in Invitation.objects.for_org(org)


def test_visibility_setting_is_validated(org):
    org.visibility = {"invitations": "everyone"}
    with pytest.raises(ValidationError) as error:
        org.full_clean()
    assert "visibility" in error.value.message_dict


def test_comments_and_events_follow_the_visibility_of_their_record(org):
    from collab_hub.notifications.models import ActivityEvent, Comment
    from collab_hub.notifications.services import post_comment
    from leads.models import Lead
    from tests.factories import LeadFactory

    rep = member_of(org, "sales")
    other_rep = member_of(org, "sales")
    manager = member_of(org, "sales", "manager")
    mine = LeadFactory(organization=org, owner=rep)
    theirs = LeadFactory(organization=org, owner=other_rep)
    post_comment(author=rep, target=mine, body="mine")
    post_comment(author=other_rep, target=theirs, body="theirs")
    org.visibility = {"leads": "own"}
    org.save()
    rep.organization.refresh_from_db()
    assert set(Lead.objects.visible_to(rep)) == {mine}
    assert [c.body for c in Comment.objects.visible_to(rep)] == ["mine"]
    assert {e.target_id for e in ActivityEvent.objects.visible_to(rep)} == {mine.pk}
    manager.organization.refresh_from_db()
    assert Comment.objects.visible_to(manager).count() == 2


def test_browser_views_reach_tenant_rows_only_through_the_scoped_accessors():
    """Pages use ``scoped`` / ``tenant_object_or_404`` / ``TenantFormMixin`` (and the
    selectors); scoping by hand in a view module is how a page forgets a rule."""
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    modules = [
        *root.glob("leads/views/*.py"),
        root / "accounts" / "views.py",
        *root.glob("collab_hub/*/views.py"),
    ]
    assert len(modules) >= 10, "the view modules moved: update this test"
    offenders = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in modules
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if ".visible_to(" in line or "for_org(" in line
    ]
    assert offenders == [], "use collab_hub.tenancy.scoped / tenant_object_or_404 instead"
