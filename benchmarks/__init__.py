"""Benchmarks of lambda-metadata side by side with Powertools and the bare standard library.

Run ``uv run python -m benchmarks`` (``--quick`` for CI, ``--json`` for machines).
Every figure of one run is measured in the same process and run, against the
same local ``MetadataEndpoint``, and reported as a median with its spread and
as ratios to a floor; targets are ratios, never absolute times.
"""
