"""The scenarios, in order, and the numbers they produce (a plain dict, rendered by `report`)."""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any

import httpx

from . import chat_latency, metrics_cost, reload, wrk
from .stack import MIB, PYTHON_SERVICES, ROOT, SERVICES, Stack, Users, count_tasks, database, runtime_pythons, seed

TASKS = 100
TASK_BODY = {"title": "Benchmark task", "description": "created by wrk", "tags": ["bench"]}
CHAT_MESSAGE = "Add a task to buy groceries"
# The REST listing that does the MCP list_tasks tool's work: all tasks, oldest first (at most 200).
LIST_QUERY = "?sort=created&order=asc&limit=200"
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@dataclass(frozen=True)
class Mode:
    name: str
    seconds: float  # measured wrk time per scenario, split into `rounds`
    rounds: int  # rounds taken in turn with the scenarios it is compared with (see `_interleaved`)
    warmup: float  # discarded wrk run before it (0: none)
    concurrency: tuple[int, ...]
    chat_concurrency: tuple[int, ...]
    startup_runs: int  # process start -> ready, per service
    reload_edits: int
    chat_turns: int  # one-at-a-time turns timed to the first text and to the end (chat_latency)


FULL = Mode(
    "full",
    seconds=12,
    rounds=3,
    warmup=2,
    concurrency=(1, 32),
    chat_concurrency=(1, 8),
    startup_runs=3,
    reload_edits=3,
    chat_turns=40,
)
TINY = Mode(
    "tiny",
    seconds=1,
    rounds=1,
    warmup=0,
    concurrency=(1, 4),
    chat_concurrency=(1,),
    startup_runs=1,
    reload_edits=1,
    chat_turns=5,
)


def _say(text: str) -> None:
    print(f"[bench] {text}", flush=True)


def _json_rpc(tool: str, arguments: dict[str, Any]) -> str:
    return json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
    )


def requests(users: Users) -> dict[str, tuple[str, wrk.Request]]:
    """scenario -> (service, request). REST and baseline get the same paths and bodies."""

    def bearer(account: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {account.token}"}

    json_headers = {"Content-Type": "application/json"}
    out: dict[str, tuple[str, wrk.Request]] = {}
    for service in ("baseline", "backend"):
        writer = users.baseline_writer if service == "baseline" else users.writer
        out[f"{service}.list"] = (
            service,
            wrk.Request("GET", users.reader.path() + LIST_QUERY, bearer(users.reader)),
        )
        out[f"{service}.create"] = (
            service,
            wrk.Request("POST", writer.path(), {**json_headers, **bearer(writer)}, json.dumps(TASK_BODY)),
        )
    out["mcp.list_tasks"] = (
        "mcp-server",
        wrk.Request("POST", "/mcp", {**MCP_HEADERS, **bearer(users.reader)}, _json_rpc("list_tasks", {})),
    )
    out["mcp.add_task"] = (
        "mcp-server",
        wrk.Request("POST", "/mcp", {**MCP_HEADERS, **bearer(users.mcp_writer)}, _json_rpc("add_task", TASK_BODY)),
    )
    out["chat"] = (
        "backend",
        wrk.Request(
            "POST",
            f"/api/{users.chat.id}/chat",
            {**json_headers, **bearer(users.chat)},
            json.dumps({"message": CHAT_MESSAGE}),
        ),
    )
    return out


def check(stack: Stack, scenario: str, service: str, request: wrk.Request) -> str:
    """Send the scenario's request once and check the answer is the real thing, not an error."""
    response = httpx.request(
        request.method,
        stack.url(service) + request.path,
        headers=request.headers,
        content=request.body,
        timeout=60,
    )
    assert response.status_code in (200, 201), f"{scenario}: HTTP {response.status_code} {response.text[:300]}"
    body = response.json()
    if scenario.endswith(".list"):
        assert len(body["items"]) == TASKS == body["total"], f"{scenario}: {len(body['items'])} items"
    elif scenario.endswith(".create"):
        assert body["title"] == TASK_BODY["title"] and body["id"] > 0, f"{scenario}: {body}"
    elif scenario.startswith("mcp."):
        # A stateless server answers tools/call with no initialize handshake first: checked here.
        result = body.get("result")
        assert result and not result.get("isError"), f"{scenario}: {body}"
        data = json.loads(result["content"][0]["text"])
        if scenario == "mcp.list_tasks":
            assert len(data) == TASKS, f"{scenario}: {len(data)} tasks"
        else:
            assert data["status"] == "created", f"{scenario}: {data}"
    elif scenario == "chat":
        names = [c["name"] for c in body["tool_calls"]]
        assert names == ["add_task"], f"chat: tool calls {names}, reply {body.get('response')!r}"
        return str(body["response"])
    return "ok"


def main(mode: Mode, postgres_url: str | None = None) -> dict[str, Any]:
    started = time.monotonic()
    binary = wrk.ensure_wrk()
    results: dict[str, Any] = {
        "mode": mode.name,
        "wrk": wrk.version(binary),
        "load_average_start": os.getloadavg(),
        "seconds_per_run": mode.seconds,
        "rounds": mode.rounds,
        "warmup_seconds": mode.warmup,
        "runs": {},
    }
    pythons = runtime_pythons()
    results["venvs"] = {name: os.path.relpath(python, ROOT) for name, python in pythons.items()}
    with database(postgres_url) as database_url, Stack(database_url, pythons=pythons) as stack:
        for name in SERVICES:
            seconds = stack.start(name)
            _say(f"{name} ready in {seconds:.2f} s")
        results["rss_idle_mib"] = {name: stack.rss(name) / MIB for name in SERVICES}

        users = seed(stack.url("backend"), TASKS)
        plan = requests(users)
        for scenario, (service, request) in plan.items():
            sample = check(stack, scenario, service, request)
            if scenario == "chat":
                results["chat_reply"] = sample
        results["mcp_without_initialize"] = True  # `check` passed for both tools

        runs: dict[str, dict[str, Any]] = results["runs"]
        writers = {
            "backend.create": users.writer.id,
            "baseline.create": users.baseline_writer.id,
            "mcp.add_task": users.mcp_writer.id,
        }
        # Each reference with what is compared with it: baseline, backend REST and the MCP tool doing
        # the same work, in turn; chat against MCP add_task is too far apart to need it.
        for kind, tool in (("list", "list_tasks"), ("create", "add_task")):
            for c in mode.concurrency:
                scenarios = [f"baseline.{kind}", f"backend.{kind}", f"mcp.{tool}"]
                runs.update(_interleaved(stack, mode, binary, scenarios, plan, c, writers))
        for c in mode.chat_concurrency:
            runs.update(_interleaved(stack, mode, binary, ["chat"], plan, c, writers))
        _say("metrics cost: the same requests with METRICS_ENABLED true and false")
        results["metrics_cost"] = metrics_cost.measure(stack, mode, binary, plan, _interleaved)
        _say(f"chat latency: {mode.chat_turns} turns, one at a time, JSON and streamed")
        results["chat_latency"] = chat_latency.measure(stack.url("backend"), users.chat, mode.chat_turns)
        results["chat_latency"]["mcp_add_task_p50_ms"] = runs["mcp.add_task.c1"]["p50_ms"]  # the overhead's yardstick
        _say(chat_latency.table(results["chat_latency"]))

        time.sleep(1.0)  # let the last requests finish before reading memory
        results["rss_after_mib"] = {name: stack.rss(name) / MIB for name in SERVICES}

        for _ in range(mode.startup_runs - 1):
            for name in SERVICES:
                stack.restart(name)
        results["startup_seconds"] = {name: stack.startup_seconds[name] for name in SERVICES}
        stack.stop()

        _say("hot reload: backend dev server on a copy of its source")
        results["reload"] = reload.measure(database_url, stack.auth_secret, mode.reload_edits)

    results["load_average_end"] = os.getloadavg()
    results["total_seconds"] = round(time.monotonic() - started, 1)
    results["python_services"] = list(PYTHON_SERVICES)
    results["startup_median_seconds"] = {k: statistics.median(v) for k, v in results["startup_seconds"].items()}
    return results


def _interleaved(
    stack: Stack, mode: Mode, binary: str, scenarios: list[str], plan: dict, c: int, writers: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """`mode.seconds` of load per scenario, in `mode.rounds` rounds taken in turn (A B C, A B C, ...),
    so a change in the machine's load reaches every scenario of a comparison alike. Throughput is
    over all rounds; latencies are the rounds' medians."""
    for scenario in scenarios:
        service, request = plan[scenario]
        if mode.warmup:
            wrk.run(binary, stack.url(service), request, c, mode.warmup)
    counted = {s: writers[s] for s in scenarios if s in writers}
    before = {s: count_tasks(stack.database_url, user) for s, user in counted.items()}
    rounds: dict[str, list[wrk.Result]] = {s: [] for s in scenarios}
    for _ in range(mode.rounds):
        for scenario in scenarios:
            service, request = plan[scenario]
            rounds[scenario].append(wrk.run(binary, stack.url(service), request, c, mode.seconds / mode.rounds))
    rows: dict[str, dict[str, Any]] = {}
    for scenario, results in rounds.items():
        requests, seconds = sum(r.requests for r in results), sum(r.seconds for r in results)
        row: dict[str, Any] = {
            "connections": c,
            "rounds": len(results),
            "requests": requests,
            "seconds": round(seconds, 3),
            "rps": round(requests / seconds, 1) if seconds else 0.0,
            "errors": sum(r.errors for r in results),
        }
        for key in ("p50_ms", "p90_ms", "p99_ms", "mean_ms"):
            row[key] = round(statistics.median(getattr(r, key) for r in results), 3)
        if scenario in counted:  # every answered create really wrote a row (an MCP tool error is a 200 too)
            written = count_tasks(stack.database_url, counted[scenario]) - before[scenario]
            row["rows_written"] = written
            row["errors"] += max(0, requests - written)
        latency = f"p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms"
        _say(f"{scenario} c{c}: {row['rps']} req/s, {latency}, errors {row['errors']}")
        rows[f"{scenario}.c{c}"] = row
    return rows


CHAT_SERVICES = ("mcp-server", "backend", "agent")


def chat_only(turns: int, postgres_url: str | None = None) -> dict[str, Any]:
    """Just the chat latency (`scripts/bench.py --chat`): the three services it needs, one user."""
    pythons = runtime_pythons()
    with database(postgres_url) as database_url, Stack(database_url, pythons=pythons) as stack:
        for name in CHAT_SERVICES:
            _say(f"{name} ready in {stack.start(name):.2f} s")
        users = seed(stack.url("backend"), 0)
        return chat_latency.measure(stack.url("backend"), users.chat, turns)
