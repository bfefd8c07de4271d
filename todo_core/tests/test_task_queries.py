"""The task list's query shapes against real PostgreSQL (pgserver): search, each filter, each sort
with its next pages (keyset cursors), the capped total, the bounded chat history, and that each
shape's plan uses the index migrations 0003, 0004 and 0005 built for it."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from todo_core.conversations import ConversationRepository
from todo_core.db import create_planned_engine
from todo_core.models import Role, Task, User
from todo_core.schemas import TOTAL_CAP, TaskCreate, TaskQuery, TaskUpdate, encode_cursor
from todo_core.tasks import TaskRepository, _search_kind

NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)
SORTS = [(sort, order) for sort in ("created", "title", "due_date", "priority") for order in ("asc", "desc")]


@pytest.fixture
async def session(db: str) -> AsyncIterator[AsyncSession]:
    engine = create_planned_engine(db)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        yield session
    await engine.dispose()


async def _user(session: AsyncSession) -> str:
    user_id = str(uuid.uuid4())
    await session.execute(insert(User).values(id=user_id, email=f"{user_id}@example.com", password_hash="x"))
    return user_id


@pytest.fixture
async def sample(session: AsyncSession) -> TaskRepository:
    repo = TaskRepository(session, await _user(session))
    rows: list[dict[str, Any]] = [
        {"title": "Write report", "description": "Quarterly numbers", "priority": "high", "tags": ["work"],
         "due_at": NOW + timedelta(days=1)},
        {"title": "buy apples", "priority": "low", "tags": ["home", "errands"], "due_at": NOW + timedelta(days=10)},
        {"title": "Call mom", "tags": ["family"]},
        {"title": "File taxes", "priority": "high", "tags": ["work"], "due_at": NOW - timedelta(days=2)},
        {"title": "100% done_ish", "priority": "low"},
        {"title": "Plan trip", "description": "email bob@example.com re hotel", "due_at": NOW + timedelta(days=1)},
    ]  # fmt: skip
    for row in rows:
        await repo.create(TaskCreate(**row))
    other = TaskRepository(session, await _user(session))
    await other.create(TaskCreate(title="Write report for someone else", tags=["work"]))
    await repo.set_completed((await repo.list(TaskQuery(q="mom"))).items[0].id, True)
    return repo


async def _titles(repo: TaskRepository, **params: Any) -> list[str]:
    return [t.title for t in (await repo.list(TaskQuery(**params))).items]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("report", ["Write report"]),  # only the user's own tasks
        ("REP", ["Write report"]),  # a word's beginning, any case
        ("quarterly numb", ["Write report"]),  # description, several words, the last one partial
        ("write rep", ["Write report"]),
        ("report write", []),  # the text as typed, not any order of its words
        ("port", []),  # not the middle of a word (the full-text index matches word beginnings)
        ("100%", ["100% done_ish"]),  # LIKE wildcards are literal
        ("_", ["100% done_ish"]),  # no word at all: the plain substring test
        ("%", ["100% done_ish"]),
        ("bob@example.com", ["Plan trip"]),  # PostgreSQL's parser keeps an address as one word
        ("bob", ["Plan trip"]),
        ("nothing like this", []),
    ],
)
async def test_search(sample: TaskRepository, q: str, expected: list[str]) -> None:
    assert await _titles(sample, q=q) == expected


async def test_each_filter(sample: TaskRepository) -> None:
    assert await _titles(sample, status="completed") == ["Call mom"]
    assert len(await _titles(sample, status="pending")) == 5
    assert set(await _titles(sample, priority="high")) == {"Write report", "File taxes"}
    assert set(await _titles(sample, tag="work")) == {"Write report", "File taxes"}
    assert await _titles(sample, due_before=NOW) == ["File taxes"]
    assert set(await _titles(sample, due_after=NOW)) == {"Write report", "buy apples", "Plan trip"}
    window = await _titles(sample, due_after=NOW, due_before=NOW + timedelta(days=5), sort="title", order="asc")
    assert window == ["Plan trip", "Write report"]
    assert await _titles(sample, status="pending", priority="high", tag="work", q="tax") == ["File taxes"]


@pytest.mark.parametrize(("sort", "order"), SORTS)
async def test_cursor_pages_walk_the_whole_sorted_list(sample: TaskRepository, sort: str, order: str) -> None:
    """Every sort, both orders: pages of 2 followed by their cursors give exactly the one-page list."""
    whole = (await sample.list(TaskQuery(sort=sort, order=order, limit=200))).items
    assert whole[-1].due_at is None or sort != "due_date"  # no due date sorts last both ways
    walked, cursor, pages = [], None, 0
    while True:
        page = await sample.list(TaskQuery(sort=sort, order=order, limit=2, cursor=cursor))
        walked += page.items
        pages += 1
        assert (page.total, page.total_capped) == (6, False)  # the total counts every match, not what is left
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [t.id for t in walked] == [t.id for t in whole]
    assert pages == 3  # 6 tasks: the last full page says there is no next one


async def test_offset_pages_still_work(sample: TaskRepository) -> None:
    first = await sample.list(TaskQuery(sort="title", order="asc", limit=2))
    second = await sample.list(TaskQuery(sort="title", order="asc", limit=2, offset=2))
    assert [t.title for t in first.items + second.items] == ["100% done_ish", "buy apples", "Call mom", "File taxes"]
    beyond = await sample.list(TaskQuery(limit=2, offset=50))
    assert beyond.items == [] and beyond.total == 6 and beyond.next_cursor is None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cursor": "not-a-cursor"}, "not one this list gave out"),
        ({"cursor": encode_cursor("title", "asc", "a", 1)}, "another sort or order"),
        ({"cursor": encode_cursor("created", "desc", "2030-01-01", 1), "offset": 2}, "either cursor or offset"),
    ],
)
def test_a_wrong_cursor_is_refused_naming_it(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TaskQuery(**params)
    assert caught.value.errors()[0]["loc"] == ("cursor",) and message in str(caught.value)


async def test_the_total_stops_counting_at_the_cap(session: AsyncSession) -> None:
    repo = TaskRepository(session, await _user(session))
    rows = [{"user_id": repo.user_id, "title": f"Task {i}", "completed": i == 0} for i in range(TOTAL_CAP + 1)]
    await session.execute(insert(Task), rows[:TOTAL_CAP])
    exact = await repo.list(TaskQuery(limit=10))
    assert (exact.total, exact.total_capped) == (TOTAL_CAP, False)
    await session.execute(insert(Task), rows[TOTAL_CAP:])
    capped = await repo.list(TaskQuery(limit=10))
    assert (capped.total, capped.total_capped) == (TOTAL_CAP, True)
    assert len(capped.items) == 10 and capped.next_cursor is not None
    few = await repo.list(TaskQuery(status="completed"))
    assert (few.total, few.total_capped) == (1, False)  # the cap is on the filtered count


async def test_history_reads_only_the_newest_messages(session: AsyncSession) -> None:
    repo = ConversationRepository(session, await _user(session))
    conversation_id = await repo.start("hello")
    ids = [await repo.add_message(conversation_id, Role.user, f"m{i}") for i in range(60)]
    newest = await repo.messages(conversation_id, last=50)
    assert [m.id for m in newest] == ids[-50:]  # the newest 50, oldest first
    assert [m.id for m in await repo.messages(conversation_id)][1:] == ids  # after "hello"


# Each shape and the index its page must be read from, in order (no Sort node), or searched with.
PLAN_CASES: list[tuple[dict[str, Any], str]] = [
    ({"sort": "created", "order": "desc"}, "ix_tasks_user_created"),
    ({"sort": "created", "order": "asc", "cursor": encode_cursor("created", "asc", "2030-01-01 00:00:00+00", 5)},
     "ix_tasks_user_created"),
    ({"sort": "title", "order": "asc"}, "ix_tasks_user_title"),
    ({"sort": "title", "order": "desc", "cursor": encode_cursor("title", "desc", "m", 5)}, "ix_tasks_user_title"),
    ({"sort": "due_date", "order": "asc"}, "ix_tasks_user_due_asc"),
    ({"sort": "due_date", "order": "desc", "cursor": encode_cursor("due_date", "desc", "-infinity", 5)},
     "ix_tasks_user_due_desc"),
    ({"sort": "priority", "order": "desc"}, "ix_tasks_user_priority"),
    ({"sort": "priority", "order": "asc", "cursor": encode_cursor("priority", "asc", "2", 5)},
     "ix_tasks_user_priority"),
    ({"status": "pending"}, "ix_tasks_user_created"),
    ({"priority": "high"}, "ix_tasks_user_created"),
]  # fmt: skip


async def test_a_due_range_is_counted_from_the_due_index(session: AsyncSession) -> None:
    """The capped count walks the range in the due index, not the user's tasks until 201 match;
    a range in the past, in the future, open at either end, and tasks without a due date."""
    repo = TaskRepository(session, await _user(session))
    rows = [
        {"user_id": repo.user_id, "title": f"t{i}", "due_at": NOW + timedelta(hours=i - 1000) if i % 3 else None}
        for i in range(2000)
    ]
    await session.execute(insert(Task), rows)
    await session.execute(text("ANALYZE tasks"))
    dated = [r["due_at"] for r in rows if r["due_at"] is not None]
    for after, before in ((NOW, NOW + timedelta(hours=30)), (None, NOW - timedelta(hours=990)), (NOW, None)):
        query = TaskQuery(due_after=after, due_before=before)
        expected = sum(1 for d in dated if (after is None or d > after) and (before is None or d < before))
        page = await repo.list(query)
        assert page.total == min(expected, TOTAL_CAP) and page.total_capped == (expected > TOTAL_CAP), (after, before)
        assert all((after is None or t.due_at > after) and (before is None or t.due_at < before) for t in page.items)
        count_plan = (await repo.explain_list(query)).split("->  Index")[1]  # the InitPlan's: the count
        assert ("ix_tasks_user_due_asc" if before else "ix_tasks_user_due_desc") in count_plan, count_plan


@pytest.mark.parametrize(("params", "index"), PLAN_CASES)
async def test_each_sort_reads_its_index_in_order(sample: TaskRepository, params: dict[str, Any], index: str) -> None:
    await sample.session.execute(text("SET LOCAL enable_seqscan = off"))  # a 7-row table would be scanned
    await sample.session.execute(text("SET LOCAL enable_bitmapscan = off"))
    # Whatever statistics earlier tests left: a Sort is then chosen only when no index gives the order.
    await sample.session.execute(text("SET LOCAL enable_sort = off"))
    plan = await sample.explain_list(TaskQuery(**params))
    assert index in plan and "Sort" not in plan, plan
    if "cursor" in params:  # the cursor is part of the index range, not a filter over the rows before it
        assert any("Index Cond" in line and "ROW(" in line for line in plan.splitlines()), plan


async def test_search_uses_the_full_text_index(session: AsyncSession) -> None:
    """A user with many tasks and one match: the plan looks the word up in the GIN index."""
    repo = TaskRepository(session, await _user(session))
    rows = [
        {"user_id": repo.user_id, "title": f"Routine chore w{i % 500}", "description": "nothing special"}
        for i in range(20_000)
    ]  # 500 words of 0.2 % each: what the statistics say of a word they do not list is below that
    rows[12_345]["description"] = "Quarterly numbers"
    await session.execute(insert(Task), rows)
    await session.execute(text("ANALYZE tasks"))
    # Fresh inserts sit in the GIN index's pending list, which every lookup reads whole (autovacuum
    # merges it in production): merged, the index costs what it costs on a settled table.
    await session.execute(text("SELECT gin_clean_pending_list('ix_tasks_search_document')"))
    plan = await repo.explain_list(TaskQuery(q="quarterly"))
    assert "ix_tasks_search_document" in plan and "Seq Scan" not in plan, plan
    assert [t.description for t in (await repo.list(TaskQuery(q="quarterly"))).items] == ["Quarterly numbers"]


async def test_a_search_of_several_words_reads_only_its_users_word_lists(session: AsyncSession) -> None:
    """Both words are common in the table but rare in this user's tasks: the plan reads the user's
    own (user, word) lists (migration 0005), not each word's list for every user."""
    repo, other = TaskRepository(session, await _user(session)), TaskRepository(session, await _user(session))
    rows = [{"user_id": other.user_id, "title": f"Pay invoice budget {i}"} for i in range(20_000)]
    rows += [{"user_id": repo.user_id, "title": f"Routine chore w{i % 500}"} for i in range(5_000)]
    rows += [{"user_id": repo.user_id, "title": title} for title in ("invoice later", "budget meeting") * 20]
    rows.append({"user_id": repo.user_id, "title": "Invoice budget approved"})
    await session.execute(insert(Task), rows)
    await session.execute(text("ANALYZE tasks"))
    await session.execute(text("SELECT gin_clean_pending_list('ix_tasks_user_search')"))  # as in the test above
    plan = await repo.explain_list(TaskQuery(q="invoice budget"))
    assert "ix_tasks_user_search" in plan and "ix_tasks_search_document" not in plan, plan
    assert await _titles(repo, q="invoice budget") == ["Invoice budget approved"]
    assert await _titles(repo, q="invoice bud") == ["Invoice budget approved"]  # the last word's beginning
    assert await _titles(repo, q="budget invoice") == []  # the text as typed


async def test_users_who_share_a_search_scope_find_only_their_own_tasks(session: AsyncSession) -> None:
    """The scope is 6 hex digits of md5(user_id), so some users share one; user_id is still tested."""
    seen: dict[str, str] = {}
    for i in itertools.count():  # two ids with the same scope: ~5,000 tries (the birthday bound)
        user_id = f"scope-probe-{i}"
        scope = hashlib.md5(user_id.encode()).hexdigest()[:6]
        if scope in seen:
            break
        seen[scope] = user_id
    first, second = seen[scope], user_id
    scopes = (
        await session.execute(text("SELECT user_search_scope(:a), user_search_scope(:b)"), {"a": first, "b": second})
    ).one()
    assert scopes == (f"{scope}:", f"{scope}:")  # the database's scope is the one computed here
    repos = []
    for user_id in (first, second):
        await session.execute(insert(User).values(id=user_id, email=f"{user_id}@example.com", password_hash="x"))
        repos.append(TaskRepository(session, user_id))
        await repos[-1].create(TaskCreate(title=f"Send invoice budget to {user_id}"))
    for repo in repos:
        assert await _titles(repo, q="invoice budget") == [f"Send invoice budget to {repo.user_id}"]


async def test_search_follows_every_change_of_title_and_description(session: AsyncSession) -> None:
    """The stored search document (migration 0004's trigger) is rewritten with the text it indexes."""
    repo = TaskRepository(session, await _user(session))
    task = await repo.create(TaskCreate(title="Renew passport", description="at the town hall"))
    assert await _titles(repo, q="passport") == ["Renew passport"]
    await repo.update(task.id, TaskUpdate(title="Renew licence"))
    assert await _titles(repo, q="passport") == [] and await _titles(repo, q="licence") == ["Renew licence"]
    await repo.update(task.id, TaskUpdate(description="bring photos"))
    assert await _titles(repo, q="town") == [] and await _titles(repo, q="photo") == ["Renew licence"]
    await repo.update(task.id, TaskUpdate(description=None))
    assert await _titles(repo, q="photo") == [] and await _titles(repo, q="renew") == ["Renew licence"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("invoice", ["Invoice2024 paid", "re-invoice client", "pre_invoice draft", "INVOICES due"]),
        ("INVOICE2", ["Invoice2024 paid"]),
        ("voice", ["Voicemail"]),  # not "invoice": inside a word
        ("client", ["re-invoice client"]),
        ("2024", []),  # "Invoice2024" is one word
    ],
)
async def test_a_one_word_search_finds_words_beginning_with_it(
    session: AsyncSession, q: str, expected: list[str]
) -> None:
    """A one-word search is the index test alone (no substring test, see `_list_statements`):
    PostgreSQL's parser keeps an ASCII word whole, so its matches are exactly the tasks holding a
    word that begins with it, in any case; hyphens and underscores split words."""
    repo = TaskRepository(session, await _user(session))
    for title in ["Invoice2024 paid", "re-invoice client", "pre_invoice draft", "INVOICES due", "Voicemail"]:
        await repo.create(TaskCreate(title=title))
    assert _search_kind(q) == "word"
    assert set(await _titles(repo, q=q)) == set(expected)


async def test_reads_and_creates_run_on_a_connection_and_changes_need_a_session(db: str) -> None:
    """The backend's hot routes use a bare autocommit connection (no session per request)."""
    engine = create_planned_engine(db).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            user_id = str(uuid.uuid4())
            await connection.execute(insert(User).values(id=user_id, email=f"{user_id}@example.com", password_hash="x"))
            repo = TaskRepository(connection, user_id)
            created = await repo.create(TaskCreate(title="On a connection", tags=["Work"], priority="high"))
            assert (await repo.get(created.id)) == created
            page = await repo.list(TaskQuery(q="connection"))
            assert [t.id for t in page.items] == [created.id] and page.total == 1
            assert created.tags == ["work"] and created.priority.value == "high"
            assert "Index" in await repo.explain_list(TaskQuery(q="connection"))
            with pytest.raises(TypeError, match="needs an AsyncSession"):
                await repo.update(created.id, TaskUpdate(title="changed"))
        async with engine.connect() as connection:  # autocommit: the create was committed
            assert (await TaskRepository(connection, user_id).get(created.id)).title == "On a connection"
    finally:
        await engine.dispose()
