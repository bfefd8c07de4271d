"""A FAKE OpenAI-compatible Chat Completions server for tests of the agent's OpenAI path (there is
no LLM here). It answers like a model that first calls `add_task`, then, once the tool's output
comes back, confirms in one sentence built from that output; it streams when asked to.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from todo_harness.processes import LOOPBACK, free_port


class FakeChatCompletions:
    """A FAKE OpenAI-compatible Chat Completions server: first a tool call, then text. Asked to
    stream (`"stream": true`), it sends the same answer as chunks, the text a few words at a time
    with `text_delay` seconds between pieces, as a real model writes it."""

    def __init__(self, text_delay: float = 0.0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.text_delay = text_delay
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self.complete)
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host=LOOPBACK, port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/v1"

    @property
    def agent_env(self) -> dict[str, str]:
        """What an agent process needs to use this fake as its model (model name `fake-model`)."""
        return {"OPENAI_API_KEY": "sk-fake-key", "OPENAI_BASE_URL": self.base_url, "AGENT_MODEL": "fake-model",
                "OPENAI_MAX_RETRIES": "0"}  # fmt: skip

    async def complete(self, request: Request) -> Any:
        body = await request.json()
        self.requests.append(body)
        tool_messages = [m for m in body["messages"] if m["role"] == "tool"]
        if not tool_messages:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_fake_1",
                        "type": "function",
                        "function": {
                            "name": "add_task",
                            "arguments": json.dumps({"title": "Buy oat milk", "priority": "high"}),
                        },
                    }
                ],
            }
            finish = "tool_calls"
        else:
            content = tool_messages[-1]["content"]
            text = content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
            result = json.loads(text)
            message = {"role": "assistant", "content": f"Done: added '{result['title']}' (task {result['task_id']})."}
            finish = "stop"
        head = {"id": f"chatcmpl-fake-{len(self.requests)}", "created": int(time.time()), "model": body["model"]}
        if body.get("stream"):
            return StreamingResponse(self._chunks(head, message, finish), media_type="text/event-stream")
        return {
            **head, "object": "chat.completion",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }  # fmt: skip

    async def _chunks(self, head: dict[str, Any], message: dict[str, Any], finish: str) -> AsyncIterator[str]:
        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
            choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
            return f"data: {json.dumps({**head, 'object': 'chat.completion.chunk', 'choices': [choice]})}\n\n"

        yield chunk({"role": "assistant", "content": ""})
        for n, call in enumerate(message.get("tool_calls") or []):
            arguments = call["function"]["arguments"]
            function = {"name": call["function"]["name"], "arguments": ""}
            yield chunk({"tool_calls": [{"index": n, "id": call["id"], "type": "function", "function": function}]})
            for i in range(0, len(arguments), 8):
                yield chunk({"tool_calls": [{"index": n, "function": {"arguments": arguments[i : i + 8]}}]})
        for piece in re.findall(r"\S+\s*", message.get("content") or ""):
            await asyncio.sleep(self.text_delay)
            yield chunk({"content": piece})
        yield chunk({}, finish)
        yield "data: [DONE]\n\n"

    def __enter__(self) -> FakeChatCompletions:
        self.thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex((LOOPBACK, self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise TimeoutError("fake chat completions server did not start")

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
