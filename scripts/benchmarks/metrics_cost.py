"""What the Prometheus metrics cost (issue 19): the same requests against two fresh processes of a
service on the same database, one with METRICS_ENABLED=true and one with false, in interleaved
rounds at the highest concurrency. Goal: at most 5 % fewer requests/s.

Part of `make bench` (run.main); alone, without the rest of the bench:

    .venv/bin/python scripts/benchmarks/metrics_cost.py [--tiny]
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil

from benchmarks import wrk
from benchmarks.stack import SERVICES, Stack, database, runtime_pythons, seed
from todo_harness.processes import ServiceProcess

GOAL = 0.05  # the largest acceptable share of throughput the metrics may cost
# scenario of run.requests -> the service it loads
COMPARED = {"backend.list": "backend", "mcp.list_tasks": "mcp-server"}
ON, OFF = "metrics-on", "metrics-off"


def _start_twin(stack: Stack, service: str, variant: str) -> str:
    """`service` again, metrics on or off; registered in the stack, so it is stopped with it."""
    name = f"{service}-{variant}"
    enabled = "true" if variant == ON else "false"
    process = ServiceProcess.python_module(name, SERVICES[service], {**stack.env(), "METRICS_ENABLED": enabled})
    process.command[0] = stack.pythons.get(service, sys.executable)
    process.health_path = "/health/ready"
    process.start(timeout=90)
    stack.services[name] = process
    return name


def direct_cost_us(samples: int = 20_000) -> dict[str, float]:
    """CPU microseconds the metrics add, timed directly: per request (in-flight gauge, counter,
    histogram) and per SQL statement (the timing hooks): figures the machine's load barely moves."""
    import time

    from todo_core.metrics import DB_QUERY_DURATION, HTTP_IN_FLIGHT, observe_request

    started = time.process_time()
    for _ in range(samples):
        HTTP_IN_FLIGHT.inc()
        HTTP_IN_FLIGHT.dec()
        observe_request("GET", "/api/{user_id}/tasks", 200, 0.01)
    per_request = (time.process_time() - started) / samples * 1e6
    info: dict[str, list[float]] = {}
    started = time.process_time()
    for _ in range(samples):
        info.setdefault("todo_query_start", []).append(time.perf_counter())
        keyword = "SELECT tasks.id FROM tasks".lstrip()[:8].split(None, 1)[0].upper()
        DB_QUERY_DURATION.labels(keyword).observe(time.perf_counter() - info["todo_query_start"].pop())
    per_statement = (time.process_time() - started) / samples * 1e6
    return {"per_request_us": round(per_request, 2), "per_statement_us": round(per_statement, 2)}


def _cpu_seconds(process: ServiceProcess) -> float:
    assert process.process is not None
    times = psutil.Process(process.process.pid).cpu_times()
    return float(times.user + times.system)


def measure(stack: Stack, mode: Any, binary: str, plan: dict[str, Any], interleaved: Callable[..., Any]) -> dict:
    """Throughput with metrics on and off; `interleaved` is run._interleaved (A B, A B, ... rounds).

    Twice the usual rounds, since other work on the machine moves throughput by more than the
    difference sought; each process's CPU time per request is recorded too (steadier: what other
    processes do changes it little)."""
    c = max(mode.concurrency)
    rounds = dataclasses.replace(mode, rounds=mode.rounds * 2, warmup=0)
    runs: dict[str, Any] = {}
    cost: dict[str, float] = {}
    cpu_cost: dict[str, float] = {}
    for scenario, service in COMPARED.items():
        names = {f"{scenario}.{variant}": _start_twin(stack, service, variant) for variant in (ON, OFF)}
        try:
            compared = {key: (name, plan[scenario][1]) for key, name in names.items()}
            if mode.warmup:
                for name in names.values():
                    wrk.run(binary, stack.url(name), plan[scenario][1], c, mode.warmup)
            cpu = {key: _cpu_seconds(stack.services[name]) for key, name in names.items()}
            rows = interleaved(stack, rounds, binary, list(names), compared, c, {})
            for key, name in names.items():
                row = rows[f"{key}.c{c}"]
                row["cpu_ms_per_request"] = round(
                    (_cpu_seconds(stack.services[name]) - cpu[key]) / max(row["requests"], 1) * 1000, 3
                )
        finally:
            for name in names.values():
                stack.services.pop(name).stop()
        on, off = rows[f"{scenario}.{ON}.c{c}"], rows[f"{scenario}.{OFF}.c{c}"]
        runs.update(rows)
        cost[scenario] = round(1 - on["rps"] / off["rps"], 4) if off["rps"] else 0.0
        cpu_cost[scenario] = round(on["cpu_ms_per_request"] / off["cpu_ms_per_request"] - 1, 4)
    direct = direct_cost_us()
    return {"connections": c, "runs": runs, "cost": cost, "cpu_cost": cpu_cost, "goal": GOAL, "direct": direct}


def table(result: dict[str, Any]) -> str:
    """The section docs/benchmarks.md shows (rendered by report.section)."""
    c = result["connections"]
    lines = [
        f"#### Metrics cost ({c} connections, metrics on vs off, same run)",
        "",
        "| requests | metrics on | metrics off | throughput cost | CPU per request | within 5 % |",
        "|---|---|---|---|---|---|",
    ]
    for scenario, cost in result["cost"].items():
        on, off = result["runs"][f"{scenario}.{ON}.c{c}"], result["runs"][f"{scenario}.{OFF}.c{c}"]
        cpu = result["cpu_cost"][scenario]
        met = "yes" if cost <= result["goal"] else "**NO**"
        lines.append(
            f"| {scenario} | {on['rps']:.0f} req/s, p50 {on['p50_ms']:.1f} ms, {on['cpu_ms_per_request']:.2f} ms CPU | "
            f"{off['rps']:.0f} req/s, p50 {off['p50_ms']:.1f} ms, {off['cpu_ms_per_request']:.2f} ms CPU | "
            f"{cost:+.1%} | {cpu:+.1%} | {met} |"
        )
    direct = result["direct"]
    lines += [
        "",
        f"Timed directly: {direct['per_request_us']:.1f} µs of CPU per request (in-flight gauge, counter, histogram)"
        f" and {direct['per_statement_us']:.1f} µs per SQL statement (query timing).",
    ]
    return "\n".join(lines)


def main() -> None:
    from benchmarks import run

    mode = run.TINY if "--tiny" in sys.argv else run.FULL
    with database(None) as database_url, Stack(database_url, pythons=runtime_pythons()) as stack:
        for name in ("backend", "mcp-server"):
            stack.start(name)
        plan = run.requests(seed(stack.url("backend"), run.TASKS))
        print(table(measure(stack, mode, wrk.ensure_wrk(), plan, run._interleaved)))


if __name__ == "__main__":
    main()
