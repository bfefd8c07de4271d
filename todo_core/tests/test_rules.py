"""Task rules that need no database: validation and normalisation in the shared schemas."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from todo_core.models import Recurrence
from todo_core.schemas import TaskCreate, TaskQuery, TaskUpdate
from todo_core.tasks import next_due


def test_title_is_stripped_and_tags_normalised() -> None:
    task = TaskCreate(title="  Plan trip ", tags=["Travel", " travel", "EU"])
    assert task.title == "Plan trip"
    assert task.tags == ["travel", "eu"]


def test_naive_due_date_is_taken_as_utc() -> None:
    assert TaskCreate(title="x", due_at=datetime(2026, 12, 1, 9)).due_at == datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "x", "tags": ["t"] * 11}, "tags"),
        ({"title": "x", "priority": "urgent"}, "priority"),
        ({"title": "x", "extra": 1}, "extra"),
    ],
)
def test_invalid_input_names_the_field(fields: dict, loc: str) -> None:
    with pytest.raises(ValidationError) as info:
        TaskCreate(**fields)
    assert loc in info.value.errors()[0]["loc"]


def test_update_tracks_only_given_fields() -> None:
    assert TaskUpdate(due_at=None).model_fields_set == {"due_at"}
    with pytest.raises(ValidationError):
        TaskUpdate(title=None)


def test_query_bounds() -> None:
    assert TaskQuery().limit == 50
    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"sort": "size"}):
        with pytest.raises(ValidationError):
            TaskQuery(**bad)


@pytest.mark.parametrize(
    ("due", "recurrence", "expected"),
    [
        (datetime(2026, 2, 28, 8, tzinfo=UTC), Recurrence.daily, datetime(2026, 3, 1, 8, tzinfo=UTC)),
        (datetime(2026, 12, 29, 8, tzinfo=UTC), Recurrence.weekly, datetime(2027, 1, 5, 8, tzinfo=UTC)),
        (datetime(2026, 1, 31, 8, tzinfo=UTC), Recurrence.monthly, datetime(2026, 2, 28, 8, tzinfo=UTC)),
        (datetime(2028, 1, 31, 8, tzinfo=UTC), Recurrence.monthly, datetime(2028, 2, 29, 8, tzinfo=UTC)),
        (datetime(2026, 12, 31, 8, tzinfo=UTC), Recurrence.monthly, datetime(2027, 1, 31, 8, tzinfo=UTC)),
    ],
)
def test_next_due(due: datetime, recurrence: Recurrence, expected: datetime) -> None:
    assert next_due(due, recurrence) == expected


def test_next_due_refuses_non_recurring() -> None:
    with pytest.raises(ValueError, match="no next occurrence"):
        next_due(datetime(2026, 1, 1, tzinfo=UTC), Recurrence.none)
