"""User B must never read or change user A's data, whatever path or id B uses."""

import httpx
import pytest

from todo_harness.accounts import Account


@pytest.fixture
def alice_task(client: httpx.Client, alice: Account) -> dict:
    response = client.post(alice.path(), json={"title": "Alice's secret"}, headers=alice.headers)
    return response.json()


def _routes(path_user: Account, task_id: int) -> list[tuple[str, str, dict | None]]:
    return [
        ("GET", path_user.path(), None),
        ("POST", path_user.path(), {"title": "intruder"}),
        ("GET", path_user.path(f"/{task_id}"), None),
        ("PUT", path_user.path(f"/{task_id}"), {"title": "hijacked"}),
        ("DELETE", path_user.path(f"/{task_id}"), None),
        ("PATCH", path_user.path(f"/{task_id}/complete"), None),
    ]


def test_b_gets_403_on_a_user_path(client: httpx.Client, alice: Account, bob: Account, alice_task: dict) -> None:
    for method, url, body in _routes(alice, alice_task["id"]):
        response = client.request(method, url, json=body, headers=bob.headers)
        assert response.status_code == 403, (method, url)
        assert response.json() == {"detail": "this user_id is not the token's user"}


def test_b_gets_404_for_a_task_ids_on_own_path(
    client: httpx.Client, alice: Account, bob: Account, alice_task: dict
) -> None:
    never_existed = 999_999
    for (method, url, body), (_, never_url, _) in zip(
        _routes(bob, alice_task["id"])[2:], _routes(bob, never_existed)[2:], strict=True
    ):
        response = client.request(method, url, json=body, headers=bob.headers)
        never = client.request(method, never_url, json=body, headers=bob.headers)
        assert response.status_code == never.status_code == 404, (method, url)
        # The same answer as for a task that never existed: nothing reveals A's task.
        assert response.json() == {"detail": f"task {alice_task['id']} not found"}
        assert never.json() == {"detail": f"task {never_existed} not found"}
    assert client.get(bob.path(), headers=bob.headers).json()["items"] == []
    untouched = client.get(alice.path(f"/{alice_task['id']}"), headers=alice.headers).json()
    assert untouched == alice_task
