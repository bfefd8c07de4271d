"""The bench's data generator at its small size: the spread it promises, loaded by COPY into a
database the project's migrations built, then migrated to head with the indexes valid."""

from __future__ import annotations

import sys
from pathlib import Path

from todo_core.health import schema_head
from todo_harness.postgres import fetch, fresh_database, run_sync

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from benchmarks import datagen


def test_small_load_has_the_spread_and_ends_at_head(postgres_server_url: str) -> None:
    size = datagen.SMALL
    with fresh_database(postgres_server_url, prefix="todo_datagen") as url:
        loaded = run_sync(datagen.load(url, size))

        def one(sql: str, *args: object) -> dict:
            return dict(run_sync(fetch(url, sql, *args))[0])

        assert loaded.tasks >= size.total_tasks and one("SELECT count(*) AS n FROM tasks")["n"] == loaded.tasks
        summary = loaded.summary()
        assert 10 <= summary["tasks_per_user_median"] <= 100  # most users have tens of tasks
        for n, (user_id, conversation_id) in loaded.measured.items():
            assert one("SELECT count(*) AS n FROM tasks WHERE user_id = $1", user_id)["n"] == n
            messages = one("SELECT count(*) AS n FROM messages WHERE conversation_id = $1", conversation_id)["n"]
            assert messages == size.history[size.measured.index(n)]
        shares = one(
            "SELECT avg(completed::int) AS done, avg((due_at < $1)::int) AS past, avg((due_at > $1)::int) AS future, "
            "avg((recurrence <> 'none')::int) AS recurring, avg((cardinality(tags) > 0)::int) AS tagged, "
            "count(DISTINCT priority) AS priorities FROM tasks",
            datagen.NOW,
        )
        assert 0.25 < shares["done"] < 0.45 and shares["past"] > 0.2 and shares["future"] > 0.2
        assert 0.05 < shares["recurring"] < 0.2 and shares["tagged"] > 0.5 and shares["priorities"] == 3
        title = one("SELECT title FROM tasks WHERE title NOT LIKE '%#%' LIMIT 1")["title"]
        assert all(word in datagen.WORDS for word in title.lower().split())
        # ...and the long tail of rare tokens real text has: far more lexemes than the word list
        lexemes = one("SELECT count(*) AS n FROM ts_stat('SELECT search_document FROM tasks')")["n"]
        assert lexemes > 5 * len(datagen.WORDS), lexemes
        assert one("SELECT version_num FROM alembic_version")["version_num"] == schema_head()
        invalid = one("SELECT count(*) AS n FROM pg_index WHERE NOT indisvalid")["n"]
        assert invalid == 0 and loaded.migration_seconds > 0
