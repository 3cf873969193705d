"""The Lambda layer, built by the documented command, is all a function needs of the library.

The layer is built once for this interpreter's Python and the default architecture (x86_64 on
an x86_64 machine), from ``LAMBDA_METADATA_WHEEL`` when CI tests a built wheel. A handler then
runs in an interpreter without site-packages whose only path besides the standard library is the
layer's ``python/``; and the real awslambdaric runtime, from a directory of its own as in
Lambda's ``/var/runtime``, runs a SnapStart function whose library comes only from the layer.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import load_module

from lambda_metadata.testing import MetadataEndpoint

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_layer.py"
COLD_START = ROOT / "scripts" / "layer_cold_start.py"
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(
    platform.machine().lower()
)
CLEAN = [sys.executable, "-S", "-s", "-B"]
"""No site-packages, no user site: PYTHONPATH and the standard library are all it sees."""

pytestmark = [
    pytest.mark.skipif(shutil.which("uv") is None, reason="the layer build runs uv"),
    pytest.mark.skipif(ARCH is None or sys.platform != "linux", reason="Lambda runs on Linux"),
]

FUNCTION = """
import json
import logging
import sys

import lambda_metadata
from lambda_metadata import get_lambda_metadata, inject_az

logger = logging.getLogger("layer_function")
logger.setLevel(logging.INFO)
INIT_AZ = get_lambda_metadata().availability_zone_id


@inject_az
def handler(event, context):
    az = context.lambda_metadata.availability_zone_id if context else None
    logger.info("invocation az=%s", az)
    return {
        "availability_zone_id": get_lambda_metadata().availability_zone_id,
        "context_availability_zone_id": az,
        "init_availability_zone_id": INIT_AZ,
        "modules": {
            name: getattr(sys.modules.get(name), "__file__", None)
            for name in ("lambda_metadata", "wrapt", "snapshot_restore_py")
        },
        "path": sys.path,
        "no_site": sys.flags.no_site,
    }
"""


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layer zip for this Python and architecture, unpacked; returns its ``python/``."""
    out = tmp_path_factory.mktemp("layer-zip")
    command = [sys.executable, str(SCRIPT), "--python", PYTHON, "--arch", str(ARCH)]
    command += ["--out-dir", str(out)]
    if os.environ.get("LAMBDA_METADATA_WHEEL"):
        command += ["--wheel", os.environ["LAMBDA_METADATA_WHEEL"]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    [archive] = out.glob("*.zip")
    assert archive.name == f"lambda-metadata-layer-python{PYTHON}-{ARCH}.zip"
    assert "bytes" in done.stdout
    unpacked = tmp_path_factory.mktemp("layer")
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        opened.extractall(unpacked)
    assert all(name.startswith("python/") for name in names)
    assert "python/lambda_metadata/__init__.py" in names
    assert "python/lambda_metadata/py.typed" in names
    assert not [name for name in names if name.startswith("python/bin/")]
    # Bytecode for this Python only, checked by hash only: /opt is read-only in Lambda, and a zip
    # keeps no exact source mtimes, so any other .pyc would be compiled again on every cold start.
    tag = f"cpython-{PYTHON.replace('.', '')}"
    compiled = [name for name in names if name.endswith(".pyc")]
    assert f"python/lambda_metadata/__pycache__/__init__.{tag}.pyc" in names
    assert all(f".{tag}.pyc" in name for name in compiled)
    with zipfile.ZipFile(archive) as opened:
        header = opened.read(f"python/lambda_metadata/__pycache__/_cache.{tag}.pyc")[:8]
    assert int.from_bytes(header[4:8], "little") == 0b01  # hash-based, unchecked
    assert not [name for name in names if name.endswith("direct_url.json")]  # no local paths
    # lambda_metadata and the pinned wrapt only: the runtime provides snapshot_restore_py
    top = {name.split("/")[1].split("-")[0] for name in names}
    assert top == {"lambda_metadata", "wrapt"}, top
    wrapt_version = load_module(SCRIPT).WRAPT.split("==")[1]
    assert f"python/wrapt-{wrapt_version}.dist-info/METADATA" in names
    return unpacked / "python"


@pytest.fixture(scope="module")
def function_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    task = tmp_path_factory.mktemp("task")
    (task / "layer_function.py").write_text(textwrap.dedent(FUNCTION))
    return task


def _under(path: str | None, directory: Path) -> bool:
    return path is not None and directory.resolve() in Path(path).resolve().parents


def test_a_handler_in_a_clean_interpreter_imports_the_library_from_the_layer_alone(
    layer: Path, function_dir: Path, tmp_path: Path
) -> None:
    program = "import json, layer_function\nprint(json.dumps(layer_function.handler({}, None)))\n"
    with MetadataEndpoint(availability_zone_id="euw1-az3") as endpoint:
        done = subprocess.run(
            [*CLEAN, "-c", program],
            cwd=tmp_path,
            env={"PYTHONPATH": f"{function_dir}{os.pathsep}{layer}", **endpoint.environ},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    assert result["availability_zone_id"] == "euw1-az3"
    assert result["init_availability_zone_id"] == "euw1-az3"
    assert result["context_availability_zone_id"] is None  # no context: run anyway, no metadata
    assert result["no_site"] == 1
    for name, path in result["modules"].items():
        if path is not None:
            assert _under(path, layer), (name, path)
    assert _under(result["modules"]["lambda_metadata"], layer)
    assert _under(result["modules"]["wrapt"], layer)
    assert not [p for p in result["path"] if "site-packages" in p]
    assert endpoint.token not in done.stdout + done.stderr


@pytest.fixture(scope="module")
def runtime_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """awslambdaric, simplejson and snapshot_restore_py alone, as Lambda's runtime holds them."""
    pytest.importorskip("awslambdaric")
    target = tmp_path_factory.mktemp("var-runtime")
    pins = [
        f"{name}=={importlib.metadata.version(name)}"
        for name in ("awslambdaric", "simplejson", "snapshot-restore-py")
    ]
    uv = shutil.which("uv")
    assert uv is not None
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--no-deps", "--target", str(target), *pins],
        env={**os.environ, "UV_PYTHON": sys.executable},  # wheels for this Python, not the venv's
        check=True,
        timeout=300,
    )
    assert not (target / "lambda_metadata").exists()
    return target


@pytest.mark.runtime
def test_the_real_runtime_restores_a_snapstart_function_with_the_library_from_the_layer(
    layer: Path, function_dir: Path, runtime_dir: Path, api: Any
) -> None:
    from fake_runtime import running, runtime_environment

    path = os.pathsep.join(map(str, (runtime_dir, function_dir, layer)))
    with MetadataEndpoint(availability_zone_id="use1-az1") as endpoint:
        env = runtime_environment(
            api,
            endpoint.environ,
            initialization_type="snap-start",
            PYTHONPATH=path,
            LAMBDA_TASK_ROOT=str(function_dir),
        )
        with running(
            "layer_function.handler", env, interpreter_args=CLEAN[1:], cwd=function_dir
        ) as runtime:
            assert api.restore_requested.wait(15), runtime.stderr
            endpoint.availability_zone_id = "use1-az2"  # restored in another AZ
            api.release_restore()
            result = api.invoke({})
            [line] = runtime.wait_for_lines("invocation az=")

            assert result["availability_zone_id"] == "use1-az2"
            assert result["context_availability_zone_id"] == "use1-az2"
            assert result["init_availability_zone_id"] == "use1-az1"
            assert result["no_site"] == 1
            for name in ("lambda_metadata", "wrapt"):
                assert _under(result["modules"][name], layer), result["modules"]
            # the runtime's own, which its hooks run through: the layer does not shadow it
            assert _under(result["modules"]["snapshot_restore_py"], runtime_dir)
            assert "invocation az=use1-az2" in line
            assert api.init_errors == api.restore_errors == []
            assert api.invocation_errors == []
            assert runtime.returncode is None
        assert endpoint.token not in "\n".join(runtime.stdout + runtime.stderr)


@pytest.mark.runtime
def test_the_cold_start_measurement_runs_each_handler_from_its_layer_alone() -> None:
    """scripts/layer_cold_start.py, one round: docs/benchmarks.md's table comes from its runs.

    Each handler must answer with the AZ from its own layer (the script checks every response);
    no timing is asserted here.
    """
    pytest.importorskip("awslambdaric")
    pytest.importorskip("aws_lambda_powertools")
    cold_start = load_module(COLD_START)
    wheel = os.environ.get("LAMBDA_METADATA_WHEEL")
    table = cold_start.cold_start_table(1, wheel=Path(wheel) if wheel else None, compare=False)
    rows = [line for line in table.splitlines() if line.startswith("| ") and " ms |" in line]
    assert len(rows) == 2, table
    assert rows[0].startswith(f"| `@inject_az`, the layer (wrapt {load_module(SCRIPT).WRAPT[7:]})")
    assert "Powertools" in rows[1]
    assert "Powertools' cold start." in table


def test_the_layers_wrapt_imports_no_asyncio_after_the_runtime() -> None:
    """The wrapt import measurement (docs/deploy.md's table), one round of the pinned release."""
    pytest.importorskip("awslambdaric")
    pinned = load_module(SCRIPT).WRAPT.split("==")[1]
    table = load_module(COLD_START).wrapt_import_table([pinned], 1)
    [row] = [line for line in table.splitlines() if line.startswith(f"| {pinned} |")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[2] == "1.0\N{MULTIPLICATION SIGN}"
    assert int(cells[3]) < 30  # modules: wrapt 2.x imports 80 to 140
    assert cells[4] == "no"  # asyncio
