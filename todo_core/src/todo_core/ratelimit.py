"""Brute-force limits on sign-in and sign-up: fixed-window attempt counters in PostgreSQL.

The counters live in the database (table `auth_attempts`), not in process memory, so every backend
replica counts against the same limit and a restart forgets nothing. Each attempt is counted
*before* the password is checked, in one atomic upsert, so concurrent attempts on several replicas
cannot slip past the limit together.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# Count one more attempt for `key`, starting a new window when the old one has passed; returns
# the count in the current window and the seconds until that window ends.
_HIT = text(
    """
    INSERT INTO auth_attempts AS a (key, window_start, attempts) VALUES (:key, clock_timestamp(), 1)
    ON CONFLICT (key) DO UPDATE SET
        attempts = CASE WHEN a.window_start <= clock_timestamp() - make_interval(secs => :window)
                        THEN 1 ELSE a.attempts + 1 END,
        window_start = CASE WHEN a.window_start <= clock_timestamp() - make_interval(secs => :window)
                            THEN clock_timestamp() ELSE a.window_start END
    RETURNING attempts,
              extract(epoch FROM a.window_start + make_interval(secs => :window) - clock_timestamp())::float8 AS left
    """
)


@dataclass(frozen=True)
class Limit:
    attempts: int
    window_seconds: int


class RateLimited(Exception):
    """Too many attempts; `retry_after` is whole seconds until the blocking window ends."""

    def __init__(self, retry_after: int, action: str) -> None:
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(f"too many {action} attempts; try again in {minutes} minute{'s' if minutes != 1 else ''}")


def address_key(address: str | None) -> str:
    """The client address as counted: IPv6 by its /64 (one host usually owns a whole /64)."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def account_key(email: str) -> str:
    return email.strip().lower()[:320]


class AuthRateLimiter:
    """Per-account and per-address limits for one action ("login" or "sign-up")."""

    def __init__(
        self, factory: async_sessionmaker[AsyncSession], action: str, per_account: Limit, per_address: Limit
    ) -> None:
        self.factory = factory
        self.action = action
        self.per_account = per_account
        self.per_address = per_address

    def _keys(self, email: str, address: str | None) -> list[tuple[str, Limit]]:
        return [
            (f"{self.action}:account:{account_key(email)}", self.per_account),
            (f"{self.action}:address:{address_key(address)}", self.per_address),
        ]

    async def attempt(self, email: str, address: str | None) -> None:
        """Count this attempt; raise RateLimited when either counter is past its limit.

        Its own transaction, committed at once: a failed sign-in rolls the request's session
        back, and the attempt must still count.
        """
        waits: list[float] = []
        async with self.factory() as session, session.begin():
            for key, limit in self._keys(email, address):
                row = (await session.execute(_HIT, {"key": key, "window": limit.window_seconds})).one()
                if row.attempts > limit.attempts:
                    waits.append(row.left)
            # Old windows are dead weight; a cheap indexed delete keeps the table small.
            await session.execute(
                text("DELETE FROM auth_attempts WHERE window_start < clock_timestamp() - make_interval(secs => :w)"),
                {"w": max(self.per_account.window_seconds, self.per_address.window_seconds)},
            )
        if waits:
            raise RateLimited(max(1, math.ceil(max(waits))), self.action)

    async def succeeded(self, email: str, address: str | None) -> None:
        """A successful sign-in: only failures count, so take this attempt back."""
        async with self.factory() as session, session.begin():
            for key, _limit in self._keys(email, address):
                await session.execute(
                    text("UPDATE auth_attempts SET attempts = greatest(attempts - 1, 0) WHERE key = :key"),
                    {"key": key},
                )
