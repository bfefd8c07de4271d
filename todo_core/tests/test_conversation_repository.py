"""ConversationRepository in-process against PostgreSQL: ownership, order, the bounded history read."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from todo_core.conversations import ConversationRepository, title_from_message
from todo_core.db import normalize_database_url
from todo_core.errors import ConversationNotFound
from todo_core.models import Role
from todo_core.schemas import INT32_MAX
from todo_core.users import UserRepository


@pytest.fixture
async def sessions(db: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(normalize_database_url(db))
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def _user(sessions: async_sessionmaker[AsyncSession], email: str) -> str:
    async with sessions.begin() as session:
        return (await UserRepository(session).create(email, "a long enough password", None)).id


async def test_messages_come_back_in_order_and_last_n_is_the_newest_n(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    alice = await _user(sessions, "alice@example.com")
    async with sessions.begin() as session:
        repo = ConversationRepository(session, alice)
        conversation_id = await repo.start("plan the week")
        for i in range(7):
            await repo.add_message(conversation_id, Role.assistant if i % 2 == 0 else Role.user, f"m{i}")
    everything = ["plan the week"] + [f"m{i}" for i in range(7)]
    async with sessions() as session:
        repo = ConversationRepository(session, alice)
        assert [m.content for m in await repo.messages(conversation_id)] == everything
        assert [m.content for m in await repo.messages(conversation_id, last=3)] == ["m4", "m5", "m6"]
        assert [m.content for m in await repo.messages(conversation_id, last=50)] == everything
        first = (await repo.messages(conversation_id))[0]
        assert (first.role, first.tool_calls) == (Role.user, None)
        assert (await repo.get(conversation_id)).title == "plan the week"


async def test_the_list_is_newest_activity_first(sessions: async_sessionmaker[AsyncSession]) -> None:
    alice = await _user(sessions, "alice@example.com")
    async with sessions.begin() as session:
        repo = ConversationRepository(session, alice)
        older, newer = await repo.start("first"), await repo.start("second")
    async with sessions.begin() as session:  # a new message makes the older one the most recent
        await ConversationRepository(session, alice).add_message(older, Role.user, "back to this one")
    async with sessions() as session:
        assert [c.id for c in await ConversationRepository(session, alice).list()] == [older, newer]


async def test_another_users_or_an_impossible_conversation_is_not_found(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    alice, bob = await _user(sessions, "alice@example.com"), await _user(sessions, "bob@example.com")
    async with sessions.begin() as session:
        conversation_id = await ConversationRepository(session, alice).start("private")
    async with sessions() as session:
        repo = ConversationRepository(session, bob)
        for wrong in (conversation_id, 0, -1, INT32_MAX + 1):
            with pytest.raises(ConversationNotFound):
                await repo.messages(wrong)
        with pytest.raises(ConversationNotFound):  # nor can bob write into it
            await repo.add_message(conversation_id, Role.user, "let me in")
        assert await repo.list() == []
    async with sessions() as session:
        messages = await ConversationRepository(session, alice).messages(conversation_id)
    assert [m.content for m in messages] == ["private"]


async def test_a_turns_writes_commit_on_an_autocommit_connection(db: str) -> None:
    """The chat's two writes run on a bare autocommit connection: each is committed when it returns."""
    engine = create_async_engine(normalize_database_url(db))
    try:
        alice = await _user(async_sessionmaker(engine), "alice@example.com")
        async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            repo = ConversationRepository(connection, alice)
            conversation_id = await repo.start("buy milk")
            await repo.add_message(conversation_id, Role.assistant, "Added.", [{"name": "add_task", "arguments": {}}])
            with pytest.raises(TypeError, match="needs an AsyncSession"):
                await repo.messages(conversation_id)
        async with async_sessionmaker(engine)() as session:  # another connection sees both
            messages = await ConversationRepository(session, alice).messages(conversation_id)
        assert [(m.role, m.content) for m in messages] == [(Role.user, "buy milk"), (Role.assistant, "Added.")]
        assert messages[1].tool_calls == [{"name": "add_task", "arguments": {}}]
    finally:
        await engine.dispose()


def test_a_title_is_the_first_message_squeezed_and_cut() -> None:
    assert title_from_message("  buy   milk\n today ") == "buy milk today"
    long = "word " * 30
    title = title_from_message(long)
    assert len(title) == 60 and title.endswith("...") and title.startswith("word word")
