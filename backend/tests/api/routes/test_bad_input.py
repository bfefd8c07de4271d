"""Bad input gets a 422/413 naming what was wrong, and nothing is written."""

import httpx
import pytest

from todo_harness.accounts import Account
from todo_harness.postgres import fetch


async def _task_count(database_url: str) -> int:
    return (await fetch(database_url, "SELECT count(*) AS n FROM tasks"))[0]["n"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({}, "title"),
        ({"title": None}, "title"),
        ({"title": "ok", "description": "d" * 1001}, "description"),
        ({"title": "ok", "tags": [f"t{i}" for i in range(11)]}, "tags"),
        ({"title": "ok", "tags": ["x" * 33]}, "tags"),
        ({"title": "ok", "tags": [""]}, "tags"),
        ({"title": "ok", "priority": "urgent"}, "priority"),
        ({"title": "ok", "recurrence": "hourly"}, "recurrence"),
        ({"title": "ok", "due_at": "next friday"}, "due_at"),
        ({"title": "ok", "due_at": "2026-13-45T00:00:00Z"}, "due_at"),
        ({"title": "ok", "completed": True}, "completed"),  # unknown fields are refused, not ignored
    ],
)
async def test_create_rejects_and_writes_nothing(
    client: httpx.Client, alice: Account, db: str, body: dict, field: str
) -> None:
    response = client.post(alice.path(), json=body, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"][0]["loc"]
    assert await _task_count(db) == 0


async def test_exactly_at_the_limits_is_accepted(client: httpx.Client, alice: Account, db: str) -> None:
    body = {"title": "x" * 200, "description": "d" * 1000, "tags": [f"{i:032d}" for i in range(10)]}
    assert client.post(alice.path(), json=body, headers=alice.headers).status_code == 201
    assert await _task_count(db) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"priority": None}, "priority"),
        ({"tags": ["a"] * 5 + [f"b{i}" for i in range(7)]}, "tags"),
        ({"due_at": "soon"}, "due_at"),
    ],
)
async def test_update_rejects_and_leaves_task_unchanged(
    client: httpx.Client, alice: Account, db: str, body: dict, field: str
) -> None:
    task = client.post(alice.path(), json={"title": "Keep me", "tags": ["a"]}, headers=alice.headers).json()
    response = client.put(alice.path(f"/{task['id']}"), json=body, headers=alice.headers)
    assert response.status_code == 422
    assert field in response.json()["detail"][0]["loc"]
    assert client.get(alice.path(f"/{task['id']}"), headers=alice.headers).json() == task


@pytest.mark.parametrize("bad_id", ["abc", "1.5", "0", "-3", "99999999999"])
def test_non_integer_or_out_of_range_ids_are_422(client: httpx.Client, alice: Account, bad_id: str) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = client.request(
            method, alice.path(f"/{bad_id}"), headers=alice.headers, json={"title": "x"} if method == "PUT" else None
        )
        assert response.status_code == 422, (method, bad_id)
        assert response.json()["detail"][0]["loc"] == ["path", "task_id"]


async def test_oversized_body_is_413_and_writes_nothing(client: httpx.Client, alice: Account, db: str) -> None:
    big = {"title": "ok", "description": "x" * (70 * 1024)}
    response = client.post(alice.path(), json=big, headers=alice.headers)
    assert response.status_code == 413
    assert "64 KiB" in response.json()["detail"]

    def chunks():  # no Content-Length: the limit applies while streaming too
        yield b'{"title": "ok", "description": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    streamed = client.post(
        alice.path(), content=chunks(), headers={**alice.headers, "content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert await _task_count(db) == 0


def test_malformed_json_is_422(client: httpx.Client, alice: Account) -> None:
    response = client.post(
        alice.path(), content=b"{not json", headers={**alice.headers, "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_unknown_route_is_json_404(client: httpx.Client) -> None:
    response = client.get("/api/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
