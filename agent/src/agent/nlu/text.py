"""Text helpers every part of the parser shares: normalising a message, quoted segments, cutting."""

from __future__ import annotations

import re

QUOTE_MARK = "\ue000"  # stands in for quoted text while the rest of a message is searched
TASK_NOUN = r"(?:tasks?|todos?|to-dos?|items?|reminders?|things?)"

_SMART = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_POLITE_PREFIX = re.compile(
    r"^(?:(?:hey|hi|ok|okay|so|and|also|now|then|alright|great|cool|oh)\b[\s,!]*)*"
    r"(?:(?:please|pls|plz|kindly|just|quickly)\s+"
    r"|(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?"
    r"|(?:i'?d|i\s+would)\s+like\s+(?:you\s+)?to\s+"
    r"|i\s+(?:want|need)\s+you\s+to\s+"
    r"|(?:let'?s|go\s+ahead\s+and|help\s+me)\s+)*",
    re.IGNORECASE,
)
_POLITE_SUFFIX = re.compile(
    r"(?:[\s,]+(?:please|pls|plz|thanks|thank\s+you|thx|for\s+me|if\s+you\s+can|if\s+possible))+$", re.IGNORECASE
)
_ACTION_VERBS = (
    r"delete|remove|cancel|drop|erase|trash|discard|scrap|complete|finish|mark|check\s+off|tick\s+off|reopen"
    r"|change|update|edit|modify|rename|move|reschedule|postpone|add|create|list|see|view|show|find|tag|untag"
)
# "I want to delete task 3" is a delete, but "I need to pay bills" is a task to add.
_WANT_TO_ACTION = re.compile(
    rf"^i\s+(?:want|would\s+like|'d\s+like)\s+to\s+(?=(?:{_ACTION_VERBS})\b)"
    rf"|^i\s+(?:need|have)\s+to\s+(?=(?!complete|finish)(?:{_ACTION_VERBS})\b)",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\"(?P<dq>[^\"]+)\"|(?<![\w])'(?P<sq>[^']+)'(?![\w])")


def plain(message: str) -> str:
    """Smart quotes made plain, spaces collapsed, closing punctuation dropped."""
    return re.sub(r"[\s.!?,]+$", "", re.sub(r"\s+", " ", message.translate(_SMART)).strip())


def normalise(message: str) -> str:
    """`plain`, then without politeness ("could you please ... thanks")."""
    text = plain(message)
    for _ in range(2):
        text = _POLITE_PREFIX.sub("", text).strip()
        text = _WANT_TO_ACTION.sub("", text).strip()
        text = _POLITE_SUFFIX.sub("", text).strip()
        text = re.sub(r"[\s.!?,]+$", "", text)
    return text


def split_quoted(text: str) -> tuple[str, str | None]:
    """Take out the first quoted segment ("..." or '...'), leaving QUOTE_MARK where it was."""
    match = _QUOTED.search(text)
    if not match:
        return text, None
    quoted = (match.group("dq") or match.group("sq") or "").strip()
    return text[: match.start()] + QUOTE_MARK + text[match.end() :], quoted


def tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    return text.strip()


def cut(text: str, start: int, end: int) -> str:
    return tidy(text[:start] + " " + text[end:])


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else ""
