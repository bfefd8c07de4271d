# ruff: noqa: E501 - regex tables read better unwrapped
"""The intent registry: every request the local model understands, each defined in one place.

An `IntentSpec` says how the intent is read from a message (`read`), whether it acts on tasks the
user points at (`targets`: then the context resolves "it"/"the first one", the planner finds the
tasks by number, title or set, and `act` turns each into one tool call), and how a plain intent is
planned (`plan`). The parser tries the specs in registry order; adding an intent is one `register`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from agent.nlu import replies
from agent.nlu.dates import find_due, week_end
from agent.nlu.modifiers import (
    UNSUPPORTED_REPEAT,
    Priority,
    Recurrence,
    tag_list,
    take_modifiers,
    take_priority,
    take_tags,
)
from agent.nlu.refs import REF_NOISE_END, ListFilter, TaskRef, clean_title, parse_ref
from agent.nlu.text import QUOTE_MARK, TASK_NOUN, normalise, plain, split_quoted
from agent.tool_results import error_message, tasks_of


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Step:
    """One tool call made earlier (in this run, or in an earlier turn), and what it returned."""

    name: str
    arguments: dict[str, Any]
    result: Any = None


@dataclass(frozen=True)
class Plan:
    calls: list[ToolCall] = field(default_factory=list)
    reply: str | None = None


@dataclass(frozen=True)
class Message:
    """One user message, read once: as typed, normalised, and with its quoted part set aside."""

    raw: str
    plain: str
    text: str
    work: str
    quoted: str | None
    now: datetime

    @classmethod
    def of(cls, raw: str, now: datetime) -> Message:
        text = normalise(raw)
        work, quoted = split_quoted(text)
        return cls(raw, plain(raw), text, work, quoted, now)


@dataclass(frozen=True)
class Intent:
    kind: str
    text: str = ""
    title: str | None = None
    priority: Priority | None = None
    due_at: datetime | None = None
    tags: tuple[str, ...] = ()
    untag: tuple[str, ...] = ()
    recurrence: Recurrence | None = None
    description: str | None = None
    completed: bool | None = None
    ref: TaskRef = field(default_factory=TaskRef)
    filter: ListFilter = field(default_factory=ListFilter)
    answer: str = "list"  # list | count | tags | next
    items: tuple[Intent, ...] = ()  # several tasks added at once
    calls: tuple[ToolCall, ...] = ()  # worked out from the conversation (undo, a confirmed set)
    reply: str | None = None  # the answer is known without a tool (can't do that, nothing to undo)

    def with_ref(self, ref: TaskRef) -> Intent:
        return replace(self, ref=ref)

    @property
    def changes(self) -> dict[str, Any]:
        """The task fields this intent sets (an update's tags are merged into the task's own)."""
        names = ("title", "priority", "due_at", "tags", "description")
        return {name: getattr(self, name) for name in names if getattr(self, name)}

    @property
    def spec(self) -> IntentSpec:
        return SPECS[self.kind]


@dataclass(frozen=True)
class IntentSpec:
    kind: str
    read: Callable[[Message], Intent | None]
    targets: bool = False  # acts on tasks the user points at
    verb: str = ""  # "Which one should I <verb>?"
    act: Callable[[Intent, dict[str, Any] | None], ToolCall] | None = None  # one task → its tool call
    needs_task: Callable[[Intent], bool] = lambda _intent: False  # `act` reads the task's current fields
    confirm_above: int | None = None  # ask before acting on more tasks than this
    plan: Callable[[Intent, list[Step], datetime], Plan] | None = None  # intents that target no task


REGISTRY: list[IntentSpec] = []
SPECS: dict[str, IntentSpec] = {}


def register(spec: IntentSpec) -> IntentSpec:
    REGISTRY.append(spec)
    SPECS[spec.kind] = spec
    return spec


def iso(value: datetime) -> str:
    return value.isoformat()


def _fixed(reply: Callable[[], str]) -> Callable[[Intent, list[Step], datetime], Plan]:
    return lambda _intent, _steps, _now: Plan(reply=reply())


def _answer(intent: Intent, _steps: list[Step], _now: datetime) -> Plan:
    return Plan(reply=intent.reply or replies.not_understood())


# ---------------------------------------------------------------- small talk

_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|hola|greetings|sup|what'?s\s+up|good\s+(?:morning|afternoon|evening|day))"
    r"(?:\s+(?:there|again|assistant|bot|buddy|friend|everyone|all))?(?:\s*[,!]?\s*how\s+are\s+you(?:\s+doing)?(?:\s+today)?)?$",
    re.IGNORECASE,
)
_HELP = re.compile(
    r"^(?:help|help\s+me|\?+|menu|commands|options|usage|instructions|what\s+can\s+(?:you|i)\s+(?:do|say|ask)(?:\s+here)?(?:\s+for\s+me)?|"
    r"how\s+(?:does\s+this|do\s+(?:you|i))\s+(?:work|use\s+(?:this|you))|how\s+do\s+i\s+use\s+(?:this|you)|what\s+are\s+you|who\s+are\s+you|what\s+do\s+you\s+(?:do|understand))$",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"^(?:(?:ok(?:ay)?|great|cool|nice|awesome|perfect|thanks|thank\s+you|thx|ty|cheers|got\s+it|good|sounds\s+good|"
    r"that'?s\s+(?:all|great|it)|bye|goodbye|see\s+you|nothing|never\s*mind|nvm|all\s+good|much\s+appreciated)"
    r"(?:\s+(?:very|so)\s+much|\s+a\s+lot|\s+you|\s+again|\s+thanks)*[\s,!]*)+$",
    re.IGNORECASE,
)
YES = re.compile(
    r"^(?:yes|yeah|yep|yup|sure|ok(?:ay)?|go\s+ahead|do\s+it|confirm(?:ed)?|y)(?:\s*,?\s*(?:please|delete\s+them|do\s+it|go\s+ahead))*$",
    re.IGNORECASE,
)
NO = re.compile(
    r"^(?:no|nope|nah|n|cancel|don'?t|stop|keep\s+them|no\s+thanks?)(?:\s*,?\s*(?:thanks|thank\s+you|keep\s+them))*$",
    re.IGNORECASE,
)


def _matching(pattern: re.Pattern[str], kind: str) -> Callable[[Message], Intent | None]:
    return lambda m: Intent(kind, m.text) if pattern.match(m.plain) or (m.text and pattern.match(m.text)) else None


register(IntentSpec("greet", _matching(_GREETING, "greet"), plan=_fixed(replies.greeting)))
register(IntentSpec("help", _matching(_HELP, "help"), plan=_fixed(replies.help_text)))
# "yes" / "no" answer the model's last question (the context reads them with it); alone, they are small talk.
register(IntentSpec("yes", _matching(YES, "yes"), plan=_fixed(replies.nothing_to_confirm)))
register(IntentSpec("no", _matching(NO, "no"), plan=_fixed(replies.kept)))
register(IntentSpec("thanks", _matching(_THANKS, "thanks"), plan=_fixed(replies.thanks)))


# ---------------------------------------------------------------- undo

_UNDO = re.compile(
    r"^(?:undo|revert|reverse|roll\s*back|take\s+(?:that|it)\s+back|put\s+(?:it|that)\s+back)(?:\s+(?:that|it|this|the\s+last\s+(?:change|thing|one|action)|my\s+last\s+(?:change|request)|what\s+you\s+(?:just\s+)?did))?"
    r"|^(?:oops|whoops)?[\s,]*(?:that\s+was\s+(?:a\s+)?(?:wrong|mistake)|(?:please\s+)?undo\s+that)$",
    re.IGNORECASE,
)


def _plan_undo(intent: Intent, steps: list[Step], now: datetime) -> Plan:
    if intent.reply is not None:
        return Plan(reply=intent.reply)
    if not steps:
        return Plan(calls=list(intent.calls))
    return Plan(reply=replies.undone(steps, now))


register(IntentSpec("undo", lambda m: Intent("undo", m.text) if _UNDO.match(m.text) else None, plan=_plan_undo))


# ---------------------------------------------------------------- what the model cannot do

# (pattern, what cannot be done, also inside a request to add a task?)
_CANNOT = [
    (
        re.compile(
            r"\b(?:notif(?:y|ication)|alarm|ping\s+me|text\s+me|e-?mail\s+me|sms|push\s+notification|alert\s+me|wake\s+me)\b",
            re.I,
        ),
        "send notifications or messages outside this app",
        True,
    ),
    (
        re.compile(r"^(?:share|assign|invite|delegate)\b.*\b(?:with|to)\b\s+(?!me\b)\w+", re.I),
        "share tasks or assign them to other people",
        False,
    ),
    (
        re.compile(r"\b(?:sub-?tasks?|checklists?|attach(?:ment)?s?|upload)\b", re.I),
        "add subtasks, checklists or attachments",
        False,
    ),
    (
        re.compile(r"\b(?:weather|news|joke|recipe|translate|stock\s+price|score)\b", re.I),
        "answer questions outside your todo list",
        False,
    ),
    (
        re.compile(
            r"\b(?:delete|close|remove)\s+my\s+account\b|\b(?:change|reset)\s+my\s+password\b|^log\s*(?:me\s+)?out\b",
            re.I,
        ),
        "change your account from the chat",
        False,
    ),
    (
        re.compile(r"\b(?:my\s+calendar|google\s+calendar|outlook|sync\s+with)\b", re.I),
        "connect to calendars or other apps",
        False,
    ),
]


def _read_cannot(m: Message) -> Intent | None:
    if UNSUPPORTED_REPEAT.search(m.work):
        return Intent("cannot", m.text, reply=replies.cannot("repeat tasks on that schedule", repeat=True))
    adding = bool(_ADD_START.match(m.work))
    for pattern, what, even_in_add in _CANNOT:
        if (even_in_add or not adding) and pattern.search(m.work):
            return Intent("cannot", m.text, reply=replies.cannot(what))
    return None


register(IntentSpec("cannot", _read_cannot, plan=_answer))


# ---------------------------------------------------------------- questions and lists

_LIST_START = re.compile(
    r"^(?:show|list|display|view|see|give|get|tell|print|read|bring\s+up|pull\s+up|open|check|fetch|find|search|look\s+up|look\s+for|"
    r"what|what'?s|whats|which|how\s+many|do\s+i\s+have|have\s+i|did\s+i|are\s+there|is\s+there|anything|any|where|"
    r"my|all|every|the|pending|completed|finished|done|open|outstanding|remaining|overdue|current|today'?s|tasks|todos|to-dos)\b",
    re.IGNORECASE,
)
_LIST_SUBJECT = re.compile(
    rf"\b(?:{TASK_NOUN}|list|pending|completed|complete|done|finished|left|remaining|outstanding|open|due|overdue|plate|agenda|"
    r"do|accomplished|achieved|high|low|urgent|everything|schedule|anything|tags?|labels?|priorit(?:y|ies)|next|week)\b|#\w",
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
    rf"related\s+to|regarding)\s+(?:{TASK_NOUN}\s+)?(?:about\s+|with\s+|for\s+)?(?P<q>.+?)(?:\s+(?:in\s+(?:my\s+)?(?:list|{TASK_NOUN})))?$",
    re.IGNORECASE,
)
_QUESTION = re.compile(r"^(?:what|which|how|do|did|have|are|is|any)\b", re.IGNORECASE)


def _looks_like_list(text: str) -> bool:
    if re.fullmatch(rf"(?:(?:my|the|all)\s+)*(?:(?:todo|to-do|task)\s+)?(?:{TASK_NOUN}|list)", text, re.IGNORECASE):
        return True
    if re.fullmatch(r"(?:list|show|ls|show\s+all|list\s+all|show\s+list)", text, re.IGNORECASE):
        return True
    if re.match(rf"^(?:search|find|look\s+for|look\s+up)\b|^#\w[\w-]*\s+{TASK_NOUN}\b", text, re.IGNORECASE):
        return True
    return bool(_LIST_START.match(text) and _LIST_SUBJECT.search(text))


def _read_list(m: Message) -> Intent:
    text, lowered = m.text, m.text.lower()
    answer = "list"
    if re.search(r"\bhow\s+many\b|\bcount\b|\bnumber\s+of\b", lowered):
        answer = "count"
    elif re.search(
        r"\b(?:what|which)\s+(?:tags|labels)\b|\btags?\s+(?:do\s+i|have\s+i|i\s+use)|\bmy\s+tags\b|\blist\s+(?:my\s+|all\s+)?tags\b",
        lowered,
    ):
        answer = "tags"
    elif re.search(
        r"\bwhat\s+(?:should|do)\s+i\s+do\s+(?:next|first|now)\b|\bwhat'?s\s+next\b|\bmost\s+(?:urgent|important)\b",
        lowered,
    ):
        answer = "next"
    status = "all"
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
    if answer == "next":
        status = "pending"
    rest, priority = take_priority(text)
    rest, tags = take_tags(rest)
    if not tags and (tag := re.search(r"\btagged\s+(?:as\s+|with\s+)?#?(?P<t>[a-z][\w-]*)", lowered)):
        tags = (tag.group("t"),)
    due_on = due_by = None
    overdue = bool(re.search(r"\b(?:overdue|late|past\s+due)\b", lowered))
    if re.search(r"\bthis\s+week\b", lowered):
        due_by, status = week_end(m.now.date()), "pending" if status == "all" else status
    elif re.search(r"\bdue\b|\b(?:today|tomorrow)\b", lowered):
        from agent.nlu.dates import find_day

        due_on = find_day(text, m.now)
        if due_on or overdue:
            status = "pending" if status == "all" else status
    query = None
    if answer == "list" and (match := _SEARCH.search(rest)):
        query = match.group("q").strip(" '\"?") or None
        if query:
            query = re.sub(
                rf"^(?:(?:the|a|an|my)\s+)*(?:(?:{TASK_NOUN})\s+)?(?:(?:the|a|an|my)\s+)*",
                "",
                query,
                flags=re.IGNORECASE,
            )
            query = REF_NOISE_END.sub("", query).strip() or None
    if status == "pending" and overdue:
        due_on = None
    flt = ListFilter(status=status, priority=priority, tag=tags[0] if tags else None, query=query, due_on=due_on,
                     due_by=due_by, overdue=overdue)  # fmt: skip
    return Intent("list", text, filter=flt, answer=answer)


def list_arguments(flt: ListFilter) -> dict[str, Any]:
    arguments: dict[str, Any] = {"status": flt.status}
    for name in ("priority", "tag", "query"):
        if value := getattr(flt, name):
            arguments[name] = value
    return arguments


def _plan_list(intent: Intent, steps: list[Step], now: datetime) -> Plan:
    if not steps:
        return Plan(calls=[ToolCall("list_tasks", list_arguments(intent.filter))])
    last = steps[-1]
    if (message := error_message(last.result)) is not None:
        return Plan(reply=replies.failed("list", None, message))
    tasks = [t for t in tasks_of(last.result) if intent.filter.admits(t.get("due_at"), now)]
    answer = {"count": replies.count_reply, "tags": replies.tags_reply, "next": replies.next_reply}
    return Plan(reply=answer.get(intent.answer, replies.list_reply)(tasks, intent.filter, now))


def _read_question(m: Message) -> Intent | None:
    return _read_list(m) if _QUESTION.match(m.work) and _looks_like_list(m.work) else None


register(IntentSpec("question", _read_question, plan=_plan_list))


# ---------------------------------------------------------------- acting on tasks


def _ref(text: str, m: Message) -> TaskRef:
    return parse_ref(text, m.quoted, m.now)


def _first_ref(
    patterns: list[re.Pattern[str]], m: Message, accept: Callable[[int, re.Match[str]], bool] | None = None
) -> tuple[re.Match[str], TaskRef] | None:
    """The first of `patterns` that matches (and that `accept` allows) whose `ref` names a task."""
    for index, pattern in enumerate(patterns):
        if (match := pattern.match(m.work)) and (accept is None or accept(index, match)):
            if not (ref := _ref(match.group("ref"), m)).empty:
                return match, ref
    return None


def _tool_fields(intent: Intent) -> dict[str, Any]:
    """`changes` as tool arguments: ISO 8601 date-times, tag lists."""
    fields = intent.changes
    if intent.due_at:
        fields["due_at"] = iso(intent.due_at)
    if intent.tags:
        fields["tags"] = list(intent.tags)
    return fields


_DONE_WORDS = r"(?:done|complete|completed|finished|checked(?:\s+off)?|ticked\s+off|crossed\s+off|accomplished|closed)"
_UNDONE_WORDS = r"(?:not\s+done|undone|incomplete|not\s+complete|not\s+completed|unfinished|pending|open|to\s*do|active|uncompleted|not\s+finished)"
_REOPEN_PATTERNS = [
    re.compile(
        rf"^(?:mark|set|flag|make)\s+(?P<ref>.+?)\s+(?:as\s+|to\s+)?{_UNDONE_WORDS}(?:\s+again)?$", re.IGNORECASE
    ),
    re.compile(
        r"^(?:reopen|re-open|uncomplete|un-complete|uncheck|untick|unmark|restore|reactivate)\s+(?P<ref>.+?)(?:\s+again)?$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^i\s+(?:didn'?t|did\s+not|haven'?t|have\s+not)\s+(?:actually\s+|really\s+)?(?:finish(?:ed)?|complete(?:d)?|do(?:ne)?)\s+(?P<ref>.+?)(?:\s+yet|\s+after\s+all)?$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^(?P<ref>.+?)\s+(?:is|isn'?t|is\s+not|wasn'?t|was\s+not)\s+(?:actually\s+|really\s+)?(?:{_UNDONE_WORDS}|done|finished|complete)(?:\s+yet|\s+after\s+all)?$",
        re.IGNORECASE,
    ),
]


def _read_reopen(m: Message) -> Intent | None:
    def negated(index: int, match: re.Match[str]) -> bool:  # pattern 3 without a "not": "X is done" completes
        return index != 3 or bool(
            re.search(
                r"\b(?:isn'?t|is\s+not|wasn'?t|was\s+not|not|undone|incomplete|unfinished|pending|open)\b",
                match[0],
                re.I,
            )
        )

    found = _first_ref(_REOPEN_PATTERNS, m, negated)
    return Intent("reopen", m.text, ref=found[1], completed=False) if found else None


register(IntentSpec(
    "reopen", _read_reopen, targets=True, verb="reopen",
    act=lambda _i, task: ToolCall("update_task", {"task_id": int(task["id"]) if task else 0, "completed": False}),
))  # fmt: skip

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


def _read_complete(m: Message) -> Intent | None:
    def not_an_add(_index: int, match: re.Match[str]) -> bool:
        return not re.match(r"^(?:add|create|new)\b", match.group("ref"), re.IGNORECASE)

    found = _first_ref(_COMPLETE_PATTERNS, m, not_an_add)
    return Intent("complete", m.text, ref=found[1]) if found else None


register(IntentSpec(
    "complete", _read_complete, targets=True, verb="mark as done",
    act=lambda _i, task: ToolCall("complete_task", {"task_id": int(task["id"]) if task else 0}),
))  # fmt: skip

# "remove the #work tag from 'Buy milk'", "untag buy milk #work", "take #home off task 3"
_UNTAG_PATTERNS = [
    re.compile(
        r"^(?:remove|delete|drop|take)\s+(?:the\s+)?(?:tags?\s+|labels?\s+)?(?P<tags>#?[\w-]+(?:\s*(?:,|and)\s*#?[\w-]+)*)(?:\s+(?:tags?|labels?))?\s+(?:from|off(?:\s+of)?)\s+(?P<ref>.+)$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:untag|unlabel)\s+(?P<ref>.+?)\s+(?:from\s+|as\s+)?(?P<tags>#[\w-]+(?:\s*(?:,|and)?\s*#[\w-]+)*)$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:untag|unlabel)\s+(?P<tags>#[\w-]+(?:\s*(?:,|and)?\s*#[\w-]+)*)\s+(?:from\s+)(?P<ref>.+)$", re.IGNORECASE
    ),
]


def _read_untag(m: Message) -> Intent | None:
    def names_a_tag(index: int, match: re.Match[str]) -> bool:  # "remove milk from my list" is a delete
        return index != 0 or "#" in match["tags"] or bool(re.search(r"\btags?\b|\blabels?\b", match[0], re.I))

    found = _first_ref(_UNTAG_PATTERNS, m, names_a_tag)
    return Intent("untag", m.text, untag=tag_list(found[0]["tags"]), ref=found[1]) if found else None


def _untag_call(intent: Intent, task: dict[str, Any] | None) -> ToolCall:
    keep = [t for t in (task or {}).get("tags") or [] if t not in intent.untag]
    return ToolCall("update_task", {"task_id": int((task or {})["id"]), "tags": keep})


register(IntentSpec("untag", _read_untag, targets=True, verb="untag", act=_untag_call, needs_task=lambda _i: True))

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
    re.compile(
        r"^(?P<verb>change|update|edit|modify|rename|retitle|reword|set|move|reschedule|push|postpone|bump|delay|switch|turn|make)\s+"
        r"(?P<ref>.+?)\s+(?:to\s+(?:be\s+|say\s+|read\s+)?|as\s+|into\s+|for\s+|until\s+|till\s+|back\s+to\s+|so\s+(?:it|that\s+it)\s+(?:says|reads)\s+)(?P<value>.+)$",
        re.IGNORECASE,
    ),
    re.compile(r"^(?P<verb>rename|retitle|call)\s+(?P<ref>.+?)\s+(?P<value>" + QUOTE_MARK + r")$", re.IGNORECASE),
    re.compile(
        r"^(?P<verb>make|mark|set|flag|prioriti[sz]e|deprioriti[sz]e|bump|change|update|move|push|postpone|reschedule)\s+(?P<ref>.+?)\s+"
        r"(?P<value>(?:as\s+|to\s+)?(?:a\s+|an\s+)?(?:(?:high|higher|highest|top|low|lower|lowest|medium|normal|urgent|important|critical)(?:\s+priority)?"
        r"|due\s+.+|(?:by|on|for|until)\s+.+|tomorrow.*|today.*|tonight|next\s+\w+|in\s+\w+\s+\w+|#\w.*))$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?P<ref>.+?)\s+(?:is|should\s+be|must\s+be|needs\s+to\s+be|has\s+to\s+be)\s+(?P<value>(?:due\s+.+|(?:a\s+|an\s+)?(?:high|low|medium|urgent|top)(?:\s+priority)?|important|urgent))$",
        re.IGNORECASE,
    ),
    re.compile(r"^(?P<verb>prioriti[sz]e|deprioriti[sz]e|star)\s+(?P<ref>.+)$", re.IGNORECASE),
    re.compile(
        r"^(?P<verb>tag|label)\s+(?P<ref>.+?)\s+(?:with\s+|as\s+)?(?P<value>#?\w[\w-]*(?:\s*(?:,|and)\s*#?\w[\w-]*)*)$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?P<verb>add)\s+(?P<value>#\w[\w-]*(?:\s*(?:,|and)?\s*#\w[\w-]*)*)\s+(?:tags?\s+)?(?:to|on)\s+(?P<ref>.+)$",
        re.IGNORECASE,
    ),
]
_MOVE_VERBS = {"move", "reschedule", "push", "postpone", "bump", "delay", "make", "mark", "set", "flag"}


def _update(verb: str, ref_text: str, value: str, m: Message, field_name: str = "") -> Intent | None:
    verb, field_name = verb.lower(), re.sub(r"\s+", " ", field_name.lower())
    ref = _ref(ref_text, m)
    if ref.empty:
        return None
    value, quoted = value.strip(), m.quoted
    if re.fullmatch(r"'[^']+'|\"[^\"]+\"", value):  # a second quoted part: "rename 'a' to 'b'"
        value = value[1:-1]
        if field_name in {"", "title", "name"}:
            return replace(Intent("update", m.text, ref=ref), title=value)
    verbatim = quoted if QUOTE_MARK in value and quoted else None
    base = Intent("update", m.text, ref=ref)
    if field_name in {"title", "name"}:
        return replace(base, title=verbatim or clean_title(value))
    if field_name in {"description", "note", "notes"}:
        return replace(base, description=verbatim or value)
    if field_name in {"priority", "prio"}:
        _, priority = take_priority(f"{value} priority")
        return replace(base, priority=priority) if priority else None
    if field_name in {"due date", "deadline", "date", "due"}:
        due = find_due(value, m.now)
        return replace(base, due_at=due.when) if due else None
    if field_name in {"tag", "tags"} or verb in {"tag", "label"} or (verb == "add" and value.startswith("#")):
        tags = tag_list(value)
        return replace(base, tags=tags) if tags else None
    if verb.startswith("prioriti") or verb == "star":
        return replace(base, priority="high")
    if verb.startswith("depriorit"):
        return replace(base, priority="low")
    mods = take_modifiers(value, m.now, recurrence=False)
    if re.fullmatch(r"(?:urgent|important|critical)", mods.text, re.IGNORECASE):
        mods.priority, mods.text = "high", ""
    leftover = re.sub(r"^(?:be|say|read|a|an|the|priority|due)\b\s*", "", mods.text, flags=re.IGNORECASE).strip()
    title = None
    if QUOTE_MARK in leftover and quoted:
        title = quoted
    elif leftover and (
        verb not in _MOVE_VERBS or (verb in {"make", "set"} and not (mods.priority or mods.due_at or mods.tags))
    ):
        title = clean_title(leftover)
    if not (title or mods.priority or mods.due_at or mods.tags):
        return None
    return replace(base, title=title, priority=mods.priority, due_at=mods.due_at, tags=mods.tags)


def _read_update(m: Message) -> Intent | None:
    for pattern in _UPDATE_FIELD_PATTERNS:
        if (match := pattern.match(m.work)) and (
            found := _update("change", match.group("ref"), match.group("value"), m, match.group("field"))
        ):
            return found
    for pattern in _UPDATE_PATTERNS:
        if match := pattern.match(m.work):
            groups = match.groupdict()
            if found := _update(groups.get("verb") or "change", groups["ref"], groups.get("value") or "", m):
                return found
    return None


def _update_call(intent: Intent, task: dict[str, Any] | None) -> ToolCall:
    arguments: dict[str, Any] = {"task_id": int((task or {})["id"]), **_tool_fields(intent)}
    if intent.tags:  # added to the task's own tags, not replacing them
        existing = [str(t) for t in (task or {}).get("tags") or []]
        arguments["tags"] = list(dict.fromkeys(existing + list(intent.tags)))[:10]
    return ToolCall("update_task", arguments)


register(
    IntentSpec("update", _read_update, targets=True, verb="update", act=_update_call, needs_task=lambda i: bool(i.tags))
)

_DELETE_PATTERNS = [
    re.compile(
        r"^(?:delete|remove|cancel|drop|erase|trash|bin|discard|scrap|scratch|get\s+rid\s+of|forget(?:\s+about)?|take|strike|kill|nuke|clear(?:\s+out)?|clean\s+up|purge)\s+"
        r"(?P<ref>.+?)(?:\s+(?:from|off|out\s+of)\s+(?:my|the)\s+(?:(?:todo|to-do|to\s+do|task)\s+)?(?:list|tasks|todos))?(?:\s+off)?$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:i\s+)?(?:don'?t|do\s+not|no\s+longer|won'?t)\s+(?:need|have|want)\s+to\s+(?P<ref>.+?)(?:\s+any\s*more|\s+after\s+all)?$",
        re.IGNORECASE,
    ),
    re.compile(r"^(?:never\s*mind|nvm|scratch|forget)\s+(?:about\s+)?(?P<ref>.+)$", re.IGNORECASE),
]


def _read_delete(m: Message) -> Intent | None:
    found = _first_ref(_DELETE_PATTERNS, m)
    return Intent("delete", m.text, ref=found[1]) if found else None


register(IntentSpec(
    "delete", _read_delete, targets=True, verb="delete", confirm_above=1,
    act=lambda _i, task: ToolCall("delete_task", {"task_id": int(task["id"]) if task else 0}),
))  # fmt: skip


# ---------------------------------------------------------------- adding

_ADD_START = re.compile(
    rf"^(?:(?:add|create|new|insert|jot\s+down|write\s+down|note\s+down|log|record)\b|(?:make|put|save|schedule|set\s+up)\s+(?:a|an|the|one|my|new|another)\b(?:\s+\w+)?(?:\s+{TASK_NOUN})?"
    r"|remind\s+me\b|remember\b|don'?t\s+(?:let\s+me\s+)?forget\b|do\s+not\s+(?:let\s+me\s+)?forget\b|help\s+me\s+remember\b|make\s+sure\s+i\b"
    r"|i\s+(?:really\s+)?(?:need|have|must|should|ought|gotta|got)\b|i'?ve\s+got\s+to\b|(?:to\s*-?\s*do|todo|task|reminder|note)\s*:"
    r"|new\s+task\b|(?:every|each)\s+\w+|(?:daily|weekly|monthly)\s*:|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s\s*:)",
    re.IGNORECASE,
)  # fmt: skip
# "add three tasks: a, b, c", "add these: ...", "add tasks - a; b"
_LIST_HEAD = re.compile(
    rf"^(?P<head>.*?\b(?:(?:\d+|two|three|four|five|six|seven|eight|nine|ten|a\s+few|some|several|these|the\s+following|multiple)\s+(?:\w+\s+)?{TASK_NOUN}|(?:tasks|todos|items|things)\b|these|the\s+following))\s*(?::|-)\s*(?P<body>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
# A task to do usually starts with a verb: "call mom and email dad" is two, "buy milk and eggs" one.
_VERBS = frozenset(
    """
ask bake book brush buy call cancel change check clean collect cook drop email fill finish fix follow get go
hang iron learn mail make meet mop order organise organize pack paint pay pick plan plant post prepare print
read register renew repair reply return review schedule sell send sign sort submit take text tidy update
vacuum visit walk wash water watch write feed file fold grab hoover buy
""".split()
)


def _items(body: str, *, strict: bool) -> list[str]:
    lines = [line for line in re.split(r"\s*\n\s*", body) if line.strip()]
    if len(lines) > 1:
        return [_BULLET.sub("", line).strip() for line in lines]
    parts = [p.strip() for p in re.split(r"\s*(?:;|,\s*(?:and\s+)?|\s+and\s+)\s*", body) if p.strip()]
    if strict and not all(p.split()[0].lower() in _VERBS for p in parts):
        return [body]
    return parts


def _one_add(text: str, m: Message, shared: Intent | None = None) -> Intent:
    mods = take_modifiers(text, m.now)
    body, description, quoted = mods.text, None, m.quoted
    # "add buy milk - 2 litres" / "add call bob (about the lease)": the extra is the description
    if quoted is None and (match := re.search(r"\s+(?:-|\u2013)\s+(?P<d>.{3,})$|\s*\((?P<p>[^()]{3,})\)$", body)):
        description = (match.group("d") or match.group("p")).strip()
        body = body[: match.start()]
    title = clean_title(body)
    if quoted is not None and QUOTE_MARK in title:
        outside = clean_title(title.replace(QUOTE_MARK, "")).strip()
        title = quoted if not outside or len(outside) <= 3 else title.replace(QUOTE_MARK, quoted)
        title = title[:1].upper() + title[1:]
    title = title.replace(QUOTE_MARK, quoted or "").strip()
    base = shared or Intent("add")
    return Intent(
        "add", m.text, title=title or None, priority=mods.priority or base.priority, due_at=mods.due_at or base.due_at,
        tags=tuple(dict.fromkeys(base.tags + mods.tags)), recurrence=mods.recurrence or base.recurrence, description=description,
    )  # fmt: skip


def _read_add(m: Message, *, imperative: bool = False) -> Intent | None:
    raw = normalise(m.raw.replace("\n", " \n "))  # keep line breaks for bulleted lists
    if not (imperative or _ADD_START.match(m.work)):
        return None
    if re.match(r"^(?:my|the)\b", m.work, re.IGNORECASE):
        return None
    listed = _LIST_HEAD.match(raw) if m.quoted is None else None
    lines = [line for line in m.raw.splitlines() if line.strip()]
    if len(lines) > 1 or listed:  # one task a line ("- wash car", "1. call plumber"), or "tasks: a, b, c"
        if len(lines) > 1:
            head, body = lines[0], "\n".join(lines[1:])
        else:
            assert listed is not None
            head, body = listed.group("head"), listed.group("body")
        shared = _one_add(re.sub(rf"\b{TASK_NOUN}\b", "", head, flags=re.I), m)
        items = [_one_add(item, m, replace(shared, title=None)) for item in _items(body, strict=False)]
        items = [i for i in items if i.title]
        if len(items) > 1:
            return Intent("add", m.text, items=tuple(items))
        if items:
            return items[0]
    single = _one_add(m.work, m)
    if single.title and m.quoted is None:
        parts = _items(single.title, strict=True)
        if len(parts) > 1:  # "add call mom and email dad": two tasks, each starting with a verb
            items = [replace(single, title=clean_title(p)) for p in parts]
            return Intent("add", m.text, items=tuple(items))
    return single


def add_arguments(intent: Intent) -> dict[str, Any]:
    arguments: dict[str, Any] = {"title": intent.title, **_tool_fields(intent)}
    if intent.recurrence:
        arguments["recurrence"] = intent.recurrence
    return arguments


def _plan_add(intent: Intent, steps: list[Step], now: datetime) -> Plan:
    items = intent.items or (intent,)
    if not all(i.title for i in items):
        return Plan(reply=replies.ask_title())
    if too_long := next((i.title for i in items if i.title and len(i.title) > replies.TITLE_MAX), None):
        return Plan(reply=replies.title_too_long(too_long))
    if not steps:
        return Plan(calls=[ToolCall("add_task", add_arguments(i)) for i in items])
    return Plan(reply=replies.added_all(items, steps, now))


register(IntentSpec("add", _read_add, plan=_plan_add))


# ---------------------------------------------------------------- anything else about the list

register(IntentSpec("list", lambda m: _read_list(m) if _looks_like_list(m.work) else None, plan=_plan_list))
# "feed the cat tomorrow at 9am", "call mom and email dad": a bare task to do is a task to add.
register(IntentSpec(
    "add_imperative",
    lambda m: _read_add(m, imperative=True) if m.work.split()[0].lower() in _VERBS else None,
    plan=_plan_add,
))  # fmt: skip
register(IntentSpec("unknown", lambda m: Intent("unknown", m.text), plan=_fixed(replies.not_understood)))


# Specs that only read differently: the intent they produce is planned as this one.
_SAME_AS = {"question": "list", "add_imperative": "add"}


def parse(message: str, now: datetime) -> Intent:
    """Read one user message (references stay unresolved; see `agent.nlu.context`)."""
    m = Message.of(message, now)
    if not m.text:
        return Intent("greet" if _GREETING.match(m.plain) else "thanks" if _THANKS.match(m.plain) else "help", message)
    for spec in REGISTRY:
        if (intent := spec.read(m)) is not None:
            return replace(intent, kind=_SAME_AS.get(intent.kind, intent.kind))
    raise AssertionError("the `unknown` intent reads every message")
