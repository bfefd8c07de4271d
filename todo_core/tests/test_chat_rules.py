"""The chat path's shared rules without a database: time zone names, the SSE format, errors in words."""
# ruff: noqa: E501 - the expected sentences read better unwrapped

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import ValidationError

from todo_core.schemas import ChatIn, TaskCreate, TaskUpdate
from todo_core.sse import Event, encode, events
from todo_core.timezones import zone
from todo_core.wording import describe


@pytest.mark.parametrize("name", ["Asia/Tokyo", "America/Los_Angeles", "Pacific/Kiritimati", "UTC", "Europe/Berlin"])
def test_known_zones_are_accepted(name: str) -> None:
    assert ChatIn(message="hi", timezone=name).timezone == name
    assert zone(name).key == name


@pytest.mark.parametrize("name", ["Mars/Olympus", "localtime", "../../etc/passwd", "", "x" * 65, "asia/tokyo"])
def test_unknown_zones_are_refused_naming_the_field(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ChatIn(message="hi", timezone=name)
    assert [e["loc"] for e in caught.value.errors()] == [("timezone",)]


def test_no_zone_means_utc() -> None:
    assert ChatIn(message="hi").timezone is None
    assert zone(None).key == "UTC"


async def test_sse_round_trip() -> None:
    wire = encode("text", {"delta": "Hi\nthere ✓"}) + b": ping\n\n" + encode("done", {"response": "x"})

    async def lines() -> AsyncIterator[str]:
        for line in wire.decode().split("\n"):
            yield line

    assert [e async for e in events(lines())] == [
        Event("text", {"delta": "Hi\nthere ✓"}),
        Event("done", {"response": "x"}),
    ]


@pytest.mark.parametrize(
    ("model", "data", "words"),
    [
        (TaskCreate, {"title": "x" * 312}, "A title can be at most 200 characters; this one has 312."),
        (TaskCreate, {"title": "  "}, "A title can't be empty."),
        (TaskCreate, {}, "A title is required."),
        (TaskCreate, {"title": "a", "priority": "urgent"}, "The priority must be low, medium or high, not 'urgent'."),
        (TaskCreate, {"title": "a", "tags": ["t"] * 11}, "A task can have at most 10 tags; this one has 11."),
        (TaskCreate, {"title": "a", "tags": ["y" * 40]}, "A tag can be at most 32 characters; this one has 40."),
        (TaskCreate, {"title": "a", "recurrence": "hourly"}, "The repeat setting must be none, daily, weekly or monthly, not 'hourly'."),
        (TaskUpdate, {"due_at": "soon"}, "'soon' isn't a date I can read for the due date; use ISO 8601, like 2026-07-04T17:00:00Z."),
        (TaskUpdate, {"due_at": "0001-01-01T00:00:00Z"}, "The due date must be between 1900-01-01 and 9998-12-31 (UTC)."),
    ],
)  # fmt: skip
def test_validation_errors_in_words(model: type, data: dict, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        model(**data)
    assert describe(caught.value) == words
