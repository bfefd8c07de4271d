# ruff: noqa: E501 - regex tables read better unwrapped
"""One user message → an `Intent`: what to do, to which task, with which fields.

A small rule-based parser, not a table of sentences: the message is normalised, modifier phrases
(priority, due date, tags, recurrence) are found and cut out wherever they appear, the intent is
read from the verb patterns, and what is left is the title or the task reference. Quoted text is
taken verbatim and never searched for modifiers ("Change task 1 to 'Call mom tonight'").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

from agent.nlu.dates import find_day, find_due

IntentKind = Literal[
    "add", "list", "complete", "delete", "update", "reopen", "greet", "help", "thanks", "unknown"
]  # fmt: skip
Priority = Literal["low", "medium", "high"]
Status = Literal["all", "pending", "completed"]
Recurrence = Literal["daily", "weekly", "monthly"]

_QUOTE_MARK = "\ue000"  # stands in for quoted text while modifiers are searched
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "fifth": 5, "5th": 5, "last": -1}  # fmt: skip


@dataclass(frozen=True)
class TaskRef:
    """How the user pointed at a task: by number(s), by words of its title, "it", or "the first one"."""

    ids: tuple[int, ...] = ()
    words: str | None = None
    pronoun: bool = False
    ordinal: int | None = None  # 1-based; -1 = last

    @property
    def empty(self) -> bool:
        return not (self.ids or self.words or self.pronoun or self.ordinal)


@dataclass(frozen=True)
class ListFilter:
    status: Status = "all"
    priority: Priority | None = None
    tag: str | None = None
    query: str | None = None
    due_on: date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    text: str = ""
    title: str | None = None
    priority: Priority | None = None
    due_at: datetime | None = None
    tags: tuple[str, ...] = ()
    recurrence: Recurrence | None = None
    description: str | None = None
    ref: TaskRef = field(default_factory=TaskRef)
    filter: ListFilter = field(default_factory=ListFilter)

    def with_ref(self, ref: TaskRef) -> Intent:
        return replace(self, ref=ref)

    @property
    def changes(self) -> dict[str, object]:
        """The fields an update sets (tags are merged into the task's existing ones)."""
        found: dict[str, object] = {}
        if self.title:
            found["title"] = self.title
        if self.priority:
            found["priority"] = self.priority
        if self.due_at:
            found["due_at"] = self.due_at
        if self.tags:
            found["tags"] = self.tags
        if self.description:
            found["description"] = self.description
        return found


# ---------------------------------------------------------------- normalising


_SMART = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_POLITE_PREFIX = re.compile(
    r"^(?:(?:hey|hi|ok|okay|so|and|also|now|then|alright|great|cool|yes|yeah|oh)\b[\s,!]*)*"
    r"(?:(?:please|pls|plz|kindly|just|quickly)\s+"
    r"|(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?"
    r"|(?:i'?d|i\s+would)\s+like\s+(?:you\s+)?to\s+"
    r"|i\s+(?:want|need)\s+you\s+to\s+"
    r"|(?:let'?s|go\s+ahead\s+and|help\s+me)\s+)*",
    re.IGNORECASE,
)
_POLITE_SUFFIX = re.compile(
    r"(?:[\s,]+(?:please|pls|plz|thanks|thank\s+you|thx|for\s+me|if\s+you\s+can|if\s+possible))+$",
    re.IGNORECASE,
)
_ACTION_VERBS = (
    r"delete|remove|cancel|drop|erase|trash|discard|scrap|complete|finish|mark|check\s+off|tick\s+off"
    r"|change|update|edit|modify|rename|move|reschedule|postpone|add|create|list|see|view|show|find"
)
# "I want to delete task 3" is a delete, but "I need to pay bills" is a task to add.
_WANT_TO_ACTION = re.compile(
    rf"^i\s+(?:want|would\s+like|'d\s+like)\s+to\s+(?=(?:{_ACTION_VERBS})\b)"
    # "I need to finish the slides" is a task to add, not a completion
    rf"|^i\s+(?:need|have)\s+to\s+(?=(?!complete|finish)(?:{_ACTION_VERBS})\b)",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    text = text.translate(_SMART)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"[\s.!?]+$", "", text)
    for _ in range(2):
        text = _POLITE_PREFIX.sub("", text).strip()
        text = _WANT_TO_ACTION.sub("", text).strip()
        text = _POLITE_SUFFIX.sub("", text).strip()
        text = re.sub(r"[\s.!?,]+$", "", text)
    return text


_QUOTED = re.compile(r"\"(?P<dq>[^\"]+)\"|(?<![\w])'(?P<sq>[^']+)'(?![\w])")


def split_quoted(text: str) -> tuple[str, str | None]:
    """Take out the first quoted segment ("..." or '...'), leaving a marker where it was."""
    match = _QUOTED.search(text)
    if not match:
        return text, None
    quoted = (match.group("dq") or match.group("sq") or "").strip()
    return text[: match.start()] + _QUOTE_MARK + text[match.end() :], quoted


# ---------------------------------------------------------------- modifiers

_PRIORITY_WORDS: dict[str, Priority] = {
    "high": "high", "higher": "high", "highest": "high", "top": "high", "urgent": "high", "max": "high",
    "low": "low", "lower": "low", "lowest": "low", "medium": "medium", "normal": "medium", "mid": "medium",
    "moderate": "medium", "default": "medium", "p1": "high", "p2": "medium", "p3": "low",
}  # fmt: skip
_TASK_NOUN = r"(?:tasks?|todos?|to-dos?|items?|reminders?|things?)"
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
    # "an urgent task to ...", "important reminder: ..."
    re.compile(rf"\b(?:an?\s+)?(?P<p>urgent|important|critical)(?=\s+{_TASK_NOUN}\b)", re.IGNORECASE),
    # "... asap", "..., it's urgent", "... (important)"
    re.compile(r"(?:[,;(-]\s*)?(?:\b(?:it'?s|it\s+is|this\s+is|very|really|super)\s+)*\b(?P<p>urgent|important|critical|asap)\)?!*$", re.IGNORECASE),
    re.compile(r"(?<![\w-])(?P<p>asap)(?![\w-])", re.IGNORECASE),
    re.compile(r"^(?P<p>urgent|important)\s*[:!-]\s*", re.IGNORECASE),
    re.compile(r"(?:[,;(-]\s*)?\b(?P<low>not\s+urgent|not\s+important|no\s+rush|low\s+importance|whenever|someday|eventually)\b\)?", re.IGNORECASE),
]  # fmt: skip


def _priority_of(match: re.Match[str]) -> Priority:
    groups = match.groupdict()
    if groups.get("low"):
        return "low"
    word = (groups.get("p") or "").lower()
    return _PRIORITY_WORDS.get(word, "high")  # urgent / important / critical / asap


def take_priority(text: str) -> tuple[str, Priority | None]:
    for pattern in _PRIORITY_PATTERNS:
        match = pattern.search(text)
        if match:
            return _cut(text, match.start(), match.end()), _priority_of(match)
    return text, None


_TAG = re.compile(r"(?<![\w&#])#(?P<tag>[A-Za-z][\w-]{0,31})\b")
_TAG_WORDS = re.compile(
    r"(?:,\s*)?\b(?:and\s+)?(?:tag(?:ged)?|label(?:led|ed)?)\s*(?:it\s+)?(?:with|as|:)?\s+(?P<tags>#?[A-Za-z][\w-]*(?:\s*(?:,|and)\s*#?[A-Za-z][\w-]*)*)",
    re.IGNORECASE,
)


def take_tags(text: str) -> tuple[str, tuple[str, ...]]:
    tags: list[str] = []
    match = _TAG_WORDS.search(text)
    if match:
        tags += [t.lstrip("#").lower() for t in re.split(r"\s*(?:,|\band\b)\s*", match.group("tags")) if t]
        text = _cut(text, match.start(), match.end())
    for match in _TAG.finditer(text):
        tags.append(match.group("tag").lower())
    text = _TAG.sub(" ", text)
    # "... with tags", "tagged" left dangling after the tags went
    text = re.sub(r"(?:\b(?:with\s+)?(?:the\s+)?tags?\b|\btagged\b)\s*$", "", text.strip(), flags=re.IGNORECASE)
    unique = tuple(dict.fromkeys(t[:32] for t in tags if t))
    return _tidy(text), unique[:10]


_RECURRENCE = [
    (re.compile(r"(?:,\s*)?\b(?:every\s*day|each\s+day|every\s+single\s+day)\b", re.IGNORECASE), "daily"),
    (re.compile(r"(?:,\s*)?\b(?:every|each)\s+week\b", re.IGNORECASE), "weekly"),
    (re.compile(r"(?:,\s*)?\b(?:every|each)\s+month\b", re.IGNORECASE), "monthly"),
    # "daily" / "weekly" only as a trailing or explicit modifier: "daily standup" stays a title.
    (re.compile(r"(?:,\s*)?\b(?:(?:repeat(?:ing|s)?|recurring|recur(?:s)?)\s+)?(?P<word>daily|weekly|monthly)\s*$", re.IGNORECASE), None),
    (re.compile(r"\b(?:repeat(?:ing|s)?|recurring|recur(?:s)?)\s+(?P<word>daily|weekly|monthly)\b", re.IGNORECASE), None),
]  # fmt: skip
_EVERY_WEEKDAY = re.compile(
    r"\b(?:every|each)\s+(?P<day>monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b", re.IGNORECASE
)


def take_recurrence(text: str) -> tuple[str, Recurrence | None, str | None]:
    """Returns (text, recurrence, weekday named by "every <weekday>", which sets the first due date)."""
    match = _EVERY_WEEKDAY.search(text)
    if match:
        return _cut(text, match.start(), match.end()), "weekly", match.group("day")
    for pattern, kind in _RECURRENCE:
        match = pattern.search(text)
        if match:
            word = kind or match.group("word").lower()
            return _cut(text, match.start(), match.end()), word, None  # type: ignore[return-value]
    return text, None, None


def _cut(text: str, start: int, end: int) -> str:
    return _tidy(text[:start] + " " + text[end:])


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    return text.strip()


@dataclass
class Modifiers:
    text: str
    priority: Priority | None = None
    due_at: datetime | None = None
    tags: tuple[str, ...] = ()
    recurrence: Recurrence | None = None


def take_modifiers(text: str, now: datetime, *, recurrence: bool = True) -> Modifiers:
    """Cut priority, tags, recurrence and due-date phrases out of `text` (quoted text is untouched)."""
    text, priority = take_priority(text)
    text, tags = take_tags(text)
    kind: Recurrence | None = None
    weekday = None
    if recurrence:
        text, kind, weekday = take_recurrence(text)
    due = find_due(text, now)
    due_at = None
    if due:
        due_at = due.when
        text = _cut(text, due.start, due.end)
    elif weekday:
        due = find_due(weekday, now)
        due_at = due.when if due else None
    # Words left dangling by the cuts: "..., and", "with a", "that is"
    for _ in range(2):
        text = re.sub(
            r"(?:[\s,;:-]+|\b(?:and|with|which\s+is|that\s+is|that's|it's|it\s+is|is|as|a|an|of|at|set\s+to|marked)\b)+$",
            "",
            text,
            flags=re.IGNORECASE,
        )
    return Modifiers(text=_tidy(text), priority=priority, due_at=due_at, tags=tags, recurrence=kind)


# ---------------------------------------------------------------- titles and references

_TITLE_PREFIXES = [
    # "add a new high priority task to", "create a todo:", "new task -", "put ... on my list"
    re.compile(
        rf"^(?:add|create|make|new|put|insert|save|jot\s+down|write\s+down|note\s+down|log|record|schedule|set\s+up|set)\b"
        rf"(?:\s+(?:a|an|the|one|my|new|another|more)\b)*(?:\s+{_TASK_NOUN}\b|\s+note\b)?"
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
    rf"\s*(?:,\s*)?(?:to|on|in|onto|into)\s+(?:my|the)\s+(?:(?:todo|to-do|to\s+do|task|tasks)\s+)?(?:list|{_TASK_NOUN})$|\s+as\s+an?\s+{_TASK_NOUN}$",
    re.IGNORECASE,
)
_ADD_START = re.compile(
    rf"^(?:(?:add|create|new|insert|jot\s+down|write\s+down|note\s+down|log|record)\b|(?:make|put|save|schedule|set\s+up)\s+(?:a|an|the|one|my|new|another)\b(?:\s+\w+)?(?:\s+{_TASK_NOUN})?"
    r"|remind\s+me\b|remember\b|don'?t\s+(?:let\s+me\s+)?forget\b|do\s+not\s+(?:let\s+me\s+)?forget\b|help\s+me\s+remember\b|make\s+sure\s+i\b"
    r"|i\s+(?:really\s+)?(?:need|have|must|should|ought|gotta|got)\b|i'?ve\s+got\s+to\b|(?:to\s*-?\s*do|todo|task|reminder|note)\s*:"
    r"|new\s+task\b)",
    re.IGNORECASE,
)  # fmt: skip


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
    title = title.strip(" \t,;:-")
    title = re.sub(r"\s+", " ", title)
    return title[:1].upper() + title[1:] if title else ""


_PRONOUN = re.compile(
    r"^(?:it|that|this|them|those|these|that\s+one|this\s+one|the\s+same\s+one|that\s+task|this\s+task|the\s+task"
    r"|the\s+one\s+i\s+(?:just\s+)?(?:added|created|mentioned|made)|the\s+(?:new|latest)\s+(?:one|task)"
    r"|the\s+last\s+(?:one|task)\s+i\s+(?:added|created)|my\s+last\s+task)$",
    re.IGNORECASE,
)
_ID_LIST = re.compile(
    rf"^(?:(?:the\s+)?(?:{_TASK_NOUN}|numbers?|nos?\.?|ids?)\s*)?(?:number\s+|no\.?\s*)?#?\s*\d+"
    rf"(?:\s*(?:,|and|&|\+|or)\s*(?:(?:{_TASK_NOUN}|numbers?)\s*)?#?\s*\d+)*(?:\s+{_TASK_NOUN})?$",
    re.IGNORECASE,
)
_ORDINAL = re.compile(
    rf"^(?:the\s+)?(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)(?:\s+(?:one|{_TASK_NOUN}))?(?:\s+(?:on\s+the\s+list|in\s+the\s+list))?$",
    re.IGNORECASE,
)
_REF_NOISE_START = re.compile(
    rf"^(?:(?:the|my|a|an|our|that|this|one|of)\s+)*(?:(?:{_TASK_NOUN}|one)\s+(?:about|called|named|titled|to|for|that\s+says|saying|with)\s+|(?:{_TASK_NOUN})\s*:\s*)?",
    re.IGNORECASE,
)
_REF_NOISE_END = re.compile(
    rf"(?:\s+(?:one|{_TASK_NOUN}|thing|entry))+$|\s+(?:from|off|on|in)\s+(?:my|the)\s+(?:(?:todo|to-do)\s+)?(?:list|{_TASK_NOUN})$",
    re.IGNORECASE,
)


def parse_ref(text: str, quoted: str | None = None) -> TaskRef:
    """ "task 3", "#3", "tasks 2 and 5", "it", "the first one", "the groceries one", "'Buy milk'"."""
    text = text.strip().strip(",:;")
    if quoted and text.replace(_QUOTE_MARK, "").strip(" ,:;").lower() in {
        "",
        "the task",
        "task",
        "the one",
        "the todo",
    }:
        return TaskRef(words=quoted)
    text = text.replace(_QUOTE_MARK, quoted or "").strip()
    if not text:
        return TaskRef()
    if _PRONOUN.match(text):
        return TaskRef(pronoun=True)
    if _ID_LIST.match(text):
        return TaskRef(ids=tuple(dict.fromkeys(int(n) for n in re.findall(r"\d+", text))))
    if match := _ORDINAL.match(text):
        return TaskRef(ordinal=ORDINALS[match.group("ord").lower()])
    words = _REF_NOISE_START.sub("", text, count=1)
    words = _REF_NOISE_END.sub("", words).strip(" ,'\"")
    if not words or words.lower() in {"one", "task", "it", "all", "everything"}:
        return TaskRef(pronoun=words.lower() in {"it", "one", "task"}) if words else TaskRef()
    return TaskRef(words=words)


# ---------------------------------------------------------------- intents

_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|hola|greetings|sup|what'?s\s+up|good\s+(?:morning|afternoon|evening|day))"
    r"(?:\s+(?:there|again|assistant|bot|buddy|friend|everyone|all))?(?:\s*[,!]?\s*how\s+are\s+you(?:\s+doing)?(?:\s+today)?)?$",
    re.IGNORECASE,
)
_HELP = re.compile(
    r"^(?:help|help\s+me|\?+|menu|commands|options|usage|instructions|what\s+can\s+(?:you|i)\s+(?:do|say|ask)(?:\s+here)?(?:\s+for\s+me)?|"
    r"how\s+(?:does\s+this|do\s+(?:you|i))\s+(?:work|use\s+(?:this|you))|how\s+do\s+i\s+use\s+(?:this|you)|what\s+are\s+you|who\s+are\s+you|what\s+do\s+you\s+do)$",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"^(?:(?:ok(?:ay)?|great|cool|nice|awesome|perfect|thanks|thank\s+you|thx|ty|cheers|got\s+it|good|sounds\s+good|"
    r"that'?s\s+(?:all|great|it)|bye|goodbye|see\s+you|no|nope|nothing|never\s*mind|nvm|all\s+good|done|much\s+appreciated)"
    r"(?:\s+(?:very|so)\s+much|\s+a\s+lot|\s+you|\s+again|\s+thanks)*[\s,!]*)+$",
    re.IGNORECASE,
)

_DONE_WORDS = r"(?:done|complete|completed|finished|checked(?:\s+off)?|ticked\s+off|crossed\s+off|accomplished|closed)"
_UNDONE_WORDS = r"(?:not\s+done|undone|incomplete|not\s+complete|not\s+completed|unfinished|pending|open|to\s*do|active|uncompleted)"
_COMPLETE_PATTERNS = [
    re.compile(rf"^(?:mark|set|flag|make)\s+(?P<ref>.+?)\s+(?:as\s+|to\s+)?{_DONE_WORDS}$", re.IGNORECASE),
    re.compile(r"^(?:check|tick|cross)\s+(?P<ref>.+?)\s+off(?:\s+(?:my|the)\s+list)?$", re.IGNORECASE),
    re.compile(
        r"^(?:complete|finish|finished|completed|check\s+off|tick\s+off|cross\s+off|close|done(?:\s+with)?\s*:?|"
        r"i(?:'ve|\s+have)?\s+(?:just\s+|already\s+|now\s+|finally\s+)?(?:finished|completed|done|did|accomplished|wrapped\s+up)(?:\s+with)?|"
        r"i'?m\s+(?:all\s+)?done\s+with|i\s+am\s+(?:all\s+)?done\s+with|i\s+(?:just\s+)?finished\s+up)\s+(?P<ref>.+)$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^(?P<ref>.+?)\s+(?:is|are|'s|has\s+been|have\s+been|was|got)\s+(?:now\s+|all\s+)?{_DONE_WORDS}$",
        re.IGNORECASE,
    ),
    re.compile(rf"^(?P<ref>.+?)\s*[:-]\s*{_DONE_WORDS}$", re.IGNORECASE),
]
_REOPEN_PATTERNS = [
    re.compile(rf"^(?:mark|set|flag|make)\s+(?P<ref>.+?)\s+(?:as\s+|to\s+)?{_UNDONE_WORDS}$", re.IGNORECASE),
    re.compile(r"^(?:reopen|re-open|uncomplete|undo|uncheck|untick)\s+(?P<ref>.+)$", re.IGNORECASE),
]
_DELETE_PATTERNS = [
    re.compile(
        r"^(?:delete|remove|cancel|drop|erase|trash|bin|discard|scrap|scratch|get\s+rid\s+of|forget(?:\s+about)?|take|strike|kill|nuke)\s+"
        r"(?P<ref>.+?)(?:\s+(?:from|off|out\s+of)\s+(?:my|the)\s+(?:(?:todo|to-do|to\s+do|task)\s+)?(?:list|tasks|todos))?(?:\s+off)?$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:i\s+)?(?:don'?t|do\s+not|no\s+longer|won'?t)\s+(?:need|have|want)\s+to\s+(?P<ref>.+?)(?:\s+any\s*more|\s+after\s+all)?$",
        re.IGNORECASE,
    ),
    re.compile(r"^(?:never\s*mind|nvm|scratch|forget)\s+(?:about\s+)?(?P<ref>.+)$", re.IGNORECASE),
]
_FIELD = r"(?P<field>priority|prio|due\s+date|deadline|date|due|title|name|description|notes?|tags?)"
_UPDATE_FIELD_PATTERNS = [
    re.compile(
        rf"^(?:change|set|update|edit|modify|make|move|switch)\s+(?:the\s+)?{_FIELD}\s+(?:of|for|on)\s+(?P<ref>.+?)\s+(?:to|as|=|:)\s*(?P<value>.+)$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^(?:change|set|update|edit|modify|make|move|switch)\s+(?P<ref>.+?)(?:'s|s')?\s+{_FIELD}\s+(?:to|as|=|:)\s*(?P<value>.+)$",
        re.IGNORECASE,
    ),
    re.compile(rf"^(?:give|add)\s+(?P<ref>.+?)\s+(?:a|the)\s+{_FIELD}\s+(?:of\s+)?(?P<value>.+)$", re.IGNORECASE),
]
_UPDATE_PATTERNS = [
    # "change task 1 to 'Call mom tonight'", "rename the milk one to buy oat milk", "move it to Friday"
    re.compile(
        r"^(?P<verb>change|update|edit|modify|rename|retitle|reword|set|move|reschedule|push|postpone|bump|delay|switch|turn|make)\s+"
        r"(?P<ref>.+?)\s+(?:to\s+(?:be\s+|say\s+|read\s+)?|as\s+|into\s+|for\s+|until\s+|till\s+|back\s+to\s+|so\s+(?:it|that\s+it)\s+(?:says|reads)\s+)(?P<value>.+)$",
        re.IGNORECASE,
    ),
    re.compile(r"^(?P<verb>rename|retitle|call)\s+(?P<ref>.+?)\s+(?P<value>" + _QUOTE_MARK + r")$", re.IGNORECASE),
    # "make it high priority", "make task 2 urgent", "mark task 3 as important", "set it due tomorrow"
    re.compile(
        r"^(?P<verb>make|mark|set|flag|prioriti[sz]e|deprioriti[sz]e|bump|change|update|move|push|postpone|reschedule)\s+(?P<ref>.+?)\s+"
        r"(?P<value>(?:as\s+|to\s+)?(?:a\s+|an\s+)?(?:(?:high|higher|highest|top|low|lower|lowest|medium|normal|urgent|important|critical)(?:\s+priority)?"
        r"|due\s+.+|(?:by|on|for|until)\s+.+|tomorrow|today|tonight|next\s+\w+|in\s+\w+\s+\w+|#\w.*))$",
        re.IGNORECASE,
    ),
    # "task 3 is due Friday", "it should be high priority"
    re.compile(
        r"^(?P<ref>.+?)\s+(?:is|should\s+be|must\s+be|needs\s+to\s+be|has\s+to\s+be)\s+(?P<value>(?:due\s+.+|(?:a\s+|an\s+)?(?:high|low|medium|urgent|top)(?:\s+priority)?|important|urgent))$",
        re.IGNORECASE,
    ),
    # "prioritize task 2" (= high), "deprioritize task 2" (= low)
    re.compile(r"^(?P<verb>prioriti[sz]e|deprioriti[sz]e|star)\s+(?P<ref>.+)$", re.IGNORECASE),
    # "tag task 3 with #work", "add #work to task 3"
    re.compile(
        r"^(?P<verb>tag|label)\s+(?P<ref>.+?)\s+(?:with\s+|as\s+)?(?P<value>#?\w[\w-]*(?:\s*(?:,|and)\s*#?\w[\w-]*)*)$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?P<verb>add)\s+(?P<value>#\w[\w-]*(?:\s*(?:,|and)?\s*#\w[\w-]*)*)\s+(?:tags?\s+)?(?:to|on)\s+(?P<ref>.+)$",
        re.IGNORECASE,
    ),
]

_LIST_START = re.compile(
    r"^(?:show|list|display|view|see|give|get|tell|print|read|bring\s+up|pull\s+up|open|check|fetch|find|search|look\s+up|look\s+for|"
    r"what|what'?s|whats|which|how\s+many|do\s+i\s+have|have\s+i|did\s+i|are\s+there|is\s+there|anything|any|where|"
    r"my|all|every|the|pending|completed|finished|done|open|outstanding|remaining|overdue|current|today'?s|tasks|todos|to-dos)\b",
    re.IGNORECASE,
)
_LIST_SUBJECT = re.compile(
    rf"\b(?:{_TASK_NOUN}|list|pending|completed|complete|done|finished|left|remaining|outstanding|open|due|overdue|plate|agenda|"
    r"do|accomplished|achieved|high|low|urgent|everything|schedule|anything)\b|#\w",
    re.IGNORECASE,
)
_COMPLETED_MARK = re.compile(
    r"\b(?:completed|complete|done|finished|accomplished|achieved|checked\s+off|ticked\s+off|crossed\s+off|closed)\b",
    re.IGNORECASE,
)
_PENDING_MARK = re.compile(
    r"\b(?:pending|open|incomplete|uncompleted|not\s+(?:yet\s+)?(?:done|complete|completed|finished)|outstanding|remaining|left|unfinished|"
    r"active|current|to\s+do|todo|need\s+to\s+do|have\s+to\s+do|should\s+i\s+do|next|plate|agenda|due|overdue|still)\b",
    re.IGNORECASE,
)
_ALL_MARK = re.compile(r"\b(?:all|every|everything|entire|whole|full)\b", re.IGNORECASE)
_SEARCH = re.compile(
    rf"\b(?:about|matching|containing|mentioning|with\s+(?:the\s+word|the\s+text)|called|named|titled|search(?:\s+for)?|find|look\s+(?:for|up)|"
    rf"related\s+to|regarding)\s+(?:{_TASK_NOUN}\s+)?(?:about\s+|with\s+|for\s+)?(?P<q>.+?)(?:\s+(?:in\s+(?:my\s+)?(?:list|{_TASK_NOUN})))?$",
    re.IGNORECASE,
)


def _looks_like_list(text: str) -> bool:
    if re.fullmatch(rf"(?:(?:my|the|all)\s+)*(?:(?:todo|to-do|task)\s+)?(?:{_TASK_NOUN}|list)", text, re.IGNORECASE):
        return True
    if re.fullmatch(r"(?:list|show|ls|show\s+all|list\s+all|show\s+list)", text, re.IGNORECASE):
        return True
    if re.match(rf"^(?:search|find|look\s+for|look\s+up)\b|^#\w[\w-]*\s+{_TASK_NOUN}\b", text, re.IGNORECASE):
        return True
    return bool(_LIST_START.match(text) and _LIST_SUBJECT.search(text))


def _parse_list(text: str, now: datetime) -> Intent:
    lowered = text.lower()
    status: Status = "all"
    if _PENDING_MARK.search(lowered) and not re.search(r"\bhave\s+i\s+(?:done|completed|finished)\b", lowered):
        status = "pending"
    elif _COMPLETED_MARK.search(lowered):
        status = "completed"
    if (
        _ALL_MARK.search(lowered)
        and status == "pending"
        and not re.search(r"\b(?:pending|open|incomplete|left|remaining|outstanding|not\s+done)\b", lowered)
    ):
        status = "all"
    rest, priority = take_priority(text)
    rest, tags = take_tags(rest)
    due_on = None
    overdue = bool(re.search(r"\b(?:overdue|late|past\s+due)\b", lowered))
    if re.search(r"\bdue\b|\b(?:today|tomorrow|this\s+week)\b", lowered):
        due_on = find_day(text, now)
        if due_on or overdue:
            status = "pending" if status == "all" else status
    query = None
    if match := _SEARCH.search(rest):
        query = match.group("q").strip(" '\"?") or None
        if query:
            query = re.sub(
                rf"^(?:(?:the|a|an|my)\s+)*(?:(?:{_TASK_NOUN})\s+)?(?:(?:the|a|an|my)\s+)*",
                "",
                query,
                flags=re.IGNORECASE,
            )
            query = _REF_NOISE_END.sub("", query).strip() or None
    if status == "pending" and overdue:
        due_on = None
    return Intent(
        kind="list",
        text=text,
        filter=ListFilter(
            status=status, priority=priority, tag=tags[0] if tags else None, query=query, due_on=due_on, overdue=overdue
        ),
    )


def _parse_update(
    verb: str, ref_text: str, value: str, quoted: str | None, now: datetime, field_name: str = ""
) -> Intent | None:
    verb, field_name = verb.lower(), re.sub(r"\s+", " ", field_name.lower())
    ref = parse_ref(ref_text, None)
    if ref.empty:
        return None
    value = value.strip()
    if field_name in {"title", "name"}:
        return Intent(kind="update", title=quoted if _QUOTE_MARK in value and quoted else clean_title(value), ref=ref)
    if field_name in {"description", "note", "notes"}:
        text = quoted if _QUOTE_MARK in value and quoted else value
        return Intent(kind="update", description=text, ref=ref)
    if field_name in {"priority", "prio"}:
        _, priority = take_priority(f"{value} priority")
        return Intent(kind="update", priority=priority, ref=ref) if priority else None
    if field_name in {"due date", "deadline", "date", "due"}:
        due = find_due(value, now)
        return Intent(kind="update", due_at=due.when, ref=ref) if due else None
    if field_name in {"tag", "tags"}:
        _, tags = take_tags("tagged " + value)
        return Intent(kind="update", tags=tags, ref=ref) if tags else None
    if verb.startswith("prioriti") or verb == "star":
        return Intent(kind="update", priority="high", ref=ref)
    if verb.startswith("depriorit"):
        return Intent(kind="update", priority="low", ref=ref)
    if verb in {"tag", "label"} or (verb == "add" and value.startswith("#")):
        _, tags = take_tags("tagged " + value)
        return Intent(kind="update", tags=tags, ref=ref) if tags else None
    mods = take_modifiers(value, now, recurrence=False)
    if re.fullmatch(r"(?:urgent|important|critical)", mods.text, re.IGNORECASE):
        mods.priority, mods.text = "high", ""
    leftover = re.sub(r"^(?:be|say|read|a|an|the|priority|due)\b\s*", "", mods.text, flags=re.IGNORECASE).strip()
    title: str | None = None
    if _QUOTE_MARK in leftover and quoted:
        title = quoted
    elif leftover and verb not in {
        "move",
        "reschedule",
        "push",
        "postpone",
        "bump",
        "delay",
        "make",
        "mark",
        "set",
        "flag",
    }:
        title = clean_title(leftover)
    elif leftover and verb in {"make", "set"} and not (mods.priority or mods.due_at or mods.tags):
        title = clean_title(leftover)
    if not (title or mods.priority or mods.due_at or mods.tags):
        return None
    return Intent(kind="update", title=title, priority=mods.priority, due_at=mods.due_at, tags=mods.tags, ref=ref)


def parse(message: str, now: datetime) -> Intent:
    """Read one user message. References stay unresolved; see `agent.nlu.context`."""
    plain = re.sub(r"[\s.!?,]+$", "", re.sub(r"\s+", " ", message.translate(_SMART)).strip())
    text = normalise(message)
    if not text:
        kind: IntentKind = "greet" if _GREETING.match(plain) else "thanks" if _THANKS.match(plain) else "help"
        return Intent(kind=kind, text=message)
    for candidate in (plain, text):
        if _GREETING.match(candidate):
            return Intent(kind="greet", text=candidate)
        if _HELP.match(candidate):
            return Intent(kind="help", text=candidate)
        if _THANKS.match(candidate):
            return Intent(kind="thanks", text=candidate)

    work, quoted = split_quoted(text)

    for pattern in _REOPEN_PATTERNS:
        if match := pattern.match(work):
            ref = parse_ref(match.group("ref"), quoted)
            if not ref.empty:
                return Intent(kind="reopen", text=text, ref=ref)

    is_question = bool(re.match(r"^(?:what|which|how|do|did|have|are|is|any)\b", work, re.IGNORECASE))
    if is_question and _looks_like_list(work):
        return _parse_list(text, now)

    for pattern in _COMPLETE_PATTERNS:
        if match := pattern.match(work):
            ref = parse_ref(match.group("ref"), quoted)
            if not ref.empty and not _looks_like_add(match.group("ref")):
                return Intent(kind="complete", text=text, ref=ref)

    for pattern in _UPDATE_FIELD_PATTERNS:
        if match := pattern.match(work):
            intent = _parse_update(
                "change", match.group("ref"), match.group("value"), quoted, now, match.group("field")
            )
            if intent:
                return replace(intent, text=text)
    for pattern in _UPDATE_PATTERNS:
        if match := pattern.match(work):
            groups = match.groupdict()
            intent = _parse_update(
                groups.get("verb") or "change", groups["ref"], groups.get("value") or "", quoted, now
            )
            if intent:
                return replace(intent, text=text)

    for pattern in _DELETE_PATTERNS:
        if match := pattern.match(work):
            ref = parse_ref(match.group("ref"), quoted)
            if not ref.empty:
                return Intent(kind="delete", text=text, ref=ref)

    if _ADD_START.match(work) and not re.match(r"^(?:my|the)\b", work, re.IGNORECASE):
        return _parse_add(work, quoted, now, text)

    if _looks_like_list(work):
        return _parse_list(text, now)
    return Intent(kind="unknown", text=text)


def _looks_like_add(ref_text: str) -> bool:
    return bool(re.match(r"^(?:add|create|new)\b", ref_text, re.IGNORECASE))


def _parse_add(work: str, quoted: str | None, now: datetime, text: str) -> Intent:
    mods = take_modifiers(work, now)
    description = None
    body = mods.text
    # "add buy milk - 2 litres, semi-skimmed" / "add call bob (about the lease)": keep the extra as description
    if quoted is None and (match := re.search(r"\s+(?:-|\u2013)\s+(?P<d>.{3,})$|\s*\((?P<p>[^()]{3,})\)$", body)):
        description = (match.group("d") or match.group("p")).strip()
        body = body[: match.start()]
    title = clean_title(body)
    if quoted is not None:
        outside = clean_title(title.replace(_QUOTE_MARK, "")).strip()
        title = quoted if not outside or len(outside) <= 3 else title.replace(_QUOTE_MARK, quoted)
        title = title[:1].upper() + title[1:]
    title = title.replace(_QUOTE_MARK, quoted or "").strip()
    if re.fullmatch(rf"(?:(?:a|an|the|new|another)\s+)*(?:{_TASK_NOUN}|note)?", title, re.IGNORECASE):
        title = ""
    return Intent(
        kind="add",
        text=text,
        title=title or None,
        priority=mods.priority,
        due_at=mods.due_at,
        tags=mods.tags,
        recurrence=mods.recurrence,
        description=description,
    )
