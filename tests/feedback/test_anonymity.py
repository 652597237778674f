"""Anonymity of a feedback round, walked across the whole product.

An anonymous round is answered by members with unique names and emails, each comment a
unique marker; some answers fall in cells below the round's minimum. Then every API route
(the router's lists, details and actions, and the plain API URLs), every page (the
isolation harness's ``page_routes()`` plus the feedback links they show), every admin
changelist and change page, the activity events, the in-app notifications and the emails
are read, as an admin, a manager and one of the respondents, and:

(a) no body contains a response's ``respondent_key``;
(b) no body shows a response (its id or comment) together with its author (email, name,
    or — in JSON — their membership or user id under a key naming a person);
(c) no event, notification or email mentions a response, and nobody who answered is the
    actor of any event;
(d) the comments of cells below the minimum appear nowhere.

A respondent seeing their *own* answers is not a finding. The walk follows whatever routes
exist, so pages and endpoints added later are covered without changing this test.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import models
from django.db.models.functions import Cast
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Department, DepartmentKind, Membership, Role
from collab_hub.api import api_urls, build_router
from collab_hub.notifications.models import ActivityEvent, Notification
from collab_hub.notifications.tasks import deliver_event
from collab_hub.tenancy import SESSION_KEY, TenantModel
from feedback.models import ActionItem, FeedbackResponse, FeedbackRound, Participant
from feedback.services import actions as action_services
from feedback.services import responses as response_services
from feedback.services import rounds as round_services
from tests.factories import member_of
from tests.isolation import API_URL_OBJECTS, PAGE_OBJECTS, PAGE_ROW_MAKERS, make_row, page_routes

pytestmark = pytest.mark.django_db

K = DepartmentKind
API = "/api/v1/"
# Keys under which a JSON record names a person.
PERSON_KEYS = {
    "author",
    "actor",
    "by",
    "created_by",
    "member",
    "membership",
    "owner",
    "participant",
    "recipient",
    "respondent",
    "user",
}
HREF = re.compile(r'href="(/[^"#]*)')


@dataclass(frozen=True)
class Secret:
    """One anonymous response: what must never be shown with its author."""

    response_id: str
    comment: str
    key: str
    author: Membership
    hidden: bool  # in a cell below the round's minimum


@dataclass
class Scenario:
    org: Any
    feedback_round: FeedbackRound
    departments: list[Department]
    respondents: list[Membership]
    secrets: list[Secret]
    admin: Membership
    manager: Membership
    item: ActionItem


def marker(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:12]}"


def person(org, kind: str, tag: str, role: str = Role.MEMBER) -> Membership:
    unique = uuid.uuid4().hex[:8]
    return member_of(
        org, kind, role, email=f"{tag}-{unique}@acme.test", full_name=f"Zorya {tag} Q{unique}"
    )


def build(org, alice) -> Scenario:
    """Sales, marketing and CS, minimum 3. Three sales people rate marketing (shown); one of
    them also rates CS, two marketers rate sales, one CS member rates both (all hidden)."""
    departments = {d.kind: d for d in Department.objects.filter(organization=org)}
    sales, marketing, cs = departments[K.SALES], departments[K.MARKETING], departments[K.CS]
    manager = person(org, K.SALES, "manager", Role.MANAGER)
    s1, s2, s3 = (person(org, K.SALES, f"seller{n}") for n in (1, 2, 3))
    m1, m2 = (person(org, K.MARKETING, f"marketer{n}") for n in (1, 2))
    c1 = person(org, K.CS, "success1")
    now = timezone.now()
    feedback_round = round_services.create_round(
        by=manager,
        name="Anonymous round",
        opens_at=now,
        closes_at=now + timedelta(days=5),
        departments=[sales, marketing, cs],
        min_responses=3,
    )
    feedback_round = round_services.open_round(by=manager, feedback_round=feedback_round)
    plan = [
        (s1, marketing, (5, 4, 3), False),
        (s2, marketing, (2, 5, 1), False),
        (s3, marketing, (4, 1, 2), False),
        (s1, cs, (1, 3, 5), True),
        (m1, sales, (3, 2, 4), True),
        (m2, sales, (5, 1, 1), True),
        (c1, sales, (2, 2, 5), True),
        (c1, marketing, (4, 4, 1), True),
    ]
    secrets = []
    for author, rated, (collaboration, responsiveness, quality), hidden in plan:
        comment = marker("HIDDEN" if hidden else "SHOWN")
        ratings = {
            "collaboration": collaboration,
            "responsiveness": responsiveness,
            "quality": quality,
        }
        if author == s3:
            # Through the answer page, like a person would.
            page = browser(Client(), author)
            prefix = f"d{rated.pk}"
            data = {f"{prefix}-{name}": str(value) for name, value in ratings.items()}
            page.post(
                reverse("feedback:round_answer", args=[feedback_round.pk]),
                {**data, f"{prefix}-comment": comment},
            )
        elif author == c1:
            # Through the API, with an Idempotency-Key as integrations send them.
            answered = api_client(author).post(
                f"{API}feedback-rounds/{feedback_round.pk}/responses/",
                {"to_department": rated.pk, "comment": comment, **ratings},
                format="json",
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            assert answered.status_code == 201, answered.content
        else:
            response_services.answer(
                by=author,
                feedback_round=feedback_round,
                to_department=rated,
                comment=comment,
                **ratings,
            )
        response = FeedbackResponse.objects.get(round=feedback_round, comment=comment)
        secrets.append(
            Secret(str(response.pk), comment, response.respondent_key, author, hidden=hidden)
        )
    item = action_services.create_action_item(
        by=manager,
        feedback_round=feedback_round,
        from_department=sales,
        to_department=marketing,
        title="Weekly MQL review",
        owner=m1,
    )
    return Scenario(
        org=org,
        feedback_round=feedback_round,
        departments=[sales, marketing, cs],
        respondents=[s1, s2, s3, m1, m2, c1],
        secrets=secrets,
        admin=alice,
        manager=manager,
        item=item,
    )


# --- What a body may not show -------------------------------------------------------------


def _records(data: Any):
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _records(value)
    elif isinstance(data, list):
        for value in data:
            yield from _records(value)


def _flat(data: Any) -> str:
    return json.dumps(data, default=str)


def findings(where: str, text: str, secrets: list[Secret], viewer: Membership) -> list[str]:
    """What ``text`` (one response body, event, notification or mail) reveals."""
    found = []
    data = None
    if text[:1] in "{[":
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    for secret in secrets:
        if secret.key in text:
            found.append(f"(a) {where}: shows the respondent key of {secret.comment}")
        if secret.author == viewer:
            continue  # one's own answers, to oneself
        if secret.hidden and secret.comment in text:
            found.append(f"(d) {where}: shows the below-minimum comment {secret.comment}")
        if secret.comment not in text and secret.response_id not in text:
            continue
        user = secret.author.user
        for handle in (user.email, user.full_name):
            if handle in text:
                found.append(f"(b) {where}: shows {secret.comment} together with {handle}")
        if data is None:
            continue
        for record in _records(data):
            flat = _flat(record)
            if secret.comment not in flat and secret.response_id not in flat:
                continue
            for key, value in record.items():
                if key in PERSON_KEYS and value in (secret.author.pk, user.pk):
                    found.append(f"(b) {where}: {key}={value} beside {secret.comment}")
    return found


# --- Walking the routes -------------------------------------------------------------------


@dataclass
class Walk:
    viewer: Membership
    secrets: list[Secret]
    found: list[str]
    visited: dict[str, int]
    # comment → where it was seen (by someone other than its author)
    showing: dict[str, list[str]] = field(default_factory=dict)

    def read(self, where: str, response: Any, echo: str = "") -> Any:
        self.visited[where] = response.status_code
        if response.status_code >= 500:
            self.found.append(f"{where}: answered {response.status_code}")
            return None
        if getattr(response, "streaming", False):
            text = b"".join(response.streaming_content).decode(errors="replace")
        else:
            text = response.content.decode(errors="replace")
        if echo:
            # A search page repeats what was searched for: that is no finding.
            text = re.sub(rf'(=|%3D|="|“|&quot;){re.escape(echo)}', "", text)
        self.found.extend(findings(where, text, self.secrets, self.viewer))
        for secret in self.secrets:
            if secret.comment in text and secret.author != self.viewer:
                self.showing.setdefault(secret.comment, []).append(where)
        return text


def api_client(membership: Membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    client.credentials(HTTP_X_ORGANIZATION=membership.organization.slug)
    return client


def browser(client: Any, membership: Membership) -> Any:
    client.force_login(membership.user)
    session = client.session
    session[SESSION_KEY] = membership.organization_id
    session.save()
    return client


def _ids(text: str | None) -> list[Any]:
    try:
        data = json.loads(text or "null")
    except ValueError:
        return []
    rows = data.get("results", data) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        return []
    return [row["id"] for row in rows if isinstance(row, dict) and "id" in row][:5]


def our_rows(scenario: Scenario, model: type) -> list[Any]:
    """The rows of ``model`` whose pages and endpoints the walk reads."""
    if model is FeedbackRound:
        return [scenario.feedback_round]
    if model is ActionItem:
        return [scenario.item]
    if model is Department:
        return scenario.departments
    if model is Membership:
        return scenario.respondents
    if model is FeedbackResponse:
        return list(FeedbackResponse.objects.filter(round=scenario.feedback_round))
    if model is Participant:
        return list(Participant.objects.filter(round=scenario.feedback_round))
    return []


def walk_api(walk: Walk, scenario: Scenario) -> None:
    client = api_client(walk.viewer)
    for prefix, viewset, _basename in build_router().registry:
        listing = f"{API}{prefix}/"
        ids: list[Any] = []
        if hasattr(viewset, "list"):
            ids = _ids(walk.read(f"GET {listing}", client.get(listing, {"page_size": 200})))
        model = viewset.queryset.model
        ids = [*[row.pk for row in our_rows(scenario, model)], *ids]
        for pk in dict.fromkeys(ids):
            detail = f"{listing}{pk}/"
            if hasattr(viewset, "retrieve"):
                walk.read(f"GET {detail}", client.get(detail))
            for extra in viewset.get_extra_actions():
                if "get" not in extra.mapping:
                    continue
                if extra.detail:
                    url = f"{detail}{extra.url_path}/"
                    walk.read(f"GET {url}", client.get(url))
                    if model is FeedbackRound:
                        for department in scenario.departments:
                            walk.read(
                                f"GET {url}?department={department.pk}",
                                client.get(url, {"department": department.pk}),
                            )
        for extra in viewset.get_extra_actions():
            if "get" in extra.mapping and not extra.detail:
                url = f"{listing}{extra.url_path}/"
                walk.read(f"GET {url}", client.get(url))
    for pattern in api_urls():
        route = str(pattern.pattern)
        if "<" not in route:
            walk.read(f"GET {API}{route}", client.get(f"{API}{route}"))
            continue
        model = API_URL_OBJECTS.get(pattern.name)
        if model is None or set(re.findall(r"<\w+:(\w+)>", route)) != {"pk"}:
            continue
        for row in our_rows(scenario, model):
            url = API + re.sub(r"<int:pk>", str(row.pk), route)
            walk.read(f"GET {url}", client.get(url))


def _page_kwargs(name: str, scenario: Scenario, made: dict[type, Any]) -> list[dict[str, Any]]:
    model, kwargs = PAGE_OBJECTS[name]
    if name == "feedback:department_view":
        return [
            {"pk": scenario.feedback_round.pk, "department_pk": department.pk}
            for department in scenario.departments
        ]
    rows = our_rows(scenario, model)
    if not rows:
        if name in PAGE_ROW_MAKERS:
            rows = [PAGE_ROW_MAKERS[name](scenario.org)]
        else:
            if model not in made:
                made[model] = make_row(model, scenario.org)
            rows = [made[model]]
    return [kwargs(row) for row in rows]


def walk_pages(walk: Walk, scenario: Scenario, client: Any, made: dict[type, Any]) -> None:
    browser(client, walk.viewer)
    seen: set[str] = set()
    links: list[str] = []

    def visit(url: str) -> None:
        if url in seen:
            return
        seen.add(url)
        text = walk.read(f"page {url}", client.get(url))
        if "feedback" in url:
            # The htmx partial of the same URL (rows, panels) is a body of its own.
            walk.read(f"page {url} (htmx)", client.get(url, headers={"HX-Request": "true"}))
        for link in HREF.findall(text or ""):
            link = link.replace("&amp;", "&")
            if "feedback" in link and "logout" not in link and link not in seen:
                links.append(link)

    for route, name in page_routes():
        if "<" not in route:
            try:
                visit(reverse(name))
            except NoReverseMatch:
                continue
        elif name in PAGE_OBJECTS:
            for kwargs in _page_kwargs(name, scenario, made):
                visit(reverse(name, kwargs=kwargs))
    # The feedback links the pages offer (filters, exports, tabs …), one level deep.
    for link in links[:300]:
        visit(link)


def walk_admin(walk: Walk, scenario: Scenario, client: Any) -> None:
    browser(client, walk.viewer)
    for model, _model_admin in admin.site._registry.items():
        opts = model._meta
        try:
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            continue
        walk.read(f"admin {changelist}", client.get(changelist))
        rows = our_rows(scenario, model)
        if not rows and issubclass(model, TenantModel):
            first = model.objects.filter(organization=scenario.org).first()
            rows = [first] if first else []
        for row in rows:
            for view in ("change", "history"):
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[row.pk])
                walk.read(f"admin {url}", client.get(url))
        if model in (FeedbackResponse, FeedbackRound, Participant):
            for secret in walk.secrets:
                walk.read(
                    f"admin {changelist}?q={secret.comment}",
                    client.get(changelist, {"q": secret.comment}),
                    echo=secret.comment,
                )


def check_records(scenario: Scenario) -> list[str]:
    """(c): events, notifications and emails never mention a response or an answer."""
    found: list[str] = []
    secrets = scenario.secrets
    nobody = scenario.admin  # no exemption for anyone's own answers
    response_type = ContentType.objects.get_for_model(FeedbackResponse)
    authors = {secret.author.pk for secret in secrets}
    for event in ActivityEvent.objects.filter(organization=scenario.org):
        where = f"event {event.verb} #{event.pk}"
        text = _flat({"payload": event.payload, "target": event.target_label})
        for secret in secrets:
            if secret.comment in text or secret.response_id in text or secret.key in text:
                found.append(f"(c) {where}: mentions the response {secret.comment}")
        if event.target_type_id == response_type.pk:
            found.append(f"(c) {where}: is about a response")
        if event.actor_id in authors:
            found.append(f"(c) {where}: has a respondent as its actor")
    for notification in Notification.objects.filter(organization=scenario.org).select_related(
        "event"
    ):
        found.extend(
            findings(f"notification #{notification.pk}", str(notification), secrets, nobody)
        )
    mail.outbox.clear()
    for event_id in ActivityEvent.objects.filter(organization=scenario.org).values_list(
        "pk", flat=True
    ):
        deliver_event.run(event_id)
    for message in mail.outbox:
        parts = [message.subject, message.body]
        parts += [content for content, _type in getattr(message, "alternatives", [])]
        text = "\n".join(str(part) for part in parts)
        where = f"mail to {', '.join(message.to)}: {message.subject}"
        found.extend(findings(where, text, secrets, nobody))
        for secret in secrets:
            if secret.comment in text or secret.response_id in text:
                found.append(f"(c) {where}: mentions the response {secret.comment}")
    return found


def stored_copies(secrets: list[Secret]) -> list[str]:
    """(c) in the database: no row but the response itself holds a comment or a respondent
    key (an idempotency record, a log, a cached page …)."""
    found: list[str] = []
    markers = [value for secret in secrets for value in (secret.comment, secret.key)]
    for model in apps.get_models():
        if model is FeedbackResponse or model._meta.proxy:
            continue
        for column in model._meta.concrete_fields:
            if not isinstance(column, models.CharField | models.TextField | models.JSONField):
                continue
            text = Cast(column.name, models.TextField())
            rows = model._default_manager.annotate(_text=text)
            for value in markers:
                if rows.filter(_text__contains=value).exists():
                    found.append(f"(c) stored: {model._meta.label}.{column.name} holds {value}")
    return found


def walk_everything(scenario: Scenario, client: Any) -> tuple[list[str], dict[str, int], Any]:
    """(findings, {where: status}, {comment: where it was seen})."""
    found: list[str] = []
    visited: dict[str, int] = {}
    showing: dict[str, list[str]] = {}
    made: dict[type, Any] = {}
    for viewer in (scenario.admin, scenario.manager, scenario.respondents[1]):
        walk = Walk(viewer, scenario.secrets, found, visited, showing)
        walk_api(walk, scenario)
        walk_pages(walk, scenario, client, made)
    walk_admin(Walk(scenario.admin, scenario.secrets, found, visited, showing), scenario, client)
    found.extend(check_records(scenario))
    found.extend(stored_copies(scenario.secrets))
    return sorted(set(found)), visited, showing


def report(visited: dict[str, int]) -> str:
    feedback = {where: status for where, status in visited.items() if "feedback" in where}
    blind = sorted(where for where, status in feedback.items() if status == 404)
    lines = [f"{len(visited)} bodies read; feedback routes answering 404: {blind}"]
    lines += [f"  {status} {where}" for where, status in sorted(feedback.items())]
    return "\n".join(lines)


# --- The walk ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_open_anonymous_round_links_no_response_to_its_author_anywhere(client, org, alice):
    scenario = build(org, alice)
    round_services.send_due_reminders(now=scenario.feedback_round.closes_at - timedelta(hours=1))

    found, visited, showing = walk_everything(scenario, client)

    print(report(visited))
    assert found == [], "\n".join(found)
    # The walk did read the results: the shown cell's comments were on its pages.
    shown = {secret.comment for secret in scenario.secrets if not secret.hidden}
    assert shown <= set(showing), showing
    assert any(where.startswith("GET /api/v1/feedback-rounds/") for where in visited)


@pytest.mark.slow
def test_a_closed_anonymous_round_links_no_response_to_its_author_anywhere(client, org, alice):
    scenario = build(org, alice)
    round_services.close_round(by=scenario.manager, feedback_round=scenario.feedback_round)

    found, visited, showing = walk_everything(scenario, client)

    print(report(visited))
    assert found == [], "\n".join(found)
    shown = {secret.comment for secret in scenario.secrets if not secret.hidden}
    assert shown <= set(showing), showing
    for comment in shown:
        assert any(where.startswith("page ") for where in showing[comment]), showing[comment]
        assert any("/api/v1/" in where for where in showing[comment]), showing[comment]


def test_no_event_notification_or_mail_mentions_an_answer(org, alice):
    """The quick part of the walk for (c): opening, the reminder, action items and closing
    record events and mails; none mentions an answer or has a respondent as actor."""
    scenario = build(org, alice)
    round_services.send_due_reminders(now=scenario.feedback_round.closes_at - timedelta(hours=1))
    round_services.close_round(by=scenario.manager, feedback_round=scenario.feedback_round)
    assert ActivityEvent.objects.filter(verb="round.reminder").count() == 1
    assert check_records(scenario) == []
    assert mail.outbox, "the walk read no mail"
    assert stored_copies(scenario.secrets) == []


def test_the_results_api_of_an_anonymous_round_shows_shown_cells_only(org, alice):
    """The quick part of the walk (runs in ``make test``): the one endpoint that serves
    comments, read as the admin."""
    scenario = build(org, alice)
    round_services.close_round(by=scenario.manager, feedback_round=scenario.feedback_round)
    walk = Walk(alice, scenario.secrets, [], {})
    url = f"{API}feedback-rounds/{scenario.feedback_round.pk}/results/"
    text = walk.read(url, api_client(alice).get(url))
    assert walk.visited[url] == 200
    assert walk.found == []
    for secret in scenario.secrets:
        assert (secret.comment in text) is not secret.hidden, secret


def test_the_walk_notices_a_leak():
    """The checks themselves: a body pairing a comment with its author, a key, a hidden
    comment, and a JSON record naming the author are each a finding."""
    from accounts.models import User

    author = Membership(pk=41, user=User(pk=7, email="x@acme.test", full_name="Xan Q"))
    viewer = Membership(pk=99, user=User(pk=8, email="v@acme.test", full_name="Vee"))
    shown = Secret("r-1", "SHOWN-a", "k" * 64, author, hidden=False)
    hidden = Secret("r-2", "HIDDEN-b", "j" * 64, author, hidden=True)
    secrets = [shown, hidden]
    assert findings("page", "<p>SHOWN-a</p><p>x@acme.test</p>", secrets, viewer)
    assert findings("page", "kkkk" * 16, secrets, viewer)
    assert findings("page", "HIDDEN-b", secrets, viewer)
    assert findings("api", json.dumps({"id": "r-1", "author": 41}), secrets, viewer)
    assert findings("api", json.dumps([{"comment": "SHOWN-a", "user": 7}]), secrets, viewer)
    assert findings("page", "<p>SHOWN-a</p>", secrets, viewer) == []
    # One's own answers, to oneself, are no finding (the key still is).
    assert findings("page", "HIDDEN-b x@acme.test", secrets, author) == []
    assert findings("page", "k" * 64, secrets, author)


def test_the_database_scan_notices_a_copy(org, alice):
    from accounts.models import IdempotencyRecord

    secret = Secret("r-1", marker("SHOWN"), "f" * 64, alice, hidden=False)
    assert stored_copies([secret]) == []
    IdempotencyRecord.objects.create(
        organization=org, key="k", fingerprint="x", response_body={"comment": secret.comment}
    )
    assert stored_copies([secret]) == [
        f"(c) stored: accounts.IdempotencyRecord.response_body holds {secret.comment}"
    ]
