"""tasks.search_document: the search text's tsvector, stored, so a search tests a row without re-parsing it

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 12:00:00

0003 indexed the expression to_tsvector(title || ' ' || description). A search for a common word
that walks one user's rows in page order (the fastest plan for it) then parsed every row's text
again (~10 µs a row); a stored column is read, not parsed. (The larger part of that search's
52 ms at 100,000 tasks was the planner's estimate, fixed in todo_core.tasks: docs/benchmarks.md,
growth run 5.)

Expand-only, online on a populated table (docs/operations.md, "Migration 0004"):
1. the column is added without a default (a catalog change, no table rewrite; a GENERATED ...
   STORED column would rewrite the table under an exclusive lock), with PostgreSQL's built-in
   trigger keeping it current on every insert and on every change of title or description, by
   this release and the previous one alike;
2. existing rows are filled in batches of primary-key ranges, one transaction each;
3. its GIN index is built concurrently; the 0003 expression index is then dropped concurrently.
The previous release still searches correctly on the migrated schema (by the expression, without
its index: slower, not wrong), so a rollback needs no downgrade.
"""

from collections.abc import Sequence

from alembic import op

from todo_core.migrations.online import backfill, create_index_concurrently, drop_index_concurrently

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENT = "to_tsvector('simple'::regconfig, (title::text || ' '::text) || COALESCE(description::text, ''::text))"
TRIGGER = "tasks_search_document"


def upgrade() -> None:
    op.execute("ALTER TABLE tasks ADD COLUMN IF NOT EXISTS search_document tsvector")
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON tasks")
    # The same lexemes as DOCUMENT: the trigger parses each column and concatenates the results.
    op.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE INSERT OR UPDATE OF title, description ON tasks FOR EACH ROW"
        " EXECUTE FUNCTION tsvector_update_trigger(search_document, 'pg_catalog.simple', title, description)"
    )
    with op.get_context().autocommit_block():
        backfill("tasks", f"search_document = {DOCUMENT}", "search_document IS NULL")
        create_index_concurrently("ix_tasks_search_document", "tasks", "USING gin (search_document)")
        drop_index_concurrently("ix_tasks_search")
        op.execute("ANALYZE tasks")  # the column's word statistics, which the planner's choice rests on


def downgrade() -> None:
    with op.get_context().autocommit_block():
        create_index_concurrently("ix_tasks_search", "tasks", f"USING gin ({DOCUMENT})")
        drop_index_concurrently("ix_tasks_search_document")
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON tasks")
    op.execute("ALTER TABLE tasks DROP COLUMN IF EXISTS search_document")
