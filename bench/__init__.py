"""Benchmarks: API calls, wall time, CPU and memory of reconciler against their lower bounds,
side by side with the approaches a user would otherwise take. `python -m bench` runs them all
and writes docs/benchmarks.md; `python -m bench --fast` is the seconds-long version a test runs.
"""
