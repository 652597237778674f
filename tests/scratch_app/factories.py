import factory

from tests.factories import MembershipFactory, OrganizationFactory, register
from tests.scratch_app.models import Note


@register
class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Note {n}")
    author = factory.SubFactory(
        MembershipFactory, organization=factory.SelfAttribute("..organization")
    )
