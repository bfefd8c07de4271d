"""Reading a message in its conversation: "it", "the first one", "yes", "undo", and answers to our questions.

The agent is stateless: all it knows is the history the caller sends, each assistant turn with the
tool calls it made. References are resolved from what was shown (task mentions in earlier replies,
read back with `formats.mentions`, or the tool results); an answer such as "task 3" or "yes" to a
question the assistant asked is read together with the request that led to the question; "undo"
reverses the tool calls of the assistant's last turn that changed something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from agent.nlu import formats, replies
from agent.nlu.intents import Intent, Step, ToolCall, parse
from agent.nlu.matching import best_matches
from agent.nlu.modifiers import take_modifiers
from agent.nlu.refs import TaskRef, clean_title, parse_ref
from agent.tool_results import error_message, tasks_of

MAX_FOLLOW_UPS = 4  # how far back a chain of question → answer is followed
UNDO_LOOKBACK = 10  # assistant turns searched for the last change
MUTATING = frozenset({"add_task", "complete_task", "update_task", "delete_task"})


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    text: str = ""
    calls: tuple[Step, ...] = ()  # an assistant turn's tool calls, with their results


def mentions(turn: Turn) -> list[dict[str, Any]]:
    """Tasks a turn named, in the order shown: from its text, else from its tool results."""
    if found := formats.mentions(turn.text):
        return found
    out: dict[Any, dict[str, Any]] = {}
    for step in turn.calls:
        result = step.result
        if isinstance(result, dict) and result.get("task_id") is not None:
            out.setdefault(result["task_id"], {"id": result["task_id"], "title": result.get("title")})
        else:
            for task in tasks_of(result):
                out.setdefault(task["id"], {"id": task["id"], "title": task.get("title")})
    return list(out.values())


def _last_mentions(history: list[Turn]) -> list[dict[str, Any]]:
    for turn in reversed(history):
        if turn.role == "assistant" and (found := mentions(turn)):
            return found
    return []


def _last_index(history: list[Turn], role: str, before: int) -> int | None:
    return next((i for i in range(before - 1, -1, -1) if history[i].role == role), None)


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
    if depth >= MAX_FOLLOW_UPS:
        return intent
    asked_at = _last_index(history, "assistant", index)
    question = formats.asked(history[asked_at].text) if asked_at is not None else None
    original_at = _last_index(history, "user", asked_at) if asked_at is not None else None
    if question is None or original_at is None or asked_at is None:
        return intent
    original = _intent_at(history, original_at, now, depth + 1)
    if question == formats.CONFIRM and intent.kind in {"yes", "no"} and original.spec.targets:
        if intent.kind == "no":
            return Intent("no", text)
        ids = tuple(int(t["id"]) for t in formats.mentions(history[asked_at].text))
        act = original.spec.act
        assert act is not None
        return replace(original, text=text, ref=TaskRef(ids=ids), calls=tuple(act(original, {"id": i}) for i in ids))
    if question in {formats.WHICH_ONE, formats.WHICH_TASK} and original.spec.targets:
        # "call bob", "the first one", "task 3": an answer picks one of the offered tasks
        ref = parse_ref(re.sub(r"[.!?]+$", "", text.strip()))
        picked = _pick(ref, mentions(history[asked_at])) if not ref.empty else ref
        if picked.ids or (intent.kind == "unknown" and not ref.empty):
            return original.with_ref(picked)
    if (
        question == formats.WHAT_TITLE
        and original.kind == "add"
        and not original.items
        and intent.kind in {"unknown", "add"}
    ):
        mods = take_modifiers(text, now)
        return replace(
            original, text=text, title=clean_title(mods.text) or None,
            priority=original.priority or mods.priority, due_at=original.due_at or mods.due_at,
            tags=original.tags + tuple(t for t in mods.tags if t not in original.tags),
            recurrence=original.recurrence or mods.recurrence,
        )  # fmt: skip
    return intent


def inverse(step: Step) -> ToolCall | str | None:
    """The call that undoes one successful change (None: nothing to undo; a str: why it can't be)."""
    result = step.result if isinstance(step.result, dict) else {}
    task_id = result.get("task_id", step.arguments.get("task_id"))
    if step.name == "add_task":
        return ToolCall("delete_task", {"task_id": task_id})
    if step.name == "complete_task":
        return ToolCall("update_task", {"task_id": task_id, "completed": False})
    previous = result.get("previous")
    if step.name == "update_task":
        if not isinstance(previous, dict) or not previous:
            return "I don't know what the task was before that change"
        restored = {k: ("" if v is None and k in {"due_at", "description"} else v) for k, v in previous.items()}
        return ToolCall("update_task", {"task_id": task_id, **restored})
    if step.name == "delete_task":
        if not isinstance(previous, dict) or not previous.get("title"):
            return "I don't have the deleted task's details"
        fields = {k: v for k, v in previous.items() if v not in (None, [], "none") and k != "completed"}
        return ToolCall("add_task", fields)
    return None


def _undo(history: list[Turn], text: str) -> Intent:
    assistant_turns = [t for t in history if t.role == "assistant"][-UNDO_LOOKBACK:]
    for turn in reversed(assistant_turns):
        changes = [s for s in turn.calls if s.name in MUTATING and error_message(s.result) is None]
        if not changes:
            continue
        undo = [inverse(s) for s in reversed(changes)]
        if reasons := [u for u in undo if isinstance(u, str)]:
            return Intent("undo", text, reply=replies.cannot_undo(reasons[0]))
        return Intent("undo", text, calls=tuple(u for u in undo if isinstance(u, ToolCall)))
    return Intent("undo", text, reply=replies.nothing_to_undo())


def resolve(history: list[Turn], now: datetime) -> Intent | str:
    """The intent of the last user turn with its references resolved, or a question to ask back."""
    last_user = _last_index(history, "user", len(history))
    if last_user is None:
        return replies.greeting()
    intent = _intent_at(history, last_user, now)
    earlier = history[:last_user]
    if intent.kind == "undo":
        return _undo(earlier, intent.text)
    ref, spec = intent.ref, intent.spec
    if spec.targets and not intent.calls and (ref.pronoun or ref.ordinal):
        options = _last_mentions(earlier)
        if ref.ordinal:
            picked = _pick(ref, options)
            return intent.with_ref(picked) if picked.ids else replies.ask_which_task(spec.verb)
        if len(options) == 1:
            return intent.with_ref(TaskRef(ids=(int(options[0]["id"]),)))
        if len(options) > 1:
            return replies.ask_which_one(spec.verb, None, options, now)
        return replies.ask_which_task(spec.verb)
    return intent
