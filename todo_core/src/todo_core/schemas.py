"""Input and output shapes, with every task rule that can be checked without the database.

Both the REST API and the MCP tools validate through these models, so a rule lives here once.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from todo_core.limits import DATE_ONLY_DUE_TIME, DESCRIPTION_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX, MessageText
from todo_core.models import Priority, Recurrence, Role
from todo_core.timezones import TimeZoneName

INT32_MAX = 2**31 - 1
LIST_LIMIT_MAX = 200
# A page's total counts matches up to this many; past it the list says "200+" (`total_capped`):
# counting every one of 100,000 matching tasks on each page would cost as much as reading them,
# and counting even 1000 of a selective filter's matches made a page 4x slower at 100,000 tasks
# (docs/benchmarks.md). 200 = LIST_LIMIT_MAX: the most one page (and the web list) shows.
TOTAL_CAP = LIST_LIMIT_MAX


def _aware(value: datetime | None) -> datetime | None:
    """Treat a date-time without an offset as UTC, so comparisons never mix naive and aware."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _normalise_tags(tags: list[str]) -> list[str]:
    """Lower-case, strip, drop duplicates keeping first-seen order."""
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(tag, None)
    return list(seen)


def _blank_to_none(value: str | None) -> str | None:
    return value or None


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
Description = Annotated[
    str | None,
    StringConstraints(strip_whitespace=True, max_length=DESCRIPTION_MAX),
    AfterValidator(_blank_to_none),
]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=TAG_MAX)]
Tags = Annotated[list[Tag], Field(max_length=TAGS_MAX), AfterValidator(_normalise_tags)]
# Dates PostgreSQL and Python both represent exactly: 0001-01-01 UTC is stored as -infinity and read
# back without an offset, and an offset that crosses year 1 or 9999 fails in the driver (found by
# the reliability suite's fuzzing). A year of headroom at the top leaves room for recurrence.
DUE_AT_MIN = datetime(1900, 1, 1, tzinfo=UTC)
DUE_AT_MAX = datetime(9999, 1, 1, tzinfo=UTC)

_FIRST_DAY, _LAST_DAY = DUE_AT_MIN.date().isoformat(), (DUE_AT_MAX.date() - timedelta(days=1)).isoformat()


def _in_range(value: datetime | None) -> datetime | None:
    if value is not None and not DUE_AT_MIN <= value < DUE_AT_MAX:
        raise ValueError(f"must be between {_FIRST_DAY} and {_LAST_DAY} (UTC)")
    return value


DueAt = Annotated[
    datetime | None,
    AfterValidator(_aware),
    AfterValidator(_in_range),
    # Published in the OpenAPI schema: the web form takes its date limits and default time from here.
    Field(
        json_schema_extra={"x-first-day": _FIRST_DAY, "x-last-day": _LAST_DAY, "x-date-only-time": DATE_ONLY_DUE_TIME}
    ),
]
TaskId = Annotated[int, Field(ge=1, le=INT32_MAX)]


def _reject_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold U+0000: refuse it up front (422 naming the field), so it never
    reaches the database as an error (found by the reliability suite's fuzzing)."""
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, str) and "\x00" in v for v in values):
        raise ValueError("must not contain NUL (\\u0000) characters")
    return value


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    _no_nul = field_validator("*", mode="before")(_reject_nul)


class TaskCreate(_Input):
    title: Title
    description: Description = None
    priority: Priority = Priority.medium
    tags: Tags = Field(default_factory=list)
    due_at: DueAt = None
    recurrence: Recurrence = Recurrence.none


class TaskUpdate(_Input):
    """Only the fields present in the request change (see `model_fields_set`)."""

    title: Title | None = None
    description: Description = None
    priority: Priority | None = None
    tags: Tags | None = None
    due_at: DueAt = None
    recurrence: Recurrence | None = None

    @field_validator("title", "priority", "tags", "recurrence", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be omitted but not null")
        return value


TaskStatus = Literal["all", "pending", "completed"]
TaskSort = Literal["created", "title", "due_date", "priority"]


class TaskQuery(_Input):
    status: TaskStatus = "all"
    priority: Priority | None = None
    tag: Tag | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    due_before: DueAt = None
    due_after: DueAt = None
    sort: TaskSort = "created"
    order: Literal["asc", "desc"] = "desc"
    limit: int = Field(default=50, ge=1, le=LIST_LIMIT_MAX)
    offset: int = Field(default=0, ge=0, le=INT32_MAX)
    cursor: Annotated[
        str | None,
        Field(
            max_length=1000,
            description="`next_cursor` of the previous page: the page after it, found through an index however "
            "deep it is (with the same filters, sort and order; not together with offset)",
        ),
    ] = None

    @field_validator("cursor")
    @classmethod
    def _cursor_fits(cls, cursor: str | None, info: ValidationInfo) -> str | None:
        """Declared after sort, order and offset, so those are in `info.data` (when valid)."""
        if cursor is not None:
            sort, order, _key, _id = decode_cursor(cursor)
            if info.data.get("offset"):
                raise ValueError("use either cursor or offset, not both")
            if (sort, order) != (info.data.get("sort"), info.data.get("order")):
                raise ValueError("cursor is from a list with another sort or order; start again from the first page")
        return cursor

    def after(self) -> tuple[str, int] | None:
        """(sort key, id) of the last task before this page, from the cursor."""
        if self.cursor is None:
            return None
        _sort, _order, key, task_id = decode_cursor(self.cursor)
        return key, task_id


def encode_cursor(sort: str, order: str, key: str, task_id: int) -> str:
    raw = json.dumps([sort, order, key, task_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str, str, int]:
    """The cursor's (sort, order, sort key as text, task id); a ValueError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort, order, key, task_id = json.loads(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise ValueError("cursor is not one this list gave out; start again from the first page") from exc
    if not (isinstance(sort, str) and isinstance(order, str) and isinstance(key, str) and isinstance(task_id, int)):
        raise ValueError("cursor is not one this list gave out; start again from the first page")
    return sort, order, key, task_id


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str | None
    completed: bool
    priority: Priority
    tags: list[str]
    due_at: datetime | None
    recurrence: Recurrence
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class TaskPage(BaseModel):
    items: list[TaskOut]
    total: int = Field(description=f"How many tasks match, counted up to {TOTAL_CAP} (see total_capped)")
    total_capped: bool = Field(
        description=f"True when more than {TOTAL_CAP} tasks match: total is then {TOTAL_CAP}, a lower bound "
        f'(show it as "{TOTAL_CAP}+")'
    )
    limit: int
    offset: int
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page (same filters and sort); null on the last page"
    )


Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class SignupIn(_Input):
    email: EmailStr
    password: Password
    name: Name | None = None


class LoginIn(_Input):
    email: EmailStr
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    name: str | None
    created_at: datetime


class AuthOut(BaseModel):
    token: str
    user: UserOut


class ToolCall(BaseModel):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    result: Any = None


class ChatIn(_Input):
    conversation_id: Annotated[int, Field(ge=1, le=INT32_MAX)] | None = None
    message: MessageText
    # Relative dates and times of day in the message are read in this zone; stored due dates are UTC.
    timezone: TimeZoneName | None = Field(
        default=None, description="The user's IANA time zone (e.g. Asia/Tokyo); UTC when absent"
    )


class ChatOut(BaseModel):
    conversation_id: int
    response: str
    tool_calls: list[ToolCall]


class ConversationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    created_at: datetime
    updated_at: datetime


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    role: Role
    content: str
    tool_calls: list[ToolCall] | None
    created_at: datetime
