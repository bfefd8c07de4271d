"""Brute-force limits on login and sign-up hold across replicas: two backend processes share one
PostgreSQL, and attempts sent to either count against the same per-account and per-address limits.

The backends trust X-Forwarded-For from 127.0.0.1 (FORWARDED_ALLOW_IPS, as behind the frontend),
so each test names its own client address from the documentation ranges (no traffic goes there).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from itertools import cycle

import httpx
import pytest

from todo_harness.plugin import LOG_DIR
from todo_harness.postgres import fetch, run_sync
from todo_harness.processes import ServiceProcess

PER_ACCOUNT = 3
PER_ADDRESS = 6
WINDOW = 600
PASSWORD = "correct-horse-1"


@pytest.fixture(scope="module")
def two_backends(service_env: dict[str, str]) -> Iterator[list[str]]:
    env = {
        **service_env,
        "AUTH_RATE_LIMIT_PER_ACCOUNT": str(PER_ACCOUNT),
        "AUTH_RATE_LIMIT_PER_ADDRESS": str(PER_ADDRESS),
        "AUTH_RATE_WINDOW_SECONDS": str(WINDOW),
    }
    replicas = [ServiceProcess.python_module(f"backend-replica-{i}", "backend", env, log_dir=LOG_DIR) for i in (1, 2)]
    with contextlib.ExitStack() as running:
        yield [running.enter_context(replica.running()).url for replica in replicas]


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def _login(url: str, email: str, password: str, address: str) -> httpx.Response:
    return httpx.post(f"{url}/api/auth/login", json={"email": email, "password": password},
                      headers=_from(address), timeout=30)  # fmt: skip


def _signup(url: str, email: str, address: str) -> httpx.Response:
    return httpx.post(f"{url}/api/auth/signup", json={"email": email, "password": PASSWORD},
                      headers=_from(address), timeout=30)  # fmt: skip


def test_failed_logins_per_account_are_limited_across_both_backends(two_backends: list[str], db: str) -> None:
    urls = cycle(two_backends)
    assert _signup(next(urls), "victim@example.com", "198.51.100.1").status_code == 201
    # Failures alternate between the replicas (and come from different addresses): one account counter.
    for i in range(PER_ACCOUNT):
        assert _login(next(urls), "victim@example.com", "wrong-password", f"203.0.113.{i + 1}").status_code == 401
    blocked = _login(next(urls), "victim@example.com", "wrong-password", "203.0.113.50")
    assert blocked.status_code == 429, blocked.text
    retry_after = int(blocked.headers["Retry-After"])
    assert 0 < retry_after <= WINDOW
    assert "too many login attempts" in blocked.json()["detail"] and "minute" in blocked.json()["detail"]
    # Blocked means blocked: the right password is not even checked until the window ends.
    for url in two_backends:
        right = _login(url, "VICTIM@example.com", PASSWORD, "198.51.100.1")
        assert right.status_code == 429 and int(right.headers["Retry-After"]) <= retry_after
    # Another account is not affected.
    assert _signup(next(urls), "bystander@example.com", "198.51.100.2").status_code == 201
    assert _login(next(urls), "bystander@example.com", PASSWORD, "198.51.100.2").status_code == 200

    # When the window has passed (moved back here instead of waiting 10 minutes), logins work again.
    run_sync(fetch(db, "UPDATE auth_attempts SET window_start = window_start - make_interval(secs => $1)", WINDOW))
    assert _login(next(urls), "victim@example.com", PASSWORD, "198.51.100.1").status_code == 200


def test_successful_logins_do_not_count(two_backends: list[str], db: str) -> None:
    urls = cycle(two_backends)
    assert _signup(next(urls), "regular@example.com", "198.51.100.3").status_code == 201
    for _ in range(PER_ACCOUNT * 3):
        assert _login(next(urls), "regular@example.com", PASSWORD, "198.51.100.3").status_code == 200


def test_failures_per_address_are_limited_across_accounts_and_backends(two_backends: list[str], db: str) -> None:
    urls = cycle(two_backends)
    attacker = "2001:db8:1:2::7"
    # A different account each time (credential stuffing): only the address counter can stop it.
    for i in range(PER_ADDRESS):
        assert _login(next(urls), f"guess{i}@example.com", "password1", attacker).status_code == 401
    blocked = _login(next(urls), "guess-last@example.com", "password1", attacker)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    # IPv6 counts by /64: another address in the same /64 is the same client.
    same_net = _login(next(urls), "guess-other@example.com", "password1", "2001:db8:1:2:ffff::1")
    assert same_net.status_code == 429
    # Another client address is not affected.
    assert _login(next(urls), "guess0@example.com", "password1", "2001:db8:9::1").status_code == 401


def test_signups_are_limited_per_address_and_per_account(two_backends: list[str], db: str) -> None:
    urls = cycle(two_backends)
    for i in range(PER_ADDRESS):
        assert _signup(next(urls), f"new{i}@example.com", "192.0.2.10").status_code == 201
    blocked = _signup(next(urls), "one-more@example.com", "192.0.2.10")
    assert blocked.status_code == 429 and "sign-up" in blocked.json()["detail"]
    assert int(blocked.headers["Retry-After"]) > 0
    stored = run_sync(fetch(db, "SELECT count(*) AS n FROM users WHERE email = 'one-more@example.com'"))
    assert stored[0]["n"] == 0  # refused before anything was written
    # Probing one email (is it registered?) from many addresses: the account counter stops it
    # (its own sign-up above was the first attempt).
    for i in range(PER_ACCOUNT - 1):
        assert _signup(next(urls), "new0@example.com", f"192.0.2.{20 + i}").status_code == 409
    assert _signup(next(urls), "new0@example.com", "192.0.2.99").status_code == 429
