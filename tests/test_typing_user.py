"""tests/typing/ (a Powertools user's handlers) and the typed docs examples pass ``mypy --strict``;
an untyped user's read of ``context.lambda_metadata`` is what it rejects (why ``metadata_of``
exists). One mypy run checks them all (mypy's start-up is most of its cost)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.mypy  # opt-in: seconds of mypy; CI runs it once, beside its mypy step

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["readme_intro", "app", "test_app", "logging_powertools", "powertools_logs"]
EXAMPLES += ["decorator_basic", "decorator_options", "decorator_extras", "metrics_per_az"]
TYPING = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tests" / "typing").glob("*.py"))
CHECKED = [*TYPING, *(f"docs/examples/{e}.py" for e in EXAMPLES)]
UNTYPED_USER = (
    "from aws_lambda_powertools.utilities.typing import LambdaContext\n"
    "def handler(event: dict[str, object], context: LambdaContext) -> object:\n"
    "    return context.lambda_metadata\n"
)


def test_typed_user_code_passes_mypy_strict_and_the_untyped_attribute_does_not(
    tmp_path: Path,
) -> None:
    user = tmp_path / "untyped_user.py"
    user.write_text(UNTYPED_USER)
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *CHECKED, str(user)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 2: mypy itself failed
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith(tuple(CHECKED))] == []
    [error] = [line for line in lines if line.startswith(str(user))]
    assert "attr-defined" in error
    assert ":3:" in error
    checked = len(CHECKED) + 1  # the untyped user's file too
    assert lines[-1].startswith(f"Found 1 error in 1 file (checked {checked} source files)")
