"""The soak: mixed load (list, search, create, complete, chat) at a steady rate for many minutes.

Pass: no error, each Python service's RSS at the end within 10 % of the start (after a warm-up
minute), and p99 over the last fifth of the run within 1.5x of the first fifth.

    .venv/bin/python scripts/bench.py --soak 20      # the issue's 20 minutes (not part of make test)
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from typing import Any

import httpx

from .stack import MIB, PYTHON_SERVICES, Stack, database, runtime_pythons, seed

RATE = 20.0  # requests per second, all kinds together
MIX = (("list", 0.45), ("search", 0.15), ("create", 0.2), ("complete", 0.1), ("chat", 0.1))
RSS_GROWTH_MAX = 0.10
P99_DRIFT_MAX = 1.5
SERVICES = ("mcp-server", "backend", "agent")


def _say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0


async def _drive(backend_url: str, users: Any, seconds: float, samples: list[tuple[float, str, float, bool]]) -> None:
    """Requests started at RATE per second (not waiting for each other), each (start, kind, ms, ok)."""
    reader, writer, chat = users.reader, users.writer, users.chat
    rng = random.Random(18)
    kinds, weights = [k for k, _ in MIX], [w for _, w in MIX]
    created: list[int] = []

    async def one(client: httpx.AsyncClient, kind: str, started: float) -> None:
        ok = False
        try:
            if kind == "list":
                r = await client.get(reader.path(), params={"limit": 50}, headers=reader.headers)
            elif kind == "search":
                r = await client.get(reader.path(), params={"q": "task 0"}, headers=reader.headers)
            elif kind == "create":
                r = await client.post(
                    writer.path(), json={"title": "Soak task", "tags": ["soak"]}, headers=writer.headers
                )
                if r.status_code == 201:
                    created.append(r.json()["id"])
            elif kind == "complete" and created:
                r = await client.patch(writer.path(f"/{created.pop()}/complete"), headers=writer.headers)
            elif kind == "complete":
                r = await client.get(writer.path(), headers=writer.headers)
            else:
                r = await client.post(
                    f"/api/{chat.id}/chat", json={"message": "Add a task to buy milk"}, headers=chat.headers
                )
            ok = r.status_code in (200, 201)
        except httpx.HTTPError:
            ok = False
        samples.append((started, kind, (time.monotonic() - started) * 1000, ok))

    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=backend_url, timeout=60, limits=limits) as client:
        begin = time.monotonic()
        pending: set[asyncio.Task[None]] = set()
        n = 0
        while (now := time.monotonic()) - begin < seconds:
            due = begin + n / RATE
            if due > now:
                await asyncio.sleep(due - now)
            task = asyncio.create_task(one(client, rng.choices(kinds, weights)[0], time.monotonic()))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
        await asyncio.gather(*pending)


def measure(minutes: float, postgres_url: str | None = None) -> dict[str, Any]:
    seconds = minutes * 60
    with database(postgres_url) as database_url, Stack(database_url, pythons=runtime_pythons()) as stack:
        for name in SERVICES:
            _say(f"{name} ready in {stack.start(name):.2f} s")
        users = seed(stack.url("backend"), 100)
        warmup: list[tuple[float, str, float, bool]] = []
        asyncio.run(_drive(stack.url("backend"), users, min(60.0, seconds / 5), warmup))  # pools, caches, imports
        rss_start = {name: stack.rss(name) / MIB for name in SERVICES}
        load_start = os.getloadavg()
        _say(f"soak: {minutes} min at {RATE:.0f} req/s ({', '.join(f'{k} {w:.0%}' for k, w in MIX)})")
        samples: list[tuple[float, str, float, bool]] = []
        asyncio.run(_drive(stack.url("backend"), users, seconds, samples))
        rss_end = {name: stack.rss(name) / MIB for name in SERVICES}
    first_t = samples[0][0]
    fifth = seconds / 5
    early = [ms for t, _, ms, _ in samples if t - first_t < fifth]
    late = [ms for t, _, ms, _ in samples if t - first_t >= seconds - fifth]
    growth = {name: rss_end[name] / rss_start[name] - 1 for name in SERVICES}
    result = {
        "minutes": minutes,
        "rate": RATE,
        "requests": len(samples),
        "errors": sum(1 for *_, ok in samples if not ok),
        "load_average_start": load_start,
        "load_average_end": os.getloadavg(),
        "rss_start_mib": rss_start,
        "rss_end_mib": rss_end,
        "rss_growth": growth,
        "p50_ms": statistics.median(ms for _, _, ms, _ in samples),
        "p99_first_ms": _p99(early),
        "p99_last_ms": _p99(late),
        "by_kind_p50_ms": {
            k: statistics.median([ms for _, kind, ms, _ in samples if kind == k] or [0.0]) for k, _ in MIX
        },
    }
    result["p99_drift"] = result["p99_last_ms"] / result["p99_first_ms"] if result["p99_first_ms"] else 0.0
    result["passed"] = (
        result["errors"] == 0
        and all(g <= RSS_GROWTH_MAX for name, g in growth.items() if name in PYTHON_SERVICES)
        and result["p99_drift"] <= P99_DRIFT_MAX
    )
    return result


def table(result: dict[str, Any]) -> str:
    la0 = ", ".join(f"{x:.2f}" for x in result["load_average_start"])
    la1 = ", ".join(f"{x:.2f}" for x in result["load_average_end"])
    rows = [
        f"Soak: {result['minutes']} min at {result['rate']:.0f} req/s, {result['requests']} requests, "
        f"**{result['errors']} errors**; load average at start {la0}, at end {la1}",
        "",
        "| measurement | start | end | change | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for name in SERVICES:
        a, b, g = result["rss_start_mib"][name], result["rss_end_mib"][name], result["rss_growth"][name]
        met = "yes" if g <= RSS_GROWTH_MAX else "**NO**"
        rows.append(f"| {name} RSS | {a:.0f} MiB | {b:.0f} MiB | {g:+.1%} | <= +{RSS_GROWTH_MAX:.0%} | {met} |")
    met = "yes" if result["p99_drift"] <= P99_DRIFT_MAX else "**NO**"
    rows.append(
        f"| p99, first / last fifth of the run | {result['p99_first_ms']:.1f} ms | {result['p99_last_ms']:.1f} ms | "
        f"{result['p99_drift']:.2f}x | <= {P99_DRIFT_MAX}x | {met} |"
    )
    kinds = ", ".join(f"{k} {v:.1f} ms" for k, v in result["by_kind_p50_ms"].items())
    rows.append(f"| p50 overall / by kind | {result['p50_ms']:.1f} ms | {kinds} | - | - | - |")
    return "\n".join(rows)
