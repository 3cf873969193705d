"""Each docs example runs from the installed wheel with only the extras it documents.

Slow and needs the package index: deselected unless asked for, ``uv run pytest -m wheel``.
The wheel is built with ``uv build``; each set of extras gets a fresh ``uv venv``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLES

from lambda_metadata.testing import MetadataEndpoint

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTED = re.compile(r'pip install "lambda-metadata\[([a-z0-9,]+)\]"')
README_EXTRAS = {"app": "powertools", "test_app": "powertools"}  # README: "extras: [powertools]"
USER_TOOLS = ["pytest>=8"]  # what a user running the test_*.py examples has anyway
UV = shutil.which("uv")
ENVIRON = {"snapstart_rehearsal": {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}}  # docstring


def _extras(path: Path) -> str:
    """The extras an example's docstring names (``lambda-metadata[a,b]``), sorted."""
    found = DOCUMENTED.search(path.read_text())
    names = found.group(1) if found else README_EXTRAS.get(path.stem, "")
    return ",".join(sorted(filter(None, names.split(","))))


EXAMPLE_FILES = sorted(EXAMPLES.glob("*.py"))


@pytest.fixture(scope="module")
def venv_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The python of a venv with the wheel and these extras, created on first use."""
    assert UV is not None
    made: dict[str, Path] = {}
    root = tmp_path_factory.mktemp("venvs")

    def python_for(extras: str) -> Path:
        if extras not in made:
            venv = root / (extras.replace(",", "-") or "core")
            subprocess.run(
                [UV, "venv", "--quiet", "--python", sys.executable, str(venv)],
                check=True,
                timeout=600,
            )
            python = venv / "bin" / "python"
            requirement = f"{wheel}[{extras}]" if extras else str(wheel)
            install = [UV, "pip", "install", "--quiet", "--python", str(python), requirement]
            subprocess.run([*install, *USER_TOOLS], check=True, timeout=600)
            made[extras] = python
        return made[extras]

    return python_for


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda path: path.stem)
def test_example_runs_from_the_wheel_with_its_extras(
    example: Path, venv_python: Callable[[str], Path], tmp_path: Path
) -> None:
    python = venv_python(_extras(example))
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.pop("PYTHONPATH", None)
    where = subprocess.run(
        [str(python), "-c", "import lambda_metadata; print(lambda_metadata.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert str(python.parent.parent) in where  # the installed wheel, not this checkout
    if example.name.startswith("test_"):
        command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", example.name]
    else:
        command = [str(python), example.name]
    with MetadataEndpoint() as endpoint:
        result = subprocess.run(
            command,
            cwd=work,
            env={**env, **endpoint.environ, **ENVIRON.get(example.stem, {})},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stdout + result.stderr
