"""Import time is cold-start time: what `import lambda_metadata` loads, and what it must not."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import lambda_metadata

HEAVY = ("wrapt", "aws_lambda_powertools", "asyncio", "urllib.request", "boto3", "http.client")


def _modules_after(code: str, **env: str) -> set[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_")}
    environment.update(env)
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=environment
    ).stdout
    return set(json.loads(out))


def test_import_loads_nothing_heavy() -> None:
    loaded = _modules_after("import lambda_metadata")
    assert not {name for name in loaded if name.split(".")[0] in HEAVY or name in HEAVY}


def test_import_reads_no_environment_variable_of_the_endpoint() -> None:
    # Setting nonsense at import and fixing it before the call must work: nothing was read early.
    code = (
        "import os\n"
        "os.environ['AWS_LAMBDA_METADATA_API'] = 'garbage'\n"
        "import lambda_metadata\n"
        "os.environ.pop('AWS_LAMBDA_METADATA_API')\n"
        "try:\n"
        "    lambda_metadata.get_lambda_metadata()\n"
        "except lambda_metadata.MetadataUnavailableError:\n"
        "    pass\n"
    )
    _modules_after(code)


def test_public_names() -> None:
    for name in (
        "get_lambda_metadata",
        "LambdaMetadata",
        "LambdaMetadataError",
        "clear_metadata_cache",
    ):
        assert name in lambda_metadata.__all__
        assert hasattr(lambda_metadata, name)
    assert isinstance(lambda_metadata.__version__, str)


def test_powertools_is_never_imported_by_the_library() -> None:
    # Import, decorate, invoke, log and walk through a snapshot and a restore while any
    # import of aws_lambda_powertools is refused and recorded (it is installed here).
    code = (
        "import importlib.abc, logging, types\n"
        "attempts = []\n"
        "class Refuse(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'aws_lambda_powertools':\n"
        "            attempts.append(name)\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Refuse())\n"
        "import lambda_metadata\n"
        "from lambda_metadata.testing import MetadataEndpoint\n"
        "from lambda_metadata.testing import run_after_restore_hooks, run_before_snapshot_hooks\n"
        "@lambda_metadata.inject_az\n"
        "def handler(event, context):\n"
        "    logging.getLogger('function').warning('invoked')\n"
        "    return context.lambda_metadata.availability_zone_id\n"
        "with MetadataEndpoint() as endpoint, endpoint.environment():\n"
        "    assert handler({}, types.SimpleNamespace()) == 'use1-az1'\n"
        "    run_before_snapshot_hooks()\n"
        "    endpoint.availability_zone_id = 'use1-az2'\n"
        "    run_after_restore_hooks()\n"
        "    assert handler({}, types.SimpleNamespace()) == 'use1-az2'\n"
        "assert attempts == [], attempts\n"
    )
    loaded = _modules_after(code, AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    assert "snapshot_restore_py" in loaded  # the hooks were registered and run
    assert "wrapt" in loaded  # the decorator was used
    assert not {name for name in loaded if name.startswith("aws_lambda_powertools")}
