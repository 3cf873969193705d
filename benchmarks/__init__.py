"""Benchmarks of lambda-metadata side by side with Powertools and a floor, in one run.

``python -m benchmarks`` (``--quick`` for CI, ``--matrix`` for the Python x wrapt cells).
Subjects are interleaved in every round; medians are compared as ratios.
"""
