"""The isolation harness: every API viewset and admin page, probed as another organization.

It introspects the router and the admin site, so an endpoint registered tomorrow is covered
without anyone writing a test for it. Objects are created through ``tests.factories.REGISTRY``.
Each probe returns a list of leaks (human-readable); an empty list means isolated.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.admin import AdminSite
from django.db import models
from django.forms.models import model_to_dict
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from rest_framework.routers import BaseRouter
from rest_framework.test import APIClient

from accounts.models import Department, Invitation, Membership, Organization
from collab_hub.tenancy import SESSION_KEY, TenantModel
from feedback.models import ActionItem, FeedbackRound
from handoffs.models import (
    ChecklistItem,
    Discrepancy,
    Handoff,
    PromiseSignoff,
    Stakeholder,
    UpsellSignal,
)
from leads.models import (
    Campaign,
    Collateral,
    Company,
    ContentRequest,
    Deal,
    ImportBatch,
    Lead,
    QualityComplaint,
)
from roadmap.models import Demand, FeatureRequest, Promise
from tests.factories import REGISTRY


def viewset_model(viewset: type) -> type[models.Model]:
    return viewset.queryset.model


def missing_factories(router: BaseRouter) -> list[str]:
    """Models behind the router's viewsets that have no registered factory."""
    return [
        f"{prefix}: {viewset_model(viewset).__name__}"
        for prefix, viewset, _basename in router.registry
        if viewset_model(viewset) not in REGISTRY
    ]


def make_row(model: type[models.Model], organization: Organization) -> models.Model:
    return REGISTRY[model](organization=organization)


def _client(membership: Membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    client.credentials(HTTP_X_ORGANIZATION=membership.organization.slug)
    return client


def _call(client: APIClient, method: str, url: str, data: Any = None) -> int:
    """Status of a request; an exception escaping the view counts as a 500."""
    try:
        if method == "get":
            return client.get(url).status_code
        return getattr(client, method)(
            url, data if data is not None else {}, format="json"
        ).status_code
    except Exception:  # any crash on a foreign row is a finding, not a test error
        return 500


def _ids(response: Any) -> set[Any]:
    data = response.json()
    rows = data.get("results", data) if isinstance(data, dict) else data
    return {row.get("id") for row in rows if isinstance(row, dict)}


def _snapshot(obj: models.Model) -> dict[str, Any]:
    obj.refresh_from_db()
    return model_to_dict(obj)


def viewer_for(obj: models.Model, admin: Membership) -> Membership:
    """Who in the owning organization should see ``obj`` (its recipient for personal rows)."""
    private_to = getattr(type(obj), "private_to", None)
    return getattr(obj, private_to) if private_to else admin


def probe_api(
    router: BaseRouter, *, base: str, owner_admin: Membership, outsider: Membership
) -> list[str]:
    """Create a row per viewset in ``owner_admin``'s organization; the outsider must get 404
    on every detail route and action, never see the row in a list, and change nothing."""
    leaks: list[str] = []
    for prefix, viewset, _basename in router.registry:
        model = viewset_model(viewset)
        obj = make_row(model, owner_admin.organization)
        before = _snapshot(obj)
        detail = f"{base}{prefix}/{obj.pk}/"
        listing = f"{base}{prefix}/"
        insider = _client(viewer_for(obj, owner_admin))
        stranger = _client(outsider)

        if hasattr(viewset, "list"):
            seen = insider.get(listing, {"page_size": 200})
            if seen.status_code != 200 or obj.pk not in _ids(seen):
                leaks.append(f"{listing}: the owner cannot list its own row (harness is blind)")
            response = stranger.get(listing, {"page_size": 200})
            if response.status_code == 200 and obj.pk in _ids(response):
                leaks.append(f"{listing}: lists another organization's row")
        if hasattr(viewset, "retrieve"):
            if insider.get(detail).status_code != 200:
                leaks.append(f"{detail}: the owner cannot read its own row (harness is blind)")
            status = _call(stranger, "get", detail)
            if status != 404:
                leaks.append(f"GET {detail}: {status}, expected 404")
        for method, action in (
            ("put", "update"),
            ("patch", "partial_update"),
            ("delete", "destroy"),
        ):
            if hasattr(viewset, action):
                status = _call(stranger, method, detail)
                if status != 404:
                    leaks.append(f"{method.upper()} {detail}: {status}, expected 404")
        for extra in viewset.get_extra_actions():
            for method in extra.mapping:
                if extra.detail:
                    url = f"{detail}{extra.url_path}/"
                    status = _call(stranger, method, url)
                    if status != 404:
                        leaks.append(f"{method.upper()} {url}: {status}, expected 404")
                else:
                    url = f"{listing}{extra.url_path}/"
                    payload = {"ids": [obj.pk], "id": obj.pk}
                    response = getattr(stranger, method)(url, payload, format="json")
                    if method == "get" and response.status_code == 200 and obj.pk in _ids(response):
                        leaks.append(f"GET {url}: shows another organization's row")
        if type(obj).objects.filter(pk=obj.pk).exists() and _snapshot(obj) != before:
            leaks.append(f"{prefix}: an outsider's request changed another organization's row")
        elif not type(obj).objects.filter(pk=obj.pk).exists():
            leaks.append(f"{prefix}: an outsider's request deleted another organization's row")
    return leaks


# --- Plain API URLs with an id (nested lists mounted by an app's ``URLS``) --------------------

# URL name → the model whose id the URL's ``pk`` is (the parent row of a nested list). A plain
# API URL taking an id that is missing here fails ``unmapped_api_urls``.
API_URL_OBJECTS: dict[str, type[models.Model]] = {}
# URL name → the URL's ids from the row, when it takes more than ``pk`` (a nested row's URL).
API_URL_KWARGS: dict[str, Any] = {}


def api_url_object(url_name: str, model: type[models.Model], kwargs: Any = None) -> None:
    """Declare that the plain API URL ``url_name`` takes the id of a ``model`` row as ``pk``
    (or the ids ``kwargs(row)`` names, e.g. ``{"pk": item.handoff_id, "item": item.pk}``)."""
    API_URL_OBJECTS[url_name] = model
    if kwargs is not None:
        API_URL_KWARGS[url_name] = kwargs


def _plain_api_urls(urls: Any = None) -> list[Any]:
    from collab_hub.api import api_urls

    found = api_urls() if urls is None else urls
    return [url for url in found if "<int:pk>" in str(url.pattern)]


def unmapped_api_urls() -> list[str]:
    return [str(url.pattern) for url in _plain_api_urls() if url.name not in API_URL_OBJECTS]


def probe_api_urls(
    *,
    base: str,
    owner_admin: Membership,
    outsider: Membership,
    urls: Any = None,
    objects: dict[str, type[models.Model]] | None = None,
) -> list[str]:
    """Every plain API URL taking a row's id (the apps' ``URLS``, or ``urls`` mapped by
    ``objects``): the owner may read it, the outsider gets a 404 for every method it offers
    and changes nothing."""
    leaks: list[str] = []
    mapped = API_URL_OBJECTS if objects is None else objects
    for url in _plain_api_urls(urls):
        model = mapped.get(url.name)
        if model is None:
            continue
        obj = make_row(model, owner_admin.organization)
        before = _snapshot(obj)
        ids = API_URL_KWARGS.get(url.name, lambda row: {"pk": row.pk})(obj)
        address = base + re.sub(
            r"<int:(\w+)>", lambda match, ids=ids: str(ids[match.group(1)]), str(url.pattern)
        )
        methods = set(getattr(url.callback, "actions", {}) or {"get": "get"})
        if "get" in methods and _client(owner_admin).get(address).status_code != 200:
            leaks.append(f"{address}: the owner cannot read it (harness is blind)")
        stranger = _client(outsider)
        for method in sorted(methods):
            status = _call(stranger, method, address)
            if status != 404:
                leaks.append(f"{method.upper()} {address}: {status}, expected 404")
        if _snapshot(obj) != before:
            leaks.append(f"{address}: an outsider's request changed another organization's row")
    return leaks


api_url_object("api-feature-request-demands", FeatureRequest)
api_url_object("api-deal-promises", Deal)
for _name in (
    "api-handoff-discrepancies",
    "api-handoff-checklist",
    "api-handoff-stakeholders",
    "api-handoff-promise-signoffs",
):
    api_url_object(_name, Handoff)
api_url_object(
    "api-handoff-checklist-item",
    ChecklistItem,
    lambda item: {"pk": item.handoff_id, "item": item.pk},
)
api_url_object(
    "api-handoff-stakeholder",
    Stakeholder,
    lambda stakeholder: {"pk": stakeholder.handoff_id, "stakeholder": stakeholder.pk},
)
api_url_object("api-company-health", Company)
api_url_object("api-feedback-round-responses", FeedbackRound)
api_url_object("api-company-cs-owner", Company)


def _browser(client: Any, membership: Membership) -> Any:
    client.force_login(membership.user)
    session = client.session
    session[SESSION_KEY] = membership.organization_id
    session.save()
    return client


def tenant_admins(site: AdminSite) -> list[type[models.Model]]:
    return [model for model in site._registry if issubclass(model, TenantModel)]


def probe_admin(
    site: AdminSite, client: Any, *, owner_admin: Membership, outsider: Membership
) -> list[str]:
    """Organization admins in the Django admin: the outsider's changelists never show the
    owner's rows, its change forms are closed, and add forms offer no foreign choices."""
    leaks: list[str] = []
    owner_org = owner_admin.organization
    rows = {model: make_row(model, owner_org) for model in tenant_admins(site)}
    for model, obj in rows.items():
        opts = model._meta
        try:
            changelist = reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_changelist")
            change = reverse(
                f"{site.name}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
            )
        except NoReverseMatch:
            leaks.append(f"{opts.label}: admin URLs not routed")
            continue
        _browser(client, owner_admin)
        own = client.get(changelist)
        if own.status_code != 200 or change not in own.content.decode():
            leaks.append(f"{changelist}: the owner's admin cannot see its row (harness is blind)")
        _browser(client, outsider)
        response = client.get(changelist)
        if response.status_code == 200 and change in response.content.decode():
            leaks.append(f"{changelist}: lists another organization's row")
        response = client.get(change)
        if response.status_code == 200:
            leaks.append(f"{change}: another organization's change form opens")
        try:
            add = reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_add")
        except NoReverseMatch:
            continue
        response = client.get(add)
        if response.status_code == 200:
            page = response.content.decode()
            for other in rows.values():
                option = re.compile(
                    rf'<option value="{other.pk}"[^>]*>{re.escape(escape(str(other)))}</option>'
                )
                if option.search(page):
                    leaks.append(f"{add}: offers {other._meta.label} {other} of another org")
    return leaks


def outsider_admin(organization: Organization) -> Membership:
    """An admin of ``organization`` who is neither platform staff nor superuser."""
    from tests.factories import member_of

    member = member_of(organization, role="admin")
    assert not member.user.is_staff
    return member


# --- Browser pages --------------------------------------------------------------------------

# URL name → how to build an object of the owner's organization and the URL kwargs for it.
# A page route that takes an id and is missing here fails ``unmapped_pages``, so new pages are
# covered as they appear.
PAGE_OBJECTS: dict[str, tuple[type[models.Model], Any]] = {}
# URL name → how to make its row when the registered factory's would not do (organization →
# row), e.g. a download page needs an asset with a file.
PAGE_ROW_MAKERS: dict[str, Any] = {}


def _collateral_with_a_file(organization: Organization) -> models.Model:
    from django.core.files.base import ContentFile

    row = make_row(Collateral, organization)
    row.file.save("deck.pdf", ContentFile(b"%PDF-1.4 harness"))  # type: ignore[attr-defined]
    return row


def _lost_demand(organization: Organization) -> models.Model:
    """A demand on a deal (the re-engage page names the request and the deal)."""
    deal = REGISTRY[Deal](organization=organization)
    return REGISTRY[Demand](organization=organization, deal=deal, company=deal.company, kind="lost")


def page_object(
    url_name: str, model: type[models.Model], kwargs: Any = None, make: Any = None
) -> None:
    """Declare that the page ``url_name`` shows one ``model`` row (kwargs from the row)."""
    PAGE_OBJECTS[url_name] = (model, kwargs or (lambda obj: {"pk": obj.pk}))
    if make is not None:
        PAGE_ROW_MAKERS[url_name] = make


def _routes(patterns: Any, prefix: str = "", namespace: str = "") -> Any:
    """(route, view name with its namespaces, e.g. ``"leads:lead_detail"``) of every page."""
    from django.urls import URLPattern, URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            if inner in ("admin", "leaky_admin") or "allauth" in str(pattern.urlconf_name):
                continue
            yield from _routes(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                f"{namespace}{inner}:" if inner else namespace,
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + str(pattern.pattern), namespace + pattern.name


def page_routes() -> list[tuple[str, Any]]:
    """Browser page routes of our apps (not the API, the admin, allauth or i18n)."""
    from django.urls import get_resolver

    return [
        (route, pattern)
        for route, pattern in _routes(get_resolver().url_patterns)
        if not route.startswith(("api/", "i18n/", "static/", "media/"))
    ]


def unmapped_pages() -> list[str]:
    return [name for route, name in page_routes() if "<int:" in route and name not in PAGE_OBJECTS]


def probe_pages(client: Any, *, owner_admin: Membership, outsider: Membership) -> list[str]:
    """Every page with an object id answers 404 to the outsider (GET and POST); pages without
    ids never show the owner's people to the outsider."""
    leaks: list[str] = []
    marker = owner_admin.user.email
    for name, (model, kwargs) in PAGE_OBJECTS.items():
        maker = PAGE_ROW_MAKERS.get(name, lambda org, model=model: make_row(model, org))
        obj = maker(owner_admin.organization)
        url = reverse(name, kwargs=kwargs(obj))
        _browser(client, owner_admin)
        # POST-only action pages answer 405 to GET whoever asks; that reveals nothing.
        if client.get(url).status_code not in (200, 405):
            leaks.append(f"{url}: the owner cannot open its own page (harness is blind)")
        _browser(client, outsider)
        status = client.get(url).status_code
        if status not in (404, 405):
            leaks.append(f"GET {url}: {status}, expected 404")
        status = client.post(url).status_code
        if status != 404:
            leaks.append(f"POST {url}: {status}, expected 404")
    _browser(client, outsider)
    for route, name in page_routes():
        if "<" in route:
            continue
        url = reverse(name)
        response = client.get(url)
        if marker in response.content.decode(errors="replace"):
            leaks.append(f"{url}: shows {marker} of another organization")
    return leaks


page_object("member_edit", Membership)
page_object("department_detail", Department)
page_object("department_edit", Department)
page_object("revoke_invitation", Invitation)
page_object("leads:quality_complaint_detail", QualityComplaint)
page_object("leads:lead_detail", Lead)
page_object("leads:lead_qualify", Lead)
page_object("leads:lead_accept", Lead)
page_object("leads:lead_reject", Lead)
page_object("leads:lead_disqualify", Lead)
page_object("leads:lead_convert", Lead)
page_object("leads:lead_edit", Lead)
page_object("leads:lead_resubmit", Lead)
page_object("leads:campaign_edit", Campaign)
page_object("leads:lead_import_detail", ImportBatch)
page_object("leads:lead_import_resume", ImportBatch)
page_object("leads:lead_import_errors", ImportBatch)
page_object("leads:deal_detail", Deal)
page_object("leads:deal_advance", Deal)
page_object("leads:deal_win", Deal)
page_object("leads:deal_lose", Deal)
page_object("leads:deal_edit", Deal)
page_object("leads:deal_reopen", Deal)
page_object("leads:deal_use_collateral", Deal)
page_object("leads:deal_own_material", Deal)
page_object("leads:company_detail", Company)
page_object("leads:contact_create", Company)
page_object("leads:collateral_detail", Collateral)
page_object("leads:collateral_edit", Collateral)
page_object("leads:collateral_download", Collateral, make=_collateral_with_a_file)
page_object("leads:collateral_archive", Collateral)
page_object("leads:content_request_start", ContentRequest)
page_object("leads:content_request_complete", ContentRequest)
page_object("leads:content_request_decline", ContentRequest)
page_object("roadmap:feature_request_detail", FeatureRequest)
page_object("roadmap:feature_request_edit", FeatureRequest)
page_object("roadmap:feature_request_status", FeatureRequest)
page_object("roadmap:feature_request_merge", FeatureRequest)
page_object("roadmap:feature_request_demand", FeatureRequest)
page_object(
    "roadmap:feature_request_reengage",
    Demand,
    lambda demand: {"pk": demand.feature_request_id, "deal_pk": demand.deal_id},
    make=_lost_demand,
)
page_object("roadmap:company_demand", Company)
page_object("roadmap:deal_promise", Deal)
page_object("roadmap:promise_approve", Promise)
page_object("roadmap:promise_decline", Promise)
for _name in (
    "handoff_detail",
    "handoff_edit",
    "handoff_submit",
    "handoff_return",
    "handoff_accept",
    "handoff_onboarding",
    "handoff_go_live",
    "stakeholder_add",
    "checklist_add",
    "discrepancy_add",
):
    page_object(f"handoffs:{_name}", Handoff)
page_object("handoffs:stakeholder_remove", Stakeholder)
page_object("handoffs:checklist_item", ChecklistItem)
page_object("handoffs:checklist_remove", ChecklistItem)
page_object(
    "handoffs:promise_signoff",
    PromiseSignoff,
    lambda signoff: {"pk": signoff.handoff_id, "promise_pk": signoff.promise_id},
)
page_object("handoffs:discrepancy_answer", Discrepancy)
page_object("handoffs:discrepancy_resolve", Discrepancy)
for _name in ("upsell_detail", "upsell_accept", "upsell_dismiss", "upsell_credit"):
    page_object(f"handoffs:{_name}", UpsellSignal)
page_object("handoffs:health_set", Company)
for _name in (
    "round_detail",
    "round_edit",
    "round_open",
    "round_close",
    "round_answer",
    "round_results",
    "action_item_create",
):
    page_object(f"feedback:{_name}", FeedbackRound)
page_object(
    "feedback:department_view",
    FeedbackRound,
    lambda feedback_round: {
        "pk": feedback_round.pk,
        "department_pk": feedback_round.departments.order_by("pk")[0].pk,
    },
)
page_object("feedback:action_item_detail", ActionItem)
page_object("handoffs:cs_owner_set", Company)
page_object(
    "comments",
    Department,
    lambda obj: {"target_type": "accounts.department", "target_id": obj.pk},
)
