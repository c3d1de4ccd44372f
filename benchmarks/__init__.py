"""Throughput benchmarks: each scenario runs the real app and a baseline in the same session.

Run with ``nox -s bench -- SCENARIO`` or ``python -m benchmarks SCENARIO``; see README.md.
"""
