"""Issue 19 through the frontend (no browser): its route handlers' metrics on their own port, parsed
with Prometheus' text parser, and one request id from the frontend through backend, agent and MCP
server into each one's log lines.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from todo_harness.plugin import LOG_DIR
from todo_harness.processes import LOOPBACK, ServiceProcess, free_port


@pytest.fixture
def frontend(standalone_frontend: Path, backend_url: str, agent_url: str) -> Iterator[ServiceProcess]:
    port, metrics_port = free_port(), free_port()
    env = {**os.environ, "NODE_ENV": "production", "NEXT_TELEMETRY_DISABLED": "1", "PORT": str(port),
           "HOSTNAME": LOOPBACK, "BACKEND_URL": backend_url, "METRICS_PORT": str(metrics_port)}  # fmt: skip
    process = ServiceProcess(
        name="frontend-metrics", command=[shutil.which("node") or "node", str(standalone_frontend)], port=port,
        env=env, health_path="/api/health", log_dir=LOG_DIR,
    )  # fmt: skip
    with process.running(timeout=60):
        yield process


def _counts(metrics_url: str) -> dict[tuple[str, str, str], float]:
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        text = response.read().decode()
    counts = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "todo_http_requests_total":
                counts[(sample.labels["method"], sample.labels["route"], sample.labels["status"])] = sample.value
    return counts


def _lines_with(service: str, request_id: str) -> list[dict]:
    text = (LOG_DIR / f"{service}.log").read_text(errors="replace")
    return [json.loads(line) for line in text.splitlines() if request_id in line and line.startswith("{")]


def test_route_handler_metrics_and_one_request_id_across_the_four_services(frontend: ServiceProcess) -> None:
    metrics_url = f"http://{LOOPBACK}:{frontend.env['METRICS_PORT']}/metrics"
    before = _counts(metrics_url)
    request_id = f"front-{uuid.uuid4().hex}"
    with httpx.Client(base_url=frontend.url, timeout=60) as client:
        email = f"metrics-{uuid.uuid4().hex[:8]}@example.com"
        signed_up = client.post("/api/auth/signup", json={"email": email, "password": "correct-horse-1"})
        assert signed_up.status_code == 201, signed_up.text
        assert client.get("/api/tasks/987654").status_code == 404  # the backend's 404, relayed
        turn = client.post(
            "/api/chat", json={"message": "Add a task to water the plants"}, headers={"X-Request-ID": request_id}
        )
        assert turn.status_code == 200, turn.text
        assert turn.headers["x-request-id"] == request_id
        made = client.get("/api/health").headers["x-request-id"]  # none given: the frontend makes one
        assert len(made) == 32
    with httpx.Client(timeout=5) as plain:
        assert plain.get(frontend.url + "/metrics").status_code == 404, "metrics must not be on the app's port"

    after = _counts(metrics_url)
    for key, sent in {("POST", "/api/auth/signup", "2xx"): 1, ("GET", "/api/tasks/[id]", "4xx"): 1,
                      ("POST", "/api/chat", "2xx"): 1, ("GET", "/api/health", "2xx"): 1}.items():  # fmt: skip
        assert after.get(key, 0) - before.get(key, 0) == sent, key
    assert not [k for k in after if "987654" in k[1]], "a raw path reached a label"

    user_id = signed_up.json()["user"]["id"]
    for service in ("backend", "agent", "mcp-server"):
        lines = _lines_with(service, request_id)
        assert lines and all(line["request_id"] == request_id for line in lines), service
        assert {line.get("user_id") for line in lines} == {user_id}, service
