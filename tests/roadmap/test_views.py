"""The feature request page (minimal for now): its figures and demand table."""

import pytest
from django.urls import reverse

from roadmap import services
from tests.factories import CompanyFactory, DealFactory

pytestmark = pytest.mark.django_db


def test_the_request_page_shows_its_demand(org, rep, cs, browser_for):
    request = services.create_feature_request(by=rep, title="Single sign-on")
    deal = DealFactory(
        organization=org, owner=rep, company=CompanyFactory(organization=org, name="Initech")
    )
    services.raise_demand(
        by=rep, feature_request=request, company=deal.company, deal=deal, kind="blocking"
    )

    page = browser_for(cs).get(reverse("roadmap:feature_request_detail", args=[request.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Single sign-on" in html and "Initech" in html and deal.name in html
    assert "1 customer" in html
