"""The next move of the local model: tool calls to make, or the reply to write.

A pure function of the resolved intent and the tool calls already made in this run (with their
results), so the model keeps no state between calls: the SDK's run loop replays everything it
needs on each turn, and a restarted process continues exactly where the conversation stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent.nlu import replies
from agent.nlu.matching import best_matches, search_keyword
from agent.nlu.parser import Intent
from agent.tool_results import error_message, tasks_of

MAX_STEPS = 6  # tool rounds in one run before the model stops and reports


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Step:
    """One tool call made earlier in this run, and what it returned (parsed)."""

    name: str
    arguments: dict[str, Any]
    result: Any = None


@dataclass(frozen=True)
class Plan:
    calls: list[ToolCall] = field(default_factory=list)
    reply: str | None = None


def _iso(value: datetime) -> str:
    return value.isoformat()


def _tool_fields(intent: Intent) -> dict[str, Any]:
    """The intent's field changes as tool arguments (ISO date-times, tag lists)."""
    fields = dict(intent.changes)
    if intent.due_at:
        fields["due_at"] = _iso(intent.due_at)
    if intent.tags:
        fields["tags"] = list(intent.tags)
    return fields


def _add_arguments(intent: Intent) -> dict[str, Any]:
    arguments: dict[str, Any] = {"title": intent.title, **_tool_fields(intent)}
    if intent.recurrence:
        arguments["recurrence"] = intent.recurrence
    return arguments


def _list_arguments(intent: Intent) -> dict[str, Any]:
    flt = intent.filter
    arguments: dict[str, Any] = {"status": flt.status}
    if flt.priority:
        arguments["priority"] = flt.priority
    if flt.tag:
        arguments["tag"] = flt.tag
    if flt.query:
        arguments["query"] = flt.query
    return arguments


def _action_call(intent: Intent, task_id: int, task: dict[str, Any] | None = None) -> ToolCall:
    if intent.kind == "complete":
        return ToolCall("complete_task", {"task_id": task_id})
    if intent.kind == "delete":
        return ToolCall("delete_task", {"task_id": task_id})
    arguments: dict[str, Any] = {"task_id": task_id, **_tool_fields(intent)}
    if intent.tags:  # added to the task's own tags, not replacing them
        existing = [str(t) for t in (task or {}).get("tags") or []]
        arguments["tags"] = list(dict.fromkeys(existing + list(intent.tags)))[:10]
    return ToolCall("update_task", arguments)


def _needs_lookup(intent: Intent) -> bool:
    """By-title references need a list first; so does adding tags (merged into the task's own)."""
    return bool(intent.ref.words) or (intent.kind == "update" and bool(intent.tags))


def _within(due_at: Any, intent: Intent, now: datetime) -> bool:
    flt = intent.filter
    if not (flt.due_on or flt.overdue):
        return True
    if not due_at:
        return False
    try:
        when = datetime.fromisoformat(str(due_at).replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo and now.tzinfo:
        when = when.astimezone(now.tzinfo)
    if flt.overdue:
        return when < now
    return when.date() == flt.due_on


def _confirm(intent: Intent, step: Step, now: datetime) -> str:
    task_id = step.arguments.get("task_id")
    if (message := error_message(step.result)) is not None:
        return replies.failed(intent.kind, task_id, message)
    if step.name == "complete_task":
        return replies.completed(step.result, task_id)
    if step.name == "delete_task":
        return replies.deleted(step.result, task_id)
    tags = step.arguments.get("tags") or ()
    return replies.updated(intent, step.result, task_id, now, tags)


def plan(intent: Intent, steps: list[Step], now: datetime) -> Plan:
    """What to do next for `intent`, given the tool calls of this run so far."""
    kind = intent.kind
    if kind == "greet":
        return Plan(reply=replies.greeting())
    if kind == "help":
        return Plan(reply=replies.help_text())
    if kind == "thanks":
        return Plan(reply=replies.thanks())
    if kind == "reopen":
        return Plan(reply=replies.reopen_unsupported())
    if kind == "unknown":
        return Plan(reply=replies.not_understood())
    if len(steps) >= MAX_STEPS:
        return Plan(reply="Sorry, that took more steps than I expected. Please check your task list.")

    if kind == "add":
        if not intent.title:
            return Plan(reply=replies.ask_title())
        if not steps:
            return Plan(calls=[ToolCall("add_task", _add_arguments(intent))])
        last = steps[-1]
        if (message := error_message(last.result)) is not None:
            return Plan(reply=replies.failed("add", None, message))
        return Plan(reply=replies.added(intent, last.result, now))

    if kind == "list":
        if not steps:
            return Plan(calls=[ToolCall("list_tasks", _list_arguments(intent))])
        last = steps[-1]
        if (message := error_message(last.result)) is not None:
            return Plan(reply=replies.failed("list", None, message))
        tasks = [t for t in tasks_of(last.result) if _within(t.get("due_at"), intent, now)]
        return Plan(reply=replies.list_reply(tasks, intent.filter, now))

    # complete / delete / update
    ref = intent.ref
    actions = [s for s in steps if s.name != "list_tasks"]
    if actions:  # the action ran: confirm each result
        return Plan(reply=replies.join([_confirm(intent, s, now) for s in actions]))
    if not ref.ids and not ref.words:
        return Plan(reply=replies.ask_which_task(kind))
    if not _needs_lookup(intent):
        return Plan(calls=[_action_call(intent, task_id) for task_id in ref.ids])

    listings = [s for s in steps if s.name == "list_tasks"]
    if not listings:
        arguments: dict[str, Any] = {"status": "all"}
        if ref.words:
            arguments["query"] = search_keyword(ref.words)
        return Plan(calls=[ToolCall("list_tasks", arguments)])
    last = listings[-1]
    if (message := error_message(last.result)) is not None:
        return Plan(reply=replies.failed("list", None, message))
    tasks = tasks_of(last.result)

    if ref.ids:  # tags to merge: the tasks were listed to read their current tags
        by_id = {t.get("id"): t for t in tasks}
        calls, missing = [], []
        for task_id in ref.ids:
            if task_id in by_id:
                calls.append(_action_call(intent, task_id, by_id[task_id]))
            else:
                missing.append(f"I couldn't find task {task_id}.")
        return Plan(calls=calls) if calls else Plan(reply=replies.join(missing))

    words = ref.words or ""
    matches = best_matches(words, tasks)
    if not matches and "query" in last.arguments and len(listings) == 1:
        # The search word missed ("grocery" vs "groceries"): look through every task once.
        return Plan(calls=[ToolCall("list_tasks", {"status": "all"})])
    if not matches:
        return Plan(reply=replies.no_match(words))
    if kind == "complete":
        pending = [t for t in matches if not t.get("completed")]
        if not pending:
            return Plan(reply=replies.join([replies.already_done(t) for t in matches[:1]]))
        matches = pending
    if len(matches) > 1:
        return Plan(reply=replies.ask_which_one(kind, words, matches, now))
    return Plan(calls=[_action_call(intent, int(matches[0]["id"]), matches[0])])
