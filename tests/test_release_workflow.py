"""The release workflow builds what it publishes from pinned tools, and nothing else.

Its ``build`` job makes the files that go to the package index and the GitHub release: it must
not install the development environment (``uv run``/``uv sync`` would, with every dev
dependency), and each tool it runs comes at a pinned version that Dependabot keeps current.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML, through mkdocs: no stubs installed

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
TOOLS = ROOT / ".github" / "release-requirements.txt"
PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+!-]*$")

needs_github = pytest.mark.skipif(
    not WORKFLOWS.is_dir(),
    reason="a copy of the tests without .github/ (the wheel's and sdist's runs)",
)


def _workflow(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return loaded


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def _pins() -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in TOOLS.read_text().splitlines()]
    pins = [line for line in lines if line]
    assert all(PINNED.match(pin) for pin in pins), pins
    return dict(pin.split("==") for pin in pins)


@needs_github
def test_the_build_job_runs_no_development_environment() -> None:
    build = _workflow("release.yml")["jobs"]["build"]
    runs = _runs(build)
    assert runs
    for run in runs:
        for forbidden in ("uv run", "uv sync", "uvx", "uv tool run", "--group", "--dev", "--all-"):
            assert forbidden not in run, (forbidden, run)
    layers = [run for run in runs if "scripts/build_layer.py" in run]
    assert layers
    assert all(re.search(r"(^|\s)python scripts/build_layer\.py", run) for run in layers)


def test_the_layer_builder_needs_only_the_standard_library() -> None:
    tree = ast.parse((ROOT / "scripts" / "build_layer.py").read_text())
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
    }
    assert imported - {"__future__"} <= set(sys.stdlib_module_names), imported


@needs_github
def test_every_tool_the_release_installs_is_pinned() -> None:
    pins = _pins()
    assert {"uv", "twine", "check-wheel-contents", "hatchling"} <= set(pins)
    for name, job in _workflow("release.yml")["jobs"].items():
        for run in _runs(job):
            for install in re.findall(r"pip install[^\n]*", run):
                arguments = install.split()[2:]
                assert arguments, (name, install)
                assert arguments == ["-r", ".github/release-requirements.txt"] or all(
                    PINNED.match(argument) for argument in arguments
                ), (name, install)
    runs = "\n".join(_runs(_workflow("release.yml")["jobs"]["build"]))
    assert (
        "uv build --build-constraint .github/release-requirements.txt" in runs
    )  # the backend pinned


@needs_github
def test_the_pinned_build_backend_is_one_the_project_accepts() -> None:
    from packaging.requirements import Requirement

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    [backend] = [Requirement(r) for r in pyproject["build-system"]["requires"]]
    assert backend.name == "hatchling"
    assert backend.specifier.contains(_pins()["hatchling"])


@needs_github
def test_every_action_is_pinned_by_commit() -> None:
    for workflow in sorted(WORKFLOWS.glob("*.yml")):
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"]), (
                        workflow.name,
                        step["uses"],
                    )


@needs_github
def test_dependabot_covers_the_actions_and_the_python_dependencies() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    covered = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert ("github-actions", "/") in covered
    assert ("pip", "/") in covered  # pyproject.toml
    assert ("pip", "/.github") in covered  # release-requirements.txt


def test_the_runtime_dependencies_have_no_upper_bounds() -> None:
    """A cap on a user's dependency blocks their upgrades; none has a known break."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"]]
    requirements += [r for extra in project["optional-dependencies"].values() for r in extra]
    assert len(requirements) >= 6
    for requirement in map(Requirement, requirements):
        capped = [s for s in requirement.specifier if s.operator in {"<", "<=", "==", "~=", "==="}]
        assert not capped, requirement
