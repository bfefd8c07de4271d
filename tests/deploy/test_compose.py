"""docker-compose.yml (and the compose.dev.yaml overlay) agree with the contract.

Validated against the compose-spec schema; every variable set for a service is one that service reads;
ports, health paths, service names in URLs and startup order match docs/architecture.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _repo import (
    MIGRATION_COMMAND,
    MIGRATION_SETTINGS,
    PYTHON_SERVICES,
    REPO_ROOT,
    Dockerfile,
    contract,
    image_tag_problem,
    settings_env_names,
    tool,
    with_defaults,
)

COMPOSE = REPO_ROOT / "docker-compose.yml"
COMPOSE_DEV = REPO_ROOT / "compose.dev.yaml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
SERVICES = contract()
POSTGRES_ENV = frozenset({"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"})
REQUIRED_SECRETS = ("AUTH_SECRET", "POSTGRES_PASSWORD")
INTERPOLATION = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?+][^}]*)?\}")
OBSERVABILITY = ("prometheus", "grafana")  # the optional `observability` profile
PROMETHEUS_CONFIG = REPO_ROOT / "observability" / "prometheus.yml"
DASHBOARD = REPO_ROOT / "docs" / "grafana-dashboard.json"
METRIC_SOURCES = (
    "todo_core/src/todo_core/metrics.py",
    "agent/src/agent/metrics.py",
    "mcp_server/src/mcp_server/metrics.py",
    "frontend/src/server/metrics.ts",
)


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load(COMPOSE)


def env_of(service: dict[str, Any]) -> dict[str, Any]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


@pytest.mark.parametrize("path", [COMPOSE, COMPOSE_DEV], ids=lambda p: p.name)
def test_validates_against_the_compose_spec(path: Path) -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_services_and_images(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", *SERVICES, *OBSERVABILITY}
    postgres_image = with_defaults(services["postgres"]["image"])
    problem = image_tag_problem(postgres_image)
    assert problem is None and postgres_image.startswith("postgres:16."), problem
    for name, service in SERVICES.items():
        image, build = services[name]["image"], services[name]["build"]
        assert image.split(":")[0] == service.image and ":" in image and "latest" not in image
        assert build["context"] == "." and REPO_ROOT / build["dockerfile"] == service.dockerfile
        assert build["target"] == "runtime"
    migrate = services["migrate"]
    assert migrate["image"] == services["backend"]["image"] and migrate["build"] == services["backend"]["build"]
    assert migrate["command"] == MIGRATION_COMMAND
    assert migrate["restart"] == "no"


def test_ports_match_the_contract_and_are_published_on_loopback(compose: dict[str, Any]) -> None:
    host_ports = set()
    for name, service in SERVICES.items():
        [published] = compose["services"][name]["ports"]
        # By default the service's own port on 127.0.0.1; both settable, so stacks can run side by side.
        assert with_defaults(published) == f"127.0.0.1:{service.port}:{service.port}", published
        address, host_port = INTERPOLATION.findall(published)
        assert address == "PUBLISH_ADDRESS" and host_port and host_port.endswith("_HOST_PORT"), published
        host_ports.add(host_port)
    assert len(host_ports) == len(SERVICES)
    assert "ports" not in compose["services"]["postgres"]  # only the services are published


def test_services_run_hardened_and_the_dev_overlay_only_lifts_read_only(compose: dict[str, Any]) -> None:
    for name in ("migrate", *SERVICES):
        service = compose["services"][name]
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name
        assert service["security_opt"] == ["no-new-privileges:true"] and "/tmp" in service["tmpfs"], name
    dev = load(COMPOSE_DEV)["services"]
    for name in ("migrate", *SERVICES):
        assert dev[name]["read_only"] is False, f"{name}: live sync writes into the dev container"
        assert not {"cap_drop", "security_opt", "cap_add", "privileged"} & set(dev[name]), name


def test_the_one_shot_migration_has_no_healthcheck(compose: dict[str, Any]) -> None:
    """It runs the backend image, whose HEALTHCHECK would mark the exited container unhealthy."""
    assert compose["services"]["migrate"]["healthcheck"] == {"disable": True}


def test_base_images_can_point_at_a_mirror(compose: dict[str, Any]) -> None:
    for name in SERVICES:
        arg = "NODE_IMAGE" if name == "frontend" else "PYTHON_IMAGE"
        assert compose["services"][name]["build"]["args"] == [arg], name  # passed only when set
        assert f"ARG {arg}=" in SERVICES[name].dockerfile.read_text()
    assert compose["services"]["postgres"]["image"].startswith("${POSTGRES_IMAGE:-")


@pytest.mark.parametrize("name", SERVICES)
def test_healthchecks_use_health_paths_without_curl(name: str, compose: dict[str, Any]) -> None:
    service = SERVICES[name]
    test = compose["services"][name]["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] in ("python", "node"), test
    script = " ".join(test[2:])
    urls = re.findall(r"http://127\.0\.0\.1:(\d+)(/[\w/]*)", script)
    assert urls and all(int(port) == service.port and path in service.health_paths for port, path in urls), urls
    postgres = compose["services"]["postgres"]["healthcheck"]["test"]
    assert "pg_isready" in " ".join(postgres)


def test_startup_order(compose: dict[str, Any]) -> None:
    services = compose["services"]

    def deps(name: str) -> dict[str, str]:
        return {dep: spec["condition"] for dep, spec in services[name].get("depends_on", {}).items()}

    assert deps("migrate") == {"postgres": "service_healthy"}
    for name in ("backend", "mcp-server"):
        assert deps(name) == {"postgres": "service_healthy", "migrate": "service_completed_successfully"}
    assert deps("agent") == {"mcp-server": "service_healthy"}
    assert deps("frontend") == {"backend": "service_healthy", "agent": "service_healthy"}


def _allowed_env(name: str) -> frozenset[str]:
    if name == "postgres":
        return POSTGRES_ENV
    if name == "migrate":
        return settings_env_names(MIGRATION_SETTINGS)
    service = SERVICES[name]
    if service.settings is None:
        return service.env_names
    return settings_env_names(service.settings)


@pytest.mark.parametrize("name", ["postgres", "migrate", *SERVICES])
def test_every_variable_is_a_setting_of_that_service(name: str, compose: dict[str, Any]) -> None:
    allowed = _allowed_env(name)
    for path in (COMPOSE, COMPOSE_DEV):
        service = load(path)["services"].get(name, {})
        unknown = set(env_of(service)) - allowed
        assert not unknown, f"{path.name}: {name} sets {sorted(unknown)}, which it does not read"


def test_service_urls_name_compose_services_and_their_ports(compose: dict[str, Any]) -> None:
    services = compose["services"]
    ports = {name: service.port for name, service in SERVICES.items()} | {"postgres": 5432}
    seen = 0
    for name, service in services.items():
        for key, value in env_of(service).items():
            if not isinstance(value, str) or "://" not in value:
                continue
            parts = urlsplit(INTERPOLATION.sub("x", value))
            host = parts.hostname or ""
            assert host in services, f"{name}.{key}: {host} is not a compose service"
            assert parts.port == ports[host], f"{name}.{key}: {host} listens on {ports[host]}, not {parts.port}"
            seen += 1
    assert seen >= 6
    assert env_of(services["backend"])["AGENT_URL"] == "http://agent:8002"
    assert env_of(services["agent"])["MCP_SERVER_URL"] == "http://mcp-server:8001/mcp"  # exact, no slash
    assert env_of(services["frontend"])["BACKEND_URL"] == "http://backend:8000"
    allowed_hosts = env_of(services["mcp-server"])["MCP_ALLOWED_HOSTS"].split(",")
    assert "mcp-server:8001" in allowed_hosts


def test_production_mode_and_required_secrets(compose: dict[str, Any]) -> None:
    raw = COMPOSE.read_text()
    for secret in REQUIRED_SECRETS:
        assert re.search(r"\$\{" + secret + r":\?[^}]+\}", raw), f"{secret} must be required with ${{{secret}:?...}}"
    for name in PYTHON_SERVICES:
        env = env_of(compose["services"][name])
        assert env["ENVIRONMENT"] == "production"
        assert env["AUTH_SECRET"].startswith("${AUTH_SECRET:?")
        assert "RELOAD" not in env
    # No literal secret values anywhere in the file: every secret-bearing value is interpolated.
    for name, service in compose["services"].items():
        for key, value in env_of(service).items():
            if re.search(r"SECRET|PASSWORD|API_KEY", key):
                assert value is None or str(value).startswith("${"), f"{name}.{key} holds a literal value"
        database_url = env_of(service).get("DATABASE_URL")
        if database_url:
            assert "${POSTGRES_PASSWORD:?" in database_url
    assert "postgres-data" in compose["volumes"]
    assert "postgres-data:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]


def test_env_example_documents_every_variable() -> None:
    used = set(INTERPOLATION.findall(COMPOSE.read_text())) | set(INTERPOLATION.findall(COMPOSE_DEV.read_text()))
    compose_services = load(COMPOSE)["services"]
    passed_through = {k for s in compose_services.values() for k, v in env_of(s).items() if v is None}
    example = ENV_EXAMPLE.read_text()
    documented = set(re.findall(r"^#?\s*([A-Z_][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    missing = (used | passed_through) - documented
    assert not missing, f".env.example does not document {sorted(missing)}"
    values = dict(re.findall(r"^([A-Z_][A-Z0-9_]*)=(.*)$", example, flags=re.MULTILINE))
    for secret in (*REQUIRED_SECRETS, "OPENAI_API_KEY"):
        assert not values.get(secret), f".env.example must not carry a value for {secret}"
    gitignore = (REPO_ROOT / ".gitignore").read_text().split()
    assert ".env" in gitignore


def test_dev_overlay_uses_dev_targets_and_watch_syncs_where_the_code_lives(compose: dict[str, Any]) -> None:
    dev = load(COMPOSE_DEV)["services"]
    for name, service in SERVICES.items():
        assert dev[name]["build"]["target"] == "dev"
        assert dev[name]["image"] == f"{service.image}:dev"  # never overwrites the runtime tag
        dev_stage = Dockerfile.load(service.dockerfile).stage("dev")
        watch = compose["services"][name]["develop"]["watch"]
        assert {rule["action"] for rule in watch} == {"sync", "rebuild"}
        for rule in watch:
            source = rule["path"].removeprefix("./")
            assert (REPO_ROOT / source).exists() or source == "frontend/public", f"{name}: {source} does not exist"
            if rule["action"] == "sync":
                where = dev_stage.container_path(source)
                assert where == rule["target"], f"{name}: {source} lives at {where} in the dev image"
            else:
                assert (REPO_ROOT / source).is_file()
        if name in PYTHON_SERVICES:
            assert dev[name]["environment"]["RELOAD"] == "true"
            assert dev[name]["environment"]["ENVIRONMENT"] == "development"
    assert dev["migrate"]["image"] == dev["backend"]["image"]


def test_observability_profile_scrapes_every_metrics_port(compose: dict[str, Any]) -> None:
    """No engine here can run Prometheus (no image registry): its configuration is checked instead."""
    services = compose["services"]
    for name in OBSERVABILITY:
        assert services[name]["profiles"] == ["observability"], f"{name} would start without the profile"
    for name in SERVICES:
        assert "profiles" not in services[name]
    prometheus = services["prometheus"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in prometheus["volumes"]}
    assert REPO_ROOT / mounts["/etc/prometheus/prometheus.yml"] == PROMETHEUS_CONFIG
    config = load(PROMETHEUS_CONFIG)
    targets = {
        job["job_name"]: [t for c in job["static_configs"] for t in c["targets"]] for job in config["scrape_configs"]
    }
    expected = {name: [f"{name}:{service.metrics_port}"] for name, service in SERVICES.items()}
    assert targets == expected  # compose service names and the documented METRICS_PORTs
    for name, service in SERVICES.items():
        metrics_port = env_of(services[name]).get("METRICS_PORT")
        assert metrics_port in (None, str(service.metrics_port)), name  # the default, or set to it
        published = [with_defaults(p).rsplit(":", 1)[-1] for p in services[name]["ports"]]
        assert str(service.metrics_port) not in published, f"{name}: metrics must stay inside the compose network"
    for name in OBSERVABILITY:
        [port] = services[name]["ports"]
        assert with_defaults(port).startswith("127.0.0.1:"), port
    grafana_mounts = {v.split(":")[1]: v.split(":")[0] for v in services["grafana"]["volumes"]}
    assert REPO_ROOT / grafana_mounts["/var/lib/grafana/dashboards/todo-stack.json"] == DASHBOARD


def test_dashboard_queries_only_metrics_the_services_define() -> None:
    import json

    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 10
    defined = set()
    for source in METRIC_SOURCES:
        defined |= set(re.findall(r"[\"'](todo_[a-z_]+)[\"']", (REPO_ROOT / source).read_text()))
    used = {re.sub(r"_(bucket|count|sum|total)$", "", m) for e in exprs for m in re.findall(r"todo_[a-z_]+", e)}
    assert used <= {re.sub(r"_total$", "", d) for d in defined}, used - defined
    for concept in ("todo_http_requests", "todo_db_pool_checked_out", "todo_agent_tool_calls", "todo_mcp_tool_calls"):
        assert concept in used, concept
