"""The MCP server's own metrics (the shared HTTP and database ones are in todo_core.metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from todo_core.metrics import LATENCY_BUCKETS

# outcome: ok, error (a tool error the caller is told about: "task 7 not found"), failed (a crash).
TOOL_CALLS = Counter("todo_mcp_tool_calls", "MCP tool calls answered, by tool and outcome", ["tool", "outcome"])
TOOL_DURATION = Histogram(
    "todo_mcp_tool_call_duration_seconds", "Time to run one MCP tool call", ["tool"], buckets=LATENCY_BUCKETS
)
