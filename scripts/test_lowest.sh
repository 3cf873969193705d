#!/usr/bin/env bash
# Runs the test suite with the lowest versions pyproject.toml accepts, on a given interpreter:
#   scripts/test_lowest.sh PYTHON [pytest args...]
# uv's lowest-direct resolution picks the lowest allowed version of each direct dependency (the
# package's, every extra's and the dev group's: wrapt 1.14, snapshot-restore-py 1.0, Powertools
# 3.26, awslambdaric 3.0, boto3 1.34, ...) and the newest of what they pull in. The pins go to a
# temp dir only (never a lock file); the project is installed editable into a fresh venv there.
set -euo pipefail
python=$1
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/lambda-metadata-lowest.XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$repo"
uv pip compile --quiet --resolution lowest-direct --python "$python" --all-extras --group dev \
    pyproject.toml -o "$work/lowest.txt"
uv venv --quiet --python "$python" "$work/venv"
uv pip install --quiet --python "$work/venv/bin/python" -r "$work/lowest.txt" -e .
grep -E '^(wrapt|snapshot-restore-py|aws-lambda-powertools|awslambdaric|boto3|pytest|pytest-xdist)==' \
    "$work/lowest.txt" | paste -sd ' ' -
# The venv activated, so the tests' own uv calls (the layer's runtime dir) use it too.
export VIRTUAL_ENV=$work/venv PATH=$work/venv/bin:$PATH
pytest -q -p no:cacheprovider "$@"
