"""indexes for the task list's filters, sorts and search, and for bounded history reads

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 07:00:00

Expand-only: indexes, no column or table change, so the previous release keeps working on the
migrated schema and a rollback needs no downgrade. Each index is built with CREATE INDEX
CONCURRENTLY outside a transaction: writes to `tasks` and `messages` go on while it builds (a
plain CREATE INDEX would block them for the whole build on a populated table). The search index
is on an expression, not a generated column: adding a stored column would rewrite the table under
an exclusive lock. See docs/operations.md ("Migration 0003").
"""

from collections.abc import Sequence

from alembic import op

from todo_core.migrations.online import create_index_concurrently, drop_index_concurrently

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name -> (table, definition). The expressions are the ones todo_core.models names (TASK_*): a
# query uses these indexes only when it spells the same expression.
INDEXES = {
    "ix_tasks_user_created": ("tasks", "(user_id, created_at, id)"),
    "ix_tasks_user_title": ("tasks", "(user_id, lower((title)::text), id)"),
    "ix_tasks_user_due_asc": ("tasks", "(user_id, coalesce(due_at, 'infinity'::timestamptz), id)"),
    "ix_tasks_user_due_desc": ("tasks", "(user_id, coalesce(due_at, '-infinity'::timestamptz), id)"),
    "ix_tasks_user_priority": (
        "tasks",
        "(user_id, (CASE priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 END), id)",
    ),
    "ix_tasks_search": (
        "tasks",
        "USING gin (to_tsvector('simple'::regconfig, (title)::text || ' ' || coalesce((description)::text, '')))",
    ),
    "ix_messages_conversation_id_id": ("messages", "(conversation_id, id)"),
    "ix_conversations_user_updated": ("conversations", "(user_id, updated_at, id)"),
}


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for name, (table, definition) in INDEXES.items():
            create_index_concurrently(name, table, definition)
        for table in ("tasks", "messages", "conversations"):
            op.execute(f"ANALYZE {table}")  # statistics for the expression indexes, before the first query


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for name in INDEXES:
            drop_index_concurrently(name)
