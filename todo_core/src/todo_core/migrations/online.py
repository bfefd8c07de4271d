"""Schema changes that keep a populated table writable, shared by the migrations that need them.

Call these inside `op.get_context().autocommit_block()`: CREATE INDEX CONCURRENTLY cannot run in a
transaction, and each backfill batch commits on its own so no lock is held for the whole table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_index_concurrently(name: str, table: str, definition: str) -> None:
    """Build an index while writes go on (a plain CREATE INDEX blocks them for the whole build)."""
    # A concurrent build that failed (or was cancelled) leaves an INVALID index behind; IF NOT
    # EXISTS would keep it, so drop it and build again.
    invalid = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE c.relname = :n AND NOT i.indisvalid"
            ),
            {"n": name},
        )
        .first()
    )
    if invalid:
        drop_index_concurrently(name)
    op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {definition}")


def drop_index_concurrently(name: str) -> None:
    op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def backfill(table: str, assignment: str, pending: str, batch_rows: int = 20_000) -> int:
    """`UPDATE table SET assignment` on the rows where `pending` holds, one primary-key range of
    `batch_rows` per transaction: each batch locks only its own rows, for a moment. Returns the
    number of rows updated."""
    bind = op.get_bind()
    low, high = bind.execute(sa.text(f"SELECT min(id), max(id) FROM {table}")).one()
    updated = 0
    if low is None:
        return updated
    for start in range(low, high + 1, batch_rows):
        result = bind.execute(
            sa.text(f"UPDATE {table} SET {assignment} WHERE id >= :start AND id < :end AND ({pending})"),
            {"start": start, "end": start + batch_rows},
        )
        updated += result.rowcount
    return updated
