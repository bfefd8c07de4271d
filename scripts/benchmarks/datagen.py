"""Bench data: many users with a realistic spread of tasks and conversations, loaded with COPY.

Most users have tens of tasks (a log-normal spread around 40), a few have 10,000 or 100,000; titles
and descriptions come from a word list (a share of titles ending in a reference number), with tags,
priorities, due dates past and future, a share completed and some recurring; conversations have up
to 10,000 messages. The database is migrated by the project's own migrations up to `LOAD_AT` (before
the indexes of 0003), loaded through PostgreSQL's binary COPY, vacuumed, then migrated to head: the
time of that last step is the migration's duration on a populated table (docs/operations.md).

    .venv/bin/python scripts/benchmarks/datagen.py --size small   # a quick run; prints the counts
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from todo_core.db import asyncpg_dsn
from todo_core.migrate import migrate

LOAD_AT = "0002"  # the revision the data is loaded at; the indexes come after it
# A day-to-day vocabulary; every word is equally likely, so one appears in ~2-3 % of tasks.
WORDS = """
report meeting call email invoice budget review plan draft send buy order book pay fix clean
update check prepare schedule design write read finish start follow renew cancel confirm submit
groceries milk bread eggs coffee dentist doctor school kids garden car insurance taxes rent bills
project client team manager slides notes agenda contract proposal release deploy server backup
ticket issue bug feature test docs website photos passport visa flight hotel trip birthday gift
party dinner lunch gym run yoga laundry dishes vacuum paint repair plumber electrician bank loan
mortgage pension salary receipt expense refund package delivery library return borrow lesson
piano guitar course exam homework essay thesis research interview resume application quarterly
weekly monthly annual urgent later someday morning evening weekend tomorrow friday monday phone
charger laptop printer keyboard monitor office desk chair lamp kitchen bathroom bedroom window door
""".split()
TAGS = "work home errands family health finance study travel shopping urgent someday admin car garden".split()
# Real task text has a long tail of rare tokens (order numbers, rooms, flights): a share of titles
# ends in one. Without it the search index holds only the word list's 139 lexemes, and PostgreSQL,
# which costs a prefix lookup as its share of the index's entries, prices a lookup of a word no task
# holds as reading 1/139 of the index, which no real task table shows (docs/benchmarks.md, run 8).
REFERENCE_SHARE = 0.3
REFERENCES = range(1, 100_000)
PRIORITIES = (("low", 0.3), ("medium", 0.5), ("high", 0.2))
RECURRENCES = (("none", 0.9), ("daily", 0.03), ("weekly", 0.05), ("monthly", 0.02))
COMPLETED_SHARE = 0.35
DUE_SHARE = 0.6
NOW = datetime(2026, 12, 1, tzinfo=UTC)  # fixed, so two loads of one size are the same data


@dataclass(frozen=True)
class Size:
    name: str
    total_tasks: int  # at least this many in all (the measured users' included)
    measured: tuple[int, ...]  # one user with exactly each many tasks: the growth table's users
    heavy: tuple[int, ...]  # more users with many tasks, for the spread
    history: tuple[int, ...]  # messages in one conversation of each measured user
    background_conversations: float = 0.3  # conversations per background user, on average


FULL = Size("full", 2_000_000, (100, 10_000, 100_000), (100_000, 100_000, 10_000, 10_000, 10_000), (100, 1_000, 10_000))
SMALL = Size("small", 5_000, (100, 1_000), (1_000,), (10, 200))
SIZES = {s.name: s for s in (FULL, SMALL)}


@dataclass
class Loaded:
    """What was loaded: counts, the measured users (task count -> user id, conversation id)."""

    size: str
    users: int = 0
    tasks: int = 0
    conversations: int = 0
    messages: int = 0
    measured: dict[int, tuple[str, int]] = field(default_factory=dict)
    load_seconds: float = 0.0
    vacuum_seconds: float = 0.0
    migration_seconds: float = 0.0  # LOAD_AT -> head on the populated database
    seconds_per_migration: dict[str, float] = field(default_factory=dict)  # revision -> its duration
    task_counts: list[int] = field(default_factory=list)  # per user, for the spread

    def summary(self) -> dict[str, Any]:
        counts = sorted(self.task_counts)
        return {
            "size": self.size,
            "users": self.users,
            "tasks": self.tasks,
            "conversations": self.conversations,
            "messages": self.messages,
            "tasks_per_user_median": counts[len(counts) // 2] if counts else 0,
            "tasks_per_user_max": counts[-1] if counts else 0,
            "users_over_1000_tasks": sum(1 for c in counts if c > 1000),
            "load_seconds": round(self.load_seconds, 1),
            "vacuum_seconds": round(self.vacuum_seconds, 1),
            "migration_seconds": round(self.migration_seconds, 2),
            "seconds_per_migration": {rev: round(s, 2) for rev, s in self.seconds_per_migration.items()},
        }


def _pick(choices: tuple[tuple[str, float], ...], rng: random.Random) -> str:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def _sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))


def _title(rng: random.Random) -> str:
    title = _sentence(rng, 2, 6).capitalize()
    return f"{title} #{rng.choice(REFERENCES)}" if rng.random() < REFERENCE_SHARE else title


def task_rows(user_id: str, count: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """`count` tasks of one user, created over the last two years, oldest first."""
    start = NOW - timedelta(days=730)
    step = timedelta(days=730) / max(count, 1)
    for i in range(count):
        created = start + step * i
        completed = rng.random() < COMPLETED_SHARE
        due = NOW + timedelta(hours=rng.randint(-24 * 180, 24 * 180)) if rng.random() < DUE_SHARE else None
        yield (
            user_id,
            _title(rng),
            _sentence(rng, 4, 16) if rng.random() < 0.7 else None,
            completed,
            _pick(PRIORITIES, rng),
            rng.sample(TAGS, k=rng.choice((0, 1, 1, 2, 3))),
            due,
            _pick(RECURRENCES, rng),
            created,
            created,
            created + timedelta(days=1) if completed else None,
        )


TASK_COLUMNS = (
    "user_id, title, description, completed, priority, tags, due_at, recurrence, created_at, updated_at, completed_at"
).split(", ")


def message_rows(conversation_id: int, user_id: str, count: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    start = NOW - timedelta(days=30)
    for i in range(count):
        role = "user" if i % 2 == 0 else "assistant"
        yield conversation_id, user_id, role, _sentence(rng, 3, 20), None, start + timedelta(seconds=i)


def background_counts(size: Size, rng: random.Random) -> list[int]:
    """Task counts of the ordinary users: log-normal, median ~30, mean ~40, a long tail."""
    left = size.total_tasks - sum(size.measured) - sum(size.heavy)
    counts: list[int] = []
    while left > 0:
        n = min(left, max(1, min(5000, int(rng.lognormvariate(math.log(30), 0.8)))))
        counts.append(n)
        left -= n
    return counts


async def load(database_url: str, size: Size, seed: int = 18) -> Loaded:
    """Migrate an empty database to LOAD_AT, COPY the data in, VACUUM ANALYZE, migrate to head."""
    rng = random.Random(seed)
    loaded = Loaded(size.name)
    await migrate(database_url, wait_seconds=30, target=LOAD_AT)
    started = time.monotonic()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        counts = [*size.measured, *size.heavy, *background_counts(size, rng)]
        users = [(str(uuid.uuid4()), n) for n in counts]
        await conn.copy_records_to_table(
            "users",
            records=((uid, f"bench-{i}-{n}@bench.example", f"Bench {i}", "!", NOW) for i, (uid, n) in enumerate(users)),
            columns=["id", "email", "name", "password_hash", "created_at"],
        )

        def all_tasks() -> Iterator[tuple[Any, ...]]:
            for uid, n in users:
                yield from task_rows(uid, n, rng)

        await conn.copy_records_to_table("tasks", records=all_tasks(), columns=TASK_COLUMNS)
        # Conversations: one per measured user with `history` messages, a few short ones elsewhere.
        chatty = [(users[i][0], n) for i, n in enumerate(size.history)]
        chatty += [(uid, rng.randint(2, 40)) for uid, _ in users if rng.random() < size.background_conversations]
        conversation_ids = await conn.fetch(
            "INSERT INTO conversations (user_id, title, created_at, updated_at) "
            "SELECT u, 'Bench conversation', $2, $2 FROM unnest($1::varchar[]) WITH ORDINALITY AS t(u, n) "
            "ORDER BY n RETURNING id",
            [uid for uid, _ in chatty],
            NOW,
        )

        def all_messages() -> Iterator[tuple[Any, ...]]:
            for (uid, n), row in zip(chatty, conversation_ids, strict=True):
                yield from message_rows(row["id"], uid, n, rng)

        await conn.copy_records_to_table(
            "messages",
            records=all_messages(),
            columns=["conversation_id", "user_id", "role", "content", "tool_calls", "created_at"],
        )
        loaded.load_seconds = time.monotonic() - started
        loaded.measured = {n: (users[i][0], conversation_ids[i]["id"]) for i, n in enumerate(size.measured)}
        loaded.users, loaded.tasks = len(users), sum(counts)
        loaded.conversations, loaded.messages = len(chatty), sum(n for _, n in chatty)
        loaded.task_counts = counts
        started = time.monotonic()
        await conn.execute("VACUUM ANALYZE")  # visibility map and statistics, as a live table has them
        loaded.vacuum_seconds = time.monotonic() - started
    finally:
        await conn.close()
    for revision in _revisions_after(LOAD_AT):  # one at a time, each timed
        started = time.monotonic()
        await migrate(database_url, wait_seconds=30, target=revision)
        loaded.seconds_per_migration[revision] = time.monotonic() - started
    loaded.migration_seconds = sum(loaded.seconds_per_migration.values())
    return loaded


def _revisions_after(revision: str) -> list[str]:
    """The migrations after `revision` up to head, oldest first."""
    from alembic.script import ScriptDirectory

    from todo_core.health import alembic_config

    newest_first = ScriptDirectory.from_config(alembic_config()).iterate_revisions("head", revision)
    return [r.revision for r in reversed(list(newest_first))]


def main(argv: list[str] | None = None) -> int:
    from todo_harness.postgres import fresh_database, start_pgserver

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--postgres-url", help="PostgreSQL server to use (default: an embedded one)")
    args = parser.parse_args(argv)
    server = None
    url = args.postgres_url
    if url is None:
        from pathlib import Path

        url, server = start_pgserver(Path(__file__).resolve().parents[2] / ".data" / "bench-postgres")
    try:
        with fresh_database(url, prefix="todo_datagen") as database_url:
            print(asyncio.run(load(database_url, SIZES[args.size])).summary())
    finally:
        if server is not None:
            server.cleanup()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
