"""Reading a message in its conversation: "it", "the first one", and answers to our own questions.

The agent is stateless: all it knows is the history the caller sends. So references are resolved
from what was said: task mentions in earlier replies ("Added 'Buy milk' (task 5).") or in tool
results carried in the history, and an answer such as "task 3" to a question the assistant asked
("Which one should I delete?") is read together with the request that led to the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from agent.nlu import replies
from agent.nlu.matching import best_matches
from agent.nlu.parser import Intent, TaskRef, clean_title, parse, parse_ref, take_modifiers
from agent.tool_results import tasks_of

MAX_FOLLOW_UPS = 4  # how far back a chain of question → answer is followed


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant", "tool"]
    text: str = ""
    result: Any = None  # a tool turn's parsed result


_MENTION = re.compile(
    r"(?:^-\s*(?P<line_title>.+?)\s+|'(?P<quoted_title>[^'\n]+)'\s+)?\(task\s+(?P<id>\d+)\)", re.MULTILINE
)


def mentions(turn: Turn) -> list[dict[str, Any]]:
    """Tasks a turn names, in order: `[{"id": 3, "title": "Buy milk"}, ...]`."""
    found: list[dict[str, Any]] = []
    if turn.role == "tool":
        result = turn.result
        if isinstance(result, dict) and result.get("task_id") is not None:
            found.append({"id": result["task_id"], "title": result.get("title")})
        else:
            found += [{"id": t["id"], "title": t.get("title")} for t in tasks_of(result)]
    elif turn.role == "assistant":
        for match in _MENTION.finditer(turn.text):
            title = match.group("line_title") or match.group("quoted_title")
            found.append({"id": int(match.group("id")), "title": title})
    unique: dict[Any, dict[str, Any]] = {}
    for item in found:
        unique.setdefault(item["id"], item)
    return list(unique.values())


def _last_mentions(history: list[Turn]) -> list[dict[str, Any]]:
    for turn in reversed(history):
        if turn.role != "user" and (found := mentions(turn)):
            return found
    return []


def _last_index(history: list[Turn], role: str, before: int) -> int | None:
    for index in range(before - 1, -1, -1):
        if history[index].role == role:
            return index
    return None


def _asked(text: str) -> bool:
    return any(marker in text for marker in (replies.WHICH_ONE, replies.WHICH_TASK, replies.WHAT_TITLE))


def _pick(ref: TaskRef, options: list[dict[str, Any]]) -> TaskRef:
    """Narrow an answer ("the first one", "the milk one") to a task id among the offered options."""
    if ref.ordinal and options:
        index = ref.ordinal - 1 if ref.ordinal > 0 else len(options) - 1
        if 0 <= index < len(options):
            return TaskRef(ids=(int(options[index]["id"]),))
    if ref.words and options:
        matches = best_matches(ref.words, [o for o in options if o.get("title")])
        if len(matches) == 1:
            return TaskRef(ids=(int(matches[0]["id"]),))
    return ref


def _intent_at(history: list[Turn], index: int, now: datetime, depth: int = 0) -> Intent:
    """The intent of the user turn at `index`, read with the turns before it."""
    text = history[index].text
    intent = parse(text, now)
    if intent.kind != "unknown" or depth >= MAX_FOLLOW_UPS:
        return intent
    asked_at = _last_index(history, "assistant", index)
    if asked_at is None or not _asked(history[asked_at].text):
        return intent
    original_at = _last_index(history, "user", asked_at)
    if original_at is None:
        return intent
    original = _intent_at(history, original_at, now, depth + 1)
    question = history[asked_at].text
    if replies.WHAT_TITLE in question and original.kind == "add":
        mods = take_modifiers(text, now)
        return replace(
            original,
            text=text,
            title=clean_title(mods.text) or None,
            priority=original.priority or mods.priority,
            due_at=original.due_at or mods.due_at,
            tags=original.tags + tuple(t for t in mods.tags if t not in original.tags),
            recurrence=original.recurrence or mods.recurrence,
        )
    if original.kind in {"complete", "delete", "update"}:
        ref = parse_ref(re.sub(r"[.!?]+$", "", text.strip()))
        if not ref.empty:
            return original.with_ref(_pick(ref, mentions(history[asked_at])))
    return intent


def resolve(history: list[Turn], now: datetime) -> Intent | str:
    """The intent of the last user turn with its references resolved, or a question to ask back."""
    last_user = _last_index(history, "user", len(history))
    if last_user is None:
        return replies.greeting()
    intent = _intent_at(history, last_user, now)
    earlier = history[:last_user]
    ref = intent.ref
    if intent.kind in {"complete", "delete", "update", "reopen"} and (ref.pronoun or ref.ordinal):
        options = _last_mentions(earlier)
        if ref.ordinal:
            picked = _pick(ref, options)
            if picked.ids:
                return intent.with_ref(picked)
            return replies.ask_which_task(intent.kind)
        if len(options) == 1:
            return intent.with_ref(TaskRef(ids=(int(options[0]["id"]),)))
        if len(options) > 1:
            return replies.ask_which_one(intent.kind, None, options, now)
        return replies.ask_which_task(intent.kind)
    return intent
