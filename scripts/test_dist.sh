#!/usr/bin/env bash
# Runs the test suite against a built artifact, never against this source tree.
#   scripts/test_dist.sh wheel dist/lambda_metadata-X-py3-none-any.whl [pytest args...]
#     installs the wheel into a fresh venv and runs a copy of tests/ (with docs/, examples/,
#     benchmarks/ and scripts/ beside it, the lambda_metadata/ package left out) from a temp dir.
#   scripts/test_dist.sh typing dist/lambda_metadata-X-py3-none-any.whl
#     installs the wheel and runs `mypy --strict` on a copy of tests/typing/ alone.
#   scripts/test_dist.sh sdist dist/lambda_metadata-X.tar.gz [pytest args...]
#     unpacks the sdist, builds a wheel from it, installs that and runs the sdist's own tests
#     (with the sdist's lambda_metadata/ removed, so only the installed one can be imported).
# UV_PYTHON=/path/to/python picks the venv's interpreter (uv's default Python otherwise).
# The dev dependency group comes from the tree that is tested; LAMBDA_METADATA_EXPECT_INSTALLED
# makes tests/test_installed.py check that lambda_metadata is imported from the venv.
set -euo pipefail
kind=$1 artifact=$(realpath "$2")
shift 2
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/lambda-metadata-$kind.XXXXXX")
trap 'rm -rf "$work"' EXIT

case $kind in
wheel | typing)
    tree=$work/tree
    mkdir "$tree"
    for part in tests docs examples benchmarks scripts pyproject.toml mkdocs.yml README.md PYPI.md; do
        cp -R "$repo/$part" "$tree/"
    done
    wheel=$artifact
    ;;
sdist)
    tar -xzf "$artifact" -C "$work"
    tree=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'lambda_metadata-*')
    uv build --quiet --wheel --out-dir "$work/dist" "$tree"
    wheel=$(find "$work/dist" -name '*.whl')
    rm -rf "$tree/lambda_metadata"  # built into the wheel: the tests import it from the venv
    ;;
*)
    echo "usage: $0 wheel|sdist ARTIFACT [pytest args...]" >&2
    exit 2
    ;;
esac
find "$tree" \( -name __pycache__ -o -name .pytest_cache \) -prune -exec rm -rf {} +

uv venv --quiet "$work/venv"
(cd "$tree" && uv pip install --quiet --python "$work/venv/bin/python" "$wheel" --group dev)
if [[ $kind == typing ]]; then
    mkdir "$work/typing"
    cp "$tree"/tests/typing/*.py "$work/typing/"
    cd "$work/typing"  # no pyproject.toml here: mypy sees the venv's package and these files only
    "$work/venv/bin/mypy" --strict --python-executable "$work/venv/bin/python" \
        --no-incremental --cache-dir /dev/null .
    exit
fi
cd "$tree"
# The venv's pytest script, not `python -m pytest`; the tree's root is on PYTHONPATH for the
# benchmarks package the tests import, and holds no lambda_metadata/ to shadow the installed one.
# tests/test_layer.py builds its layer from this same wheel. UV_PYTHON picks the venv's Python.
export VIRTUAL_ENV=$work/venv PYTHONPATH=$tree
LAMBDA_METADATA_EXPECT_INSTALLED=$work/venv LAMBDA_METADATA_WHEEL=$wheel "$work/venv/bin/pytest" -q -p no:cacheprovider "$@"
