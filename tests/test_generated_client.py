"""A client generated from the schema with openapi-python-client imports and works (DESIGN §4).

The schema is generated in-process, the client into a temporary directory; every module of it
is imported, then the lead flow an integration runs goes through it against the live test
server: token, create, qualify, accept, and a cursor-paged list.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.models import DepartmentKind, Role
from tests.conftest import skip_or_fail
from tests.factories import TEST_PASSWORD, member_of

# Generating the client takes ~5 s: `make test-all` and CI, not `make test`.
pytestmark = pytest.mark.slow

PACKAGE = "collab_hub_client"
# Ways one request body can be sent in a generated operation (httpx's keywords).
BODY_KEYWORDS = ('_kwargs["json"]', '_kwargs["data"]', '_kwargs["files"]')


def _generator() -> list[str] | None:
    beside_python = Path(sys.executable).with_name("openapi-python-client")
    if beside_python.exists():
        return [str(beside_python)]
    found = shutil.which("openapi-python-client")
    return [found] if found else None


def _schema_json() -> bytes:
    """The schema ``/api/schema/?format=json`` serves, generated in this process."""
    from drf_spectacular.renderers import OpenApiJsonRenderer
    from drf_spectacular.settings import spectacular_settings

    schema = spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)
    return OpenApiJsonRenderer().render(schema, renderer_context={})


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated client package, importable while the module's tests run."""
    command = _generator()
    if command is None:
        skip_or_fail("openapi-python-client is not installed (pip install -e '.[dev]')")
    root = tmp_path_factory.mktemp("generated")
    schema = root / "schema.json"
    schema.write_bytes(_schema_json())
    config = root / "config.yaml"
    # No post hooks: they would run ruff on the generated code, which tells nothing here.
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    arguments = ["--path", str(schema), "--output-path", str(root / PACKAGE), "--meta", "none"]
    result = subprocess.run(  # noqa: S603  # our own venv's tool, arguments we built
        [*command, "generate", *arguments, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # A warning means an endpoint or a model was left out of the client.
    assert "Warning" not in output, output
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _operation(name: str):
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def test_every_generated_module_imports(generated):
    failures, operations = {}, []
    for module in pkgutil.walk_packages(generated.__path__, f"{PACKAGE}."):
        try:
            imported = importlib.import_module(module.name)
        except Exception as error:
            failures[module.name] = f"{type(error).__name__}: {error}"
            continue
        if ".api." in module.name and not module.ispkg:
            operations.append(imported)

    assert failures == {}
    assert len(operations) > 50
    for operation in operations:
        source = Path(operation.__file__).read_text(encoding="utf-8")
        # One body, one encoding: JSON, or multipart where a file is uploaded.
        encodings = [keyword for keyword in BODY_KEYWORDS if keyword in source]
        assert len(encodings) <= 1, f"{operation.__name__} sends its body as {encodings}"


@pytest.mark.django_db(transaction=True)
def test_lead_flow_through_the_generated_client(generated, live_server, org, bob):
    models = importlib.import_module(f"{PACKAGE}.models")
    member_of(org, DepartmentKind.MARKETING, Role.MEMBER, email="mia@acme.test")

    def sign_in(email):
        response = _operation("auth.auth_token_create").sync_detailed(
            client=generated.Client(base_url=live_server.url),
            body=models.TokenRequestRequest(email=email, password=TEST_PASSWORD),
        )
        assert response.status_code == 200, response.content
        return generated.AuthenticatedClient(
            base_url=live_server.url, token=response.parsed.token, prefix="Token"
        )

    marketing, sales = sign_in("mia@acme.test"), sign_in("bob@acme.test")

    created = []
    for number in range(5):
        response = _operation("leads.leads_create").sync_detailed(
            client=marketing,
            body=models.LeadRequest(
                email=f"lead{number}@example.com", first_name="Ada", company_name="Analytical"
            ),
            x_organization="acme",
        )
        assert response.status_code == 201, response.content
        assert isinstance(response.parsed.id, int)
        created.append(response.parsed.id)

    qualified = _operation("leads.leads_qualify_create").sync_detailed(
        created[0], client=marketing, body=models.QualifyRequest(owner=bob.pk)
    )
    assert qualified.status_code == 200, qualified.content
    assert qualified.parsed.status == models.LeadStatusEnum.MQL
    assert qualified.parsed.owner == bob.pk

    accepted = _operation("leads.leads_accept_create").sync_detailed(
        created[0], client=sales, body=models.NoteRequest(note="Calling tomorrow.")
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.parsed.status == models.LeadStatusEnum.ACCEPTED

    seen, cursor, pages = [], generated.types.UNSET, 0
    while True:
        page = _operation("leads.leads_list").sync_detailed(
            client=marketing, page_size=2, cursor=cursor
        )
        assert page.status_code == 200, page.content
        seen += [lead.id for lead in page.parsed.results]
        pages += 1
        if not page.parsed.next_:
            break
        cursor = parse_qs(urlsplit(page.parsed.next_).query)["cursor"][0]
    assert sorted(seen) == sorted(created)
    assert pages == 3
