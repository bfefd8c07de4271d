"""SQLAlchemy 2 models: the schema itself changes only through Alembic migrations."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Re-exported: the limits are defined once, without database imports, in todo_core.limits.
from todo_core.limits import DESCRIPTION_MAX as DESCRIPTION_MAX
from todo_core.limits import MESSAGE_MAX as MESSAGE_MAX
from todo_core.limits import TAG_MAX as TAG_MAX
from todo_core.limits import TAGS_MAX as TAGS_MAX
from todo_core.limits import TITLE_MAX as TITLE_MAX


class Priority(enum.StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class Recurrence(enum.StrEnum):
    none = "none"
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


class Role(enum.StrEnum):
    user = "user"
    assistant = "assistant"


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        length=16,
        validate_strings=True,
    )


def _new_user_id() -> str:
    return str(uuid.uuid4())


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_user_id)
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    # Case-insensitive uniqueness: the index is on lower(email).
    __table_args__ = (Index("uq_users_email_lower", func.lower(email), unique=True),)


# The expressions the task list sorts by, written once as SQL: the indexes of
# migration 0003 are built on exactly these, and PostgreSQL uses an expression index only when a
# query spells the same expression (a bound parameter in its place would not match).
# Spelled as PostgreSQL prints them back (pg_get_indexdef, line breaks included), so the schema
# comparison test (alembic's, whitespace-sensitive for line breaks) sees no difference.
TASK_PRIORITY_RANK = (
    "CASE priority\n    WHEN 'low'::text THEN 1\n    WHEN 'medium'::text THEN 2\n    WHEN 'high'::text THEN 3\n"
    "    ELSE NULL::integer\nEND"
)
# No due date sorts last in both directions: +infinity ascending, -infinity descending.
TASK_DUE_ASC = "coalesce(due_at, 'infinity'::timestamptz)"
TASK_DUE_DESC = "coalesce(due_at, '-infinity'::timestamptz)"


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    description: Mapped[str | None] = mapped_column(String(DESCRIPTION_MAX))
    completed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="false")
    priority: Mapped[Priority] = mapped_column(
        _enum(Priority, "priority"), nullable=False, default=Priority.medium, server_default="medium"
    )
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(TAG_MAX)), nullable=False, default=list, server_default="{}")
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recurrence: Mapped[Recurrence] = mapped_column(
        _enum(Recurrence, "recurrence"), nullable=False, default=Recurrence.none, server_default="none"
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # clock_timestamp(), not now(): now() is the transaction's start, so a writer that waited for
    # the row lock would stamp an older time than the change it overwrote (updated_at going back).
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.clock_timestamp()
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The words of title and description for search (migration 0004): written by a trigger on
    # every insert and title/description change, never by the app; deferred, so no read loads it.
    search_document: Mapped[str | None] = mapped_column(TSVECTOR, deferred=True)

    __table_args__ = (
        Index("ix_tasks_user_completed", "user_id", "completed"),
        Index("ix_tasks_tags", "tags", postgresql_using="gin"),
        # Migration 0003: one (user, sort key, id) index per sort, so a page (and the next page
        # after a cursor) is a short index range whatever the user's task count.
        Index("ix_tasks_user_created", "user_id", "created_at", "id"),
        Index("ix_tasks_user_title", "user_id", func.lower(title), "id"),
        Index("ix_tasks_user_due_asc", "user_id", text(TASK_DUE_ASC), "id"),
        Index("ix_tasks_user_due_desc", "user_id", text(TASK_DUE_DESC), "id"),
        Index("ix_tasks_user_priority", "user_id", text(f"(\n{TASK_PRIORITY_RANK})"), "id"),
        Index("ix_tasks_search_document", "search_document", postgresql_using="gin"),
        # Migration 0005: each word with its owner's scope in front (a SQL function), so this
        # index has one posting list per (user, word), for searches of several words.
        Index("ix_tasks_user_search", func.user_search_document(user_id, search_document), postgresql_using="gin"),
    )


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # clock_timestamp(), not now(): now() is the transaction's start, so a writer that waited for
    # the row lock would stamp an older time than the change it overwrote (updated_at going back).
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.clock_timestamp()
    )

    # Migration 0003: the conversation list, newest first, read in index order.
    __table_args__ = (Index("ix_conversations_user_updated", "user_id", "updated_at", "id"),)


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    tool_calls: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON().with_variant(JSONB, "postgresql"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    # Migration 0003: a chat turn reads the newest messages of one conversation (bounded history).
    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)


class RevokedToken(Base):
    """A token ended before its expiry (logout). Kept until the token would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuthAttempt(Base):
    """A fixed-window counter of sign-in / sign-up attempts for one key (an account or a client
    address), in PostgreSQL so every backend replica counts against the same limit."""

    __tablename__ = "auth_attempts"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
