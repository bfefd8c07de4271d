"""The local model's words: confirmations written from tool results, answers, questions, help."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from agent.nlu import formats
from agent.nlu.dates import format_due
from agent.tool_results import error_message
from todo_core.limits import TITLE_MAX

if TYPE_CHECKING:
    from agent.nlu.intents import Intent, Step
    from agent.nlu.refs import ListFilter

EXAMPLES = (
    '- "Add a high priority task to file taxes due Friday #work"\n'
    '- "Add three tasks: wash car, pay rent, book flights"\n'
    '- "Every friday take out the trash" or "Each morning: stretch"\n'
    '- "What\'s due this week?", "How many tasks are left?", "What tags do I use?"\n'
    '- "I finished the groceries one", "Reopen \'Pay rent\'", "Undo that"\n'
    '- "Rename \'Call mom\' to \'Call mom tonight\'", "Move task 3 to Monday at 9am", "Tag task 2 with #home"\n'
    '- "Delete everything I\'ve finished"'
)
CAN_DO = "add, list, complete, reopen, rename, reschedule, re-prioritise, tag and delete tasks, and undo my last change"


def greeting() -> str:
    return f"Hi! I'm your todo assistant. I can {CAN_DO}. Try:\n{EXAMPLES}"


def help_text() -> str:
    return (
        f"I manage your todo list: I can {CAN_DO}. You can ask me things like:\n{EXAMPLES}\n"
        "You can give priorities (high, medium, low), due dates and times in your own time zone (today, "
        "tomorrow at 9am, Friday evening, next week, in 3 days, on 2026-12-01), tags (#work) and repeats "
        "(daily, weekly, monthly, every Monday)."
    )


def thanks() -> str:
    return "You're welcome! Anything else on your list?"


def nothing_to_confirm() -> str:
    return "There's nothing waiting for a yes. What would you like me to do?"


def kept() -> str:
    return "Okay, I left everything as it was."


def not_understood() -> str:
    return f"Sorry, I'm not sure what you'd like me to do. I can help with your todo list, for example:\n{EXAMPLES}"


def cannot(what: str, *, repeat: bool = False) -> str:
    if repeat:
        return (
            "I can't repeat tasks on that schedule: tasks repeat daily, weekly or monthly. I can add it as "
            'a daily, weekly or monthly task, for example "every Monday: team sync".'
        )
    return f"I can't {what}. I can {CAN_DO}."


def ask_title() -> str:
    return f'{formats.WHAT_TITLE} For example: "Buy groceries".'


def title_too_long(title: str) -> str:
    return f"A title can be at most {TITLE_MAX} characters; this one has {len(title)}. Could you say it shorter?"


def ask_which_task(verb: str) -> str:
    return (
        f'{formats.WHICH_TASK} Tell me its number (like "task 3") or a few words of its title, '
        f"and I'll {verb or 'change'} it."
    )


def ask_which_one(verb: str, words: str | None, options: Sequence[Mapping[str, Any]], now: datetime) -> str:
    intro = f"I found {len(options)} tasks matching '{words}'." if words else f"There are {len(options)} tasks."
    lines = "\n".join(task_line(t, now) for t in options)
    return f"{intro} {formats.WHICH_ONE} {verb or 'change'}?\n{lines}\nReply with the task number."


def confirm_delete(tasks: Sequence[Mapping[str, Any]], now: datetime) -> str:
    lines = "\n".join(task_line(t, now) for t in tasks)
    return f'That would delete {len(tasks)} tasks:\n{lines}\n{formats.CONFIRM} delete them all, or "no" to keep them.'


def task_line(task: Mapping[str, Any], now: datetime, *, show_done: bool = True) -> str:
    details: list[str] = []
    if show_done and task.get("completed"):
        details.append("done")
    if task.get("priority") in {"high", "low"}:
        details.append(f"{task['priority']} priority")
    if task.get("due_at"):
        details.append(f"due {format_due(task['due_at'], now)}")
    if tags := task.get("tags") or []:
        details.append(" ".join(f"#{t}" for t in tags))
    return formats.line(task.get("title", "?"), task.get("id", "?"), details)


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
    elif flt.due_by:
        parts.append("due this week")
    elif flt.due_on:
        if flt.due_on == now.date():
            parts.append("due today")
        elif (flt.due_on - now.date()).days == 1:
            parts.append("due tomorrow")
        else:
            parts.append(f"due {flt.due_on:%a} {flt.due_on.day} {flt.due_on:%b}")
    return " ".join(parts)


def _label(flt: ListFilter) -> str:
    return {"pending": "pending task", "completed": "completed task"}.get(flt.status, "task")


def list_reply(tasks: Sequence[Mapping[str, Any]], flt: ListFilter, now: datetime) -> str:
    phrase, label = _filter_phrase(flt, now), _label(flt)
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


def count_reply(tasks: Sequence[Mapping[str, Any]], flt: ListFilter, now: datetime) -> str:
    phrase = _filter_phrase(flt, now)
    text = f"You have {_plural(len(tasks), _label(flt))}{' ' + phrase if phrase else ''}."
    if flt.status == "all" and tasks:
        done = sum(1 for t in tasks if t.get("completed"))
        text = text[:-1] + f": {len(tasks) - done} pending and {done} completed."
    return text


def tags_reply(tasks: Sequence[Mapping[str, Any]], flt: ListFilter, now: datetime) -> str:
    counts = Counter(tag for t in tasks for tag in t.get("tags") or [])
    if not counts:
        return 'None of your tasks has a tag yet. Add one with "tag task 3 with #work".'
    listed = ", ".join(f"#{tag} ({n})" for tag, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"Your tags: {listed}."


_RANK = {"high": 0, "medium": 1, "low": 2}


def next_reply(tasks: Sequence[Mapping[str, Any]], flt: ListFilter, now: datetime) -> str:
    if not tasks:
        return "Nothing pending — you're all caught up!"
    ordered = sorted(tasks, key=lambda t: (_RANK.get(str(t.get("priority")), 1), t.get("due_at") or "9999"))
    lines = "\n".join(task_line(t, now, show_done=False) for t in ordered[:3])
    return f"Next up, by priority and due date:\n{lines}"


def _title_from(result: Any, fallback: Any = None) -> Any:
    return result["title"] if isinstance(result, Mapping) and result.get("title") else fallback


def _id_from(result: Any, fallback: Any = None) -> Any:
    return result["task_id"] if isinstance(result, Mapping) and result.get("task_id") is not None else fallback


def _details(intent: Intent, now: datetime) -> list[str]:
    details = []
    if intent.priority:
        details.append(f"{intent.priority} priority")
    if intent.due_at:
        details.append(f"due {format_due(intent.due_at, now)}")
    if intent.tags:
        details.append("tagged " + " ".join(f"#{t}" for t in intent.tags))
    if intent.recurrence:
        details.append(f"repeats {intent.recurrence}")
    return details


def added(intent: Intent, result: Any, now: datetime) -> str:
    details = _details(intent, now)
    name = formats.mention(_title_from(result, intent.title), _id_from(result, "?"))
    return f"Added {name}{', ' + ', '.join(details) if details else ''}."


def added_all(items: Sequence[Intent], steps: Sequence[Step], now: datetime) -> str:
    if len(items) == 1:
        step = steps[-1]
        if (message := error_message(step.result)) is not None:
            return failed("add", None, message)
        return added(items[0], step.result, now)
    done = [(i, s) for i, s in zip(items, steps, strict=False) if error_message(s.result) is None]
    lines = [task_line({"id": _id_from(s.result), "title": _title_from(s.result, i.title)}, now) for i, s in done]
    problems = [failed("add", None, m) for s in steps if (m := error_message(s.result)) is not None]
    head = f"Added {_plural(len(done), 'task')}:" if done else ""
    return "\n".join([head, *lines, *problems]).strip()


def action(intent: Intent, step: Step, now: datetime) -> str:
    """The sentence confirming one tool call on a task (or saying why it failed)."""
    task_id = step.arguments.get("task_id")
    if (message := error_message(step.result)) is not None:
        return failed(intent.kind, task_id, message)
    name = formats.mention(_title_from(step.result), _id_from(step.result, task_id))
    if step.name == "complete_task":
        return f"Marked {name} as done. Nice work!"
    if step.name == "delete_task":
        return f"Deleted {name}."
    if step.name == "add_task":
        return f"Added {name} back."
    if step.arguments.get("completed") is False:
        return f"Reopened {name}."
    if step.arguments.get("completed") is True:
        return f"Marked {name} as done."
    if intent.kind == "untag":
        left = step.arguments.get("tags") or []
        return f"Removed {' '.join('#' + t for t in intent.untag)} from {name}" + (
            f"; it keeps {' '.join('#' + t for t in left)}." if left else "."
        )
    changes = []
    if intent.priority:
        changes.append(f"now {intent.priority} priority")
    if intent.due_at:
        changes.append(f"due {format_due(intent.due_at, now)}")
    if intent.tags:
        changes.append("tags " + " ".join(f"#{t}" for t in (step.arguments.get("tags") or intent.tags)))
    if intent.description:
        changes.append("description updated")
    if intent.title:
        head = f"Renamed task {_id_from(step.result, task_id)} to '{_title_from(step.result, intent.title)}'"
        return head + (f" ({', '.join(changes)})." if changes else ".")
    return f"Updated {name}: {', '.join(changes)}." if changes else f"Updated {name}."


def undone(steps: Sequence[Step], now: datetime) -> str:
    from agent.nlu.intents import Intent

    return "Undone: " + join([action(Intent("undo"), s, now) for s in steps])


def nothing_to_undo() -> str:
    return "There's nothing for me to undo: I haven't changed any task in this conversation yet."


def cannot_undo(what: str) -> str:
    return f"I can't undo that: {what}. I can undo adding, completing, reopening, changing or deleting a task."


def already_done(task: Mapping[str, Any]) -> str:
    return f"{formats.mention(task.get('title'), task.get('id'))} is already marked as done."


def already_open(task: Mapping[str, Any]) -> str:
    return f"{formats.mention(task.get('title'), task.get('id'))} isn't done yet, so there's nothing to reopen."


_ACTION_PHRASES = {
    "complete": "mark task {id} as done",
    "reopen": "reopen task {id}",
    "delete": "delete task {id}",
    "update": "update task {id}",
    "untag": "update task {id}",
    "add": "add that task",
    "list": "load your tasks",
}
_LIBRARY_TEXT = re.compile(r"validation error|pydantic|Traceback|\[type=|input_value=|Arguments\b", re.IGNORECASE)


def failed(kind: str, task_id: Any, message: str) -> str:
    """A tool error in one sentence: the MCP server words its own; anything that still reads like a
    library's text is not shown."""
    if re.search(r"not\s+found|no\s+such|does\s+not\s+exist|doesn't\s+exist", message, re.IGNORECASE):
        return f"I couldn't find task {task_id}." if task_id is not None else "I couldn't find that task."
    what = _ACTION_PHRASES.get(kind, "do that").format(id=task_id)
    if _LIBRARY_TEXT.search(message):
        return f"Sorry, I couldn't {what}: the task service refused the request."
    return f"Sorry, I couldn't {what}. {message.rstrip('.')}."


def no_match(words: str) -> str:
    return f"I couldn't find a task matching '{words}'. Say \"show me my tasks\" to see them all."


def nothing_in(flt: ListFilter, now: datetime, verb: str) -> str:
    phrase = _filter_phrase(flt, now)
    return f"You have no {_label(flt)}s{' ' + phrase if phrase else ''}, so there was nothing to {verb}."


def join(sentences: Sequence[str]) -> str:
    return " ".join(s for s in sentences if s)
