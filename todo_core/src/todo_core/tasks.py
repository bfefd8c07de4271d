"""The one task repository: every task rule that needs the database lives here.

Every method is scoped to one user; another user's task behaves exactly like a missing one, and
every public method answers with the public shape, `TaskOut`.
"""

from __future__ import annotations

import builtins
import calendar
import functools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    DateTime,
    Integer,
    Result,
    Select,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncConnection

from todo_core.db import UserRepository
from todo_core.errors import TaskNotFound
from todo_core.models import (
    TAG_MAX,
    TASK_DUE_ASC,
    TASK_DUE_DESC,
    TASK_PRIORITY_RANK,
    Recurrence,
    Task,
)
from todo_core.schemas import (
    INT32_MAX,
    TOTAL_CAP,
    TaskCreate,
    TaskOut,
    TaskPage,
    TaskQuery,
    TaskUpdate,
    encode_cursor,
)

_PRIORITY_RANK = literal_column(f"({TASK_PRIORITY_RANK})", Integer)
_DUE = {
    "asc": literal_column(TASK_DUE_ASC, DateTime(timezone=True)),
    "desc": literal_column(TASK_DUE_DESC, DateTime(timezone=True)),
}
# The words of `q` as PostgreSQL's own parser splits them (as in the indexed document), each a
# prefix: "rep" finds "report" (each lexeme of plainto_tsquery(q) gets `:*`). Only
# immutable functions of the bound q, no subquery: with a custom plan the planner folds it into
# one constant query, so it knows how common the words are (the GIN index for a rare word, the
# user's rows in page order for a common one), and no row re-parses q (7x faster per row tested
# than building it from to_tsvector(q), which is not folded). NULL (nothing matches) when q has
# no word.
_PREFIX_QUERY = func.to_tsquery(
    literal_column("'simple'::regconfig"),
    func.nullif(
        func.regexp_replace(
            cast(func.plainto_tsquery(literal_column("'simple'::regconfig"), bindparam("q", type_=Text)), Text),
            literal_column("$$'( |$)$$"),  # a lexeme's closing quote: lexemes hold no space
            literal_column("$$':*\\1$$"),
            literal_column("'g'"),
        ),
        literal_column("''"),
    ),
)

# The same words, each with the user's scope in front, as migration 0005's index of (user, word)
# posting lists holds them: ' opens each lexeme in the tsquery's text. A cast, not to_tsquery(),
# which would parse "1a2b3c:invoice" as two words. Immutable too, so folded like _PREFIX_QUERY.
_USER_PREFIX_QUERY = cast(
    func.regexp_replace(
        cast(_PREFIX_QUERY, Text),
        literal_column("$$(^|& )'$$"),
        literal_column("$$\\1'$$").op("||")(func.user_search_scope(bindparam("user_id", type_=String))),
        literal_column("'g'"),
    ),
    TSQUERY,
)


def _sort_key(sort: str, order: str) -> ColumnElement[Any]:
    """The sort expression, spelled as its index in migration 0003 is (ties broken by id)."""
    if sort == "created":
        return TASKS.c.created_at
    if sort == "title":
        return func.lower(TASKS.c.title, type_=Text)
    if sort == "due_date":
        return _DUE[order]
    return _PRIORITY_RANK


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
# What a task row answers with: every column but the search document (for the database's use only).
_COLUMNS = [column for column in TASKS.c if column is not TASKS.c.search_document]
# The task's words scoped to its owner, as migration 0005 indexes them.
_USER_SEARCH_DOCUMENT = func.user_search_document(TASKS.c.user_id, TASKS.c.search_document)
_TASK_LIST = TypeAdapter(builtins.list[TaskOut])  # one validation call per page, not one per task
_INSERT = insert(TASKS).returning(*_COLUMNS)
_TOTAL = "total_matching"


_SORT_KEY = "sort_key"
_WORD = re.compile(r"[^\W_]")
# One ASCII word: PostgreSQL's parser reads it as one word, so a task holding a word that begins
# with it also holds it as text, and the substring test would add nothing.
_ONE_WORD = re.compile(r"[A-Za-z0-9]+")


def _to_tasks(result: Result[Any]) -> tuple[builtins.list[TaskOut], builtins.list[dict[str, Any]]]:
    """The rows as TaskOut, and the rows themselves (a listing's extra columns: total, sort key)."""
    keys = builtins.list(result.keys())  # zip over them: Row._asdict() builds its key view per row
    rows = [dict(zip(keys, row, strict=True)) for row in result]
    return _TASK_LIST.validate_python(rows), rows


@functools.cache
def _list_statements(
    status: str,
    priority: bool,
    tag: bool,
    search: str,
    due_before: bool,
    due_after: bool,
    sort: str,
    order: str,
    after: bool,
) -> tuple[Select[Any], Select[Any]]:
    """(page, capped count) statements for one shape of query; values are bound at execution.
    Cached: there are at most a few thousand shapes, and compiling is then SQLAlchemy's cache hit.

    `search` is "" (no q), "word" (q is one word: the search index finds the tasks holding a word
    that begins with it), "words" (as "word" for every word of q, but in the index of each user's
    own words, migration 0005; the substring test then keeps the exact text) or "text" (q has no
    letter or digit, e.g. "%": the substring test alone, on the user's rows). "word" leaves the
    substring test out also because the planner would multiply the two tests' selectivities as if
    they were independent, expect ~10x fewer matches than there are, and choose the plan for a rare
    word (docs/benchmarks.md, growth run 5). For the same reason "word" keeps the index of all
    users' words: a word scoped to the user already implies the user, the planner multiplies in the
    user's share again, and it took a common word for a rare one (14 ms instead of 0.9 ms at
    100,000 tasks; run 9). A phrase is rare anyway, so "words" is not hurt by that."""
    filters: builtins.list[ColumnElement[bool]] = [TASKS.c.user_id == bindparam("user_id")]
    if status != "all":
        filters.append(TASKS.c.completed.is_(status == "completed"))
    if priority:
        filters.append(TASKS.c.priority == bindparam("priority", type_=Task.priority.type))
    if tag:
        # `= ANY(tags)`, not `tags @> ARRAY[tag]`: the same test, but one the GIN index on tags
        # cannot answer. The planner took that index for common tags and ANDed all 200,000 rows
        # with the tag with the user's (200+ ms for a user with 10,000 tasks; make bench, growth);
        # the user's rows in page order, tested one by one, reach a page's matches sooner.
        filters.append(bindparam("tag", type_=String(TAG_MAX)) == func.any(TASKS.c.tags))
    if search == "word":
        filters.append(TASKS.c.search_document.op("@@")(_PREFIX_QUERY))
    if search == "words":
        filters.append(_USER_SEARCH_DOCUMENT.op("@@")(_USER_PREFIX_QUERY))
    if search in ("words", "text"):
        pattern: BindParameter[str] = bindparam("pattern")
        filters.append(or_(TASKS.c.title.ilike(pattern, escape="\\"), TASKS.c.description.ilike(pattern, escape="\\")))
    # A due range is spelled on the sort indexes' expressions, so one of them reads just the range:
    # coalesce(due_at, 'infinity') < X is due_at < X, and with that upper bound (which leaves out
    # tasks without a due date) coalesce(due_at, 'infinity') > Y is due_at > Y; alone, the lower
    # bound goes on the '-infinity' one. The count below then walks that range in index order.
    due_key = _DUE["asc"] if due_before else _DUE["desc"]
    if due_before:
        filters.append(due_key < bindparam("due_before", type_=Task.due_at.type))
    if due_after:
        filters.append(due_key > bindparam("due_after", type_=Task.due_at.type))
    key = _sort_key(sort, order)
    ordered = (key.asc(), TASKS.c.id.asc()) if order == "asc" else (key.desc(), TASKS.c.id.desc())
    # Up to TOTAL_CAP + 1 matches: "more than TOTAL_CAP" without counting them all. In index order,
    # so it walks one index range: unordered, a LIMIT invites a sequential scan of every user's
    # tasks "until enough match" (366 ms at 2,000,000 rows; make bench, growth). The page's order,
    # or with a due range that range's (the matches only, not the user's tasks until 201 match).
    counted = (due_key.asc(), TASKS.c.id.asc()) if due_before or due_after else ordered
    capped = select(literal_column("1")).where(*filters).order_by(*counted).limit(TOTAL_CAP + 1).subquery()
    count = select(func.count()).select_from(capped)
    page_filters = builtins.list(filters)
    if after:  # keyset: strictly past the previous page's last (sort key, id), as one index range
        last = tuple_(cast(bindparam("after_key", type_=Text), key.type), bindparam("after_id", type_=Integer))
        page_filters.append(tuple_(key, TASKS.c.id) > last if order == "asc" else tuple_(key, TASKS.c.id) < last)
    page = (
        select(*_COLUMNS, cast(key, Text).label(_SORT_KEY), count.scalar_subquery().label(_TOTAL))
        .where(*page_filters)
        .order_by(*ordered)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return page, count


def _search_kind(q: str | None) -> str:
    if not q:
        return ""
    if _ONE_WORD.fullmatch(q):
        return "word"
    return "words" if _WORD.search(q) else "text"


class TaskRepository(UserRepository):
    """`get`, `create` and `list` are Core statements: they run on a session or, cheaper (no
    session to build and close per request), on a connection. The writes that lock and change a
    task (`update`, `delete`, `set_completed`) work on ORM objects and need a session."""

    async def _locked(self, task_id: int) -> Task:
        """The user's task, row-locked until the transaction ends: concurrent writers serialise."""
        if not 1 <= task_id <= INT32_MAX:
            raise TaskNotFound(task_id)
        stmt = select(Task).where(Task.user_id == self.user_id, Task.id == task_id).with_for_update()
        task = (await self._orm.scalars(stmt)).one_or_none()
        if task is None:
            raise TaskNotFound(task_id)
        return task

    async def get(self, task_id: int) -> TaskOut:
        if not 1 <= task_id <= INT32_MAX:
            raise TaskNotFound(task_id)
        stmt = select(*_COLUMNS).where(Task.user_id == self.user_id, Task.id == task_id)
        tasks, _ = _to_tasks(await self.session.execute(stmt))
        if not tasks:
            raise TaskNotFound(task_id)
        return tasks[0]

    async def create(self, data: TaskCreate) -> TaskOut:
        tasks, _ = _to_tasks(await self.session.execute(_INSERT, {"user_id": self.user_id, **data.model_dump()}))
        return tasks[0]

    def _list_call(self, query: TaskQuery) -> tuple[Select[Any], Select[Any], dict[str, Any]]:
        search = _search_kind(query.q)
        after = query.after()
        page, count = _list_statements(
            query.status,
            query.priority is not None,
            query.tag is not None,
            search,
            query.due_before is not None,
            query.due_after is not None,
            query.sort,
            query.order,
            after is not None,
        )
        params: dict[str, Any] = {
            "user_id": self.user_id,
            "priority": query.priority,
            "tag": query.tag,
            "q": query.q,
            "pattern": f"%{_escape_like(query.q or '')}%",
            "due_before": query.due_before,
            "due_after": query.due_after,
            "after_key": after[0] if after else None,
            "after_id": after[1] if after else None,
            "limit": query.limit + 1,  # one more than asked: is there a next page?
            "offset": query.offset,
        }
        return page, count, params

    async def list(self, query: TaskQuery) -> TaskPage:
        """One page of the user's matching tasks and how many match, up to TOTAL_CAP (one statement)."""
        page, count, params = self._list_call(query)
        after = query.after()
        tasks, rows = _to_tasks(await self.session.execute(page, params))
        total = rows[0][_TOTAL] if rows else None
        if total is None and (query.offset or after):  # a page past the end has no row to carry the count
            total = await self.session.scalar(count, params)
        next_cursor = None
        if len(tasks) > query.limit:
            tasks = tasks[: query.limit]
            next_cursor = encode_cursor(query.sort, query.order, rows[query.limit - 1][_SORT_KEY], tasks[-1].id)
        total = int(total or 0)
        return TaskPage(
            items=tasks,
            total=min(total, TOTAL_CAP),
            total_capped=total > TOTAL_CAP,
            limit=query.limit,
            offset=query.offset,
            next_cursor=next_cursor,
        )

    async def explain_list(self, query: TaskQuery, *, analyze: bool = False) -> str:
        """PostgreSQL's plan for `list(query)`'s page statement (with ANALYZE, BUFFERS: it runs it):
        for the tests that check each query shape uses its index, and for docs/benchmarks.md."""
        page, _count, params = self._list_call(query)
        connection = self.session if isinstance(self.session, AsyncConnection) else await self.session.connection()
        compiled = page.compile(dialect=connection.dialect)
        values = compiled.construct_params(params)
        positional = tuple(values[name] for name in compiled.positiontup or ())
        options = "(ANALYZE, BUFFERS)" if analyze else ""
        result = await connection.exec_driver_sql(f"EXPLAIN {options} {compiled.string}", positional)
        return "\n".join(row[0] for row in result)

    async def update(self, task_id: int, data: TaskUpdate) -> TaskOut:
        task = await self._locked(task_id)
        for field in data.model_fields_set:
            setattr(task, field, getattr(data, field))
        await self._orm.flush()
        await self._orm.refresh(task)
        return TaskOut.model_validate(task)

    async def delete(self, task_id: int) -> TaskOut:
        task = await self._locked(task_id)
        deleted = TaskOut.model_validate(task)
        await self._orm.delete(task)
        await self._orm.flush()
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
            self._orm.add(
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
        await self._orm.flush()
        await self._orm.refresh(task)
        return TaskOut.model_validate(task)

    async def toggle_complete(self, task_id: int) -> TaskOut:
        task = await self._locked(task_id)
        return await self.set_completed(task_id, not task.completed)
