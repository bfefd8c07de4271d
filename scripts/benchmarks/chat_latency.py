"""Chat turn latency as a person sees it: the whole turn, and the time until the first text shows.

One client, one turn at a time (a person waiting for the answer), "Add a task to buy groceries"
in a new conversation each turn, through the backend -> agent (`local` model) -> MCP add_task:

- JSON endpoint `POST /api/{id}/chat`: the first text is the whole answer, so time to first
  text = the turn.
- streamed endpoint `POST /api/{id}/chat/stream` (server-sent events): time to the first `text`
  event, and to the `done` event (sent once the reply is stored). Skipped when the backend has
  no such route (the code before streaming existed).
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

import httpx

MESSAGE = "Add a task to buy groceries"
OVERHEAD_TARGET = 4.0  # the stack's own time per turn (turn minus model) / one MCP call, at most


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50_ms": round(statistics.median(ordered), 1), "p90_ms": round(pick(0.9), 1), "n": len(ordered)}


def _json_turn(client: httpx.Client, path: str, headers: dict[str, str]) -> float:
    return _timed_json_turn(client, path, headers)[0]


def _timed_json_turn(client: httpx.Client, path: str, headers: dict[str, str]) -> tuple[float, float | None]:
    """(ms of the whole turn, ms the model itself took as the agent measured it, from the
    `Server-Timing: model;dur=` header the backend relays; None from a build without it)."""
    started = time.perf_counter()
    response = client.post(path, json={"message": MESSAGE}, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    assert [c["name"] for c in response.json()["tool_calls"]] == ["add_task"], response.text
    timing = response.headers.get("server-timing", "")
    model = next((float(p.split("=", 1)[1]) for p in timing.split(";") if p.startswith("dur=")), None)
    return elapsed, model


def _stream_turn(client: httpx.Client, path: str, headers: dict[str, str]) -> tuple[float, float] | None:
    """(ms to the first text event, ms to the done event), or None when the route does not exist."""
    started = time.perf_counter()
    first_text: float | None = None
    event = ""
    with client.stream("POST", path, json={"message": MESSAGE}, headers=headers) as response:
        if response.status_code == 404 and "json" in response.headers.get("content-type", ""):
            return None
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[len("event:") :].strip()
            elif line.startswith("data:"):
                if event == "text" and first_text is None:
                    first_text = (time.perf_counter() - started) * 1000
                elif event == "done":
                    done = (time.perf_counter() - started) * 1000
                    body = json.loads(line[len("data:") :])
                    assert [c["name"] for c in body["tool_calls"]] == ["add_task"], body
                    assert first_text is not None, "no text event before done"
                    return first_text, done
                elif event == "error":
                    raise AssertionError(f"stream error: {line}")
    raise AssertionError("the stream ended without a done event")


def measure(backend_url: str, account: Any, turns: int) -> dict[str, Any]:
    headers = account.headers
    base = f"/api/{account.id}/chat"
    out: dict[str, Any] = {"turns": turns, "message": MESSAGE}
    with httpx.Client(base_url=backend_url, timeout=60) as client:
        for _ in range(3):  # warm-up: imports, connection pools, the MCP tool catalogue
            _json_turn(client, base, headers)
        timed = [_timed_json_turn(client, base, headers) for _ in range(turns)]
        json_ms = [t for t, _ in timed]
        out["json"] = {"turn": _percentiles(json_ms), "first_text": _percentiles(json_ms)}
        if all(m is not None for _, m in timed):  # the stack's own time per turn: turn minus model
            out["json"]["model"] = _percentiles([m for _, m in timed if m is not None])
            out["json"]["overhead"] = _percentiles([t - m for t, m in timed if m is not None])
        if _stream_turn(client, base + "/stream", headers) is None:
            out["stream"] = None
            return out
        samples = [_stream_turn(client, base + "/stream", headers) for _ in range(turns)]
        pairs = [s for s in samples if s is not None]
        out["stream"] = {
            "first_text": _percentiles([p[0] for p in pairs]),
            "turn": _percentiles([p[1] for p in pairs]),
        }
    return out


def table(result: dict[str, Any]) -> str:
    rows = [
        "| endpoint | time to first text p50 / p90 | whole turn p50 / p90 | turns |",
        "|---|---|---|---|",
    ]

    def cell(stats: dict[str, float]) -> str:
        return f"{stats['p50_ms']:.1f} / {stats['p90_ms']:.1f} ms"

    j = result["json"]
    whole = f"{cell(j['first_text'])} (the whole answer)"
    rows.append(f"| `POST /chat` (JSON) | {whole} | {cell(j['turn'])} | {result['turns']} |")
    if "overhead" in j:
        rows.append(
            f"| `POST /chat` (JSON): the model's own time (agent-measured) / the rest (the stack's overhead) | - | "
            f"{cell(j['model'])} / **{cell(j['overhead'])}** | {result['turns']} |"
        )
        if result.get("mcp_add_task_p50_ms"):
            ratio = j["overhead"]["p50_ms"] / result["mcp_add_task_p50_ms"]
            met = "met" if ratio <= OVERHEAD_TARGET else "**NOT met**"
            rows.append(
                f"| overhead p50 / one MCP `add_task` call p50 ({result['mcp_add_task_p50_ms']:.1f} ms, c=1) | - | "
                f"**{ratio:.2f}x** (target <= {OVERHEAD_TARGET:.0f}x: {met}) | - |"
            )
    s = result.get("stream")
    if s:
        rows.append(f"| `POST /chat/stream` (SSE) | {cell(s['first_text'])} | {cell(s['turn'])} | {result['turns']} |")
    else:
        rows.append("| `POST /chat/stream` (SSE) | - (no such route in this build) | - | - |")
    return "\n".join(rows)
