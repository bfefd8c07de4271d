"""The local model's parser: every request of the contract's table, ordinary variations, dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from agent.nlu import parse
from agent.nlu.dates import find_due, format_due
from agent.nlu.refs import TaskRef

# Thursday 26 November 2026, 10:00 UTC
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
NOON = {"hour": 12, "minute": 0}


def at(day: int, month: int = 11, year: int = 2026, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# ------------------------------------------------------------------ add


@pytest.mark.parametrize(
    ("message", "title"),
    [
        ("Add a task to buy groceries", "Buy groceries"),
        ("I need to remember to pay bills", "Pay bills"),
        ("add buy milk", "Buy milk"),
        ("Create a new task: call the plumber", "Call the plumber"),
        ("create a todo to renew my passport", "Renew my passport"),
        ("Remember to water the plants", "Water the plants"),
        ("remind me to call mom", "Call mom"),
        ("I need to book a dentist appointment", "Book a dentist appointment"),
        ("I have to finish the slides", "Finish the slides"),
        ("Could you please add a task to buy groceries?", "Buy groceries"),
        ("Please add walk the dog to my list", "Walk the dog"),
        ("new task: email Sarah about the Q4 report", "Email Sarah about the Q4 report"),
        ("Add task: Email Sarah", "Email Sarah"),
        ("don't let me forget to feed the cat", "Feed the cat"),
        ("todo: clean the garage", "Clean the garage"),
        ('Add "Call mom tonight"', "Call mom tonight"),
        ("Hey, add pick up the kids", "Pick up the kids"),
        ("Add daily standup notes", "Daily standup notes"),  # "daily" inside a title stays
        ("Add buy sun cream", "Buy sun cream"),  # "sun" is not Sunday
        ("add alice's birthday party", "Alice's birthday party"),
        ("add another round of edits", "Round of edits"),
        ("add onerous paperwork", "Onerous paperwork"),
        ("add the newsletter", "Newsletter"),
        ("create setlist for the gig", "Setlist for the gig"),
    ],
)
def test_add_cleans_the_title(message: str, title: str) -> None:
    intent = parse(message, NOW)
    assert intent.kind == "add"
    assert intent.title == title


def test_add_with_priority_and_due_date_from_the_contract() -> None:
    intent = parse("Add a high priority task to file taxes due Friday", NOW)
    assert (intent.kind, intent.title, intent.priority) == ("add", "File taxes", "high")
    assert intent.due_at == at(27)


@pytest.mark.parametrize(
    ("message", "priority"),
    [
        ("add an urgent task to call the bank", "high"),
        ("add call the bank, it's urgent", "high"),
        ("add call the bank asap", "high"),
        ("add important task: sign the lease", "high"),
        ("add clean the attic, low priority", "low"),
        ("add clean the attic with priority low", "low"),
        ("add clean the attic, no rush", "low"),
        ("add review PR medium priority", "medium"),
        ("add review PR p1", "high"),
    ],
)
def test_add_priorities(message: str, priority: str) -> None:
    intent = parse(message, NOW)
    assert intent.kind == "add"
    assert intent.priority == priority
    assert intent.title and "priority" not in intent.title.lower() and "urgent" not in intent.title.lower()


def test_add_strips_tags_recurrence_and_dates_from_the_title() -> None:
    intent = parse("create a todo: water plants every day #home #Garden", NOW)
    assert (intent.title, intent.tags, intent.recurrence) == ("Water plants", ("home", "garden"), "daily")
    intent = parse("new task call bob in 3 days #work", NOW)
    assert (intent.title, intent.tags, intent.due_at) == ("Call bob", ("work",), at(29))
    intent = parse("remind me to call the dentist tomorrow at 3pm", NOW)
    assert (intent.title, intent.due_at) == ("Call the dentist", at(27, hour=15))
    intent = parse("I have to submit the report by next week, it's urgent", NOW)
    assert (intent.title, intent.priority, intent.due_at) == ("Submit the report", "high", at(3, 12))
    intent = parse("add take out the bins every Monday", NOW)
    assert (intent.title, intent.recurrence, intent.due_at) == ("Take out the bins", "weekly", at(30))
    intent = parse("add pay rent monthly", NOW)
    assert (intent.title, intent.recurrence) == ("Pay rent", "monthly")


def test_quoted_titles_are_taken_verbatim() -> None:
    intent = parse("add 'Call mom tonight' due tomorrow", NOW)
    assert (intent.title, intent.due_at) == ("Call mom tonight", at(27))


def test_add_without_a_title_has_no_title() -> None:
    assert parse("add a task", NOW).title is None
    assert parse("create a new todo", NOW).kind == "add"


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("due today", at(26)),
        ("tomorrow", at(27)),
        ("tonight", at(26, hour=20)),
        ("due Friday", at(27)),
        ("on Thursday", at(3, 12)),  # today is Thursday: the next one
        ("by Monday", at(30)),
        ("next Friday", at(27)),
        ("next week", at(3, 12)),
        ("in 3 days", at(29)),
        ("in two weeks", at(10, 12)),
        ("in a month", at(26, 12)),
        ("on 2026-12-01", at(1, 12)),
        ("due Dec 1st", at(1, 12)),
        ("by the 5th of January", at(5, 1, 2027)),
        ("on March 3, 2027", at(3, 3, 2027)),
        ("the day after tomorrow", at(28)),
        ("at 5pm tomorrow", at(27, hour=17)),
        ("tomorrow at 9:30am", at(27, hour=9, minute=30)),
        ("at 17:30", at(26, hour=17, minute=30)),
        ("at 8am", at(27, hour=8)),  # already past today: tomorrow
        ("by the end of the week", at(27)),
    ],
)
def test_due_dates_relative_to_now(phrase: str, expected: datetime) -> None:
    match = find_due(f"something {phrase}", NOW)
    assert match is not None
    assert match.when == expected


def test_due_dates_keep_the_clock_time_zone() -> None:
    tz = timezone(timedelta(hours=-5))
    match = find_due("tomorrow", NOW.astimezone(tz))
    assert match is not None and match.when == datetime(2026, 11, 27, 12, 0, tzinfo=tz)


def test_format_due() -> None:
    assert format_due(at(27), NOW) == "Fri 27 Nov"
    assert format_due("2027-01-05T12:00:00+00:00", NOW) == "Tue 5 Jan 2027"
    assert format_due(at(27, hour=15), NOW) == "Fri 27 Nov at 15:00"


# ------------------------------------------------------------------ list


@pytest.mark.parametrize(
    ("message", "status"),
    [
        ("Show me all my tasks", "all"),
        ("show me my tasks", "all"),
        ("list my todos", "all"),
        ("my tasks", "all"),
        ("list", "all"),
        ("What's pending?", "pending"),
        ("what do I need to do?", "pending"),
        ("what's left?", "pending"),
        ("show open tasks", "pending"),
        ("What have I completed?", "completed"),
        ("what tasks have I finished?", "completed"),
        ("show completed tasks", "completed"),
        ("what did I get done", "completed"),
    ],
)
def test_list_status(message: str, status: str) -> None:
    intent = parse(message, NOW)
    assert intent.kind == "list"
    assert intent.filter.status == status


def test_list_filters() -> None:
    assert parse("show high priority tasks", NOW).filter.priority == "high"
    assert parse("list tasks tagged #work", NOW).filter.tag == "work"
    assert parse("#work tasks", NOW).filter.tag == "work"
    assert parse("search for milk", NOW).filter.query == "milk"
    assert parse("find tasks about the dentist", NOW).filter.query == "dentist"
    due = parse("what's due today?", NOW).filter
    assert (due.status, due.due_on) == ("pending", NOW.date())
    assert parse("do I have anything overdue?", NOW).filter.overdue


# ------------------------------------------------------------------ complete / delete / update


@pytest.mark.parametrize(
    ("message", "ref"),
    [
        ("Mark task 3 as complete", TaskRef(ids=(3,))),
        ("mark task 3 done", TaskRef(ids=(3,))),
        ("complete task #3", TaskRef(ids=(3,))),
        ("finish task 12", TaskRef(ids=(12,))),
        ("done with #4", TaskRef(ids=(4,))),
        ("task 5 is done", TaskRef(ids=(5,))),
        ("mark tasks 2 and 5 as done", TaskRef(ids=(2, 5))),
        ("I finished the groceries one", TaskRef(words="groceries")),
        ("I've completed the report", TaskRef(words="report")),
        ("the milk one is done", TaskRef(words="milk")),
        ("check off buy milk", TaskRef(words="buy milk")),
        ("mark 'Buy milk' as done", TaskRef(words="Buy milk")),
        ("mark it done", TaskRef(pronoun=True)),
        ("mark that as finished", TaskRef(pronoun=True)),
        ("mark the first one as done", TaskRef(ordinal=1)),
    ],
)
def test_complete_references(message: str, ref: TaskRef) -> None:
    intent = parse(message, NOW)
    assert intent.kind == "complete"
    assert intent.ref == ref


@pytest.mark.parametrize(
    ("message", "ref"),
    [
        ("Delete the meeting task", TaskRef(words="meeting")),
        ("delete task 4", TaskRef(ids=(4,))),
        ("remove #7", TaskRef(ids=(7,))),
        ("remove tasks 2 and 5", TaskRef(ids=(2, 5))),
        ("cancel the dentist appointment", TaskRef(words="dentist appointment")),
        ("get rid of the gym one", TaskRef(words="gym")),
        ("remove buy milk from my list", TaskRef(words="buy milk")),
        ("I don't need to call bob anymore", TaskRef(words="call bob")),
        ("I want to delete task 3", TaskRef(ids=(3,))),
        ("delete it", TaskRef(pronoun=True)),
    ],
)
def test_delete_references(message: str, ref: TaskRef) -> None:
    intent = parse(message, NOW)
    assert intent.kind == "delete"
    assert intent.ref == ref


def test_update_from_the_contract() -> None:
    intent = parse("Change task 1 to 'Call mom tonight'", NOW)
    assert (intent.kind, intent.ref, intent.title) == ("update", TaskRef(ids=(1,)), "Call mom tonight")
    assert intent.due_at is None  # "tonight" inside quotes is part of the title


@pytest.mark.parametrize(
    ("message", "ref", "changes"),
    [
        ("rename task 2 to pick up dry cleaning", TaskRef(ids=(2,)), {"title": "Pick up dry cleaning"}),
        ("change the milk one to 'Buy oat milk'", TaskRef(words="milk"), {"title": "Buy oat milk"}),
        ("update task 3 title to Call the landlord", TaskRef(ids=(3,)), {"title": "Call the landlord"}),
        ("change the priority of task 4 to low", TaskRef(ids=(4,)), {"priority": "low"}),
        ("set task 4's priority to high", TaskRef(ids=(4,)), {"priority": "high"}),
        ("make it high priority", TaskRef(pronoun=True), {"priority": "high"}),
        ("make task 2 urgent", TaskRef(ids=(2,)), {"priority": "high"}),
        ("prioritize task 5", TaskRef(ids=(5,)), {"priority": "high"}),
        ("set task 2 due tomorrow", TaskRef(ids=(2,)), {"due_at": at(27)}),
        ("move the report task to Friday", TaskRef(words="report"), {"due_at": at(27)}),
        ("push it to next week", TaskRef(pronoun=True), {"due_at": at(3, 12)}),
        ("task 4 is due Friday", TaskRef(ids=(4,)), {"due_at": at(27)}),
        ("change the due date of task 6 to 2026-12-01", TaskRef(ids=(6,)), {"due_at": at(1, 12)}),
        ("tag task 3 with #errands", TaskRef(ids=(3,)), {"tags": ("errands",)}),
        ("add #work to task 2", TaskRef(ids=(2,)), {"tags": ("work",)}),
        ("change task 1 to call mom tomorrow", TaskRef(ids=(1,)), {"title": "Call mom", "due_at": at(27)}),
    ],
)
def test_update_variations(message: str, ref: TaskRef, changes: dict[str, object]) -> None:
    intent = parse(message, NOW)
    assert intent.kind == "update"
    assert intent.ref == ref
    assert intent.changes == changes


def test_reopen_is_recognised() -> None:
    assert parse("mark task 3 as not done", NOW).kind == "reopen"


# ------------------------------------------------------------------ conversation


@pytest.mark.parametrize("message", ["hello", "Hi there!", "good morning", "hey"])
def test_greetings(message: str) -> None:
    assert parse(message, NOW).kind == "greet"


@pytest.mark.parametrize("message", ["help", "what can you do?", "How does this work?", "?"])
def test_help(message: str) -> None:
    assert parse(message, NOW).kind == "help"


@pytest.mark.parametrize("message", ["thanks!", "ok thanks", "thank you very much", "great"])
def test_thanks(message: str) -> None:
    assert parse(message, NOW).kind == "thanks"


@pytest.mark.parametrize("message", ["42", "what time is it", "zzz qqq", "purple elephants"])
def test_unmappable(message: str) -> None:
    assert parse(message, NOW).kind == "unknown"
