"""The local model's words: confirmations written from tool results, questions, help."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from agent.nlu.dates import format_due
from agent.nlu.parser import Intent, ListFilter

# Phrases the context reader looks for in the assistant's previous message (see context.py).
WHICH_ONE = "Which one should I"
WHICH_TASK = "Which task do you mean?"
WHAT_TITLE = "What should the new task say?"

EXAMPLES = (
    '- "Add a task to buy groceries"\n'
    '- "Add a high priority task to file taxes due Friday #work"\n'
    '- "What\'s pending?" or "Show me all my tasks"\n'
    '- "Mark task 3 as complete" or "I finished the groceries one"\n'
    "- \"Change task 1 to 'Call mom tonight'\"\n"
    '- "Delete the meeting task"'
)
VERB_PHRASES = {"complete": "mark as done", "delete": "delete", "update": "update"}


def greeting() -> str:
    return f"Hi! I'm your todo assistant. I can add, list, complete, update and delete your tasks. Try:\n{EXAMPLES}"


def help_text() -> str:
    return (
        "I manage your todo list. You can ask me things like:\n"
        f"{EXAMPLES}\n"
        "You can give priorities (high, medium, low), due dates (today, tomorrow, Friday, next week, "
        "in 3 days, on 2026-12-01) and tags (#work)."
    )


def thanks() -> str:
    return "You're welcome! Anything else on your list?"


def not_understood() -> str:
    return f"Sorry, I'm not sure what you'd like me to do. I can help with your todo list, for example:\n{EXAMPLES}"


def reopen_unsupported() -> str:
    return (
        "I can't mark a task as not done from the chat yet. You can reopen it in the task list, "
        "or I can add it again as a new task."
    )


def ask_title() -> str:
    return f'{WHAT_TITLE} For example: "Buy groceries".'


def ask_which_task(kind: str) -> str:
    verb = VERB_PHRASES.get(kind, "change")
    return f'{WHICH_TASK} Tell me its number (like "task 3") or a few words of its title, and I\'ll {verb} it.'


def ask_which_one(kind: str, words: str | None, options: Sequence[Mapping[str, Any]], now: datetime) -> str:
    intro = f"I found {len(options)} tasks matching '{words}'." if words else f"There are {len(options)} tasks."
    lines = "\n".join(task_line(t, now, show_done=True) for t in options)
    return f"{intro} {WHICH_ONE} {VERB_PHRASES.get(kind, 'change')}?\n{lines}\nReply with the task number."


def quoted(title: Any) -> str:
    return f"'{title}'"


def task_line(task: Mapping[str, Any], now: datetime, *, show_done: bool = True) -> str:
    details: list[str] = []
    if show_done and task.get("completed"):
        details.append("done")
    if task.get("priority") in {"high", "low"}:
        details.append(f"{task['priority']} priority")
    if task.get("due_at"):
        details.append(f"due {format_due(task['due_at'], now)}")
    tags = task.get("tags") or []
    if tags:
        details.append(" ".join(f"#{t}" for t in tags))
    suffix = f" — {', '.join(details)}" if details else ""
    return f"- {task.get('title', '?')} (task {task.get('id', '?')}){suffix}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _filter_phrase(flt: ListFilter, now: datetime) -> str:
    parts = []
    if flt.priority:
        parts.append(f"{flt.priority} priority")
    if flt.tag:
        parts.append(f"tagged #{flt.tag}")
    if flt.query:
        parts.append(f"matching '{flt.query}'")
    if flt.overdue:
        parts.append("overdue")
    elif flt.due_on:
        if flt.due_on == now.date():
            parts.append("due today")
        elif (flt.due_on - now.date()).days == 1:
            parts.append("due tomorrow")
        else:
            parts.append(f"due {flt.due_on:%a} {flt.due_on.day} {flt.due_on:%b}")
    return " ".join(parts)


def list_reply(tasks: Sequence[Mapping[str, Any]], flt: ListFilter, now: datetime) -> str:
    phrase = _filter_phrase(flt, now)
    label = {"pending": "pending task", "completed": "completed task"}.get(flt.status, "task")
    if not tasks:
        if phrase:
            return f"You have no {label}s {phrase}." if flt.status != "all" else f"You have no tasks {phrase}."
        if flt.status == "pending":
            return "Nothing pending — you're all caught up!"
        if flt.status == "completed":
            return "You haven't completed any tasks yet."
        return 'You don\'t have any tasks yet. Try "Add a task to buy groceries".'
    count = _plural(len(tasks), label)
    if flt.status == "completed" and not phrase:
        head = f"You've completed {count.replace('completed ', '')}:"
    else:
        head = f"You have {count}{' ' + phrase if phrase else ''}:"
    lines = "\n".join(task_line(t, now, show_done=flt.status == "all") for t in tasks)
    return f"{head}\n{lines}"


def _title_from(result: Any, fallback: Any = None) -> Any:
    if isinstance(result, Mapping) and result.get("title"):
        return result["title"]
    return fallback


def _id_from(result: Any, fallback: Any = None) -> Any:
    if isinstance(result, Mapping) and result.get("task_id") is not None:
        return result["task_id"]
    return fallback


def added(intent: Intent, result: Any, now: datetime) -> str:
    title, task_id = _title_from(result, intent.title), _id_from(result)
    details = []
    if intent.priority:
        details.append(f"{intent.priority} priority")
    if intent.due_at:
        details.append(f"due {format_due(intent.due_at, now)}")
    if intent.tags:
        details.append("tagged " + " ".join(f"#{t}" for t in intent.tags))
    if intent.recurrence:
        details.append(f"repeats {intent.recurrence}")
    ref = f" (task {task_id})" if task_id is not None else ""
    return f"Added {quoted(title)}{ref}{', ' + ', '.join(details) if details else ''}."


def completed(result: Any, task_id: Any) -> str:
    title, task_id = _title_from(result), _id_from(result, task_id)
    name = f"{quoted(title)} (task {task_id})" if title else f"task {task_id}"
    return f"Marked {name} as done. Nice work!"


def deleted(result: Any, task_id: Any) -> str:
    title, task_id = _title_from(result), _id_from(result, task_id)
    name = f"{quoted(title)} (task {task_id})" if title else f"task {task_id}"
    return f"Deleted {name}."


def updated(intent: Intent, result: Any, task_id: Any, now: datetime, tags: Sequence[str] = ()) -> str:
    title, task_id = _title_from(result, intent.title), _id_from(result, task_id)
    changes = []
    if intent.priority:
        changes.append(f"now {intent.priority} priority")
    if intent.due_at:
        changes.append(f"due {format_due(intent.due_at, now)}")
    if intent.tags:
        changes.append("tags " + " ".join(f"#{t}" for t in (tags or intent.tags)))
    if intent.description:
        changes.append("description updated")
    if intent.title:
        head = f"Renamed task {task_id} to {quoted(title)}"
        return head + (f" ({', '.join(changes)})." if changes else ".")
    name = f"{quoted(title)} (task {task_id})" if title else f"task {task_id}"
    return f"Updated {name}: {', '.join(changes)}." if changes else f"Updated {name}."


def already_done(task: Mapping[str, Any]) -> str:
    return f"{quoted(task.get('title'))} (task {task.get('id')}) is already marked as done."


_ACTION_PHRASES = {
    "complete": "mark task {id} as done",
    "delete": "delete task {id}",
    "update": "update task {id}",
    "add": "add that task",
    "list": "load your tasks",
}


def failed(kind: str, task_id: Any, message: str) -> str:
    if re.search(r"not\s+found|no\s+such|does\s+not\s+exist|doesn't\s+exist", message, re.IGNORECASE):
        return f"I couldn't find task {task_id}." if task_id is not None else "I couldn't find that task."
    what = _ACTION_PHRASES.get(kind, "do that").format(id=task_id)
    return f"Sorry, I couldn't {what}: {message.rstrip('.')}."


def no_match(words: str) -> str:
    return f"I couldn't find a task matching '{words}'. Say \"show me my tasks\" to see them all."


def join(sentences: Sequence[str]) -> str:
    return " ".join(s for s in sentences if s)
