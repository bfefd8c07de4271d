"""Reading a server-sent event stream in a test, with when each event arrived."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

TimedEvent = tuple[str, Any, float]  # (event name, its data, seconds after the request started)


def post_stream(
    client: httpx.Client, path: str, body: dict[str, Any], headers: dict[str, str]
) -> tuple[list[TimedEvent], float]:
    """POST `body` to an SSE endpoint; its events as they arrived, and the seconds until the stream ended."""
    events: list[TimedEvent] = []
    started, name = time.perf_counter(), ""
    with client.stream("POST", path, headers=headers, json=body) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                events.append((name, json.loads(line[5:]), time.perf_counter() - started))
    return events, time.perf_counter() - started
