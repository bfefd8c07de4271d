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
        conversation = await repo.create("plan the week")
        for i in range(7):
            await repo.add_message(conversation.id, Role.user if i % 2 == 0 else Role.assistant, f"m{i}")
    async with sessions() as session:
        repo = ConversationRepository(session, alice)
        assert [m.content for m in await repo.messages(conversation.id)] == [f"m{i}" for i in range(7)]
        assert [m.content for m in await repo.messages(conversation.id, last=3)] == ["m4", "m5", "m6"]
        assert [m.content for m in await repo.messages(conversation.id, last=50)] == [f"m{i}" for i in range(7)]


async def test_the_list_is_newest_activity_first(sessions: async_sessionmaker[AsyncSession]) -> None:
    alice = await _user(sessions, "alice@example.com")
    async with sessions.begin() as session:
        repo = ConversationRepository(session, alice)
        older, newer = await repo.create("first"), await repo.create("second")
    async with sessions.begin() as session:  # a new message makes the older one the most recent
        await ConversationRepository(session, alice).add_message(older.id, Role.user, "back to this one")
    async with sessions() as session:
        assert [c.id for c in await ConversationRepository(session, alice).list()] == [older.id, newer.id]


async def test_another_users_or_an_impossible_conversation_is_not_found(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    alice, bob = await _user(sessions, "alice@example.com"), await _user(sessions, "bob@example.com")
    async with sessions.begin() as session:
        conversation = await ConversationRepository(session, alice).create("private")
    async with sessions() as session:
        repo = ConversationRepository(session, bob)
        for conversation_id in (conversation.id, 0, -1, INT32_MAX + 1):
            with pytest.raises(ConversationNotFound):
                await repo.messages(conversation_id)
        assert await repo.list() == []


def test_a_title_is_the_first_message_squeezed_and_cut() -> None:
    assert title_from_message("  buy   milk\n today ") == "buy milk today"
    long = "word " * 30
    title = title_from_message(long)
    assert len(title) == 60 and title.endswith("...") and title.startswith("word word")
