"""The request-id and metrics middleware (todo_core.observability) on a small Starlette app, in process."""

from __future__ import annotations

import logging

import httpx
import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from todo_core.logging import RequestContextFilter, user_id_var
from todo_core.observability import accepted_request_id

log = logging.getLogger("test.observability")


async def item(request: Request) -> Response:
    user_id_var.set("user-1")
    log.warning("looked at an item")
    return JSONResponse({"id": request.path_params["item_id"]})


async def broken(_: Request) -> Response:
    return JSONResponse({"detail": "database unavailable, try again shortly"}, status_code=503)


@pytest.fixture
def client() -> httpx.AsyncClient:
    from todo_core.observability import RequestContext

    app = Starlette(
        routes=[Route("/items/{item_id}", item), Route("/broken", broken)], middleware=[Middleware(RequestContext)]
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def count(route: str, status: str) -> float:
    value = REGISTRY.get_sample_value("todo_http_requests_total", {"method": "GET", "route": route, "status": status})
    return value or 0.0


@pytest.mark.parametrize(
    ("given", "kept"),
    [("abc-123_x.y:z", True), ("a" * 128, True), ("a" * 129, False), ("has space", False), ("", False),
     ("-leading-dash", False), ("ünïcode", False), (None, False)],
)  # fmt: skip
def test_a_request_id_is_kept_only_when_it_is_safe(given: str | None, kept: bool) -> None:
    assert (accepted_request_id(given) == given) is kept
    assert accepted_request_id(given)  # never empty


async def test_the_id_comes_back_and_routes_are_counted_by_template(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(RequestContextFilter())
    before, unmatched = count("/items/{item_id}", "2xx"), count("unmatched", "4xx")
    answer = await client.get("/items/42", headers={"X-Request-ID": "given-id"})
    assert answer.headers["x-request-id"] == "given-id"
    fresh = await client.get("/items/43")
    assert len(fresh.headers["x-request-id"]) == 32
    assert (await client.get("/nowhere/7")).status_code == 404
    assert count("/items/{item_id}", "2xx") == before + 2
    assert count("unmatched", "4xx") == unmatched + 1
    [first, _] = [r for r in caplog.records if r.getMessage() == "looked at an item"]
    assert (first.request_id, first.user_id) == ("given-id", "user-1")  # type: ignore[attr-defined]


async def test_a_server_error_body_carries_the_request_id(client: httpx.AsyncClient) -> None:
    answer = await client.get("/broken", headers={"X-Request-ID": "support-7"})
    assert answer.status_code == 503
    assert answer.json() == {"detail": "database unavailable, try again shortly", "request_id": "support-7"}
    assert int(answer.headers["content-length"]) == len(answer.content)
