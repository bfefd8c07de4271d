"""The next move of the local model: tool calls to make, or the reply to write.

A pure function of the resolved intent and the tool calls already made in this run (with their
results), so the model keeps no state between calls: the SDK's run loop replays everything it
needs, and a restarted process continues exactly where the conversation stands. Intents that act
on tasks share one plan (find the tasks by number, title or set, then `spec.act` on each); the
others bring their own (`spec.plan`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agent.nlu import replies
from agent.nlu.intents import Intent, Plan, Step, ToolCall, list_arguments
from agent.nlu.matching import best_matches, search_keyword
from agent.tool_results import error_message, tasks_of

MAX_STEPS = 6  # tool rounds in one run before the model stops and reports


def _act(intent: Intent, tasks: list[dict[str, Any]]) -> Plan:
    act = intent.spec.act
    assert act is not None, f"{intent.kind} targets tasks but has no act"
    return Plan(calls=[act(intent, task) for task in tasks])


def _open_or_done(intent: Intent, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Completing acts on open tasks, reopening on done ones; every other intent on all."""
    if intent.kind == "complete":
        return [t for t in tasks if not t.get("completed")]
    if intent.kind == "reopen":
        return [t for t in tasks if t.get("completed")]
    return tasks


def plan(intent: Intent, steps: list[Step], now: datetime) -> Plan:
    spec = intent.spec
    if len(steps) >= MAX_STEPS:
        return Plan(reply="Sorry, that took more steps than I expected. Please check your task list.")
    if spec.plan is not None:
        return spec.plan(intent, steps, now)

    if intent.calls:  # worked out from the conversation (a confirmed set)
        if not steps:
            return Plan(calls=list(intent.calls))
        return Plan(reply=replies.join([replies.action(intent, s, now) for s in steps]))
    actions = [s for s in steps if s.name != "list_tasks"]
    if actions:  # the action ran: confirm each result
        return Plan(reply=replies.join([replies.action(intent, s, now) for s in actions]))

    ref, listings = intent.ref, [s for s in steps if s.name == "list_tasks"]
    if not (ref.ids or ref.words or ref.selector):
        return Plan(reply=replies.ask_which_task(spec.verb))
    if ref.ids and not spec.needs_task(intent):
        return _act(intent, [{"id": task_id} for task_id in ref.ids])
    if not listings:
        arguments: dict[str, Any] = list_arguments(ref.selector) if ref.selector else {"status": "all"}
        if ref.words:
            arguments["query"] = search_keyword(ref.words)
        return Plan(calls=[ToolCall("list_tasks", arguments)])
    last = listings[-1]
    if (message := error_message(last.result)) is not None:
        return Plan(reply=replies.failed("list", None, message))
    tasks = tasks_of(last.result)

    if ref.selector:  # a set: every matching task, asking first before deleting several
        chosen = _open_or_done(intent, [t for t in tasks if ref.selector.admits(t.get("due_at"), now)])
        if not chosen:
            return Plan(reply=replies.nothing_in(ref.selector, now, spec.verb))
        if spec.confirm_above is not None and len(chosen) > spec.confirm_above:
            return Plan(reply=replies.confirm_delete(chosen, now))
        return _act(intent, chosen)

    if ref.ids:  # the task's own fields were needed (tags to merge)
        by_id = {t.get("id"): t for t in tasks}
        found = [by_id[i] for i in ref.ids if i in by_id]
        missing = [f"I couldn't find task {i}." for i in ref.ids if i not in by_id]
        return _act(intent, found) if found else Plan(reply=replies.join(missing))

    words = ref.words or ""
    matches = best_matches(words, tasks)
    if not matches and "query" in last.arguments and len(listings) == 1:
        # The search word missed ("grocery" vs "groceries"): look through every task once.
        return Plan(calls=[ToolCall("list_tasks", {"status": "all"})])
    if not matches:
        return Plan(reply=replies.no_match(words))
    relevant = _open_or_done(intent, matches)
    if not relevant:
        already = replies.already_done if intent.kind == "complete" else replies.already_open
        return Plan(reply=already(matches[0]))
    if len(relevant) > 1:
        return Plan(reply=replies.ask_which_one(spec.verb, words, relevant, now))
    return _act(intent, relevant)
