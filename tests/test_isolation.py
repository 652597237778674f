"""Tenant isolation, by introspection of every API route and admin page (DESIGN §7.1)."""

import pytest
from django.contrib import admin

from collab_hub.api import build_router
from tests.isolation import missing_factories, outsider_admin, probe_admin, probe_api, tenant_admins


@pytest.fixture
def owner_admin(alice):
    return alice


@pytest.fixture
def outsider(other_org):
    return outsider_admin(other_org)


def test_every_viewset_model_has_a_registered_factory():
    assert missing_factories(build_router()) == []


def test_every_api_route_is_isolated_between_organizations(owner_admin, outsider):
    assert (
        probe_api(build_router(), base="/api/v1/", owner_admin=owner_admin, outsider=outsider) == []
    )


def test_every_admin_page_is_isolated_between_organization_admins(client, owner_admin, outsider):
    assert tenant_admins(admin.site), "no tenant model is registered in the admin"
    assert probe_admin(admin.site, client, owner_admin=owner_admin, outsider=outsider) == []


def test_every_plain_api_url_with_an_id_is_mapped_and_isolated(owner_admin, outsider):
    from tests.isolation import probe_api_urls, unmapped_api_urls

    assert unmapped_api_urls() == []
    assert probe_api_urls(base="/api/v1/", owner_admin=owner_admin, outsider=outsider) == []


@pytest.mark.urls("tests.isolation_urls")
def test_the_plain_api_url_harness_catches_an_unscoped_view(owner_admin, outsider):
    from accounts.models import Department
    from tests.isolation import probe_api_urls
    from tests.isolation_urls import leaky_plain_urls

    leaks = probe_api_urls(
        base="/leaky-plain-api/",
        owner_admin=owner_admin,
        outsider=outsider,
        urls=leaky_plain_urls,
        objects={"leaky-plain-department": Department},
    )
    assert any(leak.startswith("GET /leaky-plain-api/departments/") for leak in leaks), leaks


@pytest.mark.urls("tests.isolation_urls")
def test_the_api_harness_catches_an_unscoped_viewset(owner_admin, outsider):
    from tests.isolation_urls import leaky_router

    leaks = probe_api(leaky_router, base="/leaky-api/", owner_admin=owner_admin, outsider=outsider)
    assert any("lists another organization's row" in leak for leak in leaks)
    assert any(leak.startswith("GET /leaky-api/leaky-departments/") for leak in leaks)


@pytest.mark.urls("tests.isolation_urls")
def test_the_admin_harness_catches_an_unscoped_admin(client, owner_admin, outsider):
    from tests.isolation_urls import leaky_site

    leaks = probe_admin(leaky_site, client, owner_admin=owner_admin, outsider=outsider)
    assert any("lists another organization's row" in leak for leak in leaks)
    assert any("change form opens" in leak for leak in leaks)


def test_a_viewset_cannot_override_the_scoped_queryset():
    from django.core.exceptions import ImproperlyConfigured

    from collab_hub.api import TenantViewSet

    with pytest.raises(ImproperlyConfigured):

        class Sneaky(TenantViewSet):
            def get_queryset(self):
                return super().get_queryset()


def test_every_page_with_an_object_id_is_mapped_for_the_harness():
    from tests.isolation import unmapped_pages

    assert unmapped_pages() == []


@pytest.mark.slow  # ~2 s: every page, as owner and outsider; each page's own tests check it too
def test_every_page_is_isolated_between_organizations(client, owner_admin, outsider):
    from tests.isolation import probe_pages

    assert probe_pages(client, owner_admin=owner_admin, outsider=outsider) == []


@pytest.mark.urls("tests.isolation_urls")
def test_the_page_harness_catches_an_unscoped_page(client, owner_admin, outsider, monkeypatch):
    from accounts.models import Department
    from tests import isolation

    assert "leaky_department_page" in isolation.unmapped_pages()
    monkeypatch.setattr(
        isolation, "PAGE_OBJECTS", {"leaky_department_page": (Department, lambda o: {"pk": o.pk})}
    )
    leaks = isolation.probe_pages(client, owner_admin=owner_admin, outsider=outsider)
    assert any(leak.startswith("GET /leaky-page/") for leak in leaks)
