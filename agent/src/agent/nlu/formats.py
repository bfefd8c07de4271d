"""The formats the local model writes and later reads back from the conversation: one definition each.

Replies name tasks as `'Buy milk' (task 5)` or, in lists, `- Buy milk (task 5) — high priority`;
`mentions()` reads both back ("the first one", "yes" to a confirmation). Questions the model asks
end with a marker the context reader recognises in the next turn.
"""

from __future__ import annotations

import re
from typing import Any

WHICH_ONE = "Which one should I"  # several tasks matched: "... Which one should I delete?"
WHICH_TASK = "Which task do you mean?"  # nothing to go on
WHAT_TITLE = "What should the new task say?"  # "add a task" with no title
CONFIRM = 'Reply "yes" to'  # before deleting several tasks
QUESTIONS = (WHICH_ONE, WHICH_TASK, WHAT_TITLE, CONFIRM)


def mention(title: Any, task_id: Any) -> str:
    return f"'{title}' (task {task_id})" if title else f"task {task_id}"


def line(title: Any, task_id: Any, details: list[str]) -> str:
    return f"- {title} (task {task_id})" + (f" — {', '.join(details)}" if details else "")


_MENTION = re.compile(
    r"(?:^-\s*(?P<line_title>.+?)\s+|'(?P<quoted_title>[^'\n]+)'\s+)?\(task\s+(?P<id>\d+)\)", re.MULTILINE
)


def mentions(text: str) -> list[dict[str, Any]]:
    """Tasks a reply names, in order: `[{"id": 5, "title": "Buy milk"}, ...]` (read back from `mention`/`line`)."""
    found: dict[int, dict[str, Any]] = {}
    for match in _MENTION.finditer(text):
        task_id = int(match.group("id"))
        found.setdefault(task_id, {"id": task_id, "title": match.group("line_title") or match.group("quoted_title")})
    return list(found.values())


def asked(text: str) -> str | None:
    """Which of the model's questions a reply asked, if any."""
    return next((marker for marker in QUESTIONS if marker in text), None)
