"""`make bench` in its tiny mode: the harness starts the stack, drives wrk, and produces every number.

Timings are not asserted (they depend on the machine and what else runs on it), only that each
measurement exists, is positive and sane, that every comparison's ratio was computed, and that the
table was written. The full run (`scripts/bench.py`) writes docs/benchmarks.md; this one writes to tmp.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"baseline", "backend", "mcp-server", "agent"}


def _positive(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_tiny_bench_produces_every_number(tmp_path: Path, postgres_server_url: str) -> None:
    output, raw = tmp_path / "benchmarks.md", tmp_path / "bench.json"
    output.write_text("# Benchmarks\n\nKept: text outside the markers.\n")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--tiny", "--postgres-url", postgres_server_url,
         "--output", str(output), "--json", str(raw)],
        capture_output=True, text=True, timeout=540, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(raw.read_text())

    runs = results["runs"]
    expected = {f"{s}.{k}.c{c}" for s in ("backend", "baseline") for k in ("list", "create") for c in (1, 4)}
    expected |= {f"mcp.{tool}.c{c}" for tool in ("list_tasks", "add_task") for c in (1, 4)} | {"chat.c1"}
    assert set(runs) == expected
    for name, run in runs.items():
        assert run["requests"] >= 1 and run["errors"] == 0, (name, run)
        assert all(_positive(run[k]) for k in ("rps", "p50_ms", "p99_ms")), (name, run)
        assert run["p50_ms"] <= run["p99_ms"], (name, run)
        if "create" in name or "add_task" in name:
            assert run["rows_written"] >= run["requests"], (name, run)  # every answered create wrote a row

    ratios = results["ratios"]
    assert set(ratios["throughput"]) == {f"{k}.c{c}" for k in ("list", "create") for c in (1, 4)}
    assert set(ratios["mcp_p50"]) == {f"{t}.c{c}" for t in ("list_tasks", "add_task") for c in (1, 4)}
    assert set(ratios["chat_p50"]) == {"chat.c1"}
    assert all(_positive(v) for group in ratios.values() for v in group.values())

    assert results["mcp_without_initialize"] is True
    assert "buy groceries" in results["chat_reply"].lower()
    for key in ("rss_idle_mib", "rss_after_mib", "startup_median_seconds"):
        assert set(results[key]) == SERVICES and all(_positive(v) for v in results[key].values()), key
    assert all(10 < mib < 2048 for mib in results["rss_after_mib"].values())
    assert _positive(results["reload"]["median_seconds"]) and len(results["reload"]["edit_seconds"]) == 1

    text = output.read_text()
    assert "Kept: text outside the markers." in text
    assert text.count("| backend | list 100 tasks") == 2 and "| hot reload |" in text and "CPUs" in text
    assert "| backend | list 100 tasks" in done.stdout  # the table is printed too

    cost = results["metrics_cost"]  # issue 19: metrics on vs off in the same run
    assert set(cost["cost"]) == set(cost["cpu_cost"]) == {"backend.list", "mcp.list_tasks"}
    for name, run in cost["runs"].items():
        assert run["requests"] >= 1 and run["errors"] == 0 and _positive(run["cpu_ms_per_request"]), (name, run)
    assert all(_positive(v) for v in cost["direct"].values())
    assert "#### Metrics cost" in text


@pytest.mark.parametrize(
    ("service", "scenario"),
    [("backend", "list"), ("backend", "create"), ("mcp-server", "list_tasks"), ("mcp-server", "add_task")],
)
def test_inprocess_profiler_measures_each_scenario(service: str, scenario: str, postgres_server_url: str) -> None:
    """The profiling driver (scripts/benchmarks/inprocess.py) runs each scenario and checks its answers."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "benchmarks" / "inprocess.py"), service, scenario,
         "--requests", "5", "--postgres-url", postgres_server_url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    pattern = rf"{service} {scenario}: ([0-9.]+) ms CPU per request \(in-process, 5 requests\)"
    match = re.fullmatch(pattern, done.stdout.strip())
    assert match and float(match.group(1)) > 0, done.stdout
