"""Import time is cold-start time: each row runs its setup and its code in a fresh interpreter and
compares the modules the code added to ``sys.modules`` with what the row allows."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import run_python

import lambda_metadata


def _ours(*names: str) -> frozenset[str]:
    return frozenset(f"lambda_metadata.{name}" for name in names)


EAGER = _ours("_cache", "_flight", "_log", "_constants", "errors", "_model") | {"lambda_metadata"}
"""Our modules that ``import lambda_metadata`` may load: the cache, what it needs, the errors."""
CLIENT_ALONE = _ours("_client", "_constants", "errors", "_model")
"""``_client`` and the modules it may import: nothing else of ours (and only ``__future__``)."""
OPTIONAL = ("boto3", "botocore", "aws_lambda_powertools", "aws_xray_sdk", "opentelemetry")
NEVER_AT_IMPORT = (
    *("typing", "inspect", "dataclasses", "re"),  # what the runtime has not imported either
    *("http.client", "json", "asyncio", "importlib.metadata", "urllib.request", "argparse"),
    *("wrapt", "snapshot_restore_py", *OPTIONAL),
    *_ours("az_names", "tracing", "same_az", "snapstart", "_client", "_decorator", "_logging"),
    "lambda_metadata.cli",
)
"""What a bare ``import lambda_metadata`` must not load (a name covers its submodules)."""

REFUSE_POWERTOOLS = """\
import importlib.abc
attempts = []
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == 'aws_lambda_powertools':
            attempts.append(name)
            raise ImportError(name)
sys.meta_path.insert(0, Refuse())
"""

DECORATE_INVOKE_SNAPSHOT_RESTORE = """\
import logging, types
import lambda_metadata
from lambda_metadata.testing import MetadataEndpoint
from lambda_metadata.testing import run_after_restore_hooks, run_before_snapshot_hooks
@lambda_metadata.inject_az
def handler(event, context):
    logging.getLogger('function').warning('invoked')
    return context.lambda_metadata.availability_zone_id
with MetadataEndpoint() as endpoint, endpoint.environment():
    assert handler({}, types.SimpleNamespace()) == 'use1-az1'
    run_before_snapshot_hooks()
    endpoint.availability_zone_id = 'use1-az2'
    run_after_restore_hooks()
    assert handler({}, types.SimpleNamespace()) == 'use1-az2'
assert attempts == [], attempts
"""


BARE_PACKAGE = f"""\
import types
package = types.ModuleType('lambda_metadata')
package.__path__ = [{str(Path(lambda_metadata.__file__).resolve().parent)!r}]
sys.modules['lambda_metadata'] = package
"""
"""An empty ``lambda_metadata`` package: its ``__init__`` does not run; ``_client`` alone counts."""


class Row(NamedTuple):
    setup: str  # runs first: what it imports does not count
    code: str  # its imports are checked
    env: tuple[tuple[str, str], ...] = ()
    exact_foreign: frozenset[str] | None = None  # if set: exactly what else ``code`` may add
    own: frozenset[str] | None = None  # if set: the only modules of ours that ``code`` may add
    absent: tuple[str, ...] = ()
    present: tuple[str, ...] = ()


RUNTIME = "import awslambdaric.bootstrap"
SNAP_START = (("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start"),)
ROWS = {
    "the-client-modules-import-only-each-other": Row(
        setup=BARE_PACKAGE,
        code="import lambda_metadata._client",
        exact_foreign=frozenset({"__future__"}),
        own=CLIENT_ALONE,
        present=tuple(sorted(CLIENT_ALONE)),
    ),
    "in-the-runtime-import-adds-only-our-core": Row(
        setup=RUNTIME,
        code="import lambda_metadata",
        exact_foreign=frozenset(),  # threading and os: the runtime has them already
        own=EAGER,
    ),
    "in-the-runtime-under-snapstart-adds-the-hooks": Row(
        setup=RUNTIME,
        code="import lambda_metadata",
        env=SNAP_START,
        own=EAGER | {"lambda_metadata.snapstart"},
        absent=("inspect", "dataclasses", "http", "asyncio", "importlib.metadata", "wrapt"),
        present=("snapshot_restore_py", "lambda_metadata.snapstart"),
    ),
    "bare-import-loads-nothing-heavy-nor-typing-inspect-dataclasses-re": Row(
        setup="", code="import lambda_metadata", absent=NEVER_AT_IMPORT
    ),
    "inject_az-loads-wrapt-on-first-access": Row(
        setup="import lambda_metadata",
        code="from lambda_metadata import inject_az\n"
        "assert inject_az is sys.modules['lambda_metadata._decorator'].inject_az",
        absent=(*OPTIONAL, "urllib.request", *_ours("az_names", "tracing")),
        present=("wrapt", "lambda_metadata._decorator"),
    ),
    "public-submodules-load-no-optional-integration": Row(
        setup="",
        code="import lambda_metadata\n"
        "from lambda_metadata.az_names import get_availability_zone_name\n"
        "from lambda_metadata.same_az import order_by_availability_zone\n"
        "from lambda_metadata.tracing import annotate_tracer, set_span_availability_zone\n"
        "from lambda_metadata.snapstart import refresh_after_restore\n"
        "from lambda_metadata.errors import MetadataTimeoutError\n",
        absent=(*OPTIONAL, "snapshot_restore_py", "wrapt"),
    ),
    "decorate-invoke-snapshot-restore-never-imports-powertools": Row(
        setup=REFUSE_POWERTOOLS,
        code=DECORATE_INVOKE_SNAPSHOT_RESTORE,
        env=SNAP_START,
        absent=("aws_lambda_powertools",),
        present=("snapshot_restore_py", "wrapt"),  # the hooks ran, the decorator was used
    ),
    # nonsense in the environment at import, fixed before the call: nothing was read early
    "import-reads-no-environment-variable-of-the-endpoint": Row(
        setup="import os\nos.environ['AWS_LAMBDA_METADATA_API'] = 'garbage'",
        code="import lambda_metadata\n"
        "os.environ.pop('AWS_LAMBDA_METADATA_API')\n"
        "try:\n"
        "    lambda_metadata.get_lambda_metadata()\n"
        "except lambda_metadata.MetadataUnavailableError:\n"
        "    pass\n",
    ),
}


def _is_under(module: str, names: tuple[str, ...] | frozenset[str]) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in names)


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_what_each_entry_point_imports(row: Row) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_")}
    script = (
        f"import sys, json\n{row.setup}\n_before = set(sys.modules)\n{row.code}\n"
        "print(json.dumps(sorted(set(sys.modules) - _before)))"
    )
    done = run_python("-c", script, env={**environment, **dict(row.env)})
    added = set(json.loads(done.stdout.splitlines()[-1]))
    ours = {name for name in added if _is_under(name, ("lambda_metadata",))}
    if row.exact_foreign is not None:
        assert added - ours == row.exact_foreign
    if row.own is not None:
        assert ours <= row.own, sorted(ours - row.own)
    assert sorted(name for name in added if _is_under(name, row.absent)) == []
    assert [name for name in row.present if name not in added] == []
