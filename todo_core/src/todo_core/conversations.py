"""Conversation and message storage for the stateless chat cycle."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Select, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from todo_core.errors import ConversationNotFound
from todo_core.models import TITLE_MAX, Conversation, Message, Role
from todo_core.schemas import INT32_MAX

# How many earlier messages the agent sees; older ones stay stored but are not sent.
HISTORY_LIMIT = 50


def title_from_message(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= 60 else words[:57].rstrip() + "..."


def history_statement(conversation_id: int, last: int | None) -> Select[Any]:
    """All messages oldest first, or the newest `last` newest first: one range of the
    (conversation_id, id) index (migration 0003) however long the conversation is."""
    stmt = select(Message).where(Message.conversation_id == conversation_id)
    if last is None:
        return stmt.order_by(Message.id)
    return stmt.order_by(Message.id.desc()).limit(last)


def _new_message(conversation_id: Any, user_id: str, role: Role, content: str, tool_calls: Any) -> Any:
    """`INSERT INTO messages ... SELECT`, the conversation id taken from `conversation_id` (a CTE's column)."""
    values = select(
        conversation_id,
        literal(user_id),
        literal(role, Message.role.type),
        literal(content),
        literal(tool_calls, Message.tool_calls.type),
    )
    return insert(Message).from_select(["conversation_id", "user_id", "role", "content", "tool_calls"], values)


class ConversationRepository:
    """The user's conversations. The reads need an `AsyncSession` (they return ORM objects);
    `start` and `add_message` are one statement each, so they also run on an autocommit
    `AsyncConnection` (a chat turn's writes: no BEGIN and COMMIT round trips)."""

    def __init__(self, session: AsyncSession | AsyncConnection, user_id: str) -> None:
        self.session = session
        self.user_id = user_id

    async def get(self, conversation_id: int) -> Conversation:
        if not 1 <= conversation_id <= INT32_MAX:
            raise ConversationNotFound(conversation_id)
        conversation = (
            await self._orm.scalars(
                select(Conversation).where(Conversation.id == conversation_id, Conversation.user_id == self.user_id)
            )
        ).one_or_none()
        if conversation is None:
            raise ConversationNotFound(conversation_id)
        return conversation

    async def start(self, first_message: str) -> int:
        """A new conversation holding the user's first message, in one statement; returns its id."""
        title = title_from_message(first_message)[:TITLE_MAX]
        conversation = insert(Conversation).values(user_id=self.user_id, title=title).returning(Conversation.id)
        new = conversation.cte("conversation")
        stmt = _new_message(new.c.id, self.user_id, Role.user, first_message, None).add_cte(new)
        return int((await self.session.execute(stmt.returning(Message.conversation_id))).scalar_one())

    async def list(self) -> builtins.list[Conversation]:
        stmt = (
            select(Conversation)
            .where(Conversation.user_id == self.user_id)
            .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        )
        return list((await self._orm.scalars(stmt)).all())

    async def messages(self, conversation_id: int, *, last: int | None = None) -> builtins.list[Message]:
        """Messages in order; with `last`, only the newest `last` of them (still in order)."""
        await self.get(conversation_id)
        newest = (await self._orm.scalars(history_statement(conversation_id, last))).all()
        return list(newest) if last is None else list(reversed(newest))

    async def add_message(
        self,
        conversation_id: int,
        role: Role,
        content: str,
        tool_calls: builtins.list[dict[str, Any]] | None = None,
    ) -> int:
        """Append a message to the user's conversation and touch its `updated_at`, in one statement
        (a conversation of another user matches no row: ConversationNotFound). Returns its id."""
        touched = (
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.user_id == self.user_id)
            .values(updated_at=func.clock_timestamp())
            .returning(Conversation.id)
            .cte("touched")
        )
        stmt = _new_message(touched.c.id, self.user_id, role, content, tool_calls)
        added = (await self.session.execute(stmt.add_cte(touched).returning(Message.id))).scalar_one_or_none()
        if added is None:
            raise ConversationNotFound(conversation_id)
        return int(added)

    @property
    def _orm(self) -> AsyncSession:
        if not isinstance(self.session, AsyncSession):
            raise TypeError("this read needs an AsyncSession, not a connection")
        return self.session
