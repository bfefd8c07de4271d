"""A search index with one posting list per (user, word), for searches of several words

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 04:20:00

A search of several words ("invoice budget") also tests the exact text, which few tasks hold. The
index on search_document has one posting list per word, for every user together, so the search read
all tasks holding each word (~7 % of the table each) to find the few of one user: 39-56 ms for the
users with 10,000 and 100,000 tasks among 600,000 (docs/benchmarks.md, growth run 9). Here each word
of a task is indexed with its owner's scope in front (`user_search_document`), so a search reads the
lists of its own user's tasks only. (A two-column GIN index on (user_id, search_document) would do
the same, but needs the btree_gin extension, which the embedded PostgreSQL lacks.)

The scope is 6 hex digits of md5(user_id): short, so the index stays small; two users that share
one still get only their own tasks, as every search also tests user_id.

Expand-only and online: two immutable SQL functions, then the index built concurrently (no
backfill: it indexes an expression of existing columns). The previous release does not use it.
"""

from collections.abc import Sequence

from alembic import op

from todo_core.migrations.online import create_index_concurrently, drop_index_concurrently

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_tasks_user_search"
SCOPE = """
CREATE OR REPLACE FUNCTION user_search_scope(owner varchar) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN left(md5(owner), 6) || ':'
"""
# tsvector holds lexemes of up to 2047 bytes; one that long would not fit with its scope in front.
DOCUMENT = """
CREATE OR REPLACE FUNCTION user_search_document(owner varchar, document tsvector) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN array_to_tsvector(ARRAY(
    SELECT user_search_scope(owner) || lexeme FROM unnest(tsvector_to_array(document)) AS lexeme
    WHERE octet_length(lexeme) <= 2040
  ))
"""


def upgrade() -> None:
    op.execute(SCOPE)
    op.execute(DOCUMENT)
    with op.get_context().autocommit_block():
        create_index_concurrently(INDEX, "tasks", "USING gin (user_search_document(user_id, search_document))")
        op.execute("ANALYZE tasks")  # the expression's word statistics, as for search_document


def downgrade() -> None:
    with op.get_context().autocommit_block():
        drop_index_concurrently(INDEX)
    op.execute("DROP FUNCTION IF EXISTS user_search_document(varchar, tsvector)")
    op.execute("DROP FUNCTION IF EXISTS user_search_scope(varchar)")
