"""Shared factory_boy factories and the registry the isolation harness reads.

Every tenant model that an API viewset or admin page exposes registers a factory here with
``@register``; the isolation harness fails for a model without one. Factories take an
``organization`` and build every related row inside that same organization.
"""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import (
    ApiKey,
    Department,
    DepartmentKind,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
    hash_api_key,
)
from collab_hub.notifications.models import ActivityEvent, Comment, Notification

REGISTRY: dict[type, type[factory.django.DjangoModelFactory]] = {}

TEST_PASSWORD = "correct horse battery staple"


def register(model_factory):
    """Class decorator: make ``model_factory`` the one the isolation harness uses."""
    REGISTRY[model_factory._meta.model] = model_factory
    return model_factory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    # Hashed before the INSERT (``UserFactory(password="…")`` is hashed too): one query a user.
    password = factory.django.Password(TEST_PASSWORD)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


@register
class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("organization", "name")

    organization = factory.SubFactory(OrganizationFactory)
    kind = DepartmentKind.SALES
    name = factory.LazyAttribute(lambda o: str(DepartmentKind(o.kind).label))


@register
class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(
        DepartmentFactory, organization=factory.SelfAttribute("..organization")
    )
    role = Role.MEMBER


@register
class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    department = factory.SubFactory(
        DepartmentFactory, organization=factory.SelfAttribute("..organization")
    )
    role = Role.MEMBER
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


@register
class ApiKeyFactory(factory.django.DjangoModelFactory):
    """A read-only key (its integration membership and service user included); the key
    itself is ``f"{prefix}_secret"``. Tests of behaviour create keys with the service."""

    class Meta:
        model = ApiKey

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Integration {n}")
    prefix = factory.Sequence(lambda n: f"chk_{n:08x}")
    secret_hash = factory.LazyAttribute(lambda o: hash_api_key(f"{o.prefix}_secret"))
    scopes = factory.LazyFunction(lambda: ["read"])
    membership = factory.SubFactory(
        MembershipFactory,
        organization=factory.SelfAttribute("..organization"),
        user=factory.SubFactory(UserFactory, is_active=False),
        role=Role.ADMIN,
        is_integration=True,
    )


@register
class ActivityEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityEvent

    organization = factory.SubFactory(OrganizationFactory)
    verb = "test.happened"
    actor = factory.SubFactory(
        MembershipFactory, organization=factory.SelfAttribute("..organization")
    )
    payload = factory.LazyFunction(dict)


@register
class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    organization = factory.SubFactory(OrganizationFactory)
    recipient = factory.SubFactory(
        MembershipFactory, organization=factory.SelfAttribute("..organization")
    )
    event = factory.SubFactory(
        ActivityEventFactory, organization=factory.SelfAttribute("..organization")
    )


@register
class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    organization = factory.SubFactory(OrganizationFactory)
    author = factory.SubFactory(
        MembershipFactory, organization=factory.SelfAttribute("..organization")
    )
    target = factory.SubFactory(
        DepartmentFactory, organization=factory.SelfAttribute("..organization")
    )
    body = factory.Faker("sentence")


def member_of(
    organization: Organization,
    kind: str = DepartmentKind.SALES,
    role: str = Role.MEMBER,
    **user_fields,
) -> Membership:
    """A new user with a membership in ``organization``'s department of ``kind``."""
    department = Department.objects.filter(organization=organization, kind=kind).first()
    if department is None:
        department = DepartmentFactory(organization=organization, kind=kind)
    return MembershipFactory(
        organization=organization,
        department=department,
        role=role,
        user=UserFactory(**user_fields),
    )


def organization_with_departments(**fields) -> Organization:
    """An organization with the four standard departments, as sign-up creates it."""
    organization = OrganizationFactory(**fields)
    # A new organization has no departments yet: one INSERT instead of a get_or_create each.
    Department.objects.bulk_create(
        DepartmentFactory.build(organization=organization, kind=kind)
        for kind in (
            DepartmentKind.SALES,
            DepartmentKind.MARKETING,
            DepartmentKind.PRODUCT,
            DepartmentKind.CS,
        )
    )
    return organization


# --- leads ---------------------------------------------------------------------------------

from leads import models as leads_models  # noqa: E402


def _same_org(factory_class, **extra):
    return factory.SubFactory(
        factory_class, organization=factory.SelfAttribute("..organization"), **extra
    )


@register
class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = leads_models.Tier

    organization = factory.SubFactory(OrganizationFactory)
    rank = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Tier {n}")
    response_sla_hours = 24


@register
class ScoringRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = leads_models.ScoringRule

    organization = factory.SubFactory(OrganizationFactory)
    field = "industry"
    operator = "eq"
    value = "software"
    points = 10


@register
class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = leads_models.Campaign

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    channel = "email"
    cost = 1000


@register
class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = leads_models.ImportBatch

    organization = factory.SubFactory(OrganizationFactory)
    file_name = factory.Sequence(lambda n: f"import-{n}.csv")
    # A finished import, as most are (a queued one would wait for a task that never comes).
    status = leads_models.ImportStatus.DONE


@register
class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = leads_models.Lead

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"lead{n}@prospect{n}.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    company_name = factory.Faker("company")
    source = "website"


@register
class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = leads_models.Company

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    domain = factory.Sequence(lambda n: f"customer{n}.test")


@register
class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = leads_models.Contact

    organization = factory.SubFactory(OrganizationFactory)
    company = _same_org(CompanyFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@customer.test")


@register
class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = leads_models.Deal

    organization = factory.SubFactory(OrganizationFactory)
    company = _same_org(CompanyFactory)
    name = factory.Sequence(lambda n: f"Deal {n}")
    value = 10000
    source = "sales"


@register
class CollateralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = leads_models.Collateral

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Case study {n}")
    url = "https://example.com/case-study.pdf"


@register
class ContentRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = leads_models.ContentRequest

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Battle card {n}")
    need = "A one-pager against the main competitor."


@register
class QualityComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = leads_models.QualityComplaint

    organization = factory.SubFactory(OrganizationFactory)
    campaign = _same_org(CampaignFactory)
    reason = "not_icp"
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=5))


@register
class LeadSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = leads_models.LeadSettings
        django_get_or_create = ("organization",)

    organization = factory.SubFactory(OrganizationFactory)


# --- Roadmap (sales ↔ product) ---------------------------------------------------------------

from roadmap import models as roadmap_models  # noqa: E402


@register
class FeatureRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = roadmap_models.FeatureRequest

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Feature {n}")


@register
class DemandFactory(factory.django.DjangoModelFactory):
    """An expansion demand of a company (a blocking one needs ``deal=`` and ``kind=``)."""

    class Meta:
        model = roadmap_models.Demand

    organization = factory.SubFactory(OrganizationFactory)
    feature_request = _same_org(FeatureRequestFactory)
    company = _same_org(CompanyFactory)
    kind = "expansion"
    value = 5000


@register
class PromiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = roadmap_models.Promise

    organization = factory.SubFactory(OrganizationFactory)
    deal = _same_org(DealFactory)
    feature_request = _same_org(FeatureRequestFactory)


@register
class TierWeightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = roadmap_models.TierWeight

    organization = factory.SubFactory(OrganizationFactory)
    tier = _same_org(TierFactory)
    weight = 2


# --- Handoffs (sales ↔ customer success) ------------------------------------------------------

from handoffs import models as handoff_models  # noqa: E402


@register
class HandoffFactory(factory.django.DjangoModelFactory):
    """A draft handoff of a won deal (built directly: the ``deal.won`` subscriber opens the
    real ones)."""

    class Meta:
        model = handoff_models.Handoff

    organization = factory.SubFactory(OrganizationFactory)
    deal = _same_org(DealFactory, stage="won")


@register
class HandoffSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = handoff_models.HandoffSettings
        django_get_or_create = ("organization",)

    organization = factory.SubFactory(OrganizationFactory)


@register
class ChecklistTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = handoff_models.ChecklistTemplate

    organization = factory.SubFactory(OrganizationFactory)
    tier = _same_org(TierFactory)
    name = factory.Sequence(lambda n: f"Onboarding checklist {n}")


@register
class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = handoff_models.Stakeholder

    organization = factory.SubFactory(OrganizationFactory)
    handoff = _same_org(HandoffFactory)
    contact = factory.LazyAttribute(
        lambda o: ContactFactory(organization=o.organization, company=o.handoff.deal.company)
    )
    role = "Executive sponsor"


@register
class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = handoff_models.ChecklistItem

    organization = factory.SubFactory(OrganizationFactory)
    handoff = _same_org(HandoffFactory)
    title = factory.Sequence(lambda n: f"Step {n}")


@register
class PromiseSignoffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = handoff_models.PromiseSignoff

    organization = factory.SubFactory(OrganizationFactory)
    handoff = _same_org(HandoffFactory)
    promise = factory.LazyAttribute(
        lambda o: PromiseFactory(organization=o.organization, deal=o.handoff.deal)
    )
    deliverable = True


@register
class DiscrepancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = handoff_models.Discrepancy

    organization = factory.SubFactory(OrganizationFactory)
    handoff = _same_org(HandoffFactory, status="submitted")
    kind = "wrong_terms"
    description = "The discount in the contract is not the one in the handoff."


@register
class UpsellSignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = handoff_models.UpsellSignal

    organization = factory.SubFactory(OrganizationFactory)
    company = _same_org(CompanyFactory)
    kind = "seats"
    estimated_value = 12000
    confidence = "medium"


@register
class CustomerAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = handoff_models.CustomerAccount
        django_get_or_create = ("company",)

    organization = factory.SubFactory(OrganizationFactory)
    company = _same_org(CompanyFactory)


@register
class HealthChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = handoff_models.HealthChange

    organization = factory.SubFactory(OrganizationFactory)
    account = _same_org(CustomerAccountFactory)
    score = 65


# --- Feedback (cross-department) ----------------------------------------------------------------

from feedback import models as feedback_models  # noqa: E402


@register
class FeedbackRoundFactory(factory.django.DjangoModelFactory):
    """A draft round of the organization's sales and marketing departments (created if
    missing), open for a week from now."""

    class Meta:
        model = feedback_models.FeedbackRound
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Round {n}")
    opens_at = factory.LazyFunction(timezone.now)
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    @factory.post_generation
    def departments(self, create, extracted, **kwargs):
        if not create:
            return
        chosen = extracted or [
            Department.objects.filter(organization=self.organization, kind=kind).first()
            or DepartmentFactory(organization=self.organization, kind=kind)
            for kind in (DepartmentKind.SALES, DepartmentKind.MARKETING)
        ]
        self.departments.set(chosen)


@register
class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = feedback_models.Participant

    organization = factory.SubFactory(OrganizationFactory)
    round = _same_org(FeedbackRoundFactory)
    membership = factory.LazyAttribute(lambda o: member_of(o.organization, DepartmentKind.SALES))
    department = factory.LazyAttribute(lambda o: o.membership.department)


@register
class FeedbackResponseFactory(factory.django.DjangoModelFactory):
    """One anonymous rating between the round's first two departments."""

    class Meta:
        model = feedback_models.FeedbackResponse

    organization = factory.SubFactory(OrganizationFactory)
    round = _same_org(FeedbackRoundFactory)
    from_department = factory.LazyAttribute(lambda o: o.round.departments.order_by("pk")[0])
    to_department = factory.LazyAttribute(lambda o: o.round.departments.order_by("pk")[1])
    collaboration = 4
    responsiveness = 3
    quality = 4
    respondent_key = factory.Sequence(lambda n: f"{n:064x}")


@register
class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = feedback_models.ActionItem

    organization = factory.SubFactory(OrganizationFactory)
    round = _same_org(FeedbackRoundFactory)
    from_department = factory.LazyAttribute(lambda o: o.round.departments.order_by("pk")[0])
    to_department = factory.LazyAttribute(lambda o: o.round.departments.order_by("pk")[1])
    title = factory.Sequence(lambda n: f"Weekly pipeline review {n}")
