"""Validation errors as one short sentence a person can act on, never pydantic's own text.

"A title can be at most 200 characters; this one has 312." The MCP tools answer with these (so
every client, the local model and an LLM alike, gets words), and the chat shows them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

# What each argument is called in a sentence.
FIELD_NAMES = {
    "title": "title",
    "description": "description",
    "priority": "priority",
    "tags": "tag list",
    "tag": "tag",
    "due_at": "due date",
    "recurrence": "repeat setting",
    "task_id": "task number",
    "status": "status",
    "query": "search text",
    "q": "search text",
    "completed": "completed flag",
    "message": "message",
    "timezone": "time zone",
    "conversation_id": "conversation number",
}


def _article(noun: str) -> str:
    return "An" if noun[:1].lower() in "aeiou" else "A"


def _shown(value: Any, limit: int = 40) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _choices(expected: str) -> str:
    # pydantic writes "'low', 'medium' or 'high'"
    return expected.replace("'", "")


def sentence(error: Mapping[str, Any], renamed: Mapping[str, str] | None = None) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) in words."""
    loc = [str(part) for part in error.get("loc", ())]
    if loc:
        loc[0] = (renamed or {}).get(loc[0], loc[0])
    field = loc[0] if loc else ""
    noun = FIELD_NAMES.get(field, field.replace("_", " ") or "value")
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    value = error.get("input")
    in_list = len(loc) > 1 and loc[1].isdigit()
    if in_list and field == "tags":
        noun = "tag"
    if kind == "missing":
        return f"{_article(noun)} {noun} is required."
    if kind == "string_too_long":
        size = len(value) if isinstance(value, str) else "more"
        return f"{_article(noun)} {noun} can be at most {ctx.get('max_length')} characters; this one has {size}."
    if kind == "string_too_short":
        return (
            f"{_article(noun)} {noun} can't be empty."
            if ctx.get("min_length") == 1
            else (f"{_article(noun)} {noun} needs at least {ctx.get('min_length')} characters.")
        )
    if kind == "too_long":
        size = len(value) if isinstance(value, Sequence) else "more"
        items = "tags" if field == "tags" else "items"
        return f"A task can have at most {ctx.get('max_length')} {items}; this one has {size}."
    if kind in {"enum", "literal_error"}:
        return f"The {noun} must be {_choices(str(ctx.get('expected', '')))}, not {_shown(value)}."
    if kind.startswith(("datetime", "date_")):
        return f"{_shown(value)} isn't a date I can read for the {noun}; use ISO 8601, like 2026-07-04T17:00:00Z."
    if kind in {"int_parsing", "int_type", "int_from_float", "greater_than_equal", "less_than_equal"}:
        return f"The {noun} must be a whole number from 1 up, not {_shown(value)}."
    if kind in {"bool_parsing", "bool_type"}:
        return f"The {noun} must be true or false, not {_shown(value)}."
    if kind in {"string_type", "list_type", "dict_type"}:
        wanted = {"string_type": "text", "list_type": "a list", "dict_type": "an object"}[kind]
        return f"The {noun} must be {wanted}."
    if kind == "extra_forbidden":
        return f"{_shown(field)} is not something I can set."
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    return f"The {noun} {message[:1].lower() + message[1:]}".rstrip(".") + "."


def describe(exc: ValidationError, renamed: Mapping[str, str] | None = None) -> str:
    """Every problem of a validation error, one sentence each (the first few)."""
    sentences = list(dict.fromkeys(sentence(error, renamed) for error in exc.errors()))
    return " ".join(sentences[:3])
