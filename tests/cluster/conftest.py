"""The cluster tier: the chart on the Kubernetes cluster that `KUBECONFIG` (or ~/.kube/config) names.

Images come from the container tier (`built_images`, on the engine `DOCKER_HOST` names) and are put
into the cluster by `CLUSTER_LOAD_IMAGE` (a command taking image names: the k8s kit's load-image.sh
in CI), else by `kind load docker-image` / `minikube image load` on those clusters. `HELM` names the
helm command (default: `helm` on PATH). Each run installs into its own namespace, labelled to enforce
the restricted Pod Security profile from the start, and deletes it afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.deploy._repo import contract, names
from todo_harness.postgres import REPO_ROOT
from todo_harness.processes import free_port, wait_for
from todo_harness.tiers import docker_env, tier_unavailable

CHART = REPO_ROOT / "helm" / "todo-app"
RELEASE = "todo"
UPGRADE_TAG_SUFFIX = "-upgrade"  # the "new image tag" an upgrade rolls to (the same images, retagged)
TRAFFIC_SCRIPT = Path(__file__).with_name("traffic.py")
# The four workloads by chart name (app.kubernetes.io/name; Deployment "todo-<name>"), with their
# Service, port and readiness path (the chart's global.services defaults).
SERVICES = {
    n.service: (n.k8s_service, contract()[n.compose].port, contract()[n.compose].health_paths[-1])
    for n in names().values()
}
WORKLOADS = tuple(SERVICES)
PSA_LABELS = {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "warn", "audit")}


def run(
    command: list[str], timeout: float = 120, check: bool = True, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{shlex.join(command)} -> {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def service_url(workload: str) -> str:
    """The in-cluster URL of a workload's Service (same namespace)."""
    service, port, _ = SERVICES[workload]
    return f"http://{service}:{port}"


def chart_app_version() -> str:
    return re.search(r'^appVersion: "([^"]+)"', (CHART / "Chart.yaml").read_text(), re.M).group(1)  # type: ignore[union-attr]


def chart_postgres_image() -> str:
    values = (CHART / "values.yaml").read_text()
    tag = re.search(r'^postgresql:\n(?:.*\n)*?\s+tag: "([^"]+)"', values, re.M).group(1)  # type: ignore[union-attr]
    return f"postgres:{tag}"


@dataclass
class Cluster:
    context: str
    server_version: str
    helm: list[str]

    def kubectl(
        self, *args: str, timeout: float = 120, check: bool = True, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        return run(["kubectl", *args], timeout=timeout, check=check, **kwargs)

    def json(self, *args: str) -> Any:
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def helm_cmd(self, *args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run([*self.helm, *args], timeout=timeout, check=check, cwd=REPO_ROOT)


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    if shutil.which("kubectl") is None:
        tier_unavailable("cluster", "kubectl is not installed")
    where = f"KUBECONFIG={os.environ['KUBECONFIG']}" if os.environ.get("KUBECONFIG") else "~/.kube/config"
    probe = run(["kubectl", "version", "-o", "json", "--request-timeout=10s"], check=False, timeout=30)
    if probe.returncode != 0 or "serverVersion" not in probe.stdout:
        tier_unavailable("cluster", f"no Kubernetes cluster answers at {where}")
    helm = shlex.split(os.environ.get("HELM", "helm"))
    if shutil.which(helm[0]) is None:
        tier_unavailable("cluster", f"no helm command ({helm[0]}): install Helm or set HELM")
    context = run(["kubectl", "config", "current-context"], check=False).stdout.strip()
    version = json.loads(probe.stdout)["serverVersion"]["gitVersion"]
    return Cluster(context=context, server_version=version, helm=helm)


def _loader(context: str) -> list[str]:
    if command := os.environ.get("CLUSTER_LOAD_IMAGE"):
        return shlex.split(command)
    if context.startswith("kind-") and shutil.which("kind"):
        return ["kind", "load", "docker-image", "--name", context.removeprefix("kind-")]
    if context == "minikube" and shutil.which("minikube"):
        return ["minikube", "image", "load"]
    tier_unavailable(
        "cluster",
        f"no way to load images into context {context!r}: set CLUSTER_LOAD_IMAGE to a command taking image names",
    )


@pytest.fixture(scope="session")
def cluster_images(cluster: Cluster, built_images: list[dict]) -> dict[str, str]:
    """The runtime images (under the chart's tag and the upgrade tag) and the chart's PostgreSQL image,
    put into the cluster. Returns {"tag": ..., "upgrade_tag": ...}."""
    tag = chart_app_version()
    upgrade_tag = tag + UPGRADE_TAG_SUFFIX
    images = []
    for row in built_images:
        run(["docker", "tag", f"{row['image']}:{tag}", f"{row['image']}:{upgrade_tag}"], env=docker_env())
        images += [f"{row['image']}:{tag}", f"{row['image']}:{upgrade_tag}"]
    postgres = chart_postgres_image()
    if run(["docker", "image", "inspect", postgres], check=False, env=docker_env()).returncode == 0:
        images.append(postgres)  # else the cluster pulls it from its registry
    loader = _loader(cluster.context)
    start = time.monotonic()
    for image in images:
        run([*loader, image], timeout=600, env=docker_env())
    print(f"\nloaded {len(images)} images into {cluster.context} in {time.monotonic() - start:.0f} s")
    return {"tag": tag, "upgrade_tag": upgrade_tag}


@dataclass
class Release:
    cluster: Cluster
    namespace: str
    base_args: list[str]  # values every install/upgrade of this test run passes
    figures: dict[str, Any] = field(default_factory=dict)  # what the tier measured, printed at the end

    def helm(self, *args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.cluster.helm_cmd(*args, "-n", self.namespace, timeout=timeout, check=check)

    def kubectl(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return self.cluster.kubectl("-n", self.namespace, *args, **kwargs)

    def json(self, *args: str) -> Any:
        return self.cluster.json("-n", self.namespace, *args)

    def install(self, *extra: str) -> float:
        start = time.monotonic()
        self.helm("install", RELEASE, str(CHART), *self.base_args, *extra, "--wait", "--timeout", "10m")
        return time.monotonic() - start

    def upgrade(self, *extra: str) -> float:
        start = time.monotonic()
        self.helm("upgrade", RELEASE, str(CHART), *self.base_args, *extra, "--wait", "--timeout", "10m")
        return time.monotonic() - start

    def pods(self, selector: str) -> list[dict[str, Any]]:
        return self.json("get", "pods", "-l", selector)["items"]

    def workload_pods(self, name: str) -> list[dict[str, Any]]:
        """Running pods of one workload (its chart name: backend, ai-agent, postgresql...), oldest first."""
        pods = [
            p
            for p in self.pods(f"app.kubernetes.io/instance={RELEASE},app.kubernetes.io/name={name}")
            if p["metadata"].get("deletionTimestamp") is None and p["status"].get("phase") == "Running"
        ]
        return sorted(pods, key=lambda p: p["metadata"]["creationTimestamp"])

    def wait_rollout(self, kind_name: str, timeout: int = 300) -> None:
        self.kubectl("rollout", "status", kind_name, f"--timeout={timeout}s", timeout=timeout + 30)

    @contextlib.contextmanager
    def port_forward(self, target: str, port: int, health: str) -> Iterator[str]:
        """`kubectl port-forward <target> <free local port>:<port>` on 127.0.0.1, yielding its base URL."""
        local = free_port()
        process = subprocess.Popen(
            ["kubectl", "-n", self.namespace, "port-forward", "--address", "127.0.0.1", target, f"{local}:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{local}"
        try:
            wait_for(url + health, timeout=60, process=process)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)

    def sql(self, query: str) -> str:
        """A query through psql in the PostgreSQL pod (the in-chart database)."""
        pod = self.workload_pods("postgresql")[0]["metadata"]["name"]
        out = self.kubectl("exec", pod, "--", "sh", "-c", f'psql -U todo -d todo -tA -c "{query}"', timeout=60)
        return out.stdout.strip()

    @contextlib.contextmanager
    def traffic(self, rate: float = 4) -> Iterator[dict[str, Any]]:
        """tests/cluster/traffic.py in a pod of its own, sending reads and writes through
        backend-service; on exit, stops it and fills the yielded dict with its summary."""
        name = f"traffic-{uuid.uuid4().hex[:6]}"
        backend = self.json("get", "deployment", f"{RELEASE}-backend")
        image = backend["spec"]["template"]["spec"]["containers"][0]["image"]
        uid = 10001
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": {"app.kubernetes.io/component": "traffic"}},
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": False,
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": uid,
                    "runAsGroup": uid,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [
                    {
                        "name": "traffic",
                        "image": image,
                        "imagePullPolicy": "IfNotPresent",
                        "command": ["python", "-c", TRAFFIC_SCRIPT.read_text()],
                        "env": [
                            {"name": "BACKEND", "value": service_url("backend")},
                            {"name": "FRONTEND", "value": service_url("frontend")},
                            {"name": "RATE", "value": str(rate)},
                        ],
                        "securityContext": {
                            "allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]},
                        },
                        "resources": {
                            "requests": {"cpu": "50m", "memory": "64Mi"},
                            "limits": {"cpu": "500m", "memory": "256Mi"},
                        },
                        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                    }
                ],
                "volumes": [{"name": "tmp", "emptyDir": {}}],
            },
        }
        self.kubectl("apply", "-f", "-", input=json.dumps(pod))
        result: dict[str, Any] = {}
        try:
            deadline = time.monotonic() + 180
            while "ready" not in self.kubectl("logs", name, check=False).stdout:
                if time.monotonic() > deadline:
                    described = self.kubectl("describe", "pod", name, check=False).stdout[-2000:]
                    raise AssertionError(f"the traffic pod did not start sending within 180 s:\n{described}")
                time.sleep(1)
            yield result
            self.kubectl("exec", name, "--", "touch", "/tmp/stop")
            self.kubectl(
                "wait", f"pod/{name}", "--for=jsonpath={.status.phase}=Succeeded", "--timeout=180s", timeout=200
            )
            logs = self.kubectl("logs", name).stdout.splitlines()
            line = next(entry for entry in logs if entry.startswith("RESULT "))
            result.update(json.loads(line.removeprefix("RESULT ")))
        finally:
            self.kubectl("delete", "pod", name, "--wait=false", check=False)


@pytest.fixture(scope="module")
def release(cluster: Cluster, cluster_images: dict[str, str]) -> Iterator[Release]:
    namespace = f"todo-ci-{uuid.uuid4().hex[:6]}"
    labels = [f"{k}={v}" for k, v in PSA_LABELS.items()]
    cluster.kubectl("create", "namespace", namespace)
    cluster.kubectl("label", "namespace", namespace, *labels)
    base_args = [
        "-f",
        str(CHART / "values-minikube.yaml"),
        "--set",
        "frontend.ingress.enabled=false",  # no Ingress controller on a bare cluster
        "--set",
        f"global.image.tag={cluster_images['tag']}",
    ]
    rel = Release(cluster=cluster, namespace=namespace, base_args=base_args)
    try:
        yield rel
    finally:
        if rel.figures:
            print("\ncluster tier figures: " + json.dumps(rel.figures, indent=1))
        rel.helm("uninstall", RELEASE, check=False, timeout=300)
        cluster.kubectl("delete", "namespace", namespace, "--wait=true", "--timeout=180s", check=False, timeout=240)
