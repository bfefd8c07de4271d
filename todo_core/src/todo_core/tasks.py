"""The one task repository: every task rule that needs the database lives here.

Every method is scoped to one user; another user's task behaves exactly like a missing one.
"""

from __future__ import annotations

import builtins
import calendar
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from todo_core.errors import TaskNotFound
from todo_core.models import Priority, Recurrence, Task
from todo_core.schemas import INT32_MAX, TaskCreate, TaskQuery, TaskUpdate

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


class TaskRepository:
    def __init__(self, session: AsyncSession, user_id: str) -> None:
        self.session = session
        self.user_id = user_id

    def _owned(self) -> Select[Task]:
        return select(Task).where(Task.user_id == self.user_id)

    async def get(self, task_id: int, *, for_update: bool = False) -> Task:
        if not 1 <= task_id <= INT32_MAX:
            raise TaskNotFound(task_id)
        stmt = self._owned().where(Task.id == task_id)
        if for_update:
            stmt = stmt.with_for_update()
        task = (await self.session.scalars(stmt)).one_or_none()
        if task is None:
            raise TaskNotFound(task_id)
        return task

    async def create(self, data: TaskCreate) -> Task:
        task = Task(user_id=self.user_id, **data.model_dump())
        self.session.add(task)
        # The INSERT returns the server-generated columns (id, timestamps: eager_defaults), so no
        # refresh: a second SELECT per create cost a round trip (make bench, docs/benchmarks.md).
        await self.session.flush()
        return task

    async def list(self, query: TaskQuery) -> tuple[builtins.list[Task], int]:
        stmt = self._owned()
        if query.status != "all":
            stmt = stmt.where(Task.completed.is_(query.status == "completed"))
        if query.priority is not None:
            stmt = stmt.where(Task.priority == query.priority)
        if query.tag is not None:
            stmt = stmt.where(Task.tags.contains([query.tag]))
        if query.q:
            pattern = f"%{_escape_like(query.q)}%"
            stmt = stmt.where(or_(Task.title.ilike(pattern, escape="\\"), Task.description.ilike(pattern, escape="\\")))
        if query.due_before is not None:
            stmt = stmt.where(Task.due_at < query.due_before)
        if query.due_after is not None:
            stmt = stmt.where(Task.due_at > query.due_after)

        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        column = _SORT_COLUMNS[query.sort]
        ordered = column.asc() if query.order == "asc" else column.desc()
        id_order = Task.id.asc() if query.order == "asc" else Task.id.desc()
        stmt = stmt.order_by(ordered.nulls_last(), id_order).limit(query.limit).offset(query.offset)
        return list((await self.session.scalars(stmt)).all()), int(total or 0)

    async def update(self, task_id: int, data: TaskUpdate) -> Task:
        task = await self.get(task_id, for_update=True)
        for field in data.model_fields_set:
            setattr(task, field, getattr(data, field))
        await self.session.flush()
        await self.session.refresh(task)
        return task

    async def delete(self, task_id: int) -> Task:
        task = await self.get(task_id, for_update=True)
        await self.session.delete(task)
        await self.session.flush()
        return task

    async def set_completed(self, task_id: int, completed: bool) -> Task:
        """Set completion; completing a recurring task creates its next occurrence atomically."""
        task = await self.get(task_id, for_update=True)  # row lock: concurrent toggles serialise
        if task.completed == completed:
            return task
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
        return task

    async def toggle_complete(self, task_id: int) -> Task:
        task = await self.get(task_id, for_update=True)
        return await self.set_completed(task_id, not task.completed)
