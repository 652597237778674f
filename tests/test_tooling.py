"""The house rules that tools enforce, held by tests where the tools cannot say it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Views and admin modules are the only ones allowed to carry known mypy errors.
BASELINE_ALLOWED = re.compile(r"^[\w/]+/(views(/\w+)?|admin)\.py:")


def test_the_mypy_baseline_lists_only_views_and_admin_modules():
    lines = (ROOT / "mypy-baseline.txt").read_text().splitlines()
    others = [line for line in lines if line.strip() and not BASELINE_ALLOWED.match(line)]
    assert others == []


def test_the_strict_modules_are_strict_in_the_mypy_config():
    config = (ROOT / "pyproject.toml").read_text()
    for pattern in ("*.services", "*.selectors", "*.policy", "*.tasks", "collab_hub.tenancy"):
        assert f'"{pattern}"' in config, pattern
    # `strict = true` inside an override silently turns strict on for every module.
    assert "\nstrict = true" not in config


def _import_contracts() -> dict[str, dict]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["name"]: contract for contract in config["contracts"]}


def test_the_import_contracts_keep_earlier_flows_ignorant_of_handoffs():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert "handoffs" in config["root_packages"]
    forbidden = {
        module: set(contract["forbidden_modules"])
        for contract in _import_contracts().values()
        if contract["type"] == "forbidden"
        for module in contract["source_modules"]
    }
    # leads reacts to nothing downstream: handoffs hears of deal.won through the registry.
    assert "handoffs" in forbidden["leads"]
    assert "handoffs" in forbidden["roadmap"]
    assert {"leads", "roadmap", "handoffs"} <= forbidden["accounts"]
    assert {"leads", "roadmap", "handoffs"} <= forbidden["collab_hub.notifications"]


def test_lint_imports_keeps_every_contract():
    import subprocess
    import sys

    from tests.conftest import skip_or_fail

    command = Path(sys.executable).with_name("lint-imports")
    if not command.exists():
        skip_or_fail("needs import-linter (lint-imports) installed next to python")
    result = subprocess.run(  # noqa: S603 — our own tool, no input from outside
        [str(command), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in _import_contracts():
        assert f"{name} KEPT" in " ".join(result.stdout.split()), name
