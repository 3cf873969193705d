"""The sizes the docs state are checked against a build, within a stated tolerance; the timings
they show come from the benchmark runs' generated files, which the pages include, and README
quotes none (it shows the chart drawn from the committed run)."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DEPLOY = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
DECORATOR = (ROOT / "docs" / "decorator.md").read_text(encoding="utf-8")
UV = shutil.which("uv")
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(
    platform.machine().lower()
)
KB, MB = 1000, 1000 * 1000
WHEEL_TOLERANCE = 0.20  # docs/deploy.md states both tolerances
LAYER_TOLERANCE = 0.15  # per row of deploy.md's table
README_LAYER_TOLERANCE = 0.25  # README's one figure for every Python, 3.10's smaller zip too
FIGURE = re.compile(r"\d(?:[.,]\d+)?\s*(?:\u00d7|ms\b|\u00b5s|ns\b)")
"""A timing or a ratio typed into prose: 1.49 times, 10.8 ms, 732 ns."""


def _within(size: int, stated: float, tolerance: float) -> bool:
    return abs(size - stated) <= tolerance * stated


@pytest.fixture(scope="module")
def layer_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if UV is None or ARCH is None or sys.platform != "linux":
        pytest.skip("the layer build runs uv, for Lambda's Linux architectures")
    out = tmp_path_factory.mktemp("layer-zip")
    command = [sys.executable, str(ROOT / "scripts" / "build_layer.py"), "--python", PYTHON]
    if os.environ.get("LAMBDA_METADATA_WHEEL"):
        command += ["--wheel", os.environ["LAMBDA_METADATA_WHEEL"]]
    done = subprocess.run(
        [*command, "--arch", ARCH, "--out-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (archive,) = out.glob("*.zip")
    return archive


def test_the_wheel_is_the_size_the_deploy_page_says(wheel: Path) -> None:
    stated = re.search(r"The wheel is about \*\*(\d+) KB\*\*", DEPLOY)
    assert stated is not None
    size = wheel.stat().st_size
    assert _within(size, int(stated.group(1)) * KB, WHEEL_TOLERANCE), size


def test_the_layer_is_the_size_the_docs_say(layer_zip: Path) -> None:
    size = layer_zip.stat().st_size
    row = re.search(rf"^\| python{re.escape(PYTHON)} \| about (\d+) KB \|$", DEPLOY, re.M)
    assert row is not None, f"no row for python{PYTHON} in docs/deploy.md's layer table"
    assert _within(size, int(row.group(1)) * KB, LAYER_TOLERANCE), size
    readme = re.search(r"about (\d+(?:\.\d+)?) MB \(a test builds it and checks\)", README)
    assert readme is not None
    assert _within(size, float(readme.group(1)) * MB, README_LAYER_TOLERANCE), size


def test_the_tolerances_are_the_ones_the_deploy_page_states() -> None:
    assert f"within {LAYER_TOLERANCE:.0%}" in DEPLOY
    assert f"within {WHEEL_TOLERANCE:.0%}" in DEPLOY


def test_readme_shows_the_committed_runs_chart_and_types_no_figure() -> None:
    speed = README.split("\n## Speed\n", 1)[1].split("\n## ", 1)[0]
    assert "](docs/benchmarks/ratios.svg)" in speed
    assert not FIGURE.findall(speed)


def test_the_decorator_page_includes_its_figures_from_the_committed_runs() -> None:
    assert '--8<-- "docs/benchmarks/run.md:decorator"' in DECORATOR
    assert '--8<-- "docs/benchmarks/matrix.md"' in DECORATOR
    assert not FIGURE.findall(DECORATOR)
    run = (ROOT / "docs" / "benchmarks" / "run.md").read_text(encoding="utf-8")
    section = run.split("<!-- --8<-- [start:decorator] -->", 1)[1].split("[end:decorator]")[0]
    assert "`@inject_az`" in section
    assert "bare `@wrapt.decorator`" in section
    assert "Against its targets:" in section
