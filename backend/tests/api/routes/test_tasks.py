from datetime import UTC, datetime, timedelta

import httpx
import pytest

from todo_harness.accounts import Account


def _create(client: httpx.Client, user: Account, **fields: object) -> dict:
    response = client.post(user.path(), json=fields, headers=user.headers)
    assert response.status_code == 201, response.text
    return response.json()


def _list(client: httpx.Client, user: Account, **params: object) -> dict:
    response = client.get(user.path(), params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _titles(page: dict) -> list[str]:
    return [t["title"] for t in page["items"]]


def test_create_applies_defaults_and_normalises(client: httpx.Client, alice: Account) -> None:
    task = _create(client, alice, title="  Buy milk  ", description="  ", tags=[" Home", "HOME", "errands"])
    assert task["title"] == "Buy milk"
    assert task["description"] is None
    assert task["tags"] == ["home", "errands"]
    assert task["priority"] == "medium"
    assert task["recurrence"] == "none"
    assert task["completed"] is False and task["completed_at"] is None


def test_crud_round_trip(client: httpx.Client, alice: Account) -> None:
    task = _create(client, alice, title="Draft", priority="low")
    got = client.get(alice.path(f"/{task['id']}"), headers=alice.headers).json()
    assert got == task

    updated = client.put(
        alice.path(f"/{task['id']}"),
        headers=alice.headers,
        json={"title": "Final", "due_at": "2026-12-01T09:00:00+01:00", "tags": ["Work"]},
    )
    assert updated.status_code == 200
    body = updated.json()
    assert (body["title"], body["priority"], body["tags"]) == ("Final", "low", ["work"])  # priority untouched
    assert body["due_at"] == "2026-12-01T08:00:00Z"

    cleared = client.put(alice.path(f"/{task['id']}"), headers=alice.headers, json={"due_at": None})
    assert cleared.json()["due_at"] is None and cleared.json()["title"] == "Final"

    assert client.delete(alice.path(f"/{task['id']}"), headers=alice.headers).status_code == 204
    missing = client.get(alice.path(f"/{task['id']}"), headers=alice.headers)
    assert missing.status_code == 404
    assert missing.json() == {"detail": f"task {task['id']} not found"}


def test_toggle_complete_sets_and_clears_completed_at(client: httpx.Client, alice: Account) -> None:
    task = _create(client, alice, title="Toggle me")
    done = client.patch(alice.path(f"/{task['id']}/complete"), headers=alice.headers).json()
    assert done["completed"] is True and done["completed_at"] is not None
    undone = client.patch(alice.path(f"/{task['id']}/complete"), headers=alice.headers).json()
    assert undone["completed"] is False and undone["completed_at"] is None


def test_completing_weekly_task_creates_next_once(client: httpx.Client, alice: Account) -> None:
    task = _create(
        client,
        alice,
        title="Water plants",
        recurrence="weekly",
        due_at="2026-12-01T10:00:00Z",
        priority="high",
        tags=["home"],
    )
    client.patch(alice.path(f"/{task['id']}/complete"), headers=alice.headers)
    items = _list(client, alice, sort="due_date", order="asc")["items"]
    assert len(items) == 2
    nxt = items[1]
    assert nxt["id"] != task["id"] and nxt["completed"] is False
    assert nxt["due_at"] == "2026-12-08T10:00:00Z"
    assert (nxt["title"], nxt["priority"], nxt["tags"], nxt["recurrence"]) == (
        "Water plants",
        "high",
        ["home"],
        "weekly",
    )

    client.patch(alice.path(f"/{task['id']}/complete"), headers=alice.headers)  # un-complete
    assert _list(client, alice)["total"] == 2


@pytest.mark.parametrize(
    ("recurrence", "due", "expected"),
    [
        ("daily", "2026-12-31T10:00:00Z", "2027-01-01T10:00:00Z"),
        ("monthly", "2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z"),
        ("monthly", "2026-12-15T10:00:00Z", "2027-01-15T10:00:00Z"),
    ],
)
def test_recurrence_periods(client: httpx.Client, alice: Account, recurrence: str, due: str, expected: str) -> None:
    task = _create(client, alice, title="Repeat", recurrence=recurrence, due_at=due)
    client.patch(alice.path(f"/{task['id']}/complete"), headers=alice.headers)
    pending = _list(client, alice, status="pending")["items"]
    assert [t["due_at"] for t in pending] == [expected]


@pytest.fixture
def sample(client: httpx.Client, alice: Account) -> dict[str, dict]:
    now = datetime.now(UTC).replace(microsecond=0)
    tasks = {
        "report": _create(
            client,
            alice,
            title="Write report",
            priority="high",
            tags=["work"],
            description="quarterly numbers",
            due_at=(now + timedelta(days=1)).isoformat(),
        ),
        "apples": _create(
            client,
            alice,
            title="buy apples",
            priority="low",
            tags=["home", "errands"],
            due_at=(now + timedelta(days=10)).isoformat(),
        ),
        "call": _create(client, alice, title="Call mom", priority="medium", tags=["family"]),
        "taxes": _create(
            client,
            alice,
            title="File taxes",
            priority="high",
            tags=["work"],
            due_at=(now - timedelta(days=2)).isoformat(),
        ),
        "pct": _create(client, alice, title="100% done_ish", priority="low"),
    }
    client.patch(alice.path(f"/{tasks['call']['id']}/complete"), headers=alice.headers)
    tasks["now"] = {"iso": now.isoformat()}
    return tasks


def test_filters(client: httpx.Client, alice: Account, sample: dict) -> None:
    now = datetime.fromisoformat(sample["now"]["iso"])
    assert _list(client, alice)["total"] == 5
    assert _titles(_list(client, alice, status="completed")) == ["Call mom"]
    assert len(_list(client, alice, status="pending")["items"]) == 4
    assert set(_titles(_list(client, alice, priority="high"))) == {"Write report", "File taxes"}
    assert set(_titles(_list(client, alice, tag="WORK"))) == {"Write report", "File taxes"}
    assert _titles(_list(client, alice, tag="errands")) == ["buy apples"]
    assert _titles(_list(client, alice, q="QUARTERLY")) == ["Write report"]  # description, any case
    assert _titles(_list(client, alice, q="mom")) == ["Call mom"]
    assert _titles(_list(client, alice, q="100%")) == ["100% done_ish"]  # LIKE wildcards are literal
    assert _titles(_list(client, alice, q="_")) == ["100% done_ish"]
    assert _titles(_list(client, alice, due_before=now.isoformat())) == ["File taxes"]
    assert set(_titles(_list(client, alice, due_after=now.isoformat()))) == {"Write report", "buy apples"}
    window = _list(client, alice, due_after=now.isoformat(), due_before=(now + timedelta(days=5)).isoformat())
    assert _titles(window) == ["Write report"]
    combined = _list(client, alice, status="pending", priority="high", tag="work", q="taxes")
    assert _titles(combined) == ["File taxes"]


@pytest.mark.parametrize(
    ("sort", "order", "expected"),
    [
        ("created", "asc", ["Write report", "buy apples", "Call mom", "File taxes", "100% done_ish"]),
        ("created", "desc", ["100% done_ish", "File taxes", "Call mom", "buy apples", "Write report"]),
        ("title", "asc", ["100% done_ish", "buy apples", "Call mom", "File taxes", "Write report"]),
        ("title", "desc", ["Write report", "File taxes", "Call mom", "buy apples", "100% done_ish"]),
        # tasks without a due date come last in both directions
        ("due_date", "asc", ["File taxes", "Write report", "buy apples", "Call mom", "100% done_ish"]),
        ("due_date", "desc", ["buy apples", "Write report", "File taxes", "100% done_ish", "Call mom"]),
        # equal priorities keep id order in the requested direction
        ("priority", "asc", ["buy apples", "100% done_ish", "Call mom", "Write report", "File taxes"]),
        ("priority", "desc", ["File taxes", "Write report", "Call mom", "100% done_ish", "buy apples"]),
    ],
)
def test_sorts(client: httpx.Client, alice: Account, sample: dict, sort: str, order: str, expected: list[str]) -> None:
    assert _titles(_list(client, alice, sort=sort, order=order)) == expected


def test_pagination(client: httpx.Client, alice: Account, sample: dict) -> None:
    first = _list(client, alice, sort="title", order="asc", limit=2)
    second = _list(client, alice, sort="title", order="asc", limit=2, offset=2)
    beyond = _list(client, alice, limit=2, offset=50)
    assert _titles(first) == ["100% done_ish", "buy apples"]
    assert _titles(second) == ["Call mom", "File taxes"]
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert beyond["items"] == [] and beyond["total"] == 5
    assert len(_list(client, alice, limit=200)["items"]) == 5
    for params, field in [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"sort": "size"}, "sort"),
        ({"order": "up"}, "order"),
        ({"status": "done"}, "status"),
        ({"priority": "urgent"}, "priority"),
        ({"due_before": "tomorrow"}, "due_before"),
    ]:
        response = client.get(alice.path(), params=params, headers=alice.headers)
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"][-1] == field


async def test_acknowledged_write_is_already_committed(client: httpx.Client, alice: Account, db: str) -> None:
    """A 201 means durable: the row is visible to another connection the moment the client has it."""
    from todo_harness.postgres import fetch

    for i in range(20):
        created = _create(client, alice, title=f"durable {i}")
        rows = await fetch(db, "SELECT title FROM tasks WHERE id = $1", created["id"])
        assert [r["title"] for r in rows] == [f"durable {i}"], f"write {i} acknowledged before commit"
