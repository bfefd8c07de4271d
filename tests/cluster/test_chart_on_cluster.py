"""The chart on a real cluster: installed under the restricted Pod Security profile, smoke-tested,
`helm test`ed, upgraded and rolled back under steady traffic, healed, re-keyed, reinstalled.

The tests run in order on one release (module scope); each builds on the state the previous one
left, the way an operator's day goes. Traffic during rollouts runs inside the cluster
(tests/cluster/traffic.py) through backend-service, so a rollout is seen as users see it.
"""

from __future__ import annotations

import base64
import contextlib
import os
import time
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from todo_core.health import schema_head
from todo_harness.browser import add_task, sign_up, task_item, unique_email
from todo_harness.processes import http_status

from .conftest import RELEASE, SERVICES, WORKLOADS, Release

SECRET_READERS = ("backend", "mcp-server", "ai-agent")


def ready_pods(release: Release) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for component in (*WORKLOADS, "postgresql"):
        out[component] = [
            p["metadata"]["name"]
            for p in release.workload_pods(component)
            if any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))
        ]
    return out


def assert_no_failures(label: str, traffic: dict[str, Any], allowed: int = 0) -> None:
    print(
        f"\n{label}: {traffic['sent']} requests in {traffic['seconds']} s, {len(traffic['failures'])} failed, "
        f"{traffic['acknowledged_writes']} writes acknowledged, {len(traffic['lost_writes'])} lost"
    )
    assert not traffic["lost_writes"], f"{label}: acknowledged writes lost: {traffic['lost_writes']}"
    assert len(traffic["failures"]) <= allowed, f"{label}: failed requests: {traffic['failures']}"
    assert traffic["sent"] >= 20, f"{label}: too little traffic to tell ({traffic['sent']} requests)"


@pytest.fixture(scope="module")
def installed(release: Release) -> Release:
    release.figures["install_seconds"] = round(release.install(), 1)
    return release


# ---- install ----------------------------------------------------------------------------------------


def test_install_under_the_restricted_profile_brings_every_pod_ready(installed: Release) -> None:
    namespace = installed.cluster.json("get", "namespace", installed.namespace)
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    pods = ready_pods(installed)
    assert all(pods[c] for c in (*WORKLOADS, "postgresql")), pods
    # Admission has nothing to say about any pod the chart made (a dry-run of the label lists violators).
    check = installed.cluster.kubectl(
        "label",
        "--dry-run=server",
        "--overwrite",
        "namespace",
        installed.namespace,
        "pod-security.kubernetes.io/enforce=restricted",
    )
    assert "violate" not in check.stderr.lower() and "warning" not in check.stderr.lower(), check.stderr
    print(f"\ninstall --wait: {installed.figures['install_seconds']} s")


def test_the_migration_was_applied_once_at_head(installed: Release) -> None:
    assert installed.sql("SELECT version_num FROM alembic_version") == schema_head()
    assert installed.sql("SELECT count(*) FROM alembic_version") == "1"


def test_the_smoke_test_passes_through_port_forwards(installed: Release, smoke: ModuleType) -> None:
    urls = {}
    with contextlib.ExitStack() as stack:
        for component, (service, port, health) in SERVICES.items():
            urls[component] = stack.enter_context(installed.port_forward(f"svc/{service}", port, health))
        smoke.run(
            smoke.Stack(
                frontend=urls["frontend"], backend=urls["backend"], mcp=urls["mcp-server"], agent=urls["ai-agent"]
            )
        )


def test_the_frontend_page_works_in_the_browser(installed: Release, page: Page) -> None:
    service, port, health = SERVICES["frontend"]
    with installed.port_forward(f"svc/{service}", port, health) as url:
        sign_up(page, url, unique_email("cluster"))
        add_task(page, "Added on the cluster", "medium", "k8s", datetime.now() + timedelta(days=2))
        page.reload()
        expect(task_item(page, "Added on the cluster")).to_be_visible()


def test_helm_test_passes_and_shows_its_logs(installed: Release) -> None:
    result = installed.helm("test", RELEASE, "--logs", timeout=600)
    assert "all checks passed" in result.stdout, result.stdout[-3000:]
    assert "ok   sign-up" in result.stdout
    # The pod stays (before-hook-creation only) until the next run, so its logs can be read later too.
    assert installed.pods("app.kubernetes.io/component=test"), "the helm test pod was deleted"


# ---- upgrade, healing, rollback ---------------------------------------------------------------------


def test_upgrade_to_a_new_tag_with_two_replicas_drops_no_request(
    installed: Release, cluster_images: dict[str, str]
) -> None:
    started = time.time()
    with installed.traffic() as traffic:
        seconds = installed.upgrade(
            "--set",
            f"global.image.tag={cluster_images['upgrade_tag']}",
            "--set",
            "backend.replicaCount=2",
            "--set",
            "frontend.replicaCount=2",
        )
    installed.figures["upgrade_seconds"] = round(seconds, 1)
    installed.figures["upgrade_traffic"] = {k: traffic[k] for k in ("sent", "acknowledged_writes")} | {
        "failed": len(traffic["failures"])
    }
    assert_no_failures("upgrade", traffic)
    backends = installed.workload_pods("backend")
    assert len(backends) == 2
    assert all(p["spec"]["containers"][0]["image"].endswith(":" + cluster_images["upgrade_tag"]) for p in backends)
    # The pre-upgrade hook Job ran (and was deleted after it succeeded): its events remain.
    events = installed.json(
        "get", "events", "--field-selector", f"involvedObject.kind=Job,involvedObject.name={RELEASE}-migrate"
    )
    completed = [e for e in events["items"] if e["reason"] == "Completed"]
    assert completed, "the pre-upgrade migration Job did not run"
    assert any(_event_time(e) >= started - 5 for e in completed), "the migration Job's completion predates the upgrade"


def _event_time(event: dict[str, Any]) -> float:
    stamp = event.get("lastTimestamp") or event.get("eventTime") or event["metadata"]["creationTimestamp"]
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


@pytest.mark.parametrize("component", ["backend", "frontend"])
def test_a_deleted_pod_is_replaced_without_losing_requests(installed: Release, component: str) -> None:
    victim = installed.workload_pods(component)[0]["metadata"]["name"]
    start = time.monotonic()
    with installed.traffic() as traffic:
        installed.kubectl("delete", "pod", victim, "--wait=true", timeout=120)
        deadline = time.monotonic() + 180
        while len(ready_pods(installed)[component]) < 2:
            assert time.monotonic() < deadline, f"no Ready replacement for {victim} within 180 s"
            time.sleep(1)
    installed.figures[f"{component}_pod_replaced_seconds"] = round(time.monotonic() - start, 1)
    assert victim not in ready_pods(installed)[component]
    assert_no_failures(f"delete {component} pod", traffic, allowed=1)  # at most the one in flight


def test_a_postgres_restart_turns_readiness_503_and_back_and_keeps_acknowledged_writes(installed: Release) -> None:
    backend = installed.workload_pods("backend")[0]["metadata"]["name"]
    database = installed.workload_pods("postgresql")[0]["metadata"]["name"]
    _, port, health = SERVICES["backend"]
    seen: list[int | None] = []
    with installed.traffic() as traffic, installed.port_forward(f"pod/{backend}", port, "/health") as url:
        installed.kubectl("delete", "pod", database, "--wait=false")
        start = time.monotonic()
        while time.monotonic() - start < 240:
            seen.append(http_status(url + health, timeout=3))
            if 503 in seen and seen[-1] == 200:
                break
            time.sleep(0.5)
        recovered = time.monotonic() - start
    installed.figures["postgres_restart_recovery_seconds"] = round(recovered, 1)
    assert 503 in seen, f"readiness never reported the database down: {seen[:20]}"
    assert seen[-1] == 200, f"readiness did not come back within 240 s: {seen[-10:]}"
    print(
        f"\npostgres restart: readiness 503 and back to 200 in {recovered:.1f} s; "
        f"{len(traffic['failures'])} of {traffic['sent']} requests failed meanwhile"
    )
    assert not traffic["lost_writes"], f"acknowledged writes lost: {traffic['lost_writes']}"


def test_rollback_to_the_first_revision_drops_no_request(installed: Release, cluster_images: dict[str, str]) -> None:
    start = time.monotonic()
    with installed.traffic() as traffic:
        installed.helm("rollback", RELEASE, "1", "--wait", "--timeout", "10m")
    installed.figures["rollback_seconds"] = round(time.monotonic() - start, 1)
    installed.figures["rollback_traffic"] = {"sent": traffic["sent"], "failed": len(traffic["failures"])}
    assert_no_failures("rollback", traffic)
    for name in WORKLOADS:
        installed.wait_rollout(f"deployment/{RELEASE}-{name}")
    backends = installed.workload_pods("backend")
    assert len(backends) == 1 and backends[0]["spec"]["containers"][0]["image"].endswith(":" + cluster_images["tag"])


# ---- configuration and lifecycle --------------------------------------------------------------------


def _secret(release: Release) -> dict[str, str]:
    data = release.json("get", "secret", f"{RELEASE}-secrets")["data"]
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


def test_a_new_auth_secret_through_values_rolls_the_pods_that_read_it(installed: Release, smoke: ModuleType) -> None:
    before = {c: {p["metadata"]["name"] for p in installed.workload_pods(c)} for c in WORKLOADS}
    new_secret = os.urandom(24).hex()
    installed.upgrade("--set", f"global.secrets.authSecret={new_secret}")
    for name in WORKLOADS:
        installed.wait_rollout(f"deployment/{RELEASE}-{name}")
    after = {c: {p["metadata"]["name"] for p in installed.workload_pods(c)} for c in WORKLOADS}
    rolled = {c for c in WORKLOADS if not before[c] & after[c]}
    assert rolled == set(SECRET_READERS), f"rolled: {rolled}"
    assert _secret(installed)["AUTH_SECRET"] == new_secret
    installed.figures["auth_secret"] = "rotated"


def test_uninstall_then_install_keeps_the_data_and_the_generated_secrets(installed: Release, smoke: ModuleType) -> None:
    service, port, health = SERVICES["backend"]
    with installed.port_forward(f"svc/{service}", port, health) as url:
        stack = smoke.Stack(backend=url)
        account = smoke.sign_up(stack)
        smoke.check_tasks(stack, account, smoke.SmokeResult(account=account))
    secret_before = _secret(installed)

    installed.helm("uninstall", RELEASE, "--wait", timeout=300)
    assert installed.json("get", "secret", f"{RELEASE}-secrets"), "the Secret is kept (helm.sh/resource-policy: keep)"
    assert installed.json("get", "pvc")["items"], "the database volume is kept"
    # Reinstall exactly as the first time (no secret values given): the kept Secret is read back.
    installed.figures["reinstall_seconds"] = round(installed.install(), 1)
    assert _secret(installed) == secret_before
    with installed.port_forward(f"svc/{service}", port, health) as url:
        stack = smoke.Stack(backend=url)
        status, body, _ = smoke.call("GET", f"{url}/api/auth/me", token=account.token)
        assert status == 200 and body["email"] == account.email, "a token issued before the reinstall still verifies"
        assert "Smoke test task" in smoke.task_titles(stack, account)
