"""Fuzzing: schemathesis against the backend's OpenAPI, and malformed requests to the MCP endpoint.

Backend: every operation of `/openapi.json`, authenticated as a real user (the `user_id` path
parameter is that user's id, so generated requests get past auth and reach the handlers; half of
the `task_id`/`conversation_id` values are ids that exist). Positive and negative data, checked
with `not_a_server_error` and `response_schema_conformance`. About 3,000 cases in total (~80 s).

MCP: invalid JSON, JSON-RPC that breaks the protocol, wrong content types and Accept headers,
oversized bodies → a 4xx with a JSON body (or a JSON-RPC error), never a 5xx or a crash.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from todo_harness.accounts import Account, signup
from todo_harness.processes import ServiceProcess

sys.path.insert(0, str(Path(__file__).parent))
from _stack import MCP_HEADERS, rpc, tool_call

# Every operation the backend publishes; a new route fails `test_every_operation_is_fuzzed`.
OPERATIONS = {
    "health": 10,
    "health_ready": 10,
    "signup": 50,  # argon2 hashing: ~0.1-0.4 s a case
    "login": 50,
    "me": 10,
    "list_tasks": 600,
    "create_task": 600,
    "get_task": 250,
    "update_task": 600,
    "delete_task": 250,
    "toggle_task_complete": 250,
    "chat": 150,
    "chat_stream": 150,  # a 200 is an event stream; a turn that fails after `start` is an `error` event in it
    "list_conversations": 10,
    "list_messages": 250,
    "logout": 10,
}
# No parameters or body left to break (user_id is fixed): negative data cannot be generated.
NO_INPUT = {"health", "health_ready", "me", "list_conversations", "logout"}
MODES = {GenerationMode.POSITIVE: 0.7, GenerationMode.NEGATIVE: 0.3}  # share of each operation's budget
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_user(backend_server: ServiceProcess, agent_server: ServiceProcess) -> Account:
    with httpx.Client(base_url=backend_server.url, timeout=10) as client:
        user = signup(client, "fuzzer@example.com")
        for i in range(10):
            client.post(user.path(), json={"title": f"seed {i}", "tags": ["seed"]}, headers=user.headers)
        reply = client.post(f"/api/{user.id}/chat", json={"message": "Add a task to be fuzzed"}, headers=user.headers)
        assert reply.status_code == 200, reply.text
    return user


@pytest.fixture(scope="module")
def openapi(backend_server: ServiceProcess) -> dict[str, Any]:
    return httpx.get(backend_server.url + "/openapi.json", timeout=10).json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def api_schema(openapi: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_dict(openapi)


def _operation(schema: Any, operation_id: str) -> Any:
    return schema.find_operation_by_id(operation_id)


def test_every_operation_is_fuzzed(openapi: dict[str, Any]) -> None:
    published = {op["operationId"] for path in openapi["paths"].values() for op in path.values()}
    assert published == set(OPERATIONS), published ^ set(OPERATIONS)


def _existing_ids(backend_url: str, user: Account) -> dict[str, list[int]]:
    with httpx.Client(base_url=backend_url, timeout=10) as client:
        tasks = client.get(user.path(), params={"limit": 200}, headers=user.headers).json()["items"]
        if len(tasks) < 5:  # the fuzzer deletes them; keep a few around
            for i in range(5):
                tasks.append(client.post(user.path(), json={"title": f"refill {i}"}, headers=user.headers).json())
        conversations = client.get(f"/api/{user.id}/conversations", headers=user.headers).json()
    return {"task_id": [t["id"] for t in tasks], "conversation_id": [c["id"] for c in conversations]}


FUZZ_CASES = [
    pytest.param(op, mode, id=f"{op}-{mode.value}")
    for op in OPERATIONS
    for mode in MODES
    if not (op in NO_INPUT and mode is GenerationMode.NEGATIVE)
]


@pytest.mark.slow
@pytest.mark.parametrize(("operation_id", "mode"), FUZZ_CASES)
def test_backend_operation_survives_fuzzing(
    api_schema: Any, backend_url: str, fuzz_user: Account, operation_id: str, mode: GenerationMode
) -> None:
    operation = _operation(api_schema, operation_id)
    examples = max(5, int(OPERATIONS[operation_id] * MODES[mode]))
    fixed: dict[str, Any] = {}
    if "{user_id}" in operation.path:
        fixed["user_id"] = fuzz_user.id
    strategies = [operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)]
    for name, ids in _existing_ids(backend_url, fuzz_user).items():
        if f"{{{name}}}" in operation.path and ids:
            strategies.append(
                st.sampled_from(ids).flatmap(
                    lambda i, name=name: operation.as_strategy(generation_mode=mode, path_parameters={**fixed, name: i})
                )
            )
    session = requests.Session()
    statuses: Counter[int] = Counter()
    headers = fuzz_user.headers
    if operation_id == "logout":  # it revokes the token it is sent: not the one every other case uses
        with httpx.Client(base_url=backend_url, timeout=10) as client:
            headers = signup(client).headers

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def run(case: Any) -> None:
        response = case.call(base_url=backend_url, session=session, headers=headers, timeout=30)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    finally:
        session.close()
        counts = dict(sorted(statuses.items()))
        print(f"\n{operation_id} [{mode.value}]: {sum(statuses.values())} cases, statuses {counts}")
    assert not any(code >= 500 for code in statuses)


@pytest.mark.parametrize(
    ("method", "suffix", "params", "body"),
    [
        ("POST", "", None, {"title": "nul \u0000 inside"}),
        ("POST", "", None, {"title": "ok", "tags": ["a\u0000b"]}),
        ("GET", "", {"q": "\u0000"}, None),
        ("POST", "", None, {"title": "ok", "due_at": "0001-01-01T00:00:00Z"}),  # stored as -infinity
        ("POST", "", None, {"title": "ok", "due_at": "0001-01-01T00:00:00+01:00"}),  # before year 1 in UTC
        ("POST", "", None, {"title": "ok", "due_at": "9999-12-31T23:00:00-05:00"}),  # after 9999 in UTC
        ("GET", "", {"due_before": "0001-01-01T00:00:00+01:00"}, None),
    ],
)
def test_inputs_the_fuzzer_broke_are_422(
    backend_server: ServiceProcess, fuzz_user: Account, method: str, suffix: str, params: Any, body: Any
) -> None:
    """Regressions: each of these was a 500 or a response breaking the schema before the fix."""
    with httpx.Client(base_url=backend_server.url, timeout=10) as client:
        response = client.request(method, fuzz_user.path(suffix), params=params, json=body, headers=fuzz_user.headers)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][-1] in {"title", "tags", "q", "due_at", "due_before"}


# ---- the MCP endpoint with malformed input -----------------------------------------------------


@pytest.fixture(scope="module")
def mcp_user(backend_server: ServiceProcess) -> Account:
    with httpx.Client(base_url=backend_server.url, timeout=10) as client:
        return signup(client, "mcp-fuzzer@example.com")


def _post_mcp(mcp_url: str, content: bytes | str, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(mcp_url, content=content, headers=headers, timeout=30)


MALFORMED: dict[str, tuple[bytes | str, dict[str, str]]] = {
    "invalid JSON": ("{not json", MCP_HEADERS),
    "truncated JSON": ('{"jsonrpc": "2.0", "id": 1, "method": "tools/li', MCP_HEADERS),
    "empty body": ("", MCP_HEADERS),
    "JSON string": ('"hello"', MCP_HEADERS),
    "JSON number": ("42", MCP_HEADERS),
    "JSON null": ("null", MCP_HEADERS),
    "empty object": ("{}", MCP_HEADERS),
    "empty batch": ("[]", MCP_HEADERS),
    "batch of garbage": ("[1, 2, 3]", MCP_HEADERS),
    "missing jsonrpc": (json.dumps({"id": 1, "method": "tools/list"}), MCP_HEADERS),
    "wrong jsonrpc version": (json.dumps({"jsonrpc": "1.0", "id": 1, "method": "tools/list"}), MCP_HEADERS),
    "method not a string": (json.dumps({"jsonrpc": "2.0", "id": 1, "method": 7}), MCP_HEADERS),
    "id is an object": (json.dumps({"jsonrpc": "2.0", "id": {"a": 1}, "method": "tools/list"}), MCP_HEADERS),
    "params is a list": (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": [1]}), MCP_HEADERS),
    "deeply nested": ('{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": ' + "[" * 5000 + "]" * 5000 + "}",
                      MCP_HEADERS),
    "invalid UTF-8": (b'{"jsonrpc": "2.0", "id": 1, "method": "\xff\xfe"}', MCP_HEADERS),
    "text/plain": (json.dumps(rpc("tools/list")), {**MCP_HEADERS, "Content-Type": "text/plain"}),
    "form encoded": ("a=1&b=2", {**MCP_HEADERS, "Content-Type": "application/x-www-form-urlencoded"}),
    "no content type": (json.dumps(rpc("tools/list")), {"Accept": MCP_HEADERS["Accept"]}),
    "XML": ("<rpc/>", {**MCP_HEADERS, "Content-Type": "application/xml"}),
    "Accept text/html": (json.dumps(rpc("tools/list")), {**MCP_HEADERS, "Accept": "text/html"}),
    "no Accept": (json.dumps(rpc("tools/list")), {"Content-Type": "application/json"}),
}  # fmt: skip


# What the MCP SDK answers, case by case (all clean; none reaches a tool):
# - JSON that is not a JSON-RPC message, a wrong Accept: 4xx with a JSON-RPC error body;
# - a wrong or missing Content-Type: 400 "Invalid Content-Type header" (plain text, from the SDK);
# - an `id` that is neither a string nor a number: parsed as a notification, 202 with no body;
# - no Accept header at all: the SDK is lenient in JSON-response mode and answers the request.
ANSWERED = {"no Accept"}
IGNORED_AS_NOTIFICATION = {"id is an object"}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_mcp_requests_get_clean_errors(mcp_url: str, mcp_user: Account, case: str) -> None:
    content, headers = MALFORMED[case]
    started = time.monotonic()
    response = _post_mcp(mcp_url, content, {**headers, **mcp_user.headers})
    assert time.monotonic() - started < 5
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text
    if case in ANSWERED:
        assert response.status_code == 200 and "result" in response.json()
    elif case in IGNORED_AS_NOTIFICATION:
        assert response.status_code == 202 and response.content == b""
    else:
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
        assert response.content, "an error says what is wrong"
        if response.headers.get("content-type", "").startswith("application/json"):
            assert "error" in response.json() or "detail" in response.json()
    # Whatever was sent, the server still serves a proper call afterwards.
    ok = _post_mcp(mcp_url, json.dumps(rpc("tools/list")), {**MCP_HEADERS, **mcp_user.headers})
    assert ok.status_code == 200 and len(ok.json()["result"]["tools"]) == 5


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("add_task", {"title": "x" * 100_000}),
        ("add_task", {"title": "ok", "tags": [f"t{i}" for i in range(5000)]}),
        ("add_task", {"title": "ok", "due_at": "not a date"}),
        ("add_task", {"title": "ok", "priority": "urgent"}),
        ("add_task", {"title": None}),
        ("add_task", {}),
        ("complete_task", {"task_id": 2**40}),
        ("complete_task", {"task_id": -1}),
        ("complete_task", {"task_id": "seven"}),
        ("update_task", {"task_id": 1, "description": "d" * 5000}),
        ("list_tasks", {"status": "everything", "query": "q" * 1000}),
        ("no_such_tool", {}),
    ],
)
def test_bad_tool_arguments_are_tool_errors_not_crashes(
    mcp_url: str, mcp_user: Account, name: str, arguments: dict[str, Any]
) -> None:
    response = _post_mcp(mcp_url, json.dumps(tool_call(name, arguments)), {**MCP_HEADERS, **mcp_user.headers})
    assert response.status_code in (200, 413), response.text[:300]
    if response.status_code == 200:
        body = response.json()
        assert body.get("error") or body["result"]["isError"], body


@pytest.mark.parametrize("size_mb", [1, 8])
def test_oversized_mcp_payloads_are_refused(mcp_url: str, mcp_user: Account, size_mb: int) -> None:
    """A body far beyond any real tool call is refused with 413, before it is parsed."""
    arguments = {"title": "big", "description": "d" * (size_mb * 1024 * 1024)}
    body = json.dumps(tool_call("add_task", arguments))
    started = time.monotonic()
    response = _post_mcp(mcp_url, body, {**MCP_HEADERS, **mcp_user.headers})
    assert response.status_code == 413, (response.status_code, response.text[:300])
    assert "limit" in response.json()["detail"]
    assert time.monotonic() - started < 5


def test_oversized_chunked_mcp_payload_is_refused(mcp_url: str, mcp_user: Account) -> None:
    """Without a Content-Length (chunked upload) the limit is enforced while reading."""

    def chunks() -> Any:
        yield json.dumps(tool_call("add_task", {"title": "big"}))[:-2].encode() + b', "description": "'
        for _ in range(64):
            yield b"d" * 65536
        yield b'"}}'

    response = httpx.post(mcp_url, content=chunks(), headers={**MCP_HEADERS, **mcp_user.headers}, timeout=30)
    assert response.status_code == 413, (response.status_code, response.text[:300])
