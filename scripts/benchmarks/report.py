"""The one results table (printed and written into docs/benchmarks.md) and the machine it ran on."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import psutil

from . import chat_latency as chat_latency_table
from .metrics_cost import table as metrics_cost_table
from .stack import ROOT

BEGIN = "<!-- bench:results:begin (written by `make bench`; edit outside these markers) -->"
END = "<!-- bench:results:end -->"
REQUEST_MIB, LIMIT_MIB = 128, 512  # the chart's per-service memory request and limit

# Backend throughput / baseline throughput at the highest concurrency, at least (issue 9 for the
# list, issue 18 for create).
BACKEND_VS_BASELINE = {"list": 0.6, "create": 0.5}
TARGETS = {
    "mcp_vs_rest": 2.0,  # MCP tool call p50 / REST call p50 at c=1, at most
    # The chat target is on the stack's own time per turn (chat_latency.OVERHEAD_TARGET, issue 18),
    # not on the whole turn's p50.
    "rss_mib": REQUEST_MIB,  # each Python service after the load, at most
    "ready_seconds": 3.0,  # process start -> /health/ready 200, at most
}


def _ok(met: bool) -> str:
    return "yes" if met else "**NO**"


def _lat(run: dict[str, Any]) -> str:
    errors = f", **{run['errors']} errors**" if run["errors"] else ""
    return f"{run['rps']:.0f} req/s, p50 {run['p50_ms']:.1f} ms, p99 {run['p99_ms']:.1f} ms{errors}"


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """Every comparison the table shows, computed once (also stored in the JSON)."""
    runs = results["runs"]
    concurrencies = sorted({int(k.rsplit(".c", 1)[1]) for k in runs if k.startswith("backend.")})
    out: dict[str, Any] = {"throughput": {}, "mcp_p50": {}, "chat_p50": {}}
    for kind in ("list", "create"):
        for c in concurrencies:
            backend, baseline = runs[f"backend.{kind}.c{c}"], runs[f"baseline.{kind}.c{c}"]
            out["throughput"][f"{kind}.c{c}"] = backend["rps"] / baseline["rps"]
    for tool, rest in (("list_tasks", "list"), ("add_task", "create")):
        for c in concurrencies:
            out["mcp_p50"][f"{tool}.c{c}"] = runs[f"mcp.{tool}.c{c}"]["p50_ms"] / runs[f"backend.{rest}.c{c}"]["p50_ms"]
    for key in (k for k in runs if k.startswith("chat.")):
        c = key.rsplit(".c", 1)[1]
        mcp = runs.get(f"mcp.add_task.c{c}") or runs["mcp.add_task.c1"]
        out["chat_p50"][key] = runs[key]["p50_ms"] / mcp["p50_ms"]
    return out


def table(results: dict[str, Any]) -> str:
    runs, r = results["runs"], ratios(results)
    top = max(int(k.rsplit(".c", 1)[1]) for k in r["throughput"])
    rows = [
        "| area | measurement | result | reference in the same run | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    names = {"list": f"list {100} tasks", "create": "create a task"}
    for kind in ("list", "create"):
        for key in sorted((k for k in r["throughput"] if k.startswith(kind)), key=lambda k: int(k.split(".c")[1])):
            c = int(key.split(".c")[1])
            ratio = r["throughput"][key]
            floor = BACKEND_VS_BASELINE[kind]
            target, met = f">= {floor}x", _ok(ratio >= floor)
            if c != top:
                target, met = "-", "-"
            rows.append(
                f"| backend | {names[kind]}, c={c} | {_lat(runs[f'backend.{key}'])} | "
                f"baseline: {_lat(runs[f'baseline.{key}'])} | {ratio:.2f}x req/s | {target} | {met} |"
            )
    for tool, rest in (("list_tasks", "list"), ("add_task", "create")):
        for key in sorted((k for k in r["mcp_p50"] if k.startswith(tool)), key=lambda k: int(k.split(".c")[1])):
            c = int(key.split(".c")[1])
            ratio = r["mcp_p50"][key]
            target, met = ("-", "-")
            if c == 1:
                target, met = f"<= {TARGETS['mcp_vs_rest']}x", _ok(ratio <= TARGETS["mcp_vs_rest"])
            rows.append(
                f"| mcp-server | `{tool}` tool call, c={c} | {_lat(runs[f'mcp.{key}'])} | "
                f"REST {names[rest]}: {_lat(runs[f'backend.{rest}.c{c}'])} | {ratio:.2f}x p50 | {target} | {met} |"
            )
    for key, ratio in r["chat_p50"].items():
        c = int(key.split(".c")[1])
        mcp_key = f"mcp.add_task.c{c}" if f"mcp.add_task.c{c}" in runs else "mcp.add_task.c1"
        target, met = ("overhead: see below", "-") if c == 1 else ("-", "-")
        rows.append(
            f"| chat | one turn, `local` model, 1 tool call (backend -> agent -> MCP), c={c} | {_lat(runs[key])} | "
            f"MCP `add_task` ({mcp_key.rsplit('.', 1)[1].replace('c', 'c=')}): {_lat(runs[mcp_key])} | "
            f"{ratio:.2f}x p50 | {target} | {met} |"
        )
    for name, idle in results["rss_idle_mib"].items():
        after = results["rss_after_mib"][name]
        python_service = name in results["python_services"]
        target = f"<= {TARGETS['rss_mib']} MiB after load" if python_service else "-"
        met = _ok(after <= TARGETS["rss_mib"]) if python_service else "-"
        rows.append(
            f"| memory | {name} RSS (incl. children), idle / after load | {idle:.0f} / {after:.0f} MiB | "
            f"chart request {REQUEST_MIB} Mi, limit {LIMIT_MIB} Mi | {after / REQUEST_MIB:.2f}x request, "
            f"{after / LIMIT_MIB:.2f}x limit | {target} | {met} |"
        )
    for name, runs_s in results["startup_seconds"].items():
        median = results["startup_median_seconds"][name]
        python_service = name in results["python_services"]
        target = f"<= {TARGETS['ready_seconds']:.0f} s" if python_service else "-"
        met = _ok(median <= TARGETS["ready_seconds"]) if python_service else "-"
        all_runs = ", ".join(f"{s:.2f}" for s in runs_s)
        rows.append(
            f"| startup | {name}: process start -> `/health/ready` 200 | {median:.2f} s median ({all_runs}) | "
            f"- | - | {target} | {met} |"
        )
    rl = results["reload"]
    rows.append(
        f"| hot reload | backend (RELOAD=true): source edit -> new response | {rl['median_seconds']:.2f} s median "
        f"({', '.join(f'{s:.2f}' for s in rl['edit_seconds'])}) | dev server startup {rl['startup_seconds']:.2f} s | "
        "- | - | - |"
    )
    return "\n".join(rows)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def _git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def machine(results: dict[str, Any]) -> str:
    la0 = ", ".join(f"{x:.2f}" for x in results["load_average_start"])
    la1 = ", ".join(f"{x:.2f}" for x in results["load_average_end"])
    return "\n".join(
        [
            f"- date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}, commit {_git_commit()}",
            f"- machine: {_cpu_model()}, {os.cpu_count()} CPUs, "
            f"{psutil.virtual_memory().total / 2**30:.1f} GiB RAM; {_os_name()}, Linux {platform.release()}",
            f"- Python {platform.python_version()}, {results['wrk']}, PostgreSQL: embedded pgserver (Unix socket)",
            f"- load average (1, 5, 15 min) at start {la0}, at end {la1} (load generator, services and "
            "PostgreSQL share these CPUs)",
            f"- mode `{results['mode']}`: {results['seconds_per_run']} s of load per scenario after a "
            f"{results['warmup_seconds']} s warm-up, in {results['rounds']} rounds taken in turn with the scenarios "
            "it is compared with (throughput over all rounds, latency the rounds' median); keep-alive connections "
            "(c), one uvicorn worker per service; "
            f"whole run {results['total_seconds']} s",
            "- services run from venvs with their image's dependencies, compiled to bytecode as in the images "
            "(`uv sync --frozen --no-dev --compile-bytecode --package <svc>`): "
            + ", ".join(f"{k} `{v}`" for k, v in results.get("venvs", {}).items()),
        ]
    )


def chat_latency(latency: dict[str, Any], *, commit: bool = False) -> str:
    """Chat turns one at a time: time to the first text and to the end, JSON and streamed."""
    head = "Chat, one turn at a time (`local` model, one `add_task`; a new conversation per turn)"
    if commit:
        head += f", commit {_git_commit()}"
    return f"{head}:\n\n{chat_latency_table.table(latency)}"


def section(results: dict[str, Any]) -> str:
    parts = [BEGIN, "### Latest run", machine(results), table(results)]
    if results.get("chat_latency"):
        parts.append(chat_latency(results["chat_latency"]))
    if results.get("metrics_cost"):
        parts.append(metrics_cost_table(results["metrics_cost"]))
    return "\n\n".join([*parts, END])


def write(path: Path, results: dict[str, Any]) -> None:
    """Replace the results section of `path` (between the markers), keeping everything else."""
    text = path.read_text() if path.exists() else "# Benchmarks\n\n" + BEGIN + "\n" + END + "\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + section(results) + tail
    else:
        text = text.rstrip() + "\n\n" + section(results) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
