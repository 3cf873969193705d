"""Build a Lambda layer zip of lambda-metadata and its dependencies, in the ``python/`` layout.

    uv run python scripts/build_layer.py --python 3.13 --arch arm64

takes the platform wheels of the dependencies for that Lambda runtime (manylinux2014, so every
Python runtime from 3.10 to 3.13 can load them; nothing is compiled) and writes
``dist/lambda-metadata-layer-python3.13-arm64.zip``. ``--wheel`` uses a wheel already built
(CI passes the one it tests); otherwise the wheel is built from this tree with ``uv build``.
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
EPOCH = (1980, 1, 1, 0, 0, 0)
"""Every entry's timestamp: the same inputs give the same zip."""


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


def install(wheel: Path, target: Path, *, python: str, arch: str) -> None:
    subprocess.run(
        [
            _uv(), "pip", "install", "--quiet", "--no-compile",
            "--target", str(target),
            "--python-version", python,
            "--python-platform", PLATFORMS[arch],
            "--only-binary", ":all:",
            str(wheel),
        ],
        check=True,
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


def write_zip(layer: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(layer.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(path.relative_to(layer).as_posix(), EPOCH)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes())


def build_layer(*, python: str, arch: str, out_dir: Path, wheel: Path | None = None) -> Path:
    """Build the layer zip and return its path."""
    with tempfile.TemporaryDirectory(prefix="lambda-metadata-layer-") as scratch:
        work = Path(scratch)
        wheel = wheel or build_wheel(work / "wheel")
        install(wheel, work / "layer" / "python", python=python, arch=arch)
        destination = out_dir / f"lambda-metadata-layer-python{python}-{arch}.zip"
        write_zip(work / "layer", destination)
    return destination


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", choices=PYTHONS, default="3.13", help="Lambda runtime")
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="x86_64")
    parser.add_argument("--wheel", type=Path, help="a built lambda-metadata wheel to use")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    wheel = args.wheel.resolve() if args.wheel else None
    path = build_layer(python=args.python, arch=args.arch, out_dir=args.out_dir, wheel=wheel)
    print(f"{os.path.relpath(path)}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
