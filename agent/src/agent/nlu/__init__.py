"""The `local` model's natural-language front end: parse (the intent registry) → resolve in context → plan.

`next_move(history, steps, now)` is the whole interface: `history` is the conversation up to and
including the user's latest message (assistant turns with their tool calls), `steps` the tool calls
already made for it in this run, `now` the current time in the user's time zone.
"""

from __future__ import annotations

from datetime import datetime

from agent.nlu.context import Turn, resolve
from agent.nlu.intents import REGISTRY, Intent, Plan, Step, ToolCall, parse
from agent.nlu.planner import plan

__all__ = ["REGISTRY", "Intent", "Plan", "Step", "ToolCall", "Turn", "next_move", "parse"]


def next_move(history: list[Turn], steps: list[Step], now: datetime) -> Plan:
    resolved = resolve(history, now)
    if isinstance(resolved, str):
        return Plan(reply=resolved)
    return plan(resolved, steps, now)
