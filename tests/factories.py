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
    Department,
    DepartmentKind,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
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
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


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
    for kind in (
        DepartmentKind.SALES,
        DepartmentKind.MARKETING,
        DepartmentKind.PRODUCT,
        DepartmentKind.CS,
    ):
        DepartmentFactory(organization=organization, kind=kind)
    return organization
