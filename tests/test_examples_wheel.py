"""Each docs example runs from the installed wheel with only the extras it documents.

Slow and needs the package index: deselected unless asked for, ``uv run pytest -m wheel``.
The wheel is built with ``uv build``; each set of extras gets a fresh ``uv venv``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLES, run

from lambda_metadata.testing import MetadataEndpoint

pytestmark = pytest.mark.wheel

DOCUMENTED = re.compile(r'pip install "lambda-metadata\[([a-z0-9,]+)\]"')
README_EXTRAS = {"app": "powertools", "test_app": "powertools"}  # README: "extras: [powertools]"
USER_TOOLS = ["pytest>=8"]  # what a user running the test_*.py examples has anyway
ENVIRON = {"snapstart_rehearsal": {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}}  # docstring


def _extras(path: Path) -> str:
    """The extras an example's docstring names (``lambda-metadata[a,b]``), sorted."""
    found = DOCUMENTED.search(path.read_text())
    names = found.group(1) if found else README_EXTRAS.get(path.stem, "")
    return ",".join(sorted(filter(None, names.split(","))))


@pytest.fixture(scope="module")
def venv_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The python of a venv with the wheel and these extras, created on first use."""
    made: dict[str, Path] = {}
    root = tmp_path_factory.mktemp("venvs")

    def python_for(extras: str) -> Path:
        if extras not in made:
            venv = root / (extras.replace(",", "-") or "core")
            run("uv", "venv", "--quiet", "--python", sys.executable, venv, timeout=600)
            requirement = f"{wheel}[{extras}]" if extras else wheel
            install = ["uv", "pip", "install", "--quiet", "--python", venv / "bin" / "python"]
            run(*install, requirement, *USER_TOOLS, timeout=600)
            made[extras] = venv / "bin" / "python"
        return made[extras]

    return python_for


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.py")), ids=lambda path: path.stem)
def test_example_runs_from_the_wheel_with_its_extras(
    example: Path, venv_python: Callable[[str], Path], tmp_path: Path
) -> None:
    python = venv_python(_extras(example))
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.pop("PYTHONPATH", None)
    program = "import lambda_metadata; print(lambda_metadata.__file__)"
    where = run(python, "-c", program, cwd=work, env=env)
    assert str(python.parent.parent) in where.stdout  # the installed wheel, not this checkout
    command = (
        ["-m", "pytest", "-q", "-p", "no:cacheprovider"] if example.stem[:5] == "test_" else []
    )
    with MetadataEndpoint() as endpoint:
        environ = {**env, **endpoint.environ, **ENVIRON.get(example.stem, {})}
        run(python, *command, example.name, cwd=work, env=environ, timeout=120)
