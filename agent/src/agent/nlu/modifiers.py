# ruff: noqa: E501 - regex tables read better unwrapped
"""Modifier phrases cut out of a message wherever they appear: priority, tags, recurrence, due date.

"Add a high priority task to file taxes due Friday #work" → priority high, tag work, due Friday,
and "Add a task to file taxes" left for the title. Recurrence is read as people say it ("every
friday", "each morning", "daily:", "a weekly task", "every month on the 1st"), with the first due
date set from it when the message names none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from agent.nlu.dates import PARTS_OF_DAY, WEEKDAYS, find_due, local, next_at
from agent.nlu.text import TASK_NOUN, cut, tidy

Priority = Literal["low", "medium", "high"]
Recurrence = Literal["daily", "weekly", "monthly"]

_PRIORITY_WORDS: dict[str, Priority] = {
    "high": "high", "higher": "high", "highest": "high", "top": "high", "urgent": "high", "max": "high",
    "low": "low", "lower": "low", "lowest": "low", "medium": "medium", "normal": "medium", "mid": "medium",
    "moderate": "medium", "default": "medium", "p1": "high", "p2": "medium", "p3": "low",
}  # fmt: skip
_PRIORITY_PATTERNS = [
    re.compile(
        r"(?:,\s*)?(?:\b(?:with|as|at|of|is|it'?s|to|a|an|be)\s+)*\b(?P<p>high|higher|highest|top|low|lower|lowest|medium|normal|mid|moderate|default|max|urgent)[\s-]+(?:priority|prio|importance)\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?:,\s*)?(?:\b(?:with|and|set)\s+)?(?:\bthe\s+)?\b(?:priority|prio)\s*(?:is\s+|of\s+|to\s+|=\s*|:\s*|as\s+)?(?:a\s+)?\b(?P<p>high|low|medium|normal|urgent|top)\b",
        re.IGNORECASE,
    ),
    re.compile(r"(?<![\w-])(?P<p>p[123])(?![\w-])", re.IGNORECASE),
    re.compile(rf"\b(?:an?\s+)?(?P<p>urgent|important|critical)(?=\s+{TASK_NOUN}\b)", re.IGNORECASE),
    re.compile(r"(?:[,;(-]\s*)?(?:\b(?:it'?s|it\s+is|this\s+is|very|really|super)\s+)*\b(?P<p>urgent|important|critical|asap)\)?!*$", re.IGNORECASE),
    re.compile(r"(?<![\w-])(?P<p>asap)(?![\w-])", re.IGNORECASE),
    re.compile(r"^(?P<p>urgent|important)\s*[:!-]\s*", re.IGNORECASE),
    re.compile(r"(?:[,;(-]\s*)?\b(?P<low>not\s+urgent|not\s+important|no\s+rush|low\s+importance|whenever|someday|eventually)\b\)?", re.IGNORECASE),
]  # fmt: skip


def take_priority(text: str) -> tuple[str, Priority | None]:
    for pattern in _PRIORITY_PATTERNS:
        if match := pattern.search(text):
            groups = match.groupdict()
            priority = "low" if groups.get("low") else _PRIORITY_WORDS.get((groups.get("p") or "").lower(), "high")
            return cut(text, match.start(), match.end()), priority
    return text, None


TAG_RE = re.compile(r"(?<![\w&#])#(?P<tag>[A-Za-z][\w-]{0,31})\b")
_TAG_WORDS = re.compile(
    r"(?:,\s*)?\b(?:and\s+)?(?:tag(?:ged)?|label(?:led|ed)?)\s*(?:it\s+)?(?:with|as|:)?\s+(?P<tags>#?[A-Za-z][\w-]*(?:\s*(?:,|and)\s*#?[A-Za-z][\w-]*)*)",
    re.IGNORECASE,
)


def tag_list(text: str) -> tuple[str, ...]:
    """ "#work, home and #errands" → ("work", "home", "errands")."""
    words = re.split(r"\s*(?:,|\band\b|\s)\s*", text.strip())
    return tuple(dict.fromkeys(w.lstrip("#").lower()[:32] for w in words if w.lstrip("#")))


def take_tags(text: str) -> tuple[str, tuple[str, ...]]:
    tags: list[str] = []
    if match := _TAG_WORDS.search(text):
        tags += tag_list(match.group("tags"))
        text = cut(text, match.start(), match.end())
    tags += [m.group("tag").lower() for m in TAG_RE.finditer(text)]
    text = TAG_RE.sub(" ", text)
    text = re.sub(r"(?:\b(?:with\s+)?(?:the\s+)?tags?\b|\btagged\b)\s*$", "", text.strip(), flags=re.IGNORECASE)
    return tidy(text), tuple(dict.fromkeys(t[:32] for t in tags if t))[:10]


_WEEKDAY_NAMES = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
# Repeats the model cannot store (tasks repeat daily, weekly or monthly): said so, not guessed.
UNSUPPORTED_REPEAT = re.compile(
    r"\b(?:every|each)\s+(?:other|second|third|\d+(?:st|nd|rd|th)?|two|three|four|few)\s+\w+"
    r"|\b(?:every|each)\s+(?:weekday|workday|working\s+day|weekend|year|hour|minute)s?\b"
    r"|\b(?:yearly|annually|hourly|fortnightly|biweekly|bi-weekly)\b"
    r"|\b(?:twice|three\s+times)\s+a\s+\w+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Repeat:
    kind: Recurrence
    weekday: int | None = None  # "every friday"
    month_day: int | None = None  # "every month on the 1st"
    at: time | None = None  # "each morning"


_REPEATS: list[tuple[re.Pattern[str], Recurrence]] = [
    (re.compile(rf"(?:,\s*)?\b(?:every|each|on)\s+(?P<day>{_WEEKDAY_NAMES})s?\b(?:\s+(?:morning|afternoon|evening|night))?", re.IGNORECASE), "weekly"),
    (re.compile(rf"(?:,\s*)?\b(?P<day>{_WEEKDAY_NAMES})s\b", re.IGNORECASE), "weekly"),  # "mondays: gym"
    (re.compile(r"(?:,\s*)?\b(?:every|each)\s+(?P<part>morning|afternoon|evening|night)\b", re.IGNORECASE), "daily"),
    (re.compile(r"(?:,\s*)?\b(?:every\s*day|each\s+day|every\s+single\s+day|nightly)\b", re.IGNORECASE), "daily"),
    (re.compile(r"(?:,\s*)?\b(?:every|each)\s+week\b", re.IGNORECASE), "weekly"),
    (re.compile(r"(?:,\s*)?\b(?:every|each)\s+month\b(?:\s+on\s+the\s+(?P<mday>\d{1,2})(?:st|nd|rd|th)?)?", re.IGNORECASE), "monthly"),
    (re.compile(r"(?:,\s*)?\bon\s+the\s+(?P<mday>\d{1,2})(?:st|nd|rd|th)?\s+of\s+(?:every|each)\s+month\b", re.IGNORECASE), "monthly"),
]  # fmt: skip
# "daily", "weekly", "monthly" as a word only where it is a modifier: "daily standup" stays a title.
_REPEAT_WORD = [
    re.compile(r"^(?P<word>daily|weekly|monthly)\s*:\s*", re.IGNORECASE),  # "daily: stretch"
    re.compile(rf"\b(?P<word>daily|weekly|monthly)(?=\s+{TASK_NOUN}\b)", re.IGNORECASE),  # "a weekly task to"
    re.compile(r"(?:,\s*)?\b(?:(?:repeat(?:ing|s)?|recurring|recur(?:s)?)\s+)?(?P<word>daily|weekly|monthly)\s*$", re.IGNORECASE),
    re.compile(r"\b(?:repeat(?:ing|s)?|recurring|recur(?:s)?)\s+(?P<word>daily|weekly|monthly)\b", re.IGNORECASE),
]  # fmt: skip


def take_recurrence(text: str) -> tuple[str, Repeat | None]:
    for pattern, kind in _REPEATS:
        if match := pattern.search(text):
            groups = match.groupdict()
            day = groups.get("day")
            part = groups.get("part") or next((p for p in PARTS_OF_DAY if p in match.group(0).lower()), None)
            repeat = Repeat(
                kind=kind,
                weekday=WEEKDAYS[day.lower()] if day else None,
                month_day=int(groups["mday"]) if groups.get("mday") else None,
                at=PARTS_OF_DAY[part] if part else None,
            )
            return cut(text, match.start(), match.end()), repeat
    for pattern in _REPEAT_WORD:
        if match := pattern.search(text):
            return cut(text, match.start(), match.end()), Repeat(kind=match.group("word").lower())  # type: ignore[arg-type]
    return text, None


def first_due(repeat: Repeat, due: datetime | None, now: datetime) -> datetime:
    """The first occurrence: the earliest matching time from now on (a due date given wins)."""
    if due is not None and repeat.weekday is None:
        return due
    at = (due.time() if due is not None else None) or repeat.at or time(12, 0)
    if repeat.weekday is not None:
        ahead = (repeat.weekday - now.date().weekday()) % 7
        candidate = local(now.date() + timedelta(days=ahead), at, now.tzinfo)
        return candidate if candidate > now else local(now.date() + timedelta(days=ahead or 7), at, now.tzinfo)
    if repeat.month_day is not None:
        day = now.date()
        for _ in range(62):
            if day.day == repeat.month_day and (candidate := local(day, at, now.tzinfo)) > now:
                return candidate
            day += timedelta(days=1)
    return next_at(at, now)


@dataclass
class Modifiers:
    text: str
    priority: Priority | None = None
    due_at: datetime | None = None
    tags: tuple[str, ...] = ()
    recurrence: Recurrence | None = None


_DANGLING = re.compile(
    r"(?:[\s,;:-]+|\b(?:and|with|which\s+is|that\s+is|that's|it's|it\s+is|is|as|a|an|of|at|set\s+to|marked|starting)\b)+$",
    re.IGNORECASE,
)


def take_modifiers(text: str, now: datetime, *, recurrence: bool = True) -> Modifiers:
    """Cut priority, tags, recurrence and due-date phrases out of `text` (quoted text is untouched)."""
    text, priority = take_priority(text)
    text, tags = take_tags(text)
    repeat = None
    if recurrence:
        text, repeat = take_recurrence(text)
    due_at = None
    if due := find_due(text, now):
        due_at = due.when
        text = cut(text, due.start, due.end)
    if repeat is not None:
        due_at = first_due(repeat, due_at, now)
    for _ in range(2):  # words left dangling by the cuts: "..., and", "with a"
        text = _DANGLING.sub("", text)
    text = re.sub(r"^(?:[\s,;:-]+|\b(?:and|starting)\b\s*)+", "", text, flags=re.IGNORECASE)
    return Modifiers(tidy(text), priority, due_at, tags, repeat.kind if repeat else None)
