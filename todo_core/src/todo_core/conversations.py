"""Conversation and message storage for the stateless chat cycle."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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


class ConversationRepository:
    def __init__(self, session: AsyncSession, user_id: str) -> None:
        self.session = session
        self.user_id = user_id

    async def get(self, conversation_id: int) -> Conversation:
        if not 1 <= conversation_id <= INT32_MAX:
            raise ConversationNotFound(conversation_id)
        conversation = (
            await self.session.scalars(
                select(Conversation).where(Conversation.id == conversation_id, Conversation.user_id == self.user_id)
            )
        ).one_or_none()
        if conversation is None:
            raise ConversationNotFound(conversation_id)
        return conversation

    async def create(self, first_message: str) -> Conversation:
        conversation = Conversation(user_id=self.user_id, title=title_from_message(first_message)[:TITLE_MAX])
        self.session.add(conversation)
        await self.session.flush()  # the INSERT returns id and timestamps (eager defaults): no refresh
        return conversation

    async def list(self) -> builtins.list[Conversation]:
        stmt = (
            select(Conversation)
            .where(Conversation.user_id == self.user_id)
            .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        )
        return list((await self.session.scalars(stmt)).all())

    async def messages(self, conversation_id: int, *, last: int | None = None) -> builtins.list[Message]:
        """Messages in order; with `last`, only the newest `last` of them (still in order)."""
        await self.get(conversation_id)
        newest = (await self.session.scalars(history_statement(conversation_id, last))).all()
        return list(newest) if last is None else list(reversed(newest))

    async def add_message(
        self,
        conversation_id: int,
        role: Role,
        content: str,
        tool_calls: builtins.list[dict[str, Any]] | None = None,
    ) -> Message:
        message = Message(
            conversation_id=conversation_id,
            user_id=self.user_id,
            role=role,
            content=content,
            tool_calls=tool_calls,
        )
        self.session.add(message)
        await self.session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(updated_at=func.clock_timestamp())
        )
        await self.session.flush()  # the INSERT returns id and created_at (eager defaults): no refresh
        return message
