"""The one task repository: every task rule that needs the database lives here.

Every method is scoped to one user; another user's task behaves exactly like a missing one, and
every public method answers with the public shape, `TaskOut`.
"""

from __future__ import annotations

import builtins
import calendar
import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import BindParameter, Result, Select, Table, bindparam, case, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from todo_core.errors import TaskNotFound
from todo_core.models import Priority, Recurrence, Task
from todo_core.schemas import INT32_MAX, TaskCreate, TaskOut, TaskQuery, TaskUpdate

_PRIORITY_RANK = case(
    {Priority.low.value: 1, Priority.medium.value: 2, Priority.high.value: 3},
    value=Task.priority,
)
_SORT_COLUMNS = {
    "created": Task.created_at,
    "title": func.lower(Task.title),
    "due_date": Task.due_at,
    "priority": _PRIORITY_RANK,
}


def next_due(due_at: datetime, recurrence: Recurrence) -> datetime:
    """The next occurrence's due date; monthly keeps the day, clamped to the month's length."""
    if recurrence is Recurrence.daily:
        return due_at + timedelta(days=1)
    if recurrence is Recurrence.weekly:
        return due_at + timedelta(weeks=1)
    if recurrence is Recurrence.monthly:
        year, month = (due_at.year + 1, 1) if due_at.month == 12 else (due_at.year, due_at.month + 1)
        day = min(due_at.day, calendar.monthrange(year, month)[1])
        return due_at.replace(year=year, month=month, day=day)
    raise ValueError(f"task with recurrence {recurrence.value!r} has no next occurrence")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Listing and creating are the hot paths (make bench, docs/benchmarks.md), so they skip the ORM:
# Core statements whose rows become TaskOut through plain dicts. ORM hydration of every row, the
# unit-of-work flush, building the SELECT anew per request and pydantic reading attributes off rows
# were most of the backend's CPU per request.
TASKS: Table = Task.__table__  # type: ignore[assignment]
_TASK_LIST = TypeAdapter(builtins.list[TaskOut])  # one validation call per page, not one per task
_INSERT = insert(TASKS).returning(*TASKS.c)
_TOTAL = "total_matching"


def _to_tasks(result: Result[Any]) -> tuple[builtins.list[TaskOut], int | None]:
    """The rows as TaskOut, and the window count of a listing (None if the statement has none)."""
    keys = builtins.list(result.keys())  # zip over them: Row._asdict() builds its key view per row
    rows = [dict(zip(keys, row, strict=True)) for row in result]
    total = rows[0].get(_TOTAL) if rows else None
    return _TASK_LIST.validate_python(rows), total


@functools.cache
def _list_statements(
    status: str, priority: bool, tag: bool, q: bool, due_before: bool, due_after: bool, sort: str, order: str
) -> tuple[Select[Any], Select[Any]]:
    """(page, count) statements for one shape of query; values are bound at execution. Cached:
    there are at most a few hundred shapes, and compiling is then SQLAlchemy's cache hit."""
    filters = [Task.user_id == bindparam("user_id")]
    if status != "all":
        filters.append(Task.completed.is_(status == "completed"))
    if priority:
        filters.append(Task.priority == bindparam("priority", type_=Task.priority.type))
    if tag:
        filters.append(Task.tags.contains(bindparam("tag_list", type_=Task.tags.type)))
    if q:
        pattern: BindParameter[str] = bindparam("pattern")
        filters.append(or_(Task.title.ilike(pattern, escape="\\"), Task.description.ilike(pattern, escape="\\")))
    if due_before:
        filters.append(Task.due_at < bindparam("due_before", type_=Task.due_at.type))
    if due_after:
        filters.append(Task.due_at > bindparam("due_after", type_=Task.due_at.type))
    column = _SORT_COLUMNS[sort]
    ordered = column.asc() if order == "asc" else column.desc()
    id_order = Task.id.asc() if order == "asc" else Task.id.desc()
    page = (
        select(*TASKS.c, func.count().over().label(_TOTAL))
        .where(*filters)
        .order_by(ordered.nulls_last(), id_order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    count = select(func.count()).select_from(TASKS).where(*filters)
    return page, count


class TaskRepository:
    def __init__(self, session: AsyncSession, user_id: str) -> None:
        self.session = session
        self.user_id = user_id

    async def _locked(self, task_id: int) -> Task:
        """The user's task, row-locked until the transaction ends: concurrent writers serialise."""
        if not 1 <= task_id <= INT32_MAX:
            raise TaskNotFound(task_id)
        stmt = select(Task).where(Task.user_id == self.user_id, Task.id == task_id).with_for_update()
        task = (await self.session.scalars(stmt)).one_or_none()
        if task is None:
            raise TaskNotFound(task_id)
        return task

    async def get(self, task_id: int) -> TaskOut:
        if not 1 <= task_id <= INT32_MAX:
            raise TaskNotFound(task_id)
        stmt = select(TASKS).where(Task.user_id == self.user_id, Task.id == task_id)
        tasks, _ = _to_tasks(await self.session.execute(stmt))
        if not tasks:
            raise TaskNotFound(task_id)
        return tasks[0]

    async def create(self, data: TaskCreate) -> TaskOut:
        tasks, _ = _to_tasks(await self.session.execute(_INSERT, {"user_id": self.user_id, **data.model_dump()}))
        return tasks[0]

    async def list(self, query: TaskQuery) -> tuple[builtins.list[TaskOut], int]:
        """One page of the user's matching tasks (one statement) and how many match in all."""
        page, count = _list_statements(
            query.status,
            query.priority is not None,
            query.tag is not None,
            bool(query.q),
            query.due_before is not None,
            query.due_after is not None,
            query.sort,
            query.order,
        )
        params: dict[str, Any] = {
            "user_id": self.user_id,
            "priority": query.priority,
            "tag_list": [query.tag],
            "pattern": f"%{_escape_like(query.q or '')}%",
            "due_before": query.due_before,
            "due_after": query.due_after,
            "limit": query.limit,
            "offset": query.offset,
        }
        tasks, total = _to_tasks(await self.session.execute(page, params))
        if total is None and query.offset:  # a page past the end has no row to carry the count
            total = await self.session.scalar(count, params)
        return tasks, int(total or 0)

    async def update(self, task_id: int, data: TaskUpdate) -> TaskOut:
        task = await self._locked(task_id)
        for field in data.model_fields_set:
            setattr(task, field, getattr(data, field))
        await self.session.flush()
        await self.session.refresh(task)
        return TaskOut.model_validate(task)

    async def delete(self, task_id: int) -> TaskOut:
        task = await self._locked(task_id)
        deleted = TaskOut.model_validate(task)
        await self.session.delete(task)
        await self.session.flush()
        return deleted

    async def set_completed(self, task_id: int, completed: bool) -> TaskOut:
        """Set completion; completing a recurring task creates its next occurrence atomically."""
        task = await self._locked(task_id)
        if task.completed == completed:
            return TaskOut.model_validate(task)
        task.completed = completed
        task.completed_at = datetime.now(UTC) if completed else None
        if completed and task.recurrence is not Recurrence.none:
            base = task.due_at or datetime.now(UTC)
            self.session.add(
                Task(
                    user_id=self.user_id,
                    title=task.title,
                    description=task.description,
                    priority=task.priority,
                    tags=list(task.tags),
                    recurrence=task.recurrence,
                    due_at=next_due(base, task.recurrence),
                )
            )
        await self.session.flush()
        await self.session.refresh(task)
        return TaskOut.model_validate(task)

    async def toggle_complete(self, task_id: int) -> TaskOut:
        task = await self._locked(task_id)
        return await self.set_completed(task_id, not task.completed)
