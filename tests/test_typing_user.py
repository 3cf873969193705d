"""A Powertools user's typed handler, and the typed docs examples, pass ``mypy --strict``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKED = [
    "tests/typing_user/powertools_user.py",
    "docs/examples/app.py",
    "docs/examples/test_app.py",
    "docs/examples/logging_powertools.py",
    "docs/examples/powertools_logs.py",
    "docs/examples/decorator_basic.py",
    "docs/examples/decorator_options.py",
    "docs/examples/decorator_extras.py",
]


def test_user_code_with_lambda_context_passes_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *CHECKED],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_reading_the_attribute_untyped_is_what_mypy_rejects(tmp_path: Path) -> None:
    """Why ``metadata_of`` exists: the attribute is unknown to ``LambdaContext``."""
    user = tmp_path / "untyped_user.py"
    user.write_text(
        "from aws_lambda_powertools.utilities.typing import LambdaContext\n"
        "def handler(event: dict[str, object], context: LambdaContext) -> object:\n"
        "    return context.lambda_metadata\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(user)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 1
    assert "attr-defined" in result.stdout
