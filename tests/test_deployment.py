"""The deployment description: docker-compose.yml, the Dockerfile, the README's configuration
table, and ``check --deploy`` under production settings.

No Docker engine runs here, so the compose file is checked as data: the processes of one
deployment must run the same image with the same configuration, wait for healthy services,
and set only variables the settings module actually reads.
"""

from __future__ import annotations

import ast
import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def command_of(service: dict) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def healthcheck_of(service: dict) -> str:
    test = service.get("healthcheck", {}).get("test", [])
    return test if isinstance(test, str) else " ".join(str(part) for part in test)


def settings_environment_names() -> set[str]:
    """Names of the environment variables ``collab_hub/settings.py`` reads.

    Found syntactically: ``os.environ.get("X")``, ``os.environ["X"]``, ``"X" in os.environ``
    and the module's own ``env_*("X", ...)`` helpers.
    """
    tree = ast.parse((ROOT / "collab_hub" / "settings.py").read_text())

    def is_environ(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "environ"

    def literal(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return None

    names: set[str] = set()
    for node in ast.walk(tree):
        key: ast.AST | None = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            reads_environ = isinstance(func, ast.Attribute) and is_environ(func.value)
            helper = isinstance(func, ast.Name) and func.id.startswith("env_")
            if reads_environ or helper:
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and is_environ(node.value):
            key = node.slice
        elif isinstance(node, ast.Compare) and any(map(is_environ, node.comparators)):
            key = node.left
        if key is not None and (name := literal(key)):
            names.add(name)
    return names


def test_settings_reader_finds_the_variables_we_know_of():
    # Guards the AST walk above: if it found nothing, the tests below would pass vacuously.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= (
        settings_environment_names()
    )


def test_compose_has_web_worker_beat_postgres_and_redis(services):
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)


def test_web_worker_and_beat_run_one_image_with_one_environment(services):
    web = services["web"]
    assert web.get("build") or web.get("image")
    for name in ("worker", "beat"):
        assert services[name].get("build") == web.get("build"), name
        assert services[name].get("image") == web.get("image"), name
        assert services[name]["environment"] == web["environment"], name


def test_app_processes_run_in_production_mode_against_postgres_and_redis(services):
    environment = services["web"]["environment"]
    assert str(environment["DEBUG"]).lower() == "false"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:")
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL", "SITE_URL"):
        assert environment.get(name), name


def test_app_processes_wait_for_healthy_postgres_and_redis(services):
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        for dependency in ("postgres", "redis"):
            assert depends_on[dependency]["condition"] == "service_healthy", (name, dependency)


def test_migrations_run_once_before_the_app_processes_start(services):
    migrate = services.get("migrate")
    if migrate is None:
        # No one-shot service: then web itself must migrate before it serves.
        assert "migrate" in " ".join(command_of(services["web"]))
        return
    assert {"manage.py", "migrate"} <= set(command_of(migrate))
    assert migrate.get("image") == services["web"].get("image")
    assert migrate["environment"] == services["web"]["environment"]
    for name in APP_SERVICES:
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_postgres_redis_and_web_have_health_checks(services):
    assert "pg_isready" in healthcheck_of(services["postgres"])
    assert "redis-cli ping" in healthcheck_of(services["redis"])
    assert "8000" in healthcheck_of(services["web"])
    assert services["postgres"]["image"].split(":")[1].startswith("15")
    assert services["redis"]["image"].split(":")[1].startswith("7")


def test_web_health_check_asks_a_page_that_exists(services):
    check = healthcheck_of(services["web"])
    path = "/" + check.split("127.0.0.1:8000/", 1)[1].split("'", 1)[0]
    try:
        resolve(path)
    except Resolver404:
        pytest.fail(f"the web health check asks for {path}, which no URL serves")


def test_web_runs_gunicorn_worker_a_celery_worker_and_beat_celery_beat(services):
    web, worker, beat = (command_of(services[name]) for name in APP_SERVICES)
    assert web[0] == "gunicorn"
    assert any(part.startswith("collab_hub.wsgi") for part in web)
    assert "0.0.0.0:8000" in " ".join(web)
    assert worker[:3] == ["celery", "-A", "collab_hub"] and worker[3] == "worker"
    assert beat[:3] == ["celery", "-A", "collab_hub"] and beat[3] == "beat"


def test_compose_sets_only_variables_the_settings_read(services):
    read = settings_environment_names()
    for name in ("migrate", *APP_SERVICES):
        if name not in services:
            continue
        unknown = set(services[name]["environment"]) - read
        assert not unknown, f"{name} sets variables nothing reads: {sorted(unknown)}"


def test_readme_configuration_table_lists_every_variable_the_settings_read():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in sorted(settings_environment_names()) if f"`{name}`" not in readme]
    assert not missing, f"README's configuration table lacks {missing}"


def test_dockerfile_builds_a_non_root_gunicorn_image_with_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim-bookworm" in dockerfile
    user_lines = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert user_lines and user_lines[-1] not in {"root", "0"}
    assert "collectstatic" in dockerfile
    assert "collab_hub.wsgi" in dockerfile


@pytest.mark.slow  # starts a second Python that imports Django and every app
def test_check_deploy_is_clean_with_production_settings():
    # A clean environment: production defaults must hold on their own, not thanks to this
    # process's variables (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, for one).
    passed_on = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "DATABASE_URL", "REDIS_URL")
    environment = {key: os.environ[key] for key in passed_on if key in os.environ}
    environment.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.com",
    )
    # A deployment shares one cache between its processes (collab_hub.W001 otherwise);
    # ``check`` does not connect to it.
    environment.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
