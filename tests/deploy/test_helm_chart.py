"""The `helm/todo-app` chart, rendered and linted by Helm's own Go code.

No cluster and no helm binary: helm-python-sdk (Helm v4's SDK) lints and renders the chart,
kubernetes-validate checks every object against the Kubernetes schemas (the oldest supported release,
rendered for 1.24 and checked with the oldest schemas the validator has, 1.25; and 1.30, 1.33), and
checkov scans the rendered manifests. Each values set is rendered once per session.

The values sets: the chart defaults, values-minikube.yaml, values-dev.yaml (Tilt) and
tests/deploy/values-production-like.yaml (external DB, ingress, NetworkPolicies, HPA, PDB).
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import re
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _repo import (
    FRONTEND_ENV,
    MIGRATION_COMMAND,
    MIGRATION_SETTINGS,
    REPO_ROOT,
    contract,
    settings_env_names,
)
from _repo import (
    names as repo_names,
)

CHART = REPO_ROOT / "helm" / "todo-app"
RELEASE = "todo"
NAMESPACE = "todo-app"
KUBE_VERSIONS = ("1.24", "1.30", "1.33")  # Chart.yaml: kubeVersion >=1.24
OLDEST_SCHEMAS = "1.25"  # kubernetes-validate has no 1.24 schemas; 1.25 removed nothing the chart uses
APP_VERSION = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
UID = 10001

VALUES_FILES: dict[str, Path | None] = {
    "default": None,
    "minikube": CHART / "values-minikube.yaml",
    "dev": CHART / "values-dev.yaml",
    "production-like": Path(__file__).parent / "values-production-like.yaml",
}
ALL_SETS = tuple(VALUES_FILES)
# values-dev.yaml is for Tilt only: it deliberately turns off the read-only root filesystem.
HARDENED_SETS = ("default", "minikube", "production-like")


# --------------------------------------------------------------------------------------------------
# The policy tests' view of each service, derived from docs/architecture.md (Names, ports, health).
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartService:
    chart: str  # subchart name = values section
    key: str  # key in global.services
    service_name: str  # Kubernetes Service (docs: ARCHITECTURE.md "Services")
    port: int
    image: str
    startup: str
    liveness: str
    readiness: str
    settings: str | None  # "module:Class" whose fields are the env vars it may get
    docs_name: str  # name in _repo.contract() (docs/architecture.md)

    @property
    def deployment(self) -> str:
        return f"{RELEASE}-{self.chart}"


def _chart_service(service: str) -> ChartService:
    names = repo_names()[service]
    documented = contract()[names.compose]
    health = documented.health_paths
    return ChartService(
        chart=names.service,
        key=names.values_key,
        service_name=names.k8s_service,
        port=documented.port,
        image=names.image,
        startup=health[0],
        liveness=health[0],
        readiness=health[-1],
        settings=names.settings,
        docs_name=names.compose,
    )


SERVICES = tuple(_chart_service(service) for service in repo_names())
BY_CHART = {s.chart: s for s in SERVICES}
MIGRATING = ("backend", "mcp-server")  # charts whose pods run the migration first


def allowed_env(settings: str | None) -> frozenset[str]:
    if settings is None:
        return FRONTEND_ENV
    return settings_env_names(settings)


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def values_of(values_set: str) -> dict[str, Any]:
    path = VALUES_FILES[values_set]
    return yaml.safe_load(path.read_text()) if path else {}


@dataclass
class Rendering:
    objects: list[dict[str, Any]]
    notes: str
    sources: dict[int, str] = field(default_factory=dict)  # id(obj) -> template path

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        found = [o for o in self.of_kind(kind) if o["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
        return found[0]

    def pod_specs(self) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
        """(owner object, pod metadata, pod spec) for every pod this rendering creates."""
        pods = []
        for obj in self.objects:
            if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
                template = obj["spec"]["template"]
                pods.append((obj, template["metadata"], template["spec"]))
            elif obj["kind"] == "Pod":
                pods.append((obj, obj["metadata"], obj["spec"]))
        return pods

    def configmap_data(self, deployment: dict[str, Any], container: dict[str, Any]) -> dict[str, str]:
        data: dict[str, str] = {}
        for source in container.get("envFrom", []):
            data.update(self.get("ConfigMap", source["configMapRef"]["name"])["data"])
        return data

    def secret_data(self) -> dict[str, str]:
        data: dict[str, str] = {}
        for secret in self.of_kind("Secret"):
            data.update({k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()})
        return data


def render_manifests(
    values: dict[str, Any], api_versions: tuple[str, ...] = (), chart_path: Path = CHART
) -> dict[str, str]:
    """`helm template` of a chart (the umbrella, or a service chart on its own): template path -> text.
    `api_versions`: APIs the cluster serves beyond the built-in ones (`helm template --api-versions`)."""
    # A fresh Chart per render: rendering can drop disabled subcharts from the loaded object.
    with helm.Chart.load(chart_path) as chart:
        if api_versions:
            # Chart.render has no parameter for it; the native call it wraps takes `api_versions`.
            from helm_python import _native

            options = {"name": RELEASE, "namespace": NAMESPACE, "is_install": True, "api_versions": list(api_versions)}
            raw = _native.call_string("helm_render", chart._raw(), json.dumps(values), json.dumps(options))
            return dict(json.loads(raw))
        return chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)


def render_values(values: dict[str, Any], api_versions: tuple[str, ...] = (), chart_path: Path = CHART) -> Rendering:
    manifests = render_manifests(values, api_versions, chart_path)
    objects: list[dict[str, Any]] = []
    sources: dict[int, str] = {}
    notes = ""
    for path, text in sorted(manifests.items()):
        if path.endswith("NOTES.txt"):
            notes = text
            continue
        for document in yaml.safe_load_all(text):
            if document:
                objects.append(document)
                sources[id(document)] = path
    return Rendering(objects=objects, notes=notes, sources=sources)


@functools.cache
def rendered(values_set: str, kube_version: str = "") -> Rendering:
    """`kube_version`: render as for that cluster (global.kubeVersion); empty: Helm's default (recent)."""
    values = values_of(values_set)
    if kube_version:
        values = deep_merge(values, {"global": {"kubeVersion": f"{kube_version}.0"}})
    return render_values(values)


@pytest.fixture(scope="module", autouse=True)
def _cached_kubernetes_schemas() -> Iterator[None]:
    """kubernetes-validate re-reads its (large) schema files on every call; read each once."""
    import kubernetes_validate.utils

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            kubernetes_validate.utils, "schema_contents", functools.cache(kubernetes_validate.utils.schema_contents)
        )
        yield


def deployment(rendering: Rendering, chart: str) -> dict[str, Any]:
    return rendering.get("Deployment", BY_CHART[chart].deployment)


def main_container(workload: dict[str, Any]) -> dict[str, Any]:
    containers = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, workload["metadata"]["name"]
    return containers[0]


def selector_matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


# --------------------------------------------------------------------------------------------------
# Structure: umbrella, vendored subcharts, one shared library
# --------------------------------------------------------------------------------------------------


def metrics_port(svc: ChartService) -> int:
    """The service's METRICS_PORT, as docs/architecture.md gives it."""
    port = contract()[svc.docs_name].metrics_port
    assert port is not None, svc.chart
    return port


def test_service_table_matches_architecture_docs() -> None:
    documented = contract()
    values = yaml.safe_load((CHART / "values.yaml").read_text())["global"]["services"]
    for svc in SERVICES:
        doc = documented[svc.docs_name]
        assert (svc.port, svc.image) == (doc.port, doc.image), svc.chart
        assert values[svc.key]["metricsPort"] == doc.metrics_port, svc.chart
        assert svc.liveness == doc.liveness, svc.chart
        assert svc.readiness == doc.health_paths[-1], svc.chart
        assert svc.settings == doc.settings, svc.chart


def test_umbrella_vendors_four_subcharts_and_one_library() -> None:
    meta = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert meta["name"] == "todo-app" and meta["appVersion"] == APP_VERSION
    declared = {d["name"] for d in meta["dependencies"]}
    assert declared == {"common", *BY_CHART}
    charts_dir = CHART / "charts"
    assert not list(charts_dir.glob("*.tgz")), "subcharts are vendored unpacked"
    for name in declared:
        sub = yaml.safe_load((charts_dir / name / "Chart.yaml").read_text())
        assert sub["name"] == name
        if name == "common":
            assert sub["type"] == "library"
        else:
            # The image tag defaults to .Chart.AppVersion, so every chart must carry the same one.
            assert sub["appVersion"] == APP_VERSION, name
    with helm.Chart.load(CHART) as chart:
        assert {d["name"] for d in chart.dependencies} == declared


def test_workload_templates_are_written_once() -> None:
    """Deployment/Service/ConfigMap logic lives only in the library; subcharts just include it."""
    for kind in ("Deployment", "Service", "ConfigMap", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        defined_in = sorted(
            str(p.relative_to(CHART))
            for p in CHART.rglob("*")
            if p.is_file() and p.suffix in (".yaml", ".tpl") and re.search(rf"^kind: {kind}$", p.read_text(), re.M)
        )
        allowed = {"charts/common/templates/_workload.tpl"}
        if kind == "Service":
            allowed.add("templates/postgresql.yaml")  # the in-chart database's own Service
        assert set(defined_in) <= allowed, f"{kind} defined outside the library: {defined_in}"
    for chart in BY_CHART:
        for kind in ("deployment", "service", "configmap", "hpa", "pdb"):
            text = (CHART / "charts" / chart / "templates" / f"{kind}.yaml").read_text().strip()
            assert text == f'{{{{- include "common.{kind}" . }}}}', (chart, kind, text)


# --------------------------------------------------------------------------------------------------
# Each service chart on its own (helm template REL helm/todo-app/charts/<service>)
# --------------------------------------------------------------------------------------------------


def service_chart(chart: str) -> Path:
    return CHART / "charts" / chart


def service_values(values_set: str, chart: str) -> dict[str, Any]:
    """A values set as a service chart alone takes it: `global` and the service's section."""
    values = values_of(values_set)
    return {"global": values.get("global", {}), **values.get(chart, {})}


@pytest.mark.parametrize("chart", BY_CHART)
def test_a_service_chart_has_the_one_library_as_its_dependency(chart: str) -> None:
    meta = yaml.safe_load((service_chart(chart) / "Chart.yaml").read_text())
    assert meta["dependencies"] == [{"name": "common", "version": APP_VERSION, "repository": "file://../common"}]
    # A symlink, so the library stays written once (test_workload_templates_are_written_once).
    link = service_chart(chart) / "charts" / "common"
    assert link.is_symlink() and link.resolve() == (CHART / "charts" / "common").resolve()
    with helm.Chart.load(service_chart(chart)) as loaded:
        assert [d["name"] for d in loaded.dependencies] == ["common"]


@pytest.mark.parametrize("chart", BY_CHART)
@pytest.mark.parametrize("values_set", ALL_SETS)
def test_a_service_chart_alone_renders_what_the_umbrella_renders_for_it(values_set: str, chart: str) -> None:
    """Same release name, same values: the same manifests, byte for byte (so the same defaults)."""
    prefix = f"{CHART.name}/charts/"
    in_umbrella = {
        path.removeprefix(prefix): text
        for path, text in render_manifests(values_of(values_set)).items()
        if path.startswith(f"{prefix}{chart}/")
    }
    alone = render_manifests(service_values(values_set, chart), chart_path=service_chart(chart))
    assert alone == in_umbrella
    kinds = {d["kind"] for text in alone.values() for d in yaml.safe_load_all(text) if d}
    assert {"Deployment", "Service", "ConfigMap"} <= kinds, kinds


@pytest.mark.parametrize("chart", BY_CHART)
@pytest.mark.parametrize("values_set", ALL_SETS)
def test_a_service_chart_alone_passes_helm_lint_strict(values_set: str, chart: str) -> None:
    _assert_lint_strict_clean(service_chart(chart), service_values(values_set, chart), KUBE_VERSIONS[0])


@pytest.mark.parametrize("chart", BY_CHART)
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"replicas": 2}, "at '': additional properties 'replicas' not allowed"),
        ({"global": {"environment": "prod"}}, "at '/global/environment'"),
        ({"global": {"tyop": 1}}, "at '/global': additional properties 'tyop' not allowed"),
        ({"common": {"x": 1}}, "at '/common': additional properties 'x' not allowed"),
    ],
)
def test_a_service_chart_alone_refuses_bad_values(chart: str, values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm.HelmValuesError) as error:
        render_manifests(values, chart_path=service_chart(chart))
    assert message in str(error.value)


@pytest.mark.parametrize("existing", ["", "my-secrets"])
@pytest.mark.parametrize("chart", BY_CHART)
def test_a_service_chart_alone_reads_a_secret_it_does_not_create(chart: str, existing: str) -> None:
    """The umbrella creates the Secret; alone, the pods read `<release>-secrets` or global.existingSecret."""
    rendering = render_values({"global": {"existingSecret": existing}}, chart_path=service_chart(chart))
    assert not rendering.of_kind("Secret")
    read = {
        env["valueFrom"]["secretKeyRef"]["name"]
        for _owner, _meta, pod in rendering.pod_specs()
        for container in [*pod.get("initContainers", []), *pod["containers"]]
        for env in container.get("env", [])
        if "secretKeyRef" in env.get("valueFrom", {})
    }
    assert read == (set() if chart == "frontend" else {existing or f"{RELEASE}-secrets"}), read


# --------------------------------------------------------------------------------------------------
# helm lint --strict and Kubernetes schemas
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("values_set", ALL_SETS)
def test_helm_lint_strict_is_clean(values_set: str, kube_version: str) -> None:
    _assert_lint_strict_clean(CHART, values_of(values_set), kube_version)


def _assert_lint_strict_clean(chart: Path, values: dict[str, Any], kube_version: str) -> None:
    report = helm.lint(
        chart, values, strict=True, with_subcharts=True, namespace=NAMESPACE, kube_version=f"v{kube_version}.0"
    )
    # Severity 1 is informational ("icon is recommended"); strict fails on warnings (2) and errors (3).
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not problems and not report["errors"], json.dumps(report, indent=2)


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("values_set", ALL_SETS)
def test_every_object_is_valid_kubernetes(values_set: str, kube_version: str) -> None:
    errors = []
    schemas = max(kube_version, OLDEST_SCHEMAS, key=lambda v: tuple(map(int, v.split("."))))
    for obj in rendered(values_set, kube_version).objects:
        try:
            kubernetes_validate.validate(obj, schemas, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {error.message} at {list(error.path)}")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_objects_are_namespaced_and_labelled(values_set: str) -> None:
    for obj in rendered(values_set).objects:
        meta = obj["metadata"]
        assert meta.get("namespace") == NAMESPACE, f"{obj['kind']}/{meta['name']}"
        labels = meta.get("labels", {})
        for key in (
            "app.kubernetes.io/name",
            "app.kubernetes.io/instance",
            "app.kubernetes.io/component",
            "app.kubernetes.io/part-of",
            "helm.sh/chart",
        ):
            assert key in labels, f"{obj['kind']}/{meta['name']} lacks {key}"


# --------------------------------------------------------------------------------------------------
# Services, ConfigMaps, URLs
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_services_have_the_contract_names_and_ports(values_set: str) -> None:
    rendering = rendered(values_set)
    for svc in SERVICES:
        service = rendering.get("Service", svc.service_name)
        ports = {p["name"]: (p["port"], p["targetPort"]) for p in service["spec"]["ports"]}
        assert ports == {"http": (svc.port, "http"), "metrics": (metrics_port(svc), "metrics")}
        assert service["spec"]["type"] == "ClusterIP", "only the frontend is exposed, through the Ingress"


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_configmap_urls_name_the_rendered_services(values_set: str) -> None:
    rendering = rendered(values_set)
    services = {s["metadata"]["name"]: {p["port"] for p in s["spec"]["ports"]} for s in rendering.of_kind("Service")}
    data = {svc.chart: rendering.get("ConfigMap", svc.deployment)["data"] for svc in SERVICES}

    assert data["frontend"]["BACKEND_URL"] == "http://backend-service:8000"
    assert data["backend"]["AGENT_URL"] == "http://agent-service:8002"
    assert data["ai-agent"]["MCP_SERVER_URL"] == "http://mcp-service:8001/mcp"  # exact, no trailing slash
    allowed_hosts = data["mcp-server"]["MCP_ALLOWED_HOSTS"].split(",")
    assert "mcp-service:8001" in allowed_hosts
    assert f"mcp-service.{NAMESPACE}.svc.cluster.local:8001" in allowed_hosts

    # Every URL in any ConfigMap points at a Service of this release, on a port it serves.
    for chart, config in data.items():
        for key, value in config.items():
            if value.startswith("http"):
                url = urlsplit(value)
                assert url.hostname in services, f"{chart} {key}={value}: no Service {url.hostname}"
                assert url.port in services[url.hostname], f"{chart} {key}={value}: port not served"


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_configmaps_carry_environment_log_level_and_port(values_set: str) -> None:
    rendering = rendered(values_set)
    environment = "development" if values_set == "dev" else "production"
    for svc in SERVICES:
        config = rendering.get("ConfigMap", svc.deployment)["data"]
        assert config["PORT"] == str(svc.port)
        if svc.settings is None:
            assert config["NODE_ENV"] == environment
            assert config["HOSTNAME"] == "0.0.0.0" and config["NEXT_TELEMETRY_DISABLED"] == "1"
        else:
            assert config["ENVIRONMENT"] == environment
            assert config["LOG_LEVEL"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
            assert config["RELOAD"] == ("true" if values_set == "dev" else "false")


# Names a ConfigMap must never carry, and credentials inside URLs.
SECRET_KEY = re.compile(r"SECRET|PASSWORD|API_KEY|TOKEN|DATABASE_URL|CREDENTIAL", re.I)
URL_WITH_PASSWORD = re.compile(r"://[^/@\s:]+:[^/@\s]+@")


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_no_secret_values_in_configmaps(values_set: str) -> None:
    rendering = rendered(values_set)
    secret_values = [v for v in rendering.secret_data().values() if len(v) >= 8]
    assert secret_values, "every values set renders the Secret"
    for configmap in rendering.of_kind("ConfigMap"):
        for key, value in configmap["data"].items():
            assert not SECRET_KEY.search(key), f"{configmap['metadata']['name']}: {key} belongs in the Secret"
            assert not URL_WITH_PASSWORD.search(value), f"{configmap['metadata']['name']}: {key} has credentials"
            for secret in secret_values:
                assert secret not in value, f"{configmap['metadata']['name']}: {key} holds a secret value"


def test_default_values_hold_no_secrets() -> None:
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    assert defaults["global"]["secrets"] == {"authSecret": "", "openaiApiKey": "", "databaseUrl": ""}
    assert defaults["postgresql"]["auth"]["password"] == ""
    assert defaults["global"]["existingSecret"] == ""


# --------------------------------------------------------------------------------------------------
# The Secret: generated once and kept, or given, or an existing one
# --------------------------------------------------------------------------------------------------


def test_secret_generated_with_in_chart_database() -> None:
    rendering = rendered("minikube")
    data = rendering.secret_data()
    assert set(data) == {"AUTH_SECRET", "DATABASE_URL", "POSTGRES_PASSWORD"}
    assert len(data["AUTH_SECRET"]) >= 32
    url = urlsplit(data["DATABASE_URL"])
    assert (url.scheme, url.hostname, url.port, url.path) == ("postgresql", "postgres", 5432, "/todo")
    assert url.password == data["POSTGRES_PASSWORD"]
    postgres = rendering.get("Service", "postgres")
    assert postgres["spec"]["ports"][0]["port"] == 5432
    # Generated values are read back on upgrade (lookup) and the Secret survives uninstall,
    # because the database volume was initialised with that password.
    secret = rendering.of_kind("Secret")[0]
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    template = (CHART / "templates" / "secret.yaml").read_text()
    assert 'lookup "v1" "Secret" .Release.Namespace $name' in template
    for key in ("AUTH_SECRET", "POSTGRES_PASSWORD"):
        assert f'get $current "{key}"' in template, f"{key} is not read back on upgrade"


def test_secret_uses_given_values_and_external_database() -> None:
    rendering = rendered("production-like")
    values = values_of("production-like")
    data = rendering.secret_data()
    assert data["DATABASE_URL"] == values["global"]["secrets"]["databaseUrl"]
    assert data["OPENAI_API_KEY"] == values["global"]["secrets"]["openaiApiKey"]
    assert "POSTGRES_PASSWORD" not in data
    assert not rendering.of_kind("StatefulSet"), "no in-chart database with an external DATABASE_URL"
    pinned = render_values({"global": {"secrets": {"authSecret": "x" * 40}}})
    assert pinned.secret_data()["AUTH_SECRET"] == "x" * 40


def test_existing_secret_is_used_and_none_created() -> None:
    rendering = render_values({"global": {"existingSecret": "todo-managed"}, "postgresql": {"enabled": False}})
    assert not rendering.of_kind("Secret")
    refs = [
        env["valueFrom"]["secretKeyRef"]["name"]
        for _owner, _meta, spec in rendering.pod_specs()
        for container in spec.get("initContainers", []) + spec["containers"]
        for env in container.get("env", [])
        if "secretKeyRef" in env.get("valueFrom", {})
    ]
    assert refs and set(refs) == {"todo-managed"}


def test_dev_values_render_the_same_secret_every_time() -> None:
    """Tilt renders with `helm template` (no lookup): dev values pin the secrets so a re-render
    does not change the database password the volume was initialised with."""
    assert render_values(values_of("dev")).secret_data() == rendered("dev").secret_data()


# --------------------------------------------------------------------------------------------------
# Containers: probes, resources, security, images, env
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("values_set", ALL_SETS)
@pytest.mark.parametrize("chart", list(BY_CHART))
def test_probes_use_paths_the_service_serves(values_set: str, chart: str) -> None:
    svc = BY_CHART[chart]
    container = main_container(deployment(rendered(values_set), chart))
    port_names = {p["name"] for p in container["ports"]}
    for probe_name, path in (
        ("startupProbe", svc.startup),
        ("livenessProbe", svc.liveness),
        ("readinessProbe", svc.readiness),
    ):
        probe = container[probe_name]["httpGet"]
        assert probe["path"] == path, (chart, probe_name)
        assert probe["port"] in port_names or probe["port"] == svc.port, (chart, probe_name)
    assert container["ports"] == [
        {"name": "http", "containerPort": svc.port, "protocol": "TCP"},
        {"name": "metrics", "containerPort": metrics_port(svc), "protocol": "TCP"},
    ]


def all_containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("initContainers", []) + spec["containers"]


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_every_container_has_requests_and_limits(values_set: str) -> None:
    for owner, _meta, spec in rendered(values_set).pod_specs():
        for container in all_containers(spec):
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                assert set(resources.get(kind, {})) >= {"cpu", "memory"}, (owner["metadata"]["name"], container["name"])


def test_default_requests_and_limits() -> None:
    for _owner, _meta, spec in rendered("default").pod_specs():
        for container in all_containers(spec):
            assert container["resources"] == {
                "requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"cpu": "500m", "memory": "512Mi"},
            }, container["name"]


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_restricted_security_context(values_set: str) -> None:
    read_only = values_set in HARDENED_SETS
    for owner, _meta, spec in rendered(values_set).pod_specs():
        name = owner["metadata"]["name"]
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] == UID, name
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"), name
        for container in all_containers(spec):
            ctx = container["securityContext"]
            where = f"{name}/{container['name']}"
            assert ctx["allowPrivilegeEscalation"] is False, where
            assert ctx["capabilities"] == {"drop": ["ALL"]}, where
            assert ctx.get("privileged", False) is False, where
            assert ctx["runAsNonRoot"] is True and ctx["runAsUser"] == UID, where
            assert ctx["seccompProfile"] == {"type": "RuntimeDefault"}, where
            assert ctx["readOnlyRootFilesystem"] is read_only, where
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            volumes = {v["name"]: v for v in spec.get("volumes", [])}
            assert "emptyDir" in volumes[mounts["/tmp"]], f"{where}: /tmp is not a writable emptyDir"
    if read_only:
        frontend = deployment(rendered(values_set), "frontend")["spec"]["template"]["spec"]
        mounts = {m["mountPath"]: m["name"] for m in frontend["containers"][0]["volumeMounts"]}
        volumes = {v["name"]: v for v in frontend["volumes"]}
        assert "emptyDir" in volumes[mounts["/app/.next/cache"]]


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_images_are_the_project_images_with_a_fixed_tag(values_set: str) -> None:
    rendering = rendered(values_set)
    for owner, _meta, spec in rendering.pod_specs():
        for container in all_containers(spec):
            image = container["image"]
            reference = image.split("@", 1)[0]
            repository, _, tag = reference.rpartition(":")
            assert repository and "/" not in tag, f"{image}: no tag"
            assert tag != "latest", image
            if owner["kind"] != "StatefulSet":
                assert re.fullmatch(r"(.+/)?todo-(frontend|backend|mcp-server|agent)", repository), image
                assert tag == APP_VERSION, f"{image}: the tag defaults to the chart's appVersion"
    for svc in SERVICES:
        image = main_container(deployment(rendering, svc.chart))["image"].split("@")[0]
        assert image.rsplit("/", 1)[-1] == f"{svc.image}:{APP_VERSION}"


@pytest.mark.parametrize("values_set", ALL_SETS)
@pytest.mark.parametrize("chart", list(BY_CHART))
def test_env_names_are_those_the_service_reads(values_set: str, chart: str) -> None:
    svc = BY_CHART[chart]
    rendering = rendered(values_set)
    workload = deployment(rendering, chart)
    container = main_container(workload)
    names = {e["name"] for e in container.get("env", [])} | set(rendering.configmap_data(workload, container))
    allowed = allowed_env(svc.settings)
    assert names <= allowed, f"{chart} gets variables its settings do not define: {sorted(names - allowed)}"
    required = {
        "frontend": {"BACKEND_URL", "PORT", "HOSTNAME", "NODE_ENV"},
        "backend": {"DATABASE_URL", "AUTH_SECRET", "AGENT_URL", "ENVIRONMENT", "LOG_LEVEL", "PORT"},
        "mcp-server": {"DATABASE_URL", "AUTH_SECRET", "MCP_ALLOWED_HOSTS", "ENVIRONMENT", "LOG_LEVEL", "PORT"},
        "ai-agent": {"AUTH_SECRET", "MCP_SERVER_URL", "OPENAI_API_KEY", "ENVIRONMENT", "LOG_LEVEL", "PORT"},
    }[chart]
    assert required <= names, f"{chart} misses {sorted(required - names)}"
    # Services are found by DNS: no *_SERVICE_HOST variables leak into the settings classes.
    assert workload["spec"]["template"]["spec"]["enableServiceLinks"] is False


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_migration_containers_get_only_migration_settings(values_set: str) -> None:
    allowed = allowed_env(MIGRATION_SETTINGS)
    migrations = [
        container
        for _owner, _meta, spec in rendered(values_set).pod_specs()
        for container in all_containers(spec)
        if container.get("command") == MIGRATION_COMMAND
    ]
    # The backend and MCP server initContainers, and the Job (not in the dev values for Tilt).
    assert len(migrations) == (2 if values_set == "dev" else 3)
    for container in migrations:
        names = {e["name"] for e in container.get("env", [])}
        assert names == {"DATABASE_URL"} and names <= allowed
        assert not container.get("envFrom")


# --------------------------------------------------------------------------------------------------
# Wiring: selectors, ports, migration order, shutdown, config checksum
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_selectors_match_pod_labels(values_set: str) -> None:
    rendering = rendered(values_set)
    pods = rendering.pod_specs()
    for obj in rendering.objects:
        if obj["kind"] in ("Deployment", "StatefulSet"):
            selector = obj["spec"]["selector"]["matchLabels"]
            assert selector_matches(selector, obj["spec"]["template"]["metadata"]["labels"]), obj["metadata"]["name"]
            # Two workloads never select each other's pods.
            others = [o for o, meta, _ in pods if o is not obj and selector_matches(selector, meta["labels"])]
            assert not others, f"{obj['metadata']['name']} also selects {[o['metadata']['name'] for o in others]}"
        if obj["kind"] == "Service":
            selected = [o for o, meta, _ in pods if selector_matches(obj["spec"]["selector"], meta["labels"])]
            assert [o["kind"] for o in selected] in (["Deployment"], ["StatefulSet"]), obj["metadata"]["name"]
        if obj["kind"] == "PodDisruptionBudget":
            selector = obj["spec"]["selector"]["matchLabels"]
            assert any(o["kind"] == "Deployment" and selector_matches(selector, meta["labels"]) for o, meta, _ in pods)
        if obj["kind"] == "HorizontalPodAutoscaler":
            target = obj["spec"]["scaleTargetRef"]
            workload = rendering.get(target["kind"], target["name"])
            assert "replicas" not in workload["spec"], "the HPA owns the replica count"
            assert obj["spec"]["minReplicas"] >= 1


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_every_service_targets_a_declared_container_port(values_set: str) -> None:
    rendering = rendered(values_set)
    for service in rendering.of_kind("Service"):
        (_workload, _meta, spec), *rest = [
            p for p in rendering.pod_specs() if selector_matches(service["spec"]["selector"], p[1]["labels"])
        ]
        assert not rest
        declared = [p for c in spec["containers"] for p in c.get("ports", [])]
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            key = "name" if isinstance(target, str) else "containerPort"
            assert any(p.get(key) == target for p in declared), f"{service['metadata']['name']} -> {target}"


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_migration_runs_before_backend_and_mcp_server_become_ready(values_set: str) -> None:
    rendering = rendered(values_set)
    backend_image = main_container(deployment(rendering, "backend"))["image"]
    for chart in MIGRATING:
        workload = deployment(rendering, chart)
        pod = workload["spec"]["template"]["spec"]
        server = pod["containers"][0]
        # The initContainer must finish (schema at head) before the server container starts ...
        init = pod["initContainers"]
        assert [c["command"] for c in init] == [MIGRATION_COMMAND], chart
        assert init[0]["image"] == server["image"]
        secret_ref = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in server["env"]}["DATABASE_URL"]
        assert init[0]["env"][0]["valueFrom"]["secretKeyRef"] == secret_ref, "same database as the server"
        # ... and readiness checks the schema is at head, so a pod never serves an older schema.
        assert server["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        # New pods come up (and migrate) before old ones go.
        assert workload["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    for chart in set(BY_CHART) - set(MIGRATING):
        assert "initContainers" not in deployment(rendering, chart)["spec"]["template"]["spec"]
    if values_set == "dev":
        # Tilt: no Job (a finished Job's container would block live update of the backend image).
        assert not rendering.of_kind("Job")
        return
    job = rendering.get("Job", f"{RELEASE}-migrate")
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == MIGRATION_COMMAND and container["image"] == backend_image
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-upgrade", "migrate before an upgrade changes any Deployment"
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    # Without hooks (`helm template | kubectl apply`) it is a plain Job next to the initContainers.
    plain = render_values({"migration": {"hook": False}}).get("Job", f"{RELEASE}-migrate")
    assert "annotations" not in plain["metadata"]


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("values_set", ALL_SETS)
def test_graceful_shutdown_outlasts_the_drain(values_set: str, kube_version: str) -> None:
    """The preStop wait is the sleep action where the API has it (1.30+), else an exec of `sleep`."""
    drain = 20  # uvicorn's timeout_graceful_shutdown (docs/architecture.md)
    for svc in SERVICES:
        pod = deployment(rendered(values_set, kube_version), svc.chart)["spec"]["template"]["spec"]
        pre_stop = pod["containers"][0]["lifecycle"]["preStop"]
        if kube_version == "1.24":
            assert pre_stop == {"exec": {"command": ["sleep", "5"]}}, pre_stop
        else:
            assert pre_stop == {"sleep": {"seconds": 5}}, pre_stop
        assert pod["terminationGracePeriodSeconds"] == 30 >= 5 + drain


def test_the_chart_supports_kubernetes_from_1_24() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["kubeVersion"] == ">=1.24.0-0"
    default = deployment(rendered("default"), "backend")["spec"]["template"]["spec"]["containers"][0]
    assert "sleep" in default["lifecycle"]["preStop"], "helm template without a version assumes a recent cluster"


def test_a_changed_secret_value_rolls_only_the_pods_that_read_the_secret() -> None:
    def checksums(rendering: Rendering) -> dict[str, str | None]:
        return {
            svc.chart: deployment(rendering, svc.chart)["spec"]["template"]["metadata"]["annotations"].get(
                "checksum/secret"
            )
            for svc in SERVICES
        }

    before = checksums(rendered("default"))
    assert before["frontend"] is None, "the frontend reads no Secret"
    rotated = checksums(render_values({"global": {"secrets": {"authSecret": "r" * 40}}}))
    assert {chart for chart in before if before[chart] != rotated[chart]} == {"backend", "mcp-server", "ai-agent"}
    assert checksums(rendered("default")) == before, "stable when nothing changed (generated values are not in it)"


def test_config_checksum_rolls_only_the_changed_service() -> None:
    def checksums(rendering: Rendering) -> dict[str, str]:
        return {
            svc.chart: deployment(rendering, svc.chart)["spec"]["template"]["metadata"]["annotations"][
                "checksum/config"
            ]
            for svc in SERVICES
        }

    before = checksums(rendered("default"))
    after = checksums(render_values({"ai-agent": {"config": {"model": "gpt-4o-mini"}}}))
    assert all(re.fullmatch(r"[0-9a-f]{64}", c) for c in before.values())
    assert {chart for chart in before if before[chart] != after[chart]} == {"ai-agent"}
    everything = checksums(render_values({"global": {"logLevel": "DEBUG"}}))
    assert {chart for chart in before if before[chart] != everything[chart]} == {"backend", "mcp-server", "ai-agent"}


# --------------------------------------------------------------------------------------------------
# Optional features: Ingress, NetworkPolicies, HPA, PDB
# --------------------------------------------------------------------------------------------------


def test_optional_features_are_off_by_default() -> None:
    rendering = rendered("default")
    for kind in ("Ingress", "NetworkPolicy", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert not rendering.of_kind(kind), kind
    assert rendering.get("StatefulSet", f"{RELEASE}-postgresql")


def test_production_like_turns_them_on() -> None:
    rendering = rendered("production-like")
    (ingress,) = rendering.of_kind("Ingress")
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "todo.example.com"
    backends = {p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
    assert backends == {"frontend-service"}, "only the frontend is exposed"
    assert ingress["spec"]["tls"][0]["secretName"] == "todo-example-com-tls"
    for kind in ("HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert {o["metadata"]["name"] for o in rendering.of_kind(kind)} == {s.deployment for s in SERVICES}


def test_minikube_ingress_serves_todo_local() -> None:
    (ingress,) = rendered("minikube").of_kind("Ingress")
    assert ingress["spec"]["rules"][0]["host"] == "todo.local"
    assert ingress["spec"]["ingressClassName"] == "nginx"


def ingress_allowed(
    policies: list[dict[str, Any]],
    source: dict[str, str] | None,
    target: dict[str, str],
    port: int,
    source_namespace: dict[str, str] | None = None,
) -> bool:
    """NetworkPolicy semantics for one connection; source None = outside the namespace's pods;
    `source_namespace`: the labels of another namespace the source pod runs in."""
    selecting = [
        p
        for p in policies
        if selector_matches(p["spec"]["podSelector"].get("matchLabels", {}), target)
        and "Ingress" in p["spec"]["policyTypes"]
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress", []):
            if rule.get("ports") and port not in [p["port"] for p in rule["ports"]]:
                continue
            peers = rule.get("from")
            if peers is None:
                return True
            if source is None:
                continue
            for peer in peers:
                if "namespaceSelector" in peer:  # pods of the namespaces it selects (these rules select no pod)
                    if source_namespace is not None and selector_matches(
                        peer["namespaceSelector"]["matchLabels"], source_namespace
                    ):
                        return True
                elif source_namespace is None and selector_matches(peer["podSelector"]["matchLabels"], source):
                    return True
    return False


def test_network_policies_allow_exactly_the_call_graph() -> None:
    values = deep_merge(values_of("production-like"), {"postgresql": {"enabled": True}})
    rendering = render_values(values)
    policies = rendering.of_kind("NetworkPolicy")
    pods = {meta["labels"]["app.kubernetes.io/name"]: meta["labels"] for _o, meta, _s in rendering.pod_specs()}
    assert set(pods) == {"frontend", "backend", "mcp-server", "ai-agent", "postgresql", "migrate", "smoke-test"}
    ports = {"frontend": 3000, "backend": 8000, "mcp-server": 8001, "ai-agent": 8002, "postgresql": 5432}
    allowed = {
        ("frontend", "backend"),
        ("backend", "ai-agent"),
        ("ai-agent", "mcp-server"),
        ("backend", "postgresql"),
        ("mcp-server", "postgresql"),
        ("migrate", "postgresql"),
        ("smoke-test", "backend"),
        ("smoke-test", "mcp-server"),
        ("smoke-test", "ai-agent"),
    }
    for source in [None, *pods]:
        for target, port in ports.items():
            expected = target == "frontend" or (source, target) in allowed  # the frontend is public
            actual = ingress_allowed(policies, pods.get(source) if source else None, pods[target], port)
            assert actual == expected, f"{source or 'outside'} -> {target}:{port} allowed={actual}"
    for name in ("migrate", "smoke-test"):
        assert not ingress_allowed(policies, pods["backend"], pods[name], 8000), f"{name} accepts traffic"


# --------------------------------------------------------------------------------------------------
# Metrics (issue 19): ports, annotations, NetworkPolicy rule, ServiceMonitors
# --------------------------------------------------------------------------------------------------

SERVICE_MONITOR_API = "monitoring.coreos.com/v1/ServiceMonitor"
SERVICE_MONITOR_SCHEMA = Path(__file__).parent / "servicemonitor-schema.yaml"
SCRAPER_NAMESPACE = {"kubernetes.io/metadata.name": "monitoring", "todo-app/metrics-scraper": "true"}


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_every_pod_says_where_its_metrics_are(values_set: str) -> None:
    rendering = rendered(values_set)
    for svc in SERVICES:
        workload = deployment(rendering, svc.chart)
        annotations = workload["spec"]["template"]["metadata"]["annotations"]
        port = str(metrics_port(svc))
        assert {k: v for k, v in annotations.items() if k.startswith("prometheus.io/")} == {
            "prometheus.io/scrape": "true", "prometheus.io/port": port, "prometheus.io/path": "/metrics",
        }, svc.chart  # fmt: skip
        config = rendering.configmap_data(workload, main_container(workload))
        assert (config["METRICS_ENABLED"], config["METRICS_PORT"]) == ("true", port), svc.chart


def test_metrics_can_be_turned_off() -> None:
    rendering = render_values({"global": {"metrics": {"enabled": False}}, "networkPolicy": {"enabled": True}})
    for svc in SERVICES:
        workload = deployment(rendering, svc.chart)
        assert not any(k.startswith("prometheus.io/") for k in workload["spec"]["template"]["metadata"]["annotations"])
        assert [p["name"] for p in main_container(workload)["ports"]] == ["http"]
        assert [p["name"] for p in rendering.get("Service", svc.service_name)["spec"]["ports"]] == ["http"]
        assert rendering.configmap_data(workload, main_container(workload))["METRICS_ENABLED"] == "false"
    for policy in rendering.of_kind("NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            assert all("namespaceSelector" not in peer for peer in rule.get("from", [])), policy["metadata"]["name"]


def test_only_a_scraper_namespace_reaches_the_metrics_ports() -> None:
    rendering = rendered("production-like")
    policies = rendering.of_kind("NetworkPolicy")
    pods = {meta["labels"]["app.kubernetes.io/name"]: meta["labels"] for _o, meta, _s in rendering.pod_specs()}
    prometheus = {"app.kubernetes.io/name": "prometheus"}
    for svc in SERVICES:
        target, port = pods[svc.chart], metrics_port(svc)
        assert ingress_allowed(policies, prometheus, target, port, source_namespace=SCRAPER_NAMESPACE), svc.chart
        assert not ingress_allowed(policies, prometheus, target, port, source_namespace={"team": "other"}), svc.chart
        assert not ingress_allowed(policies, None, target, port), f"outside -> {svc.chart} metrics"
        for source in pods.values():  # not even the release's own pods
            assert not ingress_allowed(policies, source, target, port), f"{source} -> {svc.chart} metrics"
        # ...and a scraper reaches only the metrics port, not the API.
        if svc.chart != "frontend":
            assert not ingress_allowed(policies, prometheus, target, svc.port, source_namespace=SCRAPER_NAMESPACE)
    (ingress,) = rendering.of_kind("Ingress")
    assert {p["backend"]["service"]["port"]["name"] for p in ingress["spec"]["rules"][0]["http"]["paths"]} == {"http"}


def test_service_monitors_need_the_api_and_the_toggle() -> None:
    on = {"serviceMonitor": {"enabled": True}}
    assert not render_values(on).of_kind("ServiceMonitor"), "rendered for a cluster without the CRD"
    assert not render_values({}, (SERVICE_MONITOR_API,)).of_kind("ServiceMonitor"), "rendered while turned off"
    off = {**on, "global": {"metrics": {"enabled": False}}}
    assert not render_values(off, (SERVICE_MONITOR_API,)).of_kind("ServiceMonitor")


@pytest.mark.parametrize("values_set", ALL_SETS)
def test_service_monitors_scrape_each_service_and_fit_the_crd_schema(values_set: str) -> None:
    import jsonschema

    values = deep_merge(
        values_of(values_set), {"serviceMonitor": {"enabled": True, "interval": "15s", "labels": {"release": "kps"}}}
    )
    rendering = render_values(values, (SERVICE_MONITOR_API,))
    monitors = rendering.of_kind("ServiceMonitor")
    assert len(monitors) == len(SERVICES)
    validator = jsonschema.Draft202012Validator(yaml.safe_load(SERVICE_MONITOR_SCHEMA.read_text()))
    scraped = set()
    for monitor in monitors:
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(monitor)]
        assert not errors, (monitor["metadata"]["name"], errors)
        assert monitor["metadata"]["labels"]["release"] == "kps"
        selector = monitor["spec"]["selector"]["matchLabels"]
        [service] = [s for s in rendering.of_kind("Service") if selector_matches(selector, s["metadata"]["labels"])]
        [endpoint] = monitor["spec"]["endpoints"]
        assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
        assert (endpoint["path"], endpoint["interval"]) == ("/metrics", "15s")
        scraped.add(service["metadata"]["name"])
    assert scraped == {svc.service_name for svc in SERVICES}


# --------------------------------------------------------------------------------------------------
# helm test, NOTES, dev values
# --------------------------------------------------------------------------------------------------


def test_helm_test_pod_checks_every_service_and_an_auth_round_trip() -> None:
    rendering = rendered("minikube")
    (pod,) = rendering.of_kind("Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    # Kept after a pass, so `helm test --logs` can read it; replaced by the next run.
    assert pod["metadata"]["annotations"]["helm.sh/hook-delete-policy"] == "before-hook-creation"
    (container,) = pod["spec"]["containers"]
    assert container["image"] == main_container(deployment(rendering, "backend"))["image"]
    assert container["command"][:2] == ["python", "-c"]
    script = container["command"][2]
    compile(script, "smoke-test", "exec")  # valid Python
    assert re.search(r"^import [\w., ]+$", script, re.M).group(0) == (
        "import json, sys, time, urllib.error, urllib.request, uuid"
    ), "standard library only"
    for svc in SERVICES:
        assert f'"http://{svc.service_name}:{svc.port}"' in script
    for path in ("/api/health", '"/health"', '"/health/ready"', "/api/auth/signup", "/api/auth/login", "/api/auth/me"):
        assert path in script, path
    assert pod["spec"]["restartPolicy"] == "Never"
    assert not rendered("dev").of_kind("Pod"), "Tilt applies `helm template` output: no test pod in dev"


def test_notes_tell_the_next_steps() -> None:
    notes = rendered("minikube").notes
    for text in (
        "helm test todo -n todo-app",
        "port-forward svc/frontend-service 3000:3000",
        "http://todo.local/",
        "helm rollback todo",
    ):
        assert text in notes, text


def test_dev_values_suit_tilt() -> None:
    rendering = rendered("dev")
    for svc in SERVICES:
        workload = deployment(rendering, svc.chart)
        assert workload["spec"]["replicas"] == 1
        assert main_container(workload)["image"] == f"{svc.image}:{APP_VERSION}", "the names Tilt builds"
        if svc.settings:
            assert rendering.get("ConfigMap", svc.deployment)["data"]["RELOAD"] == "true"


def test_two_releases_share_a_namespace_once_the_second_renames_its_services() -> None:
    """Service names are values (global.services.*.name, postgresql.service.name), defaults unchanged;
    every other object is named after its release, and each release's URLs use its own Services."""
    second = {
        "global": {"services": {key: {"name": f"todo2-{key}"} for key in ("frontend", "backend", "mcp", "agent")}},
        "postgresql": {"service": {"name": "todo2-postgres"}},
    }
    with helm.Chart.load(CHART) as chart:
        manifests = chart.render(second, name="todo2", namespace=NAMESPACE, is_install=True)
    objects = [
        d for path, text in manifests.items() if not path.endswith("NOTES.txt") for d in yaml.safe_load_all(text) if d
    ]

    def names(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return {(o["kind"], o["metadata"]["name"]) for o in items}

    assert not names(objects) & names(rendered("default").objects)
    config = {k: v for o in objects if o["kind"] == "ConfigMap" for k, v in o.get("data", {}).items()}
    assert config["BACKEND_URL"] == "http://todo2-backend:8000" and config["AGENT_URL"] == "http://todo2-agent:8002"
    assert config["MCP_SERVER_URL"] == "http://todo2-mcp:8001/mcp"


# --------------------------------------------------------------------------------------------------
# Bad values are refused, with a message that names the problem
# --------------------------------------------------------------------------------------------------


BAD_VALUES = [
    pytest.param(
        {"backend": {"replicaCount": "two"}}, "at '/backend/replicaCount': got string, want integer", id="wrong-type"
    ),
    pytest.param(
        {"postgresql": {"enabled": "yes"}}, "at '/postgresql/enabled': got string, want boolean", id="wrong-type-bool"
    ),
    pytest.param(
        {"frontend": {"replicas": 2}},
        "at '/frontend': additional properties 'replicas' not allowed",
        id="unknown-service-key",
    ),
    pytest.param({"replicaCount": 2}, "at '': additional properties 'replicaCount' not allowed", id="unknown-top-key"),
    # The shared workload settings ($defs/workload) do not let one service take another's keys.
    pytest.param({"backend": {"ingress": {"enabled": True}}}, "at '/backend/ingress'", id="ingress-is-the-frontends"),
    pytest.param({"frontend": {"config": {"model": "x"}}}, "at '/frontend/config'", id="frontend-has-no-config"),
    pytest.param(
        {"mcp-server": {"config": {"model": "x"}}},
        "at '/mcp-server/config': additional properties 'model' not allowed",
        id="config-is-per-service",
    ),
    pytest.param(
        {"ai-agent": {"replicaCount": 0}}, "at '/ai-agent/replicaCount': minimum: got 0, want 1", id="replicas-below-1"
    ),
    pytest.param(
        {"postgresql": {"enabled": False}},
        "global.secrets.databaseUrl is required when postgresql.enabled=false",
        id="missing-external-db-url",
    ),
    pytest.param({"global": {"image": {"tag": "latest"}}}, "at '/global/image/tag'", id="latest-tag"),
    pytest.param(
        {"global": {"secrets": {"authSecret": "too-short"}}}, "at '/global/secrets/authSecret'", id="short-auth-secret"
    ),
    pytest.param({"global": {"environment": "prod"}}, "at '/global/environment'", id="unknown-environment"),
    pytest.param(
        {"global": {"secrets": {"databaseUrl": "mysql://x"}}, "postgresql": {"enabled": False}},
        "at '/global/secrets/databaseUrl'",
        id="not-a-postgres-url",
    ),
]


@pytest.mark.parametrize(("values", "message"), BAD_VALUES)
def test_bad_values_are_refused_with_a_clear_message(values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm.HelmError) as error:
        render_values(values)
    assert message in str(error.value)
    if message.startswith("at '"):
        # Schema violations also fail `helm lint`. (Lint only logs a template's `fail`, so the
        # cross-field rule on database.url shows on install/upgrade/template, as above.)
        report = helm.lint(CHART, values, strict=True, with_subcharts=True, namespace=NAMESPACE)
        assert any(message in e for e in report["errors"]), report["errors"]


# --------------------------------------------------------------------------------------------------
# checkov over the rendered manifests
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suppression:
    check: str
    values_sets: tuple[str, ...]
    resources: str  # regex over checkov's resource id ("Kind.namespace.name...")
    reason: str


CHECKOV_SUPPRESSIONS = (
    Suppression(
        "CKV_K8S_15",
        HARDENED_SETS,
        r".*",
        "Image pull policy 'Always': images are addressed by an immutable version tag (plus a digest in "
        "registry deployments), so IfNotPresent cannot run stale code and avoids a registry round trip per "
        "pod start; Minikube uses Never for locally built images, which Always would break.",
    ),
    Suppression(
        "CKV_K8S_43",
        ("default", "minikube"),
        r".*",
        "Image digests: the default and Minikube images are built locally (`minikube image build`) and have "
        "no registry digest; registry deployments pin `image.digest`, and the production-like set passes.",
    ),
    Suppression(
        "CKV_K8S_35",
        HARDENED_SETS,
        r"(Deployment\.[\w-]+\.todo-(backend|mcp-server|ai-agent)|Job\.[\w-]+\.todo-migrate)$",
        "Secrets as env vars: the services are configured through environment variables only (one set of "
        "names for local runs, compose, Helm and Tilt, docs/architecture.md); the values come from the "
        "Secret by reference, never from a ConfigMap. PostgreSQL reads its password from a file.",
    ),
    Suppression(
        "CKV_K8S_8",
        HARDENED_SETS,
        r"Pod\.[\w-]+\.todo-smoke-test$",
        "Liveness probe on the `helm test` pod: it is a one-shot script, not a server.",
    ),
    Suppression(
        "CKV_K8S_9",
        HARDENED_SETS,
        r"Pod\.[\w-]+\.todo-smoke-test$",
        "Readiness probe on the `helm test` pod: it is a one-shot script, not a server.",
    ),
    Suppression(
        "CKV2_K8S_6",
        ("default", "minikube"),
        r".*",
        "NetworkPolicies are optional and off by default (they need a CNI that enforces them, which "
        "Minikube's default does not); networkPolicy.enabled=true covers every pod, as the production-like set shows.",
    ),
)

_CHECKOV_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from checkov.kubernetes.runner import Runner
    from checkov.runner_filter import RunnerFilter

    failed = []
    for name, path in json.loads(sys.argv[1]).items():
        # One run per values set: graph checks (NetworkPolicy coverage) must not mix sets.
        report = Runner().run(root_folder=None, files=[path], runner_filter=RunnerFilter(framework=["kubernetes"]))
        for report in report if isinstance(report, list) else [report]:
            assert not report.parsing_errors, report.parsing_errors
            for check in report.failed_checks:
                failed.append({"set": name, "check": check.check_id, "resource": check.resource,
                               "title": check.check_name})
    print(json.dumps(failed))
    """
)


@pytest.fixture(scope="module", autouse=True)
def checkov_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[str]]:
    """Start checkov when the module starts (importing it takes seconds); the test collects it."""
    directory = tmp_path_factory.mktemp("checkov")
    files = {}
    for values_set in HARDENED_SETS:
        path = directory / f"{values_set}.yaml"
        path.write_text(yaml.safe_dump_all(rendered(values_set).objects, sort_keys=False))
        files[values_set] = str(path)
    process = subprocess.Popen(
        [sys.executable, "-c", _CHECKOV_SCRIPT, json.dumps(files)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield process
    if process.poll() is None:
        process.kill()
        process.communicate()


def test_checkov_finds_nothing_unjustified(checkov_scan: subprocess.Popen[str]) -> None:
    stdout, stderr = checkov_scan.communicate(timeout=240)
    assert checkov_scan.returncode == 0, stderr[-3000:]
    failed = json.loads(stdout.strip().splitlines()[-1])
    unjustified, used = [], set()
    for finding in failed:
        match = next(
            (
                s
                for s in CHECKOV_SUPPRESSIONS
                if s.check == finding["check"]
                and finding["set"] in s.values_sets
                and re.match(s.resources, finding["resource"])
            ),
            None,
        )
        if match is None:
            unjustified.append(f"[{finding['set']}] {finding['check']} {finding['title']}: {finding['resource']}")
        else:
            used.add(match)
    assert not unjustified, "\n".join(unjustified)
    stale = [s.check for s in CHECKOV_SUPPRESSIONS if s not in used]
    assert not stale, f"suppressions no longer needed: {stale}"
