"""The `make bench` harness (entry point: scripts/bench.py).

Modules: `baseline_app` (minimal Starlette + asyncpg reference service), `wrk` (the load tool),
`stack` (PostgreSQL, the services as processes, test data), `reload` (hot-reload timing),
`report` (the table and docs/benchmarks.md), `run` (the scenarios, in order).
"""
