# ruff: noqa: E501 - regex tables read better unwrapped
"""The date grammar: due-date phrases ("tomorrow at 9am", "Friday", "in 3 days", "on 2026-12-01",
"tomorrow morning", "in 2 hours") → datetimes in the user's time zone.

Everything is relative to an injected `now`, aware and in the user's zone (a `ZoneInfo`), so tests
are deterministic and "today" is the user's today. A phrase that names only a day means 12:00 that
day, local. Wall-clock times are built with `local()`, which moves a time that does not exist (the
hour skipped when clocks go forward) past the gap and takes the first of a repeated one.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from todo_core.limits import DATE_ONLY_DUE_TIME

DEFAULT_TIME = time.fromisoformat(DATE_ONLY_DUE_TIME)  # the web form's default too
PARTS_OF_DAY = {"morning": time(9, 0), "afternoon": time(15, 0), "evening": time(20, 0), "night": time(21, 0)}


def local(day: date, at: time, zone: tzinfo | None) -> datetime:
    """`day` at wall-clock `at` in `zone`, a real instant even across a DST change."""
    naive = datetime.combine(day, at, tzinfo=zone)
    return naive.astimezone(UTC).astimezone(zone) if zone is not None else naive


WEEKDAYS = {
    "monday": 0, "tuesday": 1, "tues": 1, "wednesday": 2, "weds": 2, "thursday": 3, "thurs": 3,
    "friday": 4, "fri": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
# "mon", "wed", "sat" and "sun" are left out on purpose: they are also words ("buy sun cream").
MONTHS = (
    {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
    | {name.lower(): index for index, name in enumerate(calendar.month_abbr) if name}
    | {"sept": 9}
)
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple of": 2,
    "few": 3, "a few": 3, "a couple of": 2,
}  # fmt: skip

_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUMBER = r"\d{1,3}|" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"

# Optional lead-in words: "due Friday", "by tomorrow", "on 2026-12-01", "for next week".
_LEAD = r"(?:(?:it'?s\s+|is\s+|to\s+be\s+)?(?:due|by|on|for|before|until|till)\s+(?:the\s+)?)?"

# A time of day: "at 5pm", "at 17:30", "at noon", "5 pm".
_TIME = r"(?:(?:at|@)\s*)?(?:(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)|(?:at|@)\s*(?P<hour24>\d{1,2}):(?P<minute24>\d{2})|(?:at\s+)?(?P<named>noon|midday|midnight)|(?:in\s+the\s+|at\s+)(?P<part>morning|afternoon|evening|night))"
# "tomorrow morning", "Friday evening": a part of the day right after a day.
_PART_AFTER_DAY = r"(?:\s+(?P<part2>morning|afternoon|evening|night))"

_DAY_PATTERNS: list[tuple[str, str]] = [
    ("iso", r"(?P<iso>\d{4}-\d{2}-\d{2})(?:[t ](?P<iso_time>\d{2}:\d{2})(?::\d{2})?)?"),
    ("today", r"(?P<today>today|tonight|this\s+evening|this\s+afternoon|end\s+of\s+(?:the\s+)?day|eod)"),
    ("tomorrow", r"(?P<tomorrow>tomorrow|tmrw|tmr|tomorow)"),
    ("day_after", r"(?P<day_after>the\s+day\s+after\s+tomorrow|day\s+after\s+tomorrow)"),
    ("relative", rf"in\s+(?P<count>{_NUMBER})\s+(?P<unit>days?|weeks?|months?)"),
    ("next_unit", r"(?P<next_unit>next\s+(?:week|month)|end\s+of\s+(?:the\s+)?(?:week|month)|this\s+weekend|the\s+weekend|weekend)"),
    ("weekday", rf"(?:(?:this|next|coming|this\s+coming)\s+)?(?P<weekday>{_WEEKDAY})\b"),
    ("month_day", rf"(?P<md_month>{_MONTH})\.?\s+(?P<md_day>\d{{1,2}}){_ORD}(?:,?\s+(?P<md_year>\d{{4}}))?"),
    ("day_month", rf"(?:the\s+)?(?P<dm_day>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<dm_month>{_MONTH})\.?(?:,?\s+(?P<dm_year>\d{{4}}))?"),
]  # fmt: skip

_DAY = "|".join(f"(?:{pattern})" for _, pattern in _DAY_PATTERNS)
_BOUND_L, _BOUND_R = r"(?<![\w#-])", r"(?![\w-])"
# "[due] <day> [at <time>]": one phrase, removed from a title as a whole.
DUE_DAY_RE = re.compile(rf"{_BOUND_L}{_LEAD}(?:{_DAY}){_PART_AFTER_DAY}?(?:\s*,?\s*{_TIME})?{_BOUND_R}", re.IGNORECASE)
# "[due] at <time>" on its own, or just before a day ("at 5pm tomorrow").
TIME_RE = re.compile(rf"{_BOUND_L}{_LEAD}{_TIME}{_BOUND_R}", re.IGNORECASE)
# "in 2 hours", "in 30 minutes": from now, not a wall-clock time.
IN_HOURS_RE = re.compile(
    rf"{_BOUND_L}(?:due\s+)?in\s+(?P<n>{_NUMBER}|half\s+an)\s+(?P<u>hours?|hrs?|minutes?|mins?){_BOUND_R}",
    re.IGNORECASE,
)
# Only the day part, for questions such as "what's due today?".
DAY_RE = re.compile(rf"{_BOUND_L}(?:{_DAY}){_BOUND_R}", re.IGNORECASE)


@dataclass(frozen=True)
class DueMatch:
    when: datetime
    start: int
    end: int


def _number(word: str) -> int:
    word = re.sub(r"\s+", " ", word.lower())
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _next_weekday(today: date, weekday: int) -> date:
    """The next occurrence strictly after today ("Friday" said on a Friday means a week later).

    "next Friday" is read the same way: people use it for both "the coming Friday" and "Friday
    of next week"; the nearer one is the safer guess for a reminder.
    """
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


def _day_with_year(today: date, month: int, day: int, year: str | None) -> date | None:
    try:
        if year:
            return date(int(year), month, day)
        candidate = date(today.year, month, day)
        # "Dec 1" without a year means the next Dec 1, not one in the past.
        return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def _resolve_day(groups: dict[str, str | None], today: date) -> tuple[date | None, time | None]:
    if groups.get("iso"):
        try:
            day = date.fromisoformat(groups["iso"] or "")
        except ValueError:
            return None, None
        iso_time = groups.get("iso_time")
        return day, (time.fromisoformat(iso_time) if iso_time else None)
    if text := groups.get("today"):
        evening = "tonight" in text.lower() or "evening" in text.lower()
        return today, (time(20, 0) if evening else None)
    if groups.get("tomorrow"):
        return today + timedelta(days=1), None
    if groups.get("day_after"):
        return today + timedelta(days=2), None
    if groups.get("count"):
        count, unit = _number(groups["count"] or "1"), (groups.get("unit") or "day").lower()
        if unit.startswith("day"):
            return today + timedelta(days=count), None
        if unit.startswith("week"):
            return today + timedelta(weeks=count), None
        return _add_months(today, count), None
    if phrase := groups.get("next_unit"):
        phrase = re.sub(r"\s+", " ", phrase.lower())
        if phrase == "next week":
            return today + timedelta(weeks=1), None
        if phrase == "next month":
            return _add_months(today, 1), None
        if phrase.endswith("week"):  # end of the week: this Friday (today if it is Friday)
            return today + timedelta(days=(4 - today.weekday()) % 7), None
        if phrase.endswith("month"):
            return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1]), None
        return today + timedelta(days=(5 - today.weekday()) % 7 or 7), None  # the weekend: Saturday
    if weekday := groups.get("weekday"):
        return _next_weekday(today, WEEKDAYS[weekday.lower()]), None
    if groups.get("md_month"):
        month = MONTHS[(groups["md_month"] or "").lower()]
        return _day_with_year(today, month, int(groups["md_day"] or 0), groups.get("md_year")), None
    if groups.get("dm_month"):
        month = MONTHS[(groups["dm_month"] or "").lower()]
        return _day_with_year(today, month, int(groups["dm_day"] or 0), groups.get("dm_year")), None
    return None, None


def _resolve_time(groups: dict[str, str | None]) -> time | None:
    if part := groups.get("part") or groups.get("part2"):
        return PARTS_OF_DAY[part.lower()]
    if named := groups.get("named"):
        return time(0, 0) if named.lower() == "midnight" else time(12, 0)
    if groups.get("hour24"):
        hour, minute = int(groups["hour24"] or 0), int(groups.get("minute24") or 0)
        return time(hour, minute) if hour < 24 and minute < 60 else None
    if groups.get("hour"):
        hour, minute = int(groups["hour"] or 0), int(groups.get("minute") or 0)
        if not 1 <= hour <= 12 or minute >= 60:
            return None
        pm = (groups.get("ampm") or "").lower().startswith("p")
        return time(hour % 12 + (12 if pm else 0), minute)
    return None


def find_due(text: str, now: datetime) -> DueMatch | None:
    """The first due-date phrase in `text`, resolved against `now` (in the user's zone)."""
    today = now.date()
    if match := IN_HOURS_RE.search(text):
        amount = 0.5 if match.group("n").lower().startswith("half") else _number(match.group("n"))
        unit = timedelta(hours=1) if match.group("u").lower().startswith("h") else timedelta(minutes=1)
        when = (now + amount * unit).replace(second=0, microsecond=0)
        return DueMatch(when=when, start=match.start(), end=match.end())
    for match in DUE_DAY_RE.finditer(text):
        groups = match.groupdict()
        day, day_time = _resolve_day(groups, today)
        if day is None:
            continue
        start, at = match.start(), _resolve_time(groups)
        if at is None:  # "at 5pm tomorrow": a time just before the day
            for before in TIME_RE.finditer(text, 0, match.start()):
                if not text[before.end() : match.start()].strip() and (at := _resolve_time(before.groupdict())):
                    start = before.start()
        if at is None and groups.get("part2"):
            at = PARTS_OF_DAY[(groups["part2"] or "").lower()]
        when = local(day, at or day_time or DEFAULT_TIME, now.tzinfo)
        return DueMatch(when=when, start=start, end=match.end())
    for match in TIME_RE.finditer(text):
        at = _resolve_time(match.groupdict())
        if at is None:
            continue
        when = next_at(at, now)
        return DueMatch(when=when, start=match.start(), end=match.end())
    return None


def next_at(at: time, now: datetime) -> datetime:
    """The next time the clock shows `at`: today if it is still ahead, else tomorrow."""
    today = local(now.date(), at, now.tzinfo)
    return today if today > now else local(now.date() + timedelta(days=1), at, now.tzinfo)


def week_end(today: date) -> date:
    """The Sunday that ends `today`'s week (Monday to Sunday)."""
    return today + timedelta(days=6 - today.weekday())


def find_day(text: str, now: datetime) -> date | None:
    """A day named anywhere in `text` (no lead-in needed), for list filters like "due today"."""
    for match in DAY_RE.finditer(text):
        day, _ = _resolve_day(match.groupdict(), now.date())
        if day is not None:
            return day
    return None


def format_due(value: datetime | str | None, now: datetime | None = None) -> str:
    """'Fri 27 Nov' (plus the year when it is not this year, plus the time when not midday)."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)  # not a date: show it as given
    if now is not None and value.tzinfo is not None and now.tzinfo is not None:
        value = value.astimezone(now.tzinfo)
    text = f"{value:%a} {value.day} {value:%b}"
    if now is not None and value.year != now.year:
        text += f" {value.year}"
    if value.time() != DEFAULT_TIME:
        text += f" at {value:%H:%M}"
    return text
