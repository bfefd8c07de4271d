"""Conversation and message storage for the stateless chat cycle."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Insert, Select, Table, bindparam, func, insert, select, update

from todo_core.db import UserRepository
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


# Core tables, not the ORM classes: given parameters, an ORM-enabled INSERT or UPDATE on a
# session would be a bulk operation by primary key instead of this one statement.
_CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]
_MESSAGES: Table = Message.__table__  # type: ignore[assignment]


def _new_message(conversation_id: Any) -> Insert:
    """`INSERT INTO messages ... SELECT`, the conversation id taken from `conversation_id` (a CTE's
    column) and the rest from the parameters `owner`, `new_role`, `new_content` and `new_tool_calls`."""
    values = select(
        conversation_id,
        bindparam("owner", type_=_MESSAGES.c.user_id.type),
        *(bindparam(f"new_{name}", type_=_MESSAGES.c[name].type) for name in ("role", "content", "tool_calls")),
    )
    return insert(_MESSAGES).from_select(["conversation_id", "user_id", "role", "content", "tool_calls"], values)


# A chat turn's two writes, built once: building them per call cost about a third of the backend's
# CPU in a turn (make bench, chat). Parameters: _new_message's, and new_title (_START) or
# conversation (_ADD). None is named after a column: Core would take it as that column's new value.
_NEW_CONVERSATION = (
    insert(_CONVERSATIONS)
    .values(user_id=bindparam("owner"), title=bindparam("new_title"))
    .returning(_CONVERSATIONS.c.id)
    .cte("conversation")
)
_START = _new_message(_NEW_CONVERSATION.c.id).add_cte(_NEW_CONVERSATION).returning(_MESSAGES.c.conversation_id)
_TOUCHED = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("conversation"), _CONVERSATIONS.c.user_id == bindparam("owner"))
    .values(updated_at=func.clock_timestamp())
    .returning(_CONVERSATIONS.c.id)
    .cte("touched")
)
_ADD = _new_message(_TOUCHED.c.id).add_cte(_TOUCHED).returning(_MESSAGES.c.id)


class ConversationRepository(UserRepository):
    """The user's conversations. The reads need an `AsyncSession` (they return ORM objects);
    `start` and `add_message` are one statement each, so they also run on an autocommit
    `AsyncConnection` (a chat turn's writes: no BEGIN and COMMIT round trips)."""

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
        params = {"new_title": title_from_message(first_message)[:TITLE_MAX], **self._message(Role.user, first_message)}
        return int((await self.session.execute(_START, params)).scalar_one())

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
        if not 1 <= conversation_id <= INT32_MAX:
            raise ConversationNotFound(conversation_id)
        params = {"conversation": conversation_id, **self._message(role, content, tool_calls)}
        added = (await self.session.execute(_ADD, params)).scalar_one_or_none()
        if added is None:
            raise ConversationNotFound(conversation_id)
        return int(added)

    def _message(
        self, role: Role, content: str, tool_calls: builtins.list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The parameters of `_new_message`."""
        return {"owner": self.user_id, "new_role": role, "new_content": content, "new_tool_calls": tool_calls}
