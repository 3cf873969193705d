"""The Lambda layer (for this Python and machine, built by the documented command from the tested
wheel) is all a function needs of the library: in an interpreter without site-packages, and in the
real awslambdaric runtime kept apart as in Lambda's ``/var/runtime``. Its size and the wheel's are
the docs'."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, load_module, run, run_python
from fake_runtime import running, runtime_environment

from lambda_metadata.testing import MetadataEndpoint

SCRIPT = ROOT / "scripts" / "build_layer.py"
COLD_START = ROOT / "scripts" / "layer_cold_start.py"
WRAPT = load_module(SCRIPT).WRAPT.removeprefix("wrapt==")  # the release the layer pins
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(
    platform.machine().lower()
)
CLEAN = [sys.executable, "-S", "-s", "-B"]  # no site-packages: PYTHONPATH and the stdlib alone
DEPLOY = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
TOLERANCES = {"wheel": 0.20, "layer": 0.15, "README's layer": 0.25}  # README's: for every Python

pytestmark = [
    pytest.mark.skipif(shutil.which("uv") is None, reason="the layer build runs uv"),
    pytest.mark.skipif(ARCH is None or sys.platform != "linux", reason="Lambda runs on Linux"),
]

FUNCTION = """\
import json, logging, sys
from lambda_metadata import get_lambda_metadata, inject_az

logger = logging.getLogger("layer_function")
logger.setLevel(logging.INFO)
INIT_AZ = get_lambda_metadata().availability_zone_id

@inject_az
def handler(event, context):
    az = context.lambda_metadata.availability_zone_id if context else None
    logger.info("invocation az=%s", az)
    modules = ("lambda_metadata", "wrapt", "snapshot_restore_py")
    return {
        "availability_zone_id": get_lambda_metadata().availability_zone_id,
        "context_availability_zone_id": az,
        "init_availability_zone_id": INIT_AZ,
        "modules": {name: getattr(sys.modules.get(name), "__file__", None) for name in modules},
        "site_packages": [p for p in sys.path if "site-packages" in p],
        "no_site": sys.flags.no_site,
    }
"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """The layer zip for this Python and architecture, from the wheel the suite tests."""
    out = tmp_path_factory.mktemp("layer-zip")
    arguments = ["--python", PYTHON, "--arch", ARCH, "--out-dir", out, "--wheel", wheel]
    assert "bytes" in run_python(SCRIPT, *arguments, timeout=300).stdout
    [built] = out.glob("*.zip")
    assert built.name == f"lambda-metadata-layer-python{PYTHON}-{ARCH}.zip"
    return built


@pytest.fixture(scope="module")
def layer(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layer unpacked, beside the function's module; returns its ``python/``."""
    unpacked = tmp_path_factory.mktemp("layer")
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(unpacked)
    (unpacked / "task").mkdir()
    (unpacked / "task" / "layer_function.py").write_text(FUNCTION)
    return unpacked / "python"


def test_the_layer_holds_the_library_its_wrapt_and_their_bytecode_alone(archive: Path) -> None:
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        tag = f"cpython-{PYTHON.replace('.', '')}"
        header = opened.read(f"python/lambda_metadata/__pycache__/_cache.{tag}.pyc")[:8]
    assert all(name.startswith("python/") for name in names)
    assert {"python/lambda_metadata/__init__.py", "python/lambda_metadata/py.typed"} <= set(names)
    assert not [name for name in names if name.startswith("python/bin/")]
    # Bytecode for this Python only, checked by hash only: /opt is read-only in Lambda, and a zip
    # keeps no exact source mtimes, so any other .pyc would be compiled again on every cold start.
    assert f"python/lambda_metadata/__pycache__/__init__.{tag}.pyc" in names
    assert all(f".{tag}.pyc" in name for name in names if name.endswith(".pyc"))
    assert int.from_bytes(header[4:8], "little") == 0b01  # hash-based, unchecked
    assert not [name for name in names if name.endswith("direct_url.json")]  # no local paths
    # lambda_metadata and the pinned wrapt only: the runtime provides snapshot_restore_py
    assert {name.split("/")[1].split("-")[0] for name in names} == {"lambda_metadata", "wrapt"}
    assert f"python/wrapt-{WRAPT}.dist-info/METADATA" in names


def test_the_wheel_and_the_layer_are_the_sizes_the_docs_say(archive: Path, wheel: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stated = {
        "wheel": re.search(r"The wheel is about \*\*(\d+) KB\*\*", DEPLOY),
        "layer": re.search(rf"^\| python{re.escape(PYTHON)} \| about (\d+) KB \|$", DEPLOY, re.M),
        "README's layer": re.search(r"about (\d+(?:\.\d+)?) MB \(a test builds it", readme),
    }
    for what, found in stated.items():
        assert found is not None, f"docs/deploy.md or README states no {what} size"
        size = (wheel if what == "wheel" else archive).stat().st_size
        figure = float(found.group(1)) * (1e6 if what.startswith("README") else 1e3)
        assert abs(size - figure) <= TOLERANCES[what] * figure, (what, size)
    assert f"within {TOLERANCES['layer']:.0%}" in DEPLOY
    assert f"within {TOLERANCES['wheel']:.0%}" in DEPLOY


def _under(path: str | None, directory: Path) -> bool:
    return path is not None and directory.resolve() in Path(path).resolve().parents


def _check(result: dict[str, Any], layer: Path, az: str, *, init_az: str) -> None:
    """The handler's answer: its AZs, and the library and wrapt from the layer alone."""
    assert result["availability_zone_id"] == az
    assert result["init_availability_zone_id"] == init_az
    assert result["no_site"] == 1
    assert result["site_packages"] == []
    assert _under(result["modules"]["lambda_metadata"], layer), result["modules"]
    assert _under(result["modules"]["wrapt"], layer), result["modules"]


def test_a_handler_in_a_clean_interpreter_imports_the_library_from_the_layer_alone(
    layer: Path, tmp_path: Path
) -> None:
    program = "import json, layer_function\nprint(json.dumps(layer_function.handler({}, None)))\n"
    path = f"{layer.parent / 'task'}{os.pathsep}{layer}"
    with MetadataEndpoint(availability_zone_id="euw1-az3") as endpoint:
        done = run(
            *CLEAN, "-c", program, cwd=tmp_path, env={"PYTHONPATH": path, **endpoint.environ}
        )
    result = json.loads(done.stdout.splitlines()[-1])
    _check(result, layer, "euw1-az3", init_az="euw1-az3")
    assert result["context_availability_zone_id"] is None  # no context: run anyway, no metadata
    assert result["modules"]["snapshot_restore_py"] is None
    assert endpoint.token not in done.stdout + done.stderr


@pytest.fixture(scope="module")
def runtime_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """awslambdaric, simplejson and snapshot_restore_py alone, as Lambda's runtime holds them."""
    pytest.importorskip("awslambdaric")
    target = tmp_path_factory.mktemp("var-runtime")
    names = ("awslambdaric", "simplejson", "snapshot-restore-py")
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in names]
    install = ["uv", "pip", "install", "--quiet", "--no-deps", "--target", target, *pins]
    run(*install, env={**os.environ, "UV_PYTHON": sys.executable}, timeout=300)  # for this Python
    assert not (target / "lambda_metadata").exists()
    return target


@pytest.mark.runtime
def test_the_real_runtime_restores_a_snapstart_function_with_the_library_from_the_layer(
    layer: Path, runtime_dir: Path, api: Any
) -> None:
    task = layer.parent / "task"
    with MetadataEndpoint(availability_zone_id="use1-az1") as endpoint:
        env = runtime_environment(
            api,
            endpoint.environ,
            initialization_type="snap-start",
            PYTHONPATH=os.pathsep.join(map(str, (runtime_dir, task, layer))),
            LAMBDA_TASK_ROOT=str(task),
        )
        with running("layer_function.handler", env, interpreter_args=CLEAN[1:], cwd=task) as rt:
            assert api.restore_requested.wait(15), rt.stderr
            endpoint.availability_zone_id = "use1-az2"  # restored in another AZ
            api.release_restore()
            result = api.invoke({})
            [line] = rt.wait_for_lines("invocation az=")
            assert rt.returncode is None
    _check(result, layer, "use1-az2", init_az="use1-az1")
    assert result["context_availability_zone_id"] == "use1-az2"
    # the runtime's own, which its hooks run through: the layer does not shadow it
    assert _under(result["modules"]["snapshot_restore_py"], runtime_dir)
    assert "invocation az=use1-az2" in line
    assert api.init_errors == api.restore_errors == api.invocation_errors == []
    assert endpoint.token not in "\n".join(rt.stdout + rt.stderr)


@pytest.mark.runtime
def test_the_cold_start_measurement_runs_each_handler_from_its_layer_alone(wheel: Path) -> None:
    """scripts/layer_cold_start.py (docs/benchmarks.md's table), one round: it checks each
    handler answers with the AZ from its own layer."""
    pytest.importorskip("awslambdaric")
    pytest.importorskip("aws_lambda_powertools")
    table = load_module(COLD_START).cold_start_table(1, wheel=wheel, compare=False)
    rows = [line for line in table.splitlines() if line.startswith("| ") and " ms |" in line]
    assert len(rows) == 2, table
    assert rows[0].startswith(f"| `@inject_az`, the layer (wrapt {WRAPT})")
    assert "Powertools" in rows[1]
    assert "Powertools' cold start." in table


def test_the_layers_wrapt_imports_no_asyncio_after_the_runtime() -> None:
    """The wrapt import measurement (docs/deploy.md's table), one round of the pinned release."""
    pytest.importorskip("awslambdaric")
    table = load_module(COLD_START).wrapt_import_table([WRAPT], 1)
    [row] = [line for line in table.splitlines() if line.startswith(f"| {WRAPT} |")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[2] == "1.0\N{MULTIPLICATION SIGN}"
    assert int(cells[3]) < 30  # modules: wrapt 2.x imports 80 to 140
    assert cells[4] == "no"  # asyncio
