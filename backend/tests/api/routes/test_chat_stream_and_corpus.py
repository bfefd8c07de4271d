"""Through the real stack (backend → agent → MCP → PostgreSQL): the corpus's end-to-end third with task
state checked over REST, time zones, and streamed turns (first text before the end; the stored
conversation equals the JSON turn's; a client that leaves mid-stream still gets a consistent one)."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from todo_harness.accounts import Account, signup
from todo_harness.sse import TimedEvent, post_stream

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "agent" / "tests"))
from corpus import CASES, GIVEN, Case

pytestmark = pytest.mark.slow


@pytest.fixture
def http(backend_url: str, agent_url: str, db: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend_url, timeout=60) as client:
        yield client


def seed(http: httpx.Client, user: Account) -> None:
    for spec in GIVEN:
        task = http.post(user.path(), json={k: v for k, v in spec.items() if k != "completed"}, headers=user.headers)
        assert task.status_code == 201, task.text
        if spec.get("completed"):
            http.patch(user.path(f"/{task.json()['id']}/complete"), headers=user.headers).raise_for_status()


def tasks(http: httpx.Client, user: Account) -> dict[int, dict[str, Any]]:
    items = http.get(user.path(), params={"limit": 200}, headers=user.headers).json()["items"]
    return {t["id"]: t for t in items}


def state_matches(case: Case, calls: list[dict[str, Any]], after: dict[int, dict[str, Any]]) -> None:
    """The last call's effect, read back over REST."""
    if not calls:
        assert len(after) == len(GIVEN), case.say
        return
    last = calls[-1]
    name, args = last["name"], last["arguments"]
    if name == "add_task":
        assert any(t["title"] == args["title"] for t in after.values()), (case.say, after)
        for call in calls:
            if call["name"] == "add_task":
                task = next(t for t in after.values() if t["title"] == call["arguments"]["title"])
                for key in ("priority", "recurrence", "tags"):
                    if key in call["arguments"]:
                        assert task[key] == call["arguments"][key], (case.say, key)
                if "due_at" in call["arguments"]:
                    assert datetime.fromisoformat(task["due_at"]) == datetime.fromisoformat(call["arguments"]["due_at"])
    elif name == "complete_task":
        assert after[args["task_id"]]["completed"] is True, case.say
    elif name == "delete_task":
        assert args["task_id"] not in after, case.say
    elif name == "update_task":
        task = after[args["task_id"]]
        for key, value in args.items():
            if key == "due_at":
                assert datetime.fromisoformat(task["due_at"]) == datetime.fromisoformat(value)
            elif key != "task_id":
                assert task[key] == value, (case.say, key, task)


E2E = [c for c in CASES if c.e2e]


@pytest.mark.parametrize("case", E2E, ids=[c.say[:50] for c in E2E])
def test_corpus_end_to_end(http: httpx.Client, case: Case) -> None:
    from corpus import Case as _  # noqa: F401  (the same table as the model-level run)

    sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "agent" / "tests"))
    from test_corpus import check

    user = signup(http)
    seed(http, user)
    ids = sorted(tasks(http, user))
    assert ids == [1, 2, 3, 4], "the corpus expects ids 1-4 (the db fixture restarts the sequences)"
    response = http.post(f"/api/{user.id}/chat", json={"message": case.say}, headers=user.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    calls = body["tool_calls"]
    check(case, [(c["name"], c["arguments"]) for c in calls], body["response"])
    state_matches(case, calls, tasks(http, user))


@pytest.mark.parametrize(
    ("zone", "message", "day_offset", "hour"),
    [
        ("Asia/Tokyo", "feed the cat tomorrow at 9am", 1, 9),
        ("Pacific/Kiritimati", "call the bank today at 11pm", 0, 23),  # UTC+14
        ("America/Los_Angeles", "water the plants tomorrow at 7am", 1, 7),
        ("Pacific/Honolulu", "pay rent tomorrow at 12am", 1, 0),  # UTC-10
    ],
)
def test_times_are_read_in_the_users_zone_and_stored_in_utc(
    http: httpx.Client, zone: str, message: str, day_offset: int, hour: int
) -> None:
    user = signup(http)
    before = datetime.now(ZoneInfo(zone))
    response = http.post(f"/api/{user.id}/chat", json={"message": message, "timezone": zone}, headers=user.headers)
    assert response.status_code == 200, response.text
    [task] = tasks(http, user).values()
    due = datetime.fromisoformat(task["due_at"])
    assert due.utcoffset() == timedelta(0), "stored in UTC"
    local = due.astimezone(ZoneInfo(zone))
    after = datetime.now(ZoneInfo(zone))
    assert local.hour == hour and local.minute == 0
    # the user's today, not UTC's (either side of a midnight crossed during the request)
    assert local.date() in {before.date() + timedelta(days=day_offset), after.date() + timedelta(days=day_offset)}
    assert f"{local:%H:%M}" in response.json()["response"] or hour == 12


def test_an_unknown_zone_is_a_422_naming_the_field(http: httpx.Client) -> None:
    user = signup(http)
    response = http.post(
        f"/api/{user.id}/chat", json={"message": "hi", "timezone": "Mars/Olympus"}, headers=user.headers
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "timezone"


def stream(http: httpx.Client, user: Account, body: dict[str, Any]) -> tuple[list[TimedEvent], float]:
    """The events of one streamed turn with the seconds each arrived after the request started."""
    return post_stream(http, f"/api/{user.id}/chat/stream", body, user.headers)


def stored(http: httpx.Client, user: Account, cid: int) -> list[tuple[str, str, Any]]:
    messages = http.get(f"/api/{user.id}/conversations/{cid}/messages", headers=user.headers).json()
    return [(m["role"], m["content"], m["tool_calls"]) for m in messages]


SCRIPT = ["add buy milk", "make it high priority", "add three tasks: wash car, pay rent, book flights",
          "what's pending?", "delete everything", "yes", "undo that"]  # fmt: skip


def test_a_streamed_conversation_is_stored_as_the_json_one(http: httpx.Client) -> None:
    """Two users say the same, one through the JSON route and one streamed: the stored conversations
    are the same, once task ids (the second user's are higher) are renumbered in order of appearance."""

    def run(streamed: bool) -> list[tuple[str, str, Any]]:
        user = signup(http)
        cid = None
        for text in SCRIPT:
            body: dict[str, Any] = {"message": text, **({"conversation_id": cid} if cid else {})}
            if streamed:
                events, _ = stream(http, user, body)
                names = [e[0] for e in events]
                assert names[0] == "start" and names[-1] == "done", names
                cid = events[0][1]["conversation_id"]
                done = events[-1][1]
                assert "".join(e[1]["delta"] for e in events if e[0] == "text") == done["response"]
            else:
                reply = http.post(f"/api/{user.id}/chat", json=body, headers=user.headers)
                assert reply.status_code == 200, reply.text
                cid = reply.json()["conversation_id"]
        return stored(http, user, cid)

    def renumbered(rows: list[tuple[str, str, Any]]) -> str:
        ids: dict[str, str] = {}
        # "(task 3)" in replies, "task_id": 3 in results and arguments, "id": 3 in listings
        return re.sub(
            r'(task |"task_id": |"id": )(\d+)',
            lambda m: m.group(1) + ids.setdefault(m.group(2), f"#{len(ids)}"),
            json.dumps(rows, sort_keys=True),
        )

    plain, streamed = run(False), run(True)
    assert len(plain) == 2 * len(SCRIPT)
    assert renumbered(streamed) == renumbered(plain)


def test_first_text_reaches_the_client_before_the_turn_completes(http: httpx.Client) -> None:
    user = signup(http)
    events, total = stream(http, user, {"message": "add three tasks: wash car, pay rent, book flights"})
    names = [e[0] for e in events]
    first_text = next(t for name, _, t in events if name == "text")
    done_at = next(t for name, _, t in events if name == "done")
    print(f"\n[stream] first text after {first_text * 1000:.1f} ms, done after {done_at * 1000:.1f} ms")
    assert names.index("tool_call") < names.index("tool_result") < names.index("text") < names.index("done")
    assert first_text <= done_at <= total


def test_a_client_that_leaves_mid_stream_leaves_a_consistent_conversation(http: httpx.Client) -> None:
    user = signup(http)
    name, cid = "", None
    with http.stream("POST", f"/api/{user.id}/chat/stream", json={"message": "add walk the dog"},
                     headers=user.headers) as response:  # fmt: skip
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:") and name == "start":
                cid = json.loads(line[5:])["conversation_id"]
                break  # leave right after the acknowledgement
    assert cid is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(stored(http, user, cid)) < 2:
        time.sleep(0.1)  # the turn finishes in the background
    rows = stored(http, user, cid)
    assert [r[0] for r in rows] == ["user", "assistant"], "waited 30 s for the reply to be stored"
    assert rows[1][1].startswith("Added 'Walk the dog'") and rows[1][2][0]["name"] == "add_task"
    assert [t["title"] for t in tasks(http, user).values()] == ["Walk the dog"]
