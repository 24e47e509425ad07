"""Throughput and memory benchmarks of the connector against the local Stripe emulator.

Run ``python -m bench [--scenario NAME ...] [--quick] [--json out/bench.json]``; see
``bench/README.md`` for the scenarios and the latest figures.
"""
