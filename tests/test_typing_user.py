"""A Powertools user's typed handler, and the typed docs examples, pass ``mypy --strict``.

One mypy run checks them together with an untyped user file that must fail: each test
reads its own files' lines of that run (mypy's start-up is most of its cost).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.mypy  # opt-in: seconds of mypy; CI runs it once, beside its mypy step

ROOT = Path(__file__).resolve().parent.parent
CHECKED = [
    "tests/typing_user/powertools_user.py",
    "docs/examples/readme_intro.py",
    "docs/examples/app.py",
    "docs/examples/test_app.py",
    "docs/examples/logging_powertools.py",
    "docs/examples/powertools_logs.py",
    "docs/examples/decorator_basic.py",
    "docs/examples/decorator_options.py",
    "docs/examples/decorator_extras.py",
    "docs/examples/metrics_per_az.py",
]
UNTYPED_USER = (
    "from aws_lambda_powertools.utilities.typing import LambdaContext\n"
    "def handler(event: dict[str, object], context: LambdaContext) -> object:\n"
    "    return context.lambda_metadata\n"
)


@pytest.fixture(scope="module")
def mypy_lines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The untyped user's path, and the lines of one ``mypy --strict`` run over everything."""
    user = tmp_path_factory.mktemp("typing") / "untyped_user.py"
    user.write_text(UNTYPED_USER)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *CHECKED, str(user)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr  # 2: mypy itself failed
    return user, result.stdout.splitlines()


def test_user_code_with_lambda_context_passes_mypy_strict(
    mypy_lines: tuple[Path, list[str]],
) -> None:
    _, lines = mypy_lines
    ours = [line for line in lines if line.startswith(tuple(CHECKED))]
    assert ours == []
    checked = len(CHECKED) + 1  # the untyped user's file too
    assert lines[-1].startswith(f"Found 1 error in 1 file (checked {checked} source files)")


def test_reading_the_attribute_untyped_is_what_mypy_rejects(
    mypy_lines: tuple[Path, list[str]],
) -> None:
    """Why ``metadata_of`` exists: the attribute is unknown to ``LambdaContext``."""
    user, lines = mypy_lines
    [error] = [line for line in lines if line.startswith(str(user))]
    assert "attr-defined" in error
    assert ":3:" in error
