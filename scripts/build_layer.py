"""Build a Lambda layer zip of lambda-metadata and its dependencies, in the ``python/`` layout.

    uv run python scripts/build_layer.py --python 3.13 --arch arm64

takes the platform wheels of the dependencies for that Lambda runtime (manylinux2014, so every
Python runtime from 3.10 to 3.13 can load them; no extension is compiled) and writes
``dist/lambda-metadata-layer-python3.13-arm64.zip``. The layer carries bytecode for that Python
(``unchecked-hash`` .pyc files, written by an interpreter of that version found on this machine),
since ``/opt`` is read-only in Lambda and every cold start would otherwise compile the sources;
without such an interpreter it warns and ships sources only (``--no-bytecode`` does so quietly).
``--wheel`` uses a wheel already built (CI passes the one it tests); otherwise the wheel is built
from this tree with ``uv build``.

The layer holds ``lambda_metadata`` and wrapt, nothing else. wrapt is pinned to ``WRAPT``, the
release that imports fastest and passes the suite (``--wrapt`` picks another, to compare):
every 2.x imports asyncio and importlib.metadata, several times slower to start (docs/deploy.md
has the measurement). ``snapshot_restore_py`` is left out: every runtime with SnapStart ships
it, the runtime's own hooks run through it, and a layer's copy would shadow the runtime's,
since ``/opt/python`` comes before the runtime's directories on ``sys.path``. The library
imports it only under SnapStart.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
PLATFORMS = {"x86_64": "x86_64-manylinux2014", "arm64": "aarch64-manylinux2014"}
WRAPT = "wrapt==1.17.3"
"""The layer's wrapt: see docs/deploy.md, "Which wrapt the layer ships"."""
EPOCH = (1980, 1, 1, 0, 0, 0)
"""Every entry's timestamp, so a zip does not depend on when it was built."""


UNCOMPILED = {k: v for k, v in os.environ.items() if k != "UV_COMPILE_BYTECODE"}
"""The environment of ``uv pip install --no-compile``: the layer compiles its own bytecode, for
its Python, and uv refuses ``--no-compile`` beside a ``UV_COMPILE_BYTECODE`` set for the venvs."""


def _uv() -> str:
    found = shutil.which("uv")
    if found is None:
        raise SystemExit("build_layer: uv is needed (https://docs.astral.sh/uv/)")
    return found


def build_wheel(out: Path) -> Path:
    subprocess.run(
        [_uv(), "build", "--quiet", "--wheel", "--out-dir", str(out), str(ROOT)], check=True
    )
    [wheel] = out.glob("lambda_metadata-*.whl")
    return wheel


def install(wheel: Path, target: Path, *, python: str, arch: str, wrapt: str = WRAPT) -> None:
    """The wheel and wrapt, without their other dependencies (``snapshot_restore_py``)."""
    subprocess.run(
        [
            _uv(), "pip", "install", "--quiet", "--no-compile", "--no-deps",
            "--target", str(target),
            "--python-version", python,
            "--python-platform", PLATFORMS[arch],
            "--only-binary", ":all:",
            str(wheel), wrapt,
        ],
        check=True,
        env=UNCOMPILED,
    )  # fmt: skip
    shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: no use in a layer
    (target / ".lock").unlink(missing_ok=True)  # uv's lock of the target directory
    for direct_url in target.glob("*.dist-info/direct_url.json"):
        direct_url.unlink()  # it names the wheel's path on the building machine
        record = direct_url.with_name("RECORD")
        lines = record.read_text().splitlines(keepends=True)
        record.write_text("".join(line for line in lines if "/direct_url.json," not in line))
    for cache in list(target.rglob("__pycache__")):
        shutil.rmtree(cache)


def interpreter(python: str) -> str | None:
    """An interpreter of that minor version on this machine (pyenv's, or ``python3.X``)."""
    candidates = []
    try:
        versions = subprocess.run(
            ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=True
        ).stdout.split()
        matching = sorted(
            (v for v in versions if v.startswith(f"{python}.") and v.count(".") == 2),
            key=lambda v: tuple(int(part) for part in v.split(".")),
        )
        if matching:
            prefix = subprocess.run(
                ["pyenv", "prefix", matching[-1]], capture_output=True, text=True, check=True
            ).stdout.strip()
            candidates.append(str(Path(prefix) / "bin" / "python"))
    except (OSError, subprocess.CalledProcessError):
        pass
    found = shutil.which(f"python{python}")
    if found:
        candidates.append(found)
    for candidate in candidates:  # a pyenv shim of a version not selected fails: try it first
        try:
            done = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True, text=True, check=False, timeout=30,
            )  # fmt: skip
        except OSError:
            continue
        if done.returncode == 0 and done.stdout.strip() == python:
            return candidate
    return None


def compile_bytecode(target: Path, *, python: str) -> bool:
    """Write .pyc files checked by hash only (a zip keeps no exact source mtimes)."""
    found = interpreter(python)
    if found is None:
        print(
            f"build_layer: no Python {python} here: the layer ships sources only", file=sys.stderr
        )
        return False
    # beside the sources, where Lambda looks: a PYTHONPYCACHEPREFIX would send them elsewhere
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPYCACHEPREFIX"}
    subprocess.run(
        [found, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
         str(target)],
        check=True,
        env=env,
    )  # fmt: skip
    return True


def write_zip(layer: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(layer.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(path.relative_to(layer).as_posix(), EPOCH)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes())


def build_layer(
    *,
    python: str,
    arch: str,
    out_dir: Path,
    wheel: Path | None = None,
    bytecode: bool = True,
    wrapt: str = WRAPT,
) -> Path:
    """Build the layer zip and return its path."""
    with tempfile.TemporaryDirectory(prefix="lambda-metadata-layer-") as scratch:
        work = Path(scratch)
        wheel = wheel or build_wheel(work / "wheel")
        install(wheel, work / "layer" / "python", python=python, arch=arch, wrapt=wrapt)
        if bytecode:
            compile_bytecode(work / "layer" / "python", python=python)
        destination = out_dir / f"lambda-metadata-layer-python{python}-{arch}.zip"
        write_zip(work / "layer", destination)
    return destination


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", choices=PYTHONS, default="3.13", help="Lambda runtime")
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="x86_64")
    parser.add_argument("--wheel", type=Path, help="a built lambda-metadata wheel to use")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "dist")
    parser.add_argument(
        "--no-bytecode", dest="bytecode", action="store_false", help="ship sources only"
    )
    parser.add_argument("--wrapt", default=WRAPT, help=f"the wrapt requirement (default {WRAPT})")
    args = parser.parse_args(argv)
    wheel = args.wheel.resolve() if args.wheel else None
    path = build_layer(
        python=args.python,
        arch=args.arch,
        out_dir=args.out_dir,
        wheel=wheel,
        bytecode=args.bytecode,
        wrapt=args.wrapt,
    )
    print(f"{os.path.relpath(path)}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
