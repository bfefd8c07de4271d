"""The growth table: each task query's latency for one user with 100, 10,000 and 100,000 tasks in
a database of 2,000,000 (scripts/benchmarks/datagen.py), and each query's plan at 100,000.

For every scenario and size: p50/p99 at c=1 and req/s at c=32 through the backend (wrk, the sizes
of one scenario taken in turn, as `run._interleaved` does), and the ratio p50 at the largest size
over p50 at the smallest (target <= 2x). Written between its own markers in docs/benchmarks.md.

    .venv/bin/python scripts/bench.py --growth               # full size (2,000,000 tasks)
    .venv/bin/python scripts/bench.py --growth --tiny        # the small data set, 1 s per run
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from todo_core.auth import issue_token
from todo_core.conversations import HISTORY_LIMIT, history_statement
from todo_core.db import create_planned_engine
from todo_core.schemas import TaskQuery, encode_cursor
from todo_core.tasks import TaskRepository
from todo_harness.postgres import fetch, fresh_database, start_pgserver

from . import datagen, wrk
from .report import _cpu_model, _git_commit, _os_name
from .run import Mode, _interleaved
from .stack import ROOT, Stack, runtime_pythons

BEGIN = "<!-- bench:growth:begin (written by `scripts/bench.py --growth`; edit outside these markers) -->"
END = "<!-- bench:growth:end -->"
TARGET_RATIO = 2.0
CHAT_MESSAGE = "Add a task to buy groceries"
DUE_FROM = datagen.NOW.isoformat()
DUE_TO = (datagen.NOW.replace(month=12, day=31)).isoformat()

NO_MATCH = "search_none"
PHRASE = "search_words"  # two common words as one phrase: ~1 task in 2,000 holds it
PHRASE_FOUND_FROM = 10_000  # tasks; a user with fewer may hold the phrase in none
# scenario -> the list endpoint's query parameters (a cursor is added for "deep_page").
LIST_SCENARIOS: dict[str, dict[str, str]] = {
    "list": {},
    "search": {"q": "invoice"},
    NO_MATCH: {"q": "zeppelin"},  # not in datagen's word list
    PHRASE: {"q": "invoice budget"},
    "status": {"status": "pending"},
    "priority": {"priority": "high"},
    "tag": {"tag": "work"},
    "due_range": {"due_after": DUE_FROM, "due_before": DUE_TO},
    "sort_title": {"sort": "title", "order": "asc"},
    "sort_due": {"sort": "due_date", "order": "asc"},
    "sort_priority": {"sort": "priority", "order": "desc"},
    "sort_created_asc": {"sort": "created", "order": "asc"},
    "deep_page": {},
}
LABELS = {
    "list": "default page (50, newest first)",
    "search": "search a word (`q=invoice`)",
    NO_MATCH: "search a word no task holds (`q=zeppelin`)",
    PHRASE: "search two words (`q=invoice budget`)",
    "status": "filter `status=pending`",
    "priority": "filter `priority=high`",
    "tag": "filter `tag=work`",
    "due_range": "filter due range (one month)",
    "sort_title": "sort title asc",
    "sort_due": "sort due date asc",
    "sort_priority": "sort priority desc",
    "sort_created_asc": "sort created asc",
    "deep_page": "next page deep in the list (cursor 60 tasks before the end)",
    "chat": "chat turn in a conversation of 100 / 1,000 / 10,000 messages (history read + agent)",
}
SERVICES = ("mcp-server", "backend", "agent")


@dataclass(frozen=True)
class GrowthMode:
    size: datagen.Size
    mode: Mode  # seconds, rounds and warm-up per run; concurrency (c=1 for latency, then throughput)


FULL = GrowthMode(datagen.FULL, Mode("growth", 4, 2, 1, (1, 32), (1, 32), 0, 0, 0))
TINY = GrowthMode(datagen.SMALL, Mode("growth-tiny", 1, 1, 0, (1, 4), (1, 4), 0, 0, 0))


def _say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


async def _deep_cursor(database_url: str, user_id: str, tasks: int) -> str:
    """The cursor of the default order's page that starts 60 tasks before the end."""
    rows = await fetch(
        database_url,
        "SELECT created_at::text AS key, id FROM tasks WHERE user_id = $1 ORDER BY created_at DESC, id DESC "
        "OFFSET $2 LIMIT 1",
        user_id,
        max(tasks - 60, 0),
    )
    return encode_cursor("created", "desc", rows[0]["key"], rows[0]["id"])


def _params(scenario: str, cursors: dict[int, str], n: int) -> dict[str, str]:
    return {"cursor": cursors[n]} if scenario == "deep_page" else LIST_SCENARIOS[scenario]


async def _explain(database_url: str, loaded: datagen.Loaded, cursors: dict[int, str]) -> dict[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of each list scenario's page statement, and the history read, at
    the largest size (the statements the repository runs, with these values, planned as on the
    services' connections)."""
    n = max(loaded.measured)
    user_id, conversation_id = loaded.measured[n]
    engine = create_planned_engine(database_url)
    plans: dict[str, str] = {}
    try:
        async with AsyncSession(engine) as session:
            repo = TaskRepository(session, user_id)
            for scenario in LIST_SCENARIOS:
                await repo.explain_list(TaskQuery(**_params(scenario, cursors, n)), analyze=True)  # warm the cache
                plans[scenario] = await repo.explain_list(TaskQuery(**_params(scenario, cursors, n)), analyze=True)
            compiled = history_statement(conversation_id, HISTORY_LIMIT).compile(
                dialect=engine.dialect, compile_kwargs={"literal_binds": True}
            )
            result = await session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"))
            plans["chat"] = "\n".join(row[0] for row in result)
    finally:
        await engine.dispose()
    return plans


def measure(growth: GrowthMode, postgres_url: str | None = None) -> dict[str, Any]:
    started = time.monotonic()
    binary = wrk.ensure_wrk()
    results: dict[str, Any] = {"load_average_start": os.getloadavg(), "mode": growth.mode.name}
    server = None
    if postgres_url is None:
        postgres_url, server = start_pgserver(ROOT / ".data" / "bench-postgres")
    try:
        with fresh_database(postgres_url, prefix="todo_growth") as database_url:
            _say(f"growth: loading the {growth.size.name} data set ({growth.size.total_tasks:,} tasks or more)")
            loaded = asyncio.run(datagen.load(database_url, growth.size))
            results["data"] = loaded.summary()
            _say(f"growth: {results['data']}")
            sizes = sorted(loaded.measured)
            cursors = {n: asyncio.run(_deep_cursor(database_url, loaded.measured[n][0], n)) for n in sizes}
            results["explain"] = asyncio.run(_explain(database_url, loaded, cursors))
            with Stack(database_url, pythons=runtime_pythons()) as stack:
                for name in SERVICES:
                    _say(f"{name} ready in {stack.start(name):.2f} s")
                results["runs"] = _run_all(stack, growth.mode, binary, loaded, sizes, cursors)
    finally:
        if server is not None:
            server.cleanup()  # type: ignore[attr-defined]
    results["sizes"] = sizes
    results["ratios"] = ratios(results)
    results["load_average_end"] = os.getloadavg()
    results["total_seconds"] = round(time.monotonic() - started, 1)
    return results


def _run_all(
    stack: Stack, mode: Mode, binary: str, loaded: datagen.Loaded, sizes: list[int], cursors: dict[int, str]
) -> dict[str, dict[str, Any]]:
    secret = stack.auth_secret
    plan: dict[str, tuple[str, wrk.Request]] = {}
    for n in sizes:
        user_id, conversation_id = loaded.measured[n]
        auth = {"Authorization": f"Bearer {issue_token(user_id, f'{n}@bench.example', secret, 3600)}"}
        for scenario in LIST_SCENARIOS:
            query = urllib.parse.urlencode(_params(scenario, cursors, n))
            path = f"/api/{user_id}/tasks" + (f"?{query}" if query else "")
            plan[f"{scenario}.n{n}"] = ("backend", wrk.Request("GET", path, auth))
        body = json.dumps({"conversation_id": conversation_id, "message": CHAT_MESSAGE})
        headers = {**auth, "Content-Type": "application/json"}
        plan[f"chat.n{n}"] = ("backend", wrk.Request("POST", f"/api/{user_id}/chat", headers, body))
    for key, (service, request) in plan.items():  # each request once: a real answer, not an error
        response = httpx.request(
            request.method, stack.url(service) + request.path, headers=request.headers, content=request.body, timeout=60
        )
        assert response.status_code == 200, f"{key}: HTTP {response.status_code} {response.text[:300]}"
        if key.startswith("chat."):
            continue
        found, (scenario, n) = bool(response.json()["items"]), key.rsplit(".n", 1)
        if scenario == PHRASE:
            assert found or int(n) < PHRASE_FOUND_FROM, f"{key}: found nothing"
        else:  # every list scenario finds tasks, except the one meant not to
            assert found == (scenario != NO_MATCH), f"{key}: {found=}"
    runs: dict[str, dict[str, Any]] = {}
    for scenario in [*LIST_SCENARIOS, "chat"]:
        keys = [f"{scenario}.n{n}" for n in sizes]
        # Chat only at c=1: 32 turns at once on 2 CPUs take longer than a measuring round.
        for c in mode.concurrency[:1] if scenario == "chat" else mode.concurrency:
            runs.update(_interleaved(stack, mode, binary, keys, plan, c, {}))
    return runs


def ratios(results: dict[str, Any]) -> dict[str, float]:
    low, high = min(results["sizes"]), max(results["sizes"])
    runs = results["runs"]
    return {s: runs[f"{s}.n{high}.c1"]["p50_ms"] / runs[f"{s}.n{low}.c1"]["p50_ms"] for s in [*LIST_SCENARIOS, "chat"]}


def table(results: dict[str, Any]) -> str:
    sizes, runs, r = results["sizes"], results["runs"], results["ratios"]
    top = max(int(k.rsplit(".c", 1)[1]) for k in runs)
    head = " | ".join(f"{n:,} tasks: p50 / p99 (c=1), req/s (c={top})" for n in sizes)
    rows = [f"| scenario | {head} | p50 ratio {sizes[-1]:,} / {sizes[0]:,} | <= {TARGET_RATIO:.0f}x |"]
    rows.append("|---|" + "---|" * (len(sizes) + 2))
    for scenario, ratio in r.items():
        cells = []
        for n in sizes:
            one, many = runs[f"{scenario}.n{n}.c1"], runs.get(f"{scenario}.n{n}.c{top}")
            errors = one["errors"] + (many["errors"] if many else 0)
            cells.append(
                f"{one['p50_ms']:.1f} / {one['p99_ms']:.1f} ms, "
                + (f"{many['rps']:.0f} req/s" if many else "-")
                + (f", **{errors} errors**" if errors else "")
            )
        met = "yes" if ratio <= TARGET_RATIO else "**NO**"
        rows.append(f"| {LABELS[scenario]} | {' | '.join(cells)} | {ratio:.2f}x | {met} |")
    return "\n".join(rows)


def section(results: dict[str, Any]) -> str:
    data = results["data"]
    la0 = ", ".join(f"{x:.2f}" for x in results["load_average_start"])
    la1 = ", ".join(f"{x:.2f}" for x in results["load_average_end"])
    lines = [
        BEGIN,
        "### Growth: latest run",
        f"- date {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {_git_commit()}; {_cpu_model()}, "
        f"{os.cpu_count()} CPUs; {_os_name()}; PostgreSQL: embedded pgserver",
        f"- load average (1, 5, 15 min) at start {la0}, at end {la1}; mode `{results['mode']}`, "
        f"whole run {results['total_seconds']} s",
        f"- data (`{data['size']}`): {data['users']:,} users, {data['tasks']:,} tasks (median "
        f"{data['tasks_per_user_median']} per user, max {data['tasks_per_user_max']:,}; "
        f"{data['users_over_1000_tasks']} users over 1,000), {data['conversations']:,} conversations, "
        f"{data['messages']:,} messages; COPY {data['load_seconds']} s, VACUUM ANALYZE {data['vacuum_seconds']} s, "
        f"**migration 0002 -> head on the populated database: {data['migration_seconds']} s** ("
        + ", ".join(f"{rev} {sec} s" for rev, sec in data.get("seconds_per_migration", {}).items())
        + ")",
        "",
        table(results),
        "",
        f"#### Plans at {max(results['sizes']):,} tasks (`EXPLAIN (ANALYZE, BUFFERS)`, second run of each)",
    ]
    for scenario, plan in results["explain"].items():
        lines += ["", f"{LABELS[scenario]}:", "", "```", plan, "```"]
    return "\n".join([*lines, END])


def write(path: Path, results: dict[str, Any]) -> None:
    text_ = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in text_ and END in text_:
        head, rest = text_.split(BEGIN, 1)
        text_ = head + section(results) + rest.split(END, 1)[1]
    else:
        text_ = text_.rstrip() + "\n\n" + section(results) + "\n"
    path.write_text(text_)
