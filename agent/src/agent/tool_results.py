"""What an MCP tool call returned, in one normalised shape, for the local model and the API response.

The Agents SDK hands an MCP result over as text blocks: one `{"type": "text"|"input_text", "text"}`
per content block (a list result arrives as one block per element, an empty one as "[]"), a
plain string, or an error message when the tool failed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_ERROR_PREFIX = re.compile(r"^(?:Error executing tool \w+:\s*|An error occurred while running the tool[^:]*:\s*)", re.I)


def _text_of(block: Any) -> str | None:
    if isinstance(block, Mapping) and isinstance(block.get("text"), str):
        return block["text"]
    text = getattr(block, "text", None)
    return text if isinstance(text, str) else None


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return text


def parse_tool_output(output: Any) -> Any:
    """JSON values for JSON text, the text itself otherwise; several blocks become a list."""
    if isinstance(output, str):
        return _loads(output)
    if isinstance(output, Mapping) and "text" not in output:
        return dict(output)
    if not isinstance(output, list | tuple):
        text = _text_of(output)
        return _loads(text) if text is not None else output
    values = []
    for block in output:
        text = _text_of(block)
        values.append(_loads(text) if text is not None else block)
    return values[0] if len(values) == 1 else values


def error_message(result: Any) -> str | None:
    """The error text when a tool failed (a non-JSON string, or `{"error": ...}`), else None."""
    if isinstance(result, Mapping) and isinstance(result.get("error"), str):
        return result["error"]
    if isinstance(result, str):
        return _ERROR_PREFIX.sub("", result).strip() or "the tool failed"
    return None


def tasks_of(result: Any) -> list[dict[str, Any]]:
    """The task list in a `list_tasks` result, whichever way it was wrapped."""
    if isinstance(result, Mapping):
        for key in ("tasks", "items", "result", "results"):
            if isinstance(result.get(key), list):
                return tasks_of(result[key])
        return [dict(result)] if "id" in result else []
    if isinstance(result, list):
        return [dict(item) for item in result if isinstance(item, Mapping) and "id" in item]
    return []


def normalise_result(tool_name: str, output: Any) -> Any:
    """The result as the chat API reports it: list_tasks always a list, errors `{"error": message}`."""
    value = parse_tool_output(output)
    if (message := error_message(value)) is not None:
        return {"error": message}
    if tool_name == "list_tasks":
        return tasks_of(value)
    return value
