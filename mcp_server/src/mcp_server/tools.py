"""The MCP server and its five task tools.

Every tool validates through todo_core's schemas (TaskCreate, TaskUpdate, TaskQuery) and acts
through TaskRepository scoped to the token's user, so the rules are the REST API's rules.
Argument types are todo_core's own annotated types: the published JSON schema (enums, lengths,
formats) is generated from the same definitions that validate.

Results: a success is one JSON text block (what the agent reads) plus the same data as
structured content; a failure is an `isError` result whose text is one plain sentence ("task 7
not found", "A title can be at most 200 characters; this one has 312.", "database unavailable
..."), for the SDK's own argument check as for todo_core's rules (`todo_core.wording`).
Changes carry `previous` (what the task was before), so a client can undo them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

import pydantic_core
from mcp.server.caching import CacheHint
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import todo_core
from mcp_server.auth import request_user_id
from mcp_server.metrics import TOOL_CALLS, TOOL_DURATION
from todo_core.db import DB_UNAVAILABLE, is_database_unavailable, is_missing_account, session_scope
from todo_core.errors import TaskNotFound
from todo_core.metrics import bounded, timer
from todo_core.models import DESCRIPTION_MAX, Priority, Recurrence
from todo_core.schemas import (
    LIST_LIMIT_MAX,
    Description,
    DueAt,
    Tag,
    Tags,
    TaskCreate,
    TaskId,
    TaskOut,
    TaskQuery,
    TaskStatus,
    TaskUpdate,
    Title,
)
from todo_core.tasks import TaskRepository
from todo_core.wording import describe

log = logging.getLogger("mcp_server.tools")


INSTRUCTIONS = """\
Tools to manage the signed-in user's todo list. The user is identified by the bearer token of
the connection: never ask for or pass a user id. Tasks are referred to by their numeric id;
when the user names a task by its title, call list_tasks (with `query`) first to find its id.
Dates are ISO 8601 (e.g. 2025-07-04T17:00:00Z); a date without an offset is taken as UTC.
A tool error such as "task 7 not found" means no task with that id exists for this user.
"""

# The tool list and server description are the same for every caller and change only with a
# deploy: clients may share them across users for a while (the agent keeps them per process).
CATALOGUE_CACHE = CacheHint(ttl_ms=300_000, scope="public")


class TodoMCPServer(MCPServer):
    """The SDK's server, with arguments that fail the published schema answered in words too
    (the SDK would send pydantic's text: "1 validation error for add_taskArguments ...")."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        """Each call counted and logged once, with its outcome and duration (the request id and user
        come with the log context)."""
        elapsed, outcome = timer(), "failed"
        try:
            result = await self._answer(name, arguments, context)
            outcome = "error" if getattr(result, "is_error", False) else "ok"
            return result
        finally:
            tool, seconds = bounded(name, TOOL_NAMES), elapsed()
            TOOL_CALLS.labels(tool, outcome).inc()
            TOOL_DURATION.labels(tool).observe(seconds)
            log.info("tool call", extra={"tool": tool, "outcome": outcome, "duration_ms": round(seconds * 1000, 1)})

    async def _answer(self, name: str, arguments: dict[str, Any], context: Any) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc, UnexpectedToolError) or not isinstance(exc.__cause__, ValidationError):
                raise
            log.info("tool %r rejected arguments", name)
            return _failure(describe(exc.__cause__))


mcp = TodoMCPServer(
    name="todo-mcp-server",
    title="Todo Stack tasks",
    version=todo_core.__version__,
    instructions=INSTRUCTIONS,
    cache_hints={"tools/list": CATALOGUE_CACHE, "server/discover": CATALOGUE_CACHE},
)


# ---- result shapes (the contract: docs/mcp.md "Tools") -----------------------------------------


class TaskResult(BaseModel):
    task_id: int
    status: Literal["created", "completed", "deleted", "updated"]
    title: str
    # update_task: the old values of the fields it changed; delete_task: the whole task as it was.
    previous: dict[str, Any] | None = None


class TaskSummary(BaseModel):
    id: int
    title: str
    completed: bool
    priority: Priority
    due_at: datetime | None
    tags: list[str]


# A summary is a projection of the repository's TaskOut, dumped for the whole list in one call
# (no second validation per task).
_TASK_LIST = TypeAdapter(list[TaskOut])
_SUMMARY_FIELDS: dict[str, Any] = {"__all__": set(TaskSummary.model_fields)}


class TaskListResult(BaseModel):
    """Structured content must be an object, so the list is wrapped as `{"result": [...]}`."""

    result: list[TaskSummary]


def _success(payload: dict[str, Any] | list[dict[str, Any]]) -> CallToolResult:
    structured = payload if isinstance(payload, dict) else {"result": payload}
    text = pydantic_core.to_json(payload).decode()  # pydantic's encoder: several times json.dumps' speed
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)


def _failure(message: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


def _task_result(task: Any, status: str, previous: dict[str, Any] | None = None) -> CallToolResult:
    result = TaskResult(task_id=task.id, status=status, title=task.title, previous=previous)
    return _success(result.model_dump(mode="json", exclude_none=True))


# What delete_task reports as `previous`: everything add_task needs to create the task again.
_RESTORABLE = ("title", "description", "priority", "due_at", "tags", "recurrence", "completed")


def _fields(task: TaskOut, names: Any) -> dict[str, Any]:
    return task.model_dump(mode="json", include=set(names))


def _invalid_arguments(exc: ValidationError, renamed: Mapping[str, str] | None = None) -> CallToolResult:
    """'A title can be at most 200 characters; this one has 312.' - the argument named, in words."""
    return _failure(describe(exc, renamed))


@contextlib.asynccontextmanager
async def _repository(ctx: Context) -> AsyncIterator[TaskRepository]:
    """The caller's repository in one transaction (committed when the tool body succeeds)."""
    request = ctx.request_context.request
    user_id = request_user_id(request)  # raises unless BearerAuth let this request in
    assert request is not None
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with contextlib.asynccontextmanager(session_scope)(factory) as session:
        yield TaskRepository(session, user_id)


async def _run(
    tool: str, body: Callable[[], Awaitable[CallToolResult]], renamed: Mapping[str, str] | None = None
) -> CallToolResult:
    """Run a tool body; failures a caller can act on become tool errors, anything else stays a crash."""
    try:
        return await body()
    except TaskNotFound as exc:
        return _failure(str(exc))
    except ValidationError as exc:
        return _invalid_arguments(exc, renamed)
    except Exception as exc:
        if is_database_unavailable(exc):
            log.warning("database unavailable", extra={"tool": tool, "error": repr(exc)})
            return _failure(DB_UNAVAILABLE)
        if is_missing_account(exc):  # a valid token whose account is gone
            return _failure("your account no longer exists; sign in again")
        raise


def _given(**arguments: Any) -> dict[str, Any]:
    """The arguments the caller actually set: models often send null for every optional one."""
    return {name: value for name, value in arguments.items() if value is not None}


# ---- argument types: todo_core's types plus a description and example for the model ----------
# Optional arguments are nullable and default to null, which means "not given".

TaskIdArg = Annotated[
    TaskId, Field(description="The task's numeric id, as returned by add_task or list_tasks.", examples=[3])
]
TAGS_HELP = (
    'Short labels, at most 10, each 1-32 characters; stored lower-case without duplicates, e.g. ["home", "errands"].'
)
DUE_AT_HELP = (
    "Due date-time in ISO 8601, e.g. 2025-07-04T17:00:00Z or 2025-07-04T09:00:00-05:00 "
    "(without an offset it is taken as UTC; a plain date 2025-07-04 means midnight UTC)."
)
PRIORITY_HELP = "low, medium or high."


@mcp.tool(
    description=(
        "Create a new task on the user's todo list and return its id. Only `title` is required; "
        "leave out anything the user did not mention (priority defaults to medium, no due date, "
        "no tags, not repeating). "
        'Example: {"title": "File taxes", "priority": "high", "due_at": "2025-04-15T17:00:00Z", '
        '"tags": ["finance"]}. '
        'Returns {"task_id": 12, "status": "created", "title": "File taxes"}.'
    ),
    annotations=ToolAnnotations(
        title="Add task", read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
    ),
)
async def add_task(
    ctx: Context,
    title: Annotated[Title, Field(description="What needs doing, 1-200 characters.", examples=["Buy groceries"])],
    description: Annotated[Description, Field(description="Optional details, up to 1000 characters.")] = None,
    priority: Annotated[Priority | None, Field(description=PRIORITY_HELP + " Default medium.")] = None,
    due_at: Annotated[DueAt, Field(description=DUE_AT_HELP)] = None,
    tags: Annotated[Tags | None, Field(description=TAGS_HELP)] = None,
    recurrence: Annotated[
        Recurrence | None,
        Field(
            description="How the task repeats: none (default), daily, weekly or monthly. Completing a "
            "repeating task creates its next occurrence, due one period later."
        ),
    ] = None,
) -> Annotated[CallToolResult, TaskResult]:
    async def body() -> CallToolResult:
        data = TaskCreate(
            **_given(
                title=title, description=description, priority=priority, due_at=due_at, tags=tags, recurrence=recurrence
            )
        )
        async with _repository(ctx) as tasks:
            task = await tasks.create(data)
        return _task_result(task, "created")

    return await _run("add_task", body)


@mcp.tool(
    description=(
        "List the user's tasks, oldest first (at most 200), optionally filtered. Use it to answer "
        "questions about the list, and to find a task's id from its title before completing, "
        "updating or deleting it. "
        'Example: {"status": "pending", "query": "groceries"}. '
        'Returns [{"id": 3, "title": "Buy groceries", "completed": false, "priority": "medium", '
        '"due_at": null, "tags": ["errands"]}], or [] when nothing matches.'
    ),
    annotations=ToolAnnotations(title="List tasks", read_only_hint=True, open_world_hint=False),
)
async def list_tasks(
    ctx: Context,
    status: Annotated[
        TaskStatus | None, Field(description="all (default), pending (not completed yet) or completed.")
    ] = None,
    priority: Annotated[Priority | None, Field(description="Only tasks with this priority: " + PRIORITY_HELP)] = None,
    tag: Annotated[Tag | None, Field(description="Only tasks carrying this tag, e.g. work.")] = None,
    query: Annotated[
        str | None,
        Field(
            description="Text to look for in the title or description (case-insensitive), e.g. meeting.", max_length=200
        ),
    ] = None,
) -> Annotated[CallToolResult, TaskListResult]:
    async def body() -> CallToolResult:
        filters = TaskQuery(
            **_given(status=status, priority=priority, tag=tag, q=query),
            sort="created",
            order="asc",
            limit=LIST_LIMIT_MAX,
        )
        async with _repository(ctx) as tasks:
            items = (await tasks.list(filters)).items
        return _success(_TASK_LIST.dump_python(items, mode="json", include=_SUMMARY_FIELDS))

    return await _run("list_tasks", body, renamed={"q": "query"})


@mcp.tool(
    description=(
        "Mark a task as completed (no change if it already is). If the task repeats, its next "
        'occurrence is created. Example: {"task_id": 3}. '
        'Returns {"task_id": 3, "status": "completed", "title": "Buy groceries"}; '
        'an unknown id gives the error "task 3 not found".'
    ),
    annotations=ToolAnnotations(
        title="Complete task",
        read_only_hint=False,
        destructive_hint=False,
        idempotent_hint=True,
        open_world_hint=False,
    ),
)
async def complete_task(ctx: Context, task_id: TaskIdArg) -> Annotated[CallToolResult, TaskResult]:
    async def body() -> CallToolResult:
        async with _repository(ctx) as tasks:
            task = await tasks.set_completed(task_id, True)
        return _task_result(task, "completed")

    return await _run("complete_task", body)


@mcp.tool(
    description=(
        'Delete a task permanently. Example: {"task_id": 3}. '
        'Returns {"task_id": 3, "status": "deleted", "title": "Team meeting", "previous": {...the task\'s '
        "title, description, priority, due_at, tags, recurrence, completed}} (enough to add it again); "
        'an unknown id gives the error "task 3 not found".'
    ),
    annotations=ToolAnnotations(
        title="Delete task",
        read_only_hint=False,
        destructive_hint=True,
        idempotent_hint=False,
        open_world_hint=False,
    ),
)
async def delete_task(ctx: Context, task_id: TaskIdArg) -> Annotated[CallToolResult, TaskResult]:
    async def body() -> CallToolResult:
        async with _repository(ctx) as tasks:
            task = await tasks.delete(task_id)
        return _task_result(task, "deleted", _fields(task, _RESTORABLE))

    return await _run("delete_task", body)


@mcp.tool(
    description=(
        "Change a task's title, description, priority, due date, tags or completion. Pass only what "
        "should change: a left-out (or null) argument keeps its value. To clear the description or the due "
        'date pass an empty string "", to remove all tags pass []; completed false reopens a done task. '
        'Example: {"task_id": 1, "title": "Call mom tonight"}. '
        'Returns {"task_id": 1, "status": "updated", "title": "Call mom tonight", "previous": {"title": '
        '"Call mom"}} (the old value of each field it changed); '
        'an unknown id gives the error "task 1 not found".'
    ),
    annotations=ToolAnnotations(
        title="Update task",
        read_only_hint=False,
        destructive_hint=True,
        idempotent_hint=True,
        open_world_hint=False,
    ),
)
async def update_task(
    ctx: Context,
    task_id: TaskIdArg,
    title: Annotated[Title | None, Field(description="New title, 1-200 characters.")] = None,
    # A plain string here: "" must reach TaskUpdate, which turns it into "no description".
    description: Annotated[
        str | None, Field(description='New details, up to 1000 characters; "" clears them.', max_length=DESCRIPTION_MAX)
    ] = None,
    priority: Annotated[Priority | None, Field(description="New priority: " + PRIORITY_HELP)] = None,
    due_at: Annotated[DueAt | Literal[""], Field(description=DUE_AT_HELP + ' "" removes the due date.')] = None,
    tags: Annotated[Tags | None, Field(description="Replaces all tags. " + TAGS_HELP)] = None,
    completed: Annotated[
        bool | None,
        Field(
            description="false reopens a completed task; true completes it (as complete_task, so a "
            "repeating task gets its next occurrence)."
        ),
    ] = None,
) -> Annotated[CallToolResult, TaskResult]:
    async def body() -> CallToolResult:
        changes = _given(title=title, description=description, priority=priority, due_at=due_at, tags=tags)
        if changes.get("due_at") == "":
            changes["due_at"] = None  # explicitly set to null: TaskUpdate clears it
        if not changes and completed is None:
            return _failure(
                "There is nothing to change: give a new title, description, priority, due date, tags or completed."
            )
        data = TaskUpdate(**changes)
        async with _repository(ctx) as tasks:
            before = await tasks.get(task_id)
            task = await tasks.update(task_id, data) if changes else before
            if completed is not None:
                task = await tasks.set_completed(task_id, completed)
        changed = [*changes, *(["completed"] if completed is not None else [])]
        return _task_result(task, "updated", _fields(before, changed))

    return await _run("update_task", body)


# The label values the tool metrics may take (any other name a client sends counts as "other").
TOOL_NAMES = frozenset(tool.__name__ for tool in (add_task, list_tasks, complete_task, delete_task, update_task))
