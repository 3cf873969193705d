"""The release workflow's ``build`` job makes what is published from tools at pinned versions that
Dependabot keeps current, never from the development environment (``uv run``/``uv sync``)."""

from __future__ import annotations

import ast
import re
import sys
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML, through mkdocs: no stubs installed
from conftest import ROOT
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

WORKFLOWS = ROOT / ".github" / "workflows"
TOOLS = ROOT / ".github" / "release-requirements.txt"
PYPROJECT = (ROOT / "pyproject.toml").read_text()
PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+!-]*$")

needs_github = pytest.mark.skipif(
    not WORKFLOWS.is_dir(),
    reason="a copy of the tests without .github/ (the wheel's and sdist's runs)",
)


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


@needs_github
def test_the_build_job_runs_pinned_tools_and_no_development_environment() -> None:
    jobs = yaml.safe_load((WORKFLOWS / "release.yml").read_text())["jobs"]
    runs = _runs(jobs["build"])
    assert runs
    for run in runs:
        for forbidden in ("uv run", "uv sync", "uvx", "uv tool run", "--group", "--dev", "--all-"):
            assert forbidden not in run, (forbidden, run)
    layers = [run for run in runs if "scripts/build_layer.py" in run]
    assert layers
    assert all(re.search(r"(^|\s)python scripts/build_layer\.py", run) for run in layers)
    assert "uv build --build-constraint .github/release-requirements.txt" in "\n".join(runs)
    lines = [line.split("#")[0].strip() for line in TOOLS.read_text().splitlines()]
    pins = [line for line in lines if line]
    assert all(PINNED.match(pin) for pin in pins), pins
    pinned = dict(pin.split("==") for pin in pins)
    assert {"uv", "twine", "check-wheel-contents", "hatchling"} <= set(pinned)
    for name, job in jobs.items():
        for install in re.findall(r"pip install[^\n]*", "\n".join(_runs(job))):
            arguments = install.split()[2:]
            assert arguments, (name, install)
            assert arguments == ["-r", ".github/release-requirements.txt"] or all(
                PINNED.match(argument) for argument in arguments
            ), (name, install)
    # the pinned build backend is one the project accepts
    [backend] = map(Requirement, tomllib.loads(PYPROJECT)["build-system"]["requires"])
    assert backend.name == "hatchling"
    assert backend.specifier.contains(pinned["hatchling"])


def test_the_layer_builder_needs_only_the_standard_library() -> None:
    imported = set()
    for node in ast.walk(ast.parse((ROOT / "scripts" / "build_layer.py").read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported - {"__future__"} <= set(sys.stdlib_module_names), imported


@needs_github
def test_every_action_is_pinned_by_commit_and_dependabot_keeps_every_pin_current() -> None:
    for workflow in sorted(WORKFLOWS.glob("*.yml")):
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            for uses in [step["uses"] for step in job.get("steps", []) if "uses" in step]:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), (workflow.name, uses)
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    covered = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert ("github-actions", "/") in covered
    assert ("pip", "/") in covered  # pyproject.toml
    assert ("pip", "/.github") in covered  # release-requirements.txt


def test_the_runtime_dependencies_have_no_upper_bounds() -> None:
    """A cap on a user's dependency blocks their upgrades; none has a known break."""
    project = tomllib.loads(PYPROJECT)["project"]
    requirements = [*project["dependencies"]]
    requirements += [r for extra in project["optional-dependencies"].values() for r in extra]
    assert len(requirements) >= 6
    for requirement in map(Requirement, requirements):
        capped = [s for s in requirement.specifier if s.operator in {"<", "<=", "==", "~=", "==="}]
        assert not capped, requirement
