"""Titles and references: "add a task to buy milk" → "Buy milk"; "task 3", "it", "the first one",
"the groceries one", "'Buy milk'", "all completed tasks" → what the user points at."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from agent.nlu.dates import find_day, week_end
from agent.nlu.modifiers import Priority, take_priority, take_tags
from agent.nlu.text import QUOTE_MARK, TASK_NOUN, capitalise

Status = str  # "all" | "pending" | "completed"
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "fifth": 5, "5th": 5, "last": -1}  # fmt: skip


@dataclass(frozen=True)
class ListFilter:
    """Which tasks: what list_tasks can filter, plus the date rules the model applies itself."""

    status: Status = "all"
    priority: Priority | None = None
    tag: str | None = None
    query: str | None = None
    due_on: date | None = None
    due_by: date | None = None  # "this week": due from now until the end of that day
    overdue: bool = False

    def admits(self, due_at: str | None, now: datetime) -> bool:
        if not (self.due_on or self.due_by or self.overdue):
            return True
        if not due_at:
            return False
        try:
            when = datetime.fromisoformat(str(due_at).replace("Z", "+00:00")).astimezone(now.tzinfo)
        except ValueError:
            return False
        if self.overdue:
            return when < now
        if self.due_by:
            return now.date() <= when.date() <= self.due_by
        return when.date() == self.due_on


@dataclass(frozen=True)
class TaskRef:
    """How the user pointed at tasks: number(s), words of a title, "it", "the first one", or a set."""

    ids: tuple[int, ...] = ()
    words: str | None = None
    pronoun: bool = False
    ordinal: int | None = None  # 1-based; -1 = last
    selector: ListFilter | None = None  # "all completed tasks", "everything overdue"

    @property
    def empty(self) -> bool:
        return not (self.ids or self.words or self.pronoun or self.ordinal or self.selector)


# ---------------------------------------------------------------- titles

_TITLE_PREFIXES = [
    re.compile(
        rf"^(?:add|create|make|new|put|insert|save|jot\s+down|write\s+down|note\s+down|log|record|schedule|set\s+up|set)\b"
        rf"(?:\s+(?:a|an|the|one|my|new|another|more)\b)*(?:\s+{TASK_NOUN}\b|\s+note\b)?"
        rf"(?:\s*(?::|-|to\s+do|to|for\s+me\s+to|for|that\s+says|saying|called|named|titled|about|reading|which\s+says|so\s+that\s+i|so\s+i)\b|\s*:|\s+-)?\s*",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:remind\s+me|don'?t\s+let\s+me\s+forget|do\s+not\s+let\s+me\s+forget|make\s+sure\s+i|help\s+me\s+remember|remember|note(?:\s+that)?|reminder)"
        r"(?:\s*:|\s+to|\s+that\s+i\s+(?:need|have)\s+to|\s+that\s+i|\s+that|\s+about|\s+of)?\s+",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:i\s+(?:really\s+)?(?:need|have|must|should|want|ought|gotta|got)\s+(?:to\s+)?|i'?ve\s+got\s+to\s+|i\s+must\s+|i\s+should\s+|"
        r"(?:to\s*-?\s*do|todo|task)\s*:?\s+|don'?t\s+forget\s+(?:to\s+)?|(?:remember|need|have)\s+to\s+|must\s+)",
        re.IGNORECASE,
    ),
    re.compile(r"^(?:i\s+(?:need|have|must|should)\s+to\s+)?remember\s+(?:to\s+)?", re.IGNORECASE),
]
_TITLE_SUFFIX = re.compile(
    rf"\s*(?:,\s*)?(?:to|on|in|onto|into)\s+(?:my|the)\s+(?:(?:todo|to-do|to\s+do|task|tasks)\s+)?(?:list|{TASK_NOUN})$|\s+as\s+an?\s+{TASK_NOUN}$",
    re.IGNORECASE,
)
_EMPTY_TITLE = re.compile(rf"(?:(?:a|an|the|new|another)\s+)*(?:{TASK_NOUN}|note)?", re.IGNORECASE)


def clean_title(text: str) -> str:
    """ "add a task to buy groceries" → "Buy groceries"."""
    title = text.strip()
    for _ in range(3):
        before = title
        for prefix in _TITLE_PREFIXES:
            title = prefix.sub("", title, count=1).strip()
        title = _TITLE_SUFFIX.sub("", title).strip()
        if title == before:
            break
    title = re.sub(r"\s+", " ", title.strip(" \t,;:-"))
    return "" if _EMPTY_TITLE.fullmatch(title) else capitalise(title)


# ---------------------------------------------------------------- references

_PRONOUN = re.compile(
    r"^(?:it|that|this|them|those|these|that\s+one|this\s+one|the\s+same\s+one|that\s+task|this\s+task|the\s+task"
    r"|the\s+one\s+i\s+(?:just\s+)?(?:added|created|mentioned|made)|the\s+(?:new|latest)\s+(?:one|task)"
    r"|the\s+last\s+(?:one|task)\s+i\s+(?:added|created)|my\s+last\s+task)$",
    re.IGNORECASE,
)
_ID_LIST = re.compile(
    rf"^(?:(?:the\s+)?(?:{TASK_NOUN}|numbers?|nos?\.?|ids?)\s*)?(?:number\s+|no\.?\s*)?#?\s*\d+"
    rf"(?:\s*(?:,|and|&|\+|or)\s*(?:(?:{TASK_NOUN}|numbers?)\s*)?#?\s*\d+)*(?:\s+{TASK_NOUN})?$",
    re.IGNORECASE,
)
_ORDINAL = re.compile(
    rf"^(?:the\s+)?(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)(?:\s+(?:one|{TASK_NOUN}))?(?:\s+(?:on\s+the\s+list|in\s+the\s+list))?$",
    re.IGNORECASE,
)
_REF_NOISE_START = re.compile(
    rf"^(?:(?:the|my|a|an|our|that|this|one|of)\s+)*(?:(?:{TASK_NOUN}|one)\s+(?:about|called|named|titled|to|for|that\s+says|saying|with)\s+|(?:{TASK_NOUN})\s*:\s*)?",
    re.IGNORECASE,
)
REF_NOISE_END = re.compile(
    rf"(?:\s+(?:one|{TASK_NOUN}|thing|entry))+$|\s+(?:from|off|on|in)\s+(?:my|the)\s+(?:(?:todo|to-do)\s+)?(?:list|{TASK_NOUN})$",
    re.IGNORECASE,
)
# A set: "all completed tasks", "everything I've finished", "every #work task", "completed tasks".
_SET_START = re.compile(
    r"^(?:all|every|everything|each|any)\b|^(?:the\s+|my\s+)?\w+(?:\s+\w+)?\s+(?:tasks|todos|items|ones)\b",
    re.IGNORECASE,
)
_DONE = re.compile(
    r"\b(?:completed|complete|done|finished|ticked\s+off|checked\s+off|i'?ve\s+(?:finished|completed|done)|i\s+(?:have\s+)?(?:finished|completed|did))\b",
    re.IGNORECASE,
)
_OPEN = re.compile(r"\b(?:pending|open|unfinished|incomplete|not\s+done|outstanding|remaining|left)\b", re.IGNORECASE)


def parse_selector(text: str, now: datetime) -> ListFilter | None:
    """ "all completed", "everything overdue", "all #work tasks", "all tasks due this week" → a filter."""
    if not _SET_START.match(text):
        return None
    status: Status = "completed" if _DONE.search(text) else "pending" if _OPEN.search(text) else "all"
    rest, priority = take_priority(text)
    _, tags = take_tags(rest)
    lowered = text.lower()
    overdue = bool(re.search(r"\b(?:overdue|late|past\s+due)\b", lowered))
    due_on = due_by = None
    if re.search(r"\bthis\s+week\b", lowered):
        due_by = week_end(now.date())
    elif re.search(r"\bdue\b|\b(?:today|tomorrow)\b", lowered):
        due_on = find_day(text, now)
    if overdue and status == "all":
        status = "pending"
    specific = status != "all" or priority or tags or overdue or due_on or due_by
    everything = re.fullmatch(
        rf"(?:all|every|everything)(?:\s+(?:of\s+)?(?:my|the)?\s*{TASK_NOUN})?(?:\s+on\s+my\s+list)?", lowered
    )
    if not (specific or everything):
        return None
    return ListFilter(status=status, priority=priority, tag=tags[0] if tags else None, due_on=due_on,
                      due_by=due_by, overdue=overdue)  # fmt: skip


def parse_ref(text: str, quoted: str | None = None, now: datetime | None = None) -> TaskRef:
    text = text.strip().strip(",:;")
    if quoted and text.replace(QUOTE_MARK, "").strip(" ,:;").lower() in {"", "the task", "task", "the one", "the todo"}:
        return TaskRef(words=quoted)
    text = text.replace(QUOTE_MARK, quoted or "").strip()
    if not text:
        return TaskRef()
    if _PRONOUN.match(text):
        return TaskRef(pronoun=True)
    if _ID_LIST.match(text):
        return TaskRef(ids=tuple(dict.fromkeys(int(n) for n in re.findall(r"\d+", text))))
    if match := _ORDINAL.match(text):
        return TaskRef(ordinal=ORDINALS[match.group("ord").lower()])
    if now is not None and (selector := parse_selector(text, now)) is not None:
        return TaskRef(selector=selector)
    words = _REF_NOISE_START.sub("", text, count=1)
    words = REF_NOISE_END.sub("", words).strip(" ,'\"")
    if not words or words.lower() in {"one", "task", "it", "all", "everything"}:
        return TaskRef(pronoun=words.lower() in {"it", "one", "task"}) if words else TaskRef()
    return TaskRef(words=words)
