"""The agent's own metrics (the shared HTTP ones are in todo_core.metrics): turns, tool calls, the model."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from todo_core.metrics import LATENCY_BUCKETS

# outcome: ok; error (the caller was told why: MCP server or model unavailable, too slow, revoked);
# failed (a bug: 500).
TURNS = Counter("todo_agent_turns", "Chat turns run, by outcome and whether streamed", ["outcome", "streamed"])
# outcome: ok; error (the tool answered an error the model reads: "task 7 not found"); failed (no answer).
TOOL_CALLS = Counter("todo_agent_tool_calls", "MCP tool calls the model made, by tool and outcome", ["tool", "outcome"])
TOOL_DURATION = Histogram(
    "todo_agent_tool_call_duration_seconds",
    "Time of one MCP tool call, as the agent sees it",
    ["tool"],
    buckets=LATENCY_BUCKETS,
)
MODEL_DURATION = Histogram(
    "todo_agent_model_request_duration_seconds", "Time of one model request", ["model"], buckets=LATENCY_BUCKETS
)
MODEL_TOKENS = Counter(
    "todo_agent_model_tokens", "Tokens the model reported using, by kind (input, output)", ["model", "kind"]
)
