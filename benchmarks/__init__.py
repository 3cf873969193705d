"""Benchmarks of lambda-metadata side by side with Powertools and a floor, in one run.

``python -m benchmarks`` (``--quick`` for CI); ``python -m benchmarks.matrix`` for the
Python x wrapt matrix. Subjects are interleaved in every round; medians are compared as ratios.
"""
