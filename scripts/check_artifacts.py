"""Check what the built wheel and sdist hold: the package, its marker and license, nothing stray.

    python scripts/check_artifacts.py dist

Complements ``twine check --strict`` (metadata renders) and ``check-wheel-contents`` (wheel
hygiene) with this project's own promises. Standard library only.
"""

from __future__ import annotations

import email.parser
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

URLS = {"Documentation", "Changelog", "Source", "Issues"}
SDIST_NEEDS = ["LICENSE", "PKG-INFO", "pyproject.toml", "README.md", "PYPI.md", "CHANGELOG.md"]
SDIST_NEEDS += ["lambda_metadata/py.typed", "tests/conftest.py", "tests/typing/handlers.py"]
SDIST_NEEDS += ["docs/deploy.md", "mkdocs.yml", "benchmarks/__main__.py"]
SDIST_NEEDS += ["examples/sam-app/template.yaml", "scripts/build_layer.py"]
SDIST_NEEDS += ["scripts/layer_cold_start.py", "scripts/lint_template.py"]  # the tests run them


def check_metadata(text: str, where: str) -> list[str]:
    meta = email.parser.Parser().parsestr(text)
    problems = []
    if meta["License-Expression"] != "MIT":
        problems.append(f"{where}: License-Expression is {meta['License-Expression']!r}")
    if meta.get_all("License-File") != ["LICENSE"]:
        problems.append(f"{where}: License-File is {meta.get_all('License-File')!r}")
    labels = {url.split(",")[0].strip() for url in meta.get_all("Project-URL") or []}
    if labels != URLS:
        problems.append(f"{where}: Project-URL labels are {sorted(labels)}")
    body = meta.get_payload()
    assert isinstance(body, str)
    if "in a clone of this repository" in body.lower() or "](docs/" in body:
        problems.append(f"{where}: the long description speaks to a clone or links relatively")
    return problems


def check_wheel(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        problems = check_metadata(wheel.read(info).decode(), path.name)
    dist_info = info.split("/")[0]
    for name in names:
        top = PurePosixPath(name).parts[0]
        if top not in {"lambda_metadata", dist_info}:
            problems.append(f"{path.name}: stray {name}")
        if "__pycache__" in name or name.endswith((".pyc", ".so")):
            problems.append(f"{path.name}: {name} does not belong in a pure wheel")
    for needed in ["lambda_metadata/py.typed", f"{dist_info}/licenses/LICENSE"]:
        if needed not in names:
            problems.append(f"{path.name}: {needed} is missing")
    return problems


def check_sdist(path: Path) -> list[str]:
    with tarfile.open(path) as sdist:
        names = sdist.getnames()
        root = names[0].split("/")[0]
        pkg_info = sdist.extractfile(f"{root}/PKG-INFO")
        assert pkg_info is not None
        problems = check_metadata(pkg_info.read().decode(), path.name)
    inside = {name.removeprefix(f"{root}/") for name in names}
    problems += [f"{path.name}: {n} is missing" for n in SDIST_NEEDS if n not in inside]
    problems += [f"{path.name}: stray {n}" for n in inside if "__pycache__" in n or ".aws-sam" in n]
    return problems


def main(argv: list[str]) -> int:
    directory = Path(argv[1] if len(argv) > 1 else "dist")
    wheels, sdists = sorted(directory.glob("*.whl")), sorted(directory.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        print(f"expected one wheel and one sdist in {directory}", file=sys.stderr)
        return 1
    problems = check_wheel(wheels[0]) + check_sdist(sdists[0])
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        size = wheels[0].stat().st_size
        print(f"{wheels[0].name}: {size:,} bytes; {sdists[0].name}: {sdists[0].stat().st_size:,}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
