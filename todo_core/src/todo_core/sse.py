"""Server-sent events, the wire format of a streamed chat turn (agent -> backend -> browser).

One definition of how an event is written and read back, so the agent, the backend and the tests
agree. Every event carries a JSON object: `event: <name>` then `data: <json>` then a blank line.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

MEDIA_TYPE = "text/event-stream"
# Proxies must not buffer or compress a stream (nginx honours X-Accel-Buffering, others no-transform).
STREAM_HEADERS = {"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"}


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]


def encode(name: str, data: dict[str, Any]) -> bytes:
    # json.dumps never emits a raw newline, so the data is always one `data:` line.
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


async def events(lines: AsyncIterable[str]) -> AsyncIterator[Event]:
    """Events from a stream's lines (comments such as keep-alive pings are skipped)."""
    name, data = "message", list[str]()
    async for line in lines:
        if not line:
            if data:
                yield Event(name, json.loads("\n".join(data)))
            name, data = "message", list[str]()
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
    if data:
        yield Event(name, json.loads("\n".join(data)))
