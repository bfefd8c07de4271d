"""The Tiltfile, evaluated with starlark-pyo3 and recording stand-ins for Tilt's builtins.

What it builds is checked against the dev chart as Helm renders it (helm-python-sdk) and against the
Dockerfiles' `dev` targets; the CI workflow is validated against the GitHub workflow schema.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _repo import REPO_ROOT, Dockerfile, DockerIgnore, contract, tool

TILTFILE = REPO_ROOT / "Tiltfile"
CHART = REPO_ROOT / "helm" / "todo-app"
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "ci.yml"
SERVICES = contract()
POD_KINDS = ("Deployment", "StatefulSet", "Job", "DaemonSet")
# Resources that must start in this order (database -> backend & MCP, whose pods migrate first -> agent
# -> frontend).
ORDER = [("backend", "database"), ("mcp-server", "database"), ("agent", "mcp-server"), ("frontend", "agent")]
# What `kubectl version -o json` answers in the evaluation (Tilt's `local` stand-in).
SERVER_VERSION = "v1.24.1"

# --------------------------------------------------------------------------------------------------
# Evaluating the Tiltfile
# --------------------------------------------------------------------------------------------------

PRELUDE = """
os = struct(getenv=_os_getenv)
config = struct(tilt_subcommand=_tilt_subcommand, main_dir=_main_dir)
TRIGGER_MODE_AUTO = "auto"
TRIGGER_MODE_MANUAL = "manual"
"""


@dataclass
class Tilt:
    calls: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = field(default_factory=lambda: defaultdict(list))
    loads: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def one(self, name: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
        assert len(self.calls[name]) == 1, f"{name} called {len(self.calls[name])} times"
        return self.calls[name][0]

    def docker_builds(self) -> dict[str, dict[str, Any]]:
        builds = {}
        for args, kwargs in self.calls["docker_build"]:
            ref, *rest = args
            context = rest[0] if rest else kwargs["context"]
            builds[ref] = {**kwargs, "context": context}
        return builds

    def k8s_resources(self) -> dict[str, dict[str, Any]]:
        resources = {}
        for args, kwargs in self.calls["k8s_resource"]:
            workload = args[0] if args else kwargs["workload"]
            resources[kwargs.get("new_name", workload)] = {**kwargs, "workload": workload}
        return resources


def evaluate(subcommand: str = "up", env: dict[str, str] | None = None) -> Tilt:
    """The Tiltfile run with recording stand-ins; `env` is what os.getenv sees."""
    import starlark as sl

    env = env or {}
    tilt = Tilt()

    def recorder(name: str, returns: Callable[..., Any] | None = None) -> Callable[..., Any]:
        def builtin(*args: Any, **kwargs: Any) -> Any:
            tilt.calls[name].append((args, kwargs))
            return returns(*args, **kwargs) if returns else None

        return builtin

    module = sl.Module()
    for name in ("version_settings", "allow_k8s_contexts", "docker_build", "k8s_yaml", "k8s_resource",
                 "local_resource", "ci_settings", "update_settings", "watch_file"):  # fmt: skip
        module.add_callable(name, recorder(name))
    module.add_callable("sync", recorder("sync", lambda src, dest: {"step": "sync", "src": src, "dest": dest}))
    module.add_callable(
        "run",
        recorder("run", lambda cmd, trigger=(): {"step": "run", "cmd": cmd, "trigger": list(trigger)}),
    )
    module.add_callable("fall_back_on", recorder("fall_back_on", lambda files: {"step": "fall_back_on",
                                                                                  "files": files}))  # fmt: skip
    module.add_callable("helm", recorder("helm", lambda path, **kw: {"helm": path, **kw}))
    module.add_callable("_os_getenv", lambda key, default=None: env.get(key, default))
    module.add_callable("decode_json", lambda text: json.loads(text))

    def local(command: str, **kwargs: Any) -> str:
        assert command.startswith("kubectl version -o json"), f"unexpected local({command!r})"
        return json.dumps({"serverVersion": {"gitVersion": SERVER_VERSION}})

    module.add_callable("local", recorder("local", local))
    module["_tilt_subcommand"] = subcommand
    module["_main_dir"] = str(REPO_ROOT)

    def load(path: str) -> Any:
        assert path == "ext://namespace", f"unexpected load({path!r})"
        ext = sl.Module()
        ext.add_callable("namespace_create", recorder("namespace_create"))
        tilt.loads.append((path, ("namespace_create",)))
        return ext.freeze()

    dialect = sl.Dialect.extended()
    extensions = sl.Globals.extended_by([sl.LibraryExtension.StructType, sl.LibraryExtension.Print])
    sl.eval(module, sl.parse("prelude", PRELUDE, dialect), extensions)
    sl.eval(module, sl.parse("Tiltfile", TILTFILE.read_text(), dialect), extensions, sl.FileLoader(load))
    return tilt


@pytest.fixture(scope="module")
def tilt() -> Tilt:
    return evaluate()


# --------------------------------------------------------------------------------------------------
# The dev chart as Helm renders it
# --------------------------------------------------------------------------------------------------


@dataclass
class Workload:
    kind: str
    name: str
    images: list[str]
    container_ports: list[int]


@pytest.fixture(scope="module")
def rendered(tilt: Tilt) -> dict[str, Workload]:
    import helm_python as helm

    (chart_path,), kwargs = tilt.one("helm")
    values: dict[str, Any] = {}
    for path in kwargs.get("values", []):
        values = _merge(values, yaml.safe_load((REPO_ROOT / path).read_text()) or {})
    chart = helm.Chart.load(str(REPO_ROOT / chart_path))
    output = chart.render(values, name=kwargs.get("name", Path(chart_path).name),
                          namespace=kwargs["namespace"], is_install=True)  # fmt: skip
    workloads = {}
    for path, text in output.items():
        if not path.endswith((".yaml", ".yml")):
            continue
        for doc in yaml.safe_load_all(text):
            if not doc or doc.get("kind") not in POD_KINDS:
                continue
            pod = doc["spec"]["template"]["spec"]
            containers = pod.get("initContainers", []) + pod["containers"]
            workloads[doc["metadata"]["name"]] = Workload(
                kind=doc["kind"],
                name=doc["metadata"]["name"],
                images=[c["image"] for c in containers],
                container_ports=[p["containerPort"] for c in pod["containers"] for p in c.get("ports", [])],
            )
    assert workloads, "the dev chart renders no workloads"
    return workloads


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = (
            _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
        )
    return merged


def _repository(image: str) -> str:
    last = image.rsplit("/", 1)
    name = last[-1].split("@")[0].split(":")[0]
    return "/".join([*last[:-1], name]) if len(last) > 1 else name


def _service_of_image(image: str) -> str | None:
    repo = _repository(image).rsplit("/", 1)[-1]
    return next((name for name, s in SERVICES.items() if s.image == repo), None)


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------


def test_settings_and_contexts(tilt: Tilt) -> None:
    _, kwargs = tilt.one("version_settings")
    assert kwargs["constraint"].startswith(">=")
    (contexts,), _ = tilt.one("allow_k8s_contexts")
    assert "minikube" in contexts and "docker-desktop" in contexts and any(c.startswith("kind") for c in contexts)
    assert "local" not in contexts  # a non-local cluster only when the user says so
    (more,), _ = evaluate(env={"EXTRA_K8S_CONTEXTS": "local, staging-dev ,"}).one("allow_k8s_contexts")
    assert more == [*contexts, "local", "staging-dev"]
    _, ci = tilt.one("ci_settings")
    assert ci.get("timeout")
    assert ("ext://namespace", ("namespace_create",)) in tilt.loads
    assert tilt.calls["namespace_create"][0][0] == ("todo-app",)


def test_port_forwards_can_move(tilt: Tilt) -> None:
    moved = evaluate(env={"BACKEND_HOST_PORT": "18000", "FRONTEND_HOST_PORT": "13000"}).k8s_resources()
    assert moved["todo-backend"]["port_forwards"] == ["18000:8000"]
    assert moved["todo-frontend"]["port_forwards"] == ["13000:3000"]
    assert moved["todo-mcp-server"]["port_forwards"] == ["8001:8001"]  # unset: the default


def test_helm_renders_for_the_clusters_version(tilt: Tilt) -> None:
    """`helm template` cannot ask the cluster; the chart's preStop form depends on its version."""
    _, kwargs = tilt.one("helm")
    assert kwargs["set"] == [f"global.kubeVersion={SERVER_VERSION}"]


def test_helm_call_names_the_chart_and_dev_values(tilt: Tilt) -> None:
    (chart_path,), kwargs = tilt.one("helm")
    assert chart_path == "helm/todo-app" and (REPO_ROOT / chart_path / "Chart.yaml").is_file()
    assert kwargs["namespace"] == "todo-app"
    assert kwargs["values"] and all((REPO_ROOT / v).is_file() for v in kwargs["values"])
    assert "helm/todo-app/values-dev.yaml" in kwargs["values"]
    (blob,), _ = tilt.one("k8s_yaml")
    assert blob["helm"] == chart_path


def test_every_chart_image_is_built_from_its_dockerfile_dev_target(tilt: Tilt, rendered: dict[str, Workload]) -> None:
    builds = tilt.docker_builds()
    chart_images = {_repository(i) for w in rendered.values() for i in w.images if _service_of_image(i)}
    assert chart_images == {s.image for s in SERVICES.values()}, chart_images
    assert set(builds) == chart_images, f"built {sorted(builds)}, the chart runs {sorted(chart_images)}"
    for ref, build in builds.items():
        service = SERVICES[_service_of_image(ref)]  # type: ignore[index]
        assert build["context"] == "."
        assert REPO_ROOT / build["dockerfile"] == service.dockerfile
        assert build["target"] == "dev"
        Dockerfile.load(service.dockerfile).stage("dev")
        assert build.get("only") and build.get("ignore") is not None


def _covered_by_build(build: dict[str, Any], path: str) -> bool:
    """Is this file part of what Tilt watches for the image (in `only`, not ignored, not dockerignored)?"""
    wanted = PurePosixPath(path)
    only = [PurePosixPath(o.rstrip("/")) for o in build["only"]]
    if not any(wanted == o or o in wanted.parents for o in only):
        return False
    ignore = DockerIgnore("\n".join(build.get("ignore", [])))
    return not ignore.excluded(path) and not DockerIgnore.for_context(REPO_ROOT).excluded(path)


def _steps(build: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [s for s in build["live_update"] if s["step"] == kind]


@pytest.mark.parametrize("image", [s.image for s in SERVICES.values()])
def test_live_update_steps(image: str, tilt: Tilt) -> None:
    build = tilt.docker_builds()[image]
    service = SERVICES[_service_of_image(image)]  # type: ignore[index]
    dev = Dockerfile.load(service.dockerfile).stage("dev")
    steps = [s["step"] for s in build["live_update"]]
    # Tilt's required order: fall_back_on first, then syncs, then runs.
    assert steps == sorted(steps, key=["fall_back_on", "sync", "run"].index), steps
    # A migration needs a rebuild of the images whose pods migrate (backend, MCP server), not the agent's.
    # The frontend falls back on its build config.
    expected_fall_backs = 0 if image == "todo-agent" else 1
    assert steps.count("fall_back_on") == expected_fall_backs and "sync" in steps and "run" in steps
    syncs = _steps(build, "sync")
    for step in syncs:
        assert (REPO_ROOT / step["src"]).exists(), f"sync source {step['src']} does not exist"
        assert _covered_by_build(build, step["src"]), f"{step['src']} is not part of the image's build"
        where = dev.container_path(step["src"])
        assert where == step["dest"], f"{step['src']} is at {where} in the dev image, not {step['dest']}"

    def synced(path: str) -> bool:
        return any(path == s["src"] or PurePosixPath(s["src"]) in PurePosixPath(path).parents for s in syncs)

    for path in [f for step in _steps(build, "fall_back_on") for f in step["files"]]:
        assert (REPO_ROOT / path).exists(), f"fall_back_on {path} does not exist"
        assert synced(path) and _covered_by_build(build, path), f"fall_back_on {path} is neither synced nor built"
    for run in _steps(build, "run"):
        assert run["trigger"], "a run step without trigger runs on every change"
        for path in run["trigger"]:
            assert (REPO_ROOT / path).is_file(), f"trigger {path} does not exist"
            assert synced(path), f"trigger {path} is not synced, so the run would never see it"
        assert run["cmd"].startswith("cd /app && ")  # absolute: independent of the image's WORKDIR
    # The code the service runs is synced: its own source, and todo_core for the Python services.
    code = [f"{service.directory}/src", "todo_core/src"] if service.module else ["frontend/src"]
    for path in code:
        assert synced(path), f"{path} is not live-synced"


def test_dev_images_reload_in_place(tilt: Tilt) -> None:
    for service in SERVICES.values():
        dev = Dockerfile.load(service.dockerfile).stage("dev")
        if service.module:
            assert dev.env()["RELOAD"] == "true"
        else:
            assert dev.last("CMD").value == ("npm", "run", "dev")  # type: ignore[union-attr]
    values = yaml.safe_load((REPO_ROOT / "helm/todo-app/values-dev.yaml").read_text())
    assert values["global"]["reload"] is True
    assert values["global"]["readOnlyRootFilesystem"] is False  # Tilt writes the synced files


def test_workload_port_forwards_and_labels(tilt: Tilt, rendered: dict[str, Workload]) -> None:
    resources = tilt.k8s_resources()
    assert set(resources) == set(rendered), f"resources {sorted(resources)} vs workloads {sorted(rendered)}"
    for name, resource in resources.items():
        assert resource["labels"], f"{name} has no labels"
    forwarded: dict[str, int] = {}
    for name, resource in resources.items():
        workload = rendered[resource["workload"]]
        service = _role(workload)
        if service not in SERVICES:
            assert "port_forwards" not in resource, f"{name} is not one of the four services"
            continue
        port = SERVICES[service].port
        assert resource["port_forwards"] == [f"{port}:{port}"], name
        assert port in workload.container_ports, f"{name} listens on {workload.container_ports}, not {port}"
        forwarded[service] = port
    assert forwarded == {name: s.port for name, s in SERVICES.items()}


def _role(workload: Workload) -> str:
    if workload.kind == "StatefulSet" and any("postgres" in i for i in workload.images):
        return "database"
    if workload.kind == "Job":
        return "migration"
    return _service_of_image(workload.images[-1]) or workload.name


def test_resource_deps_order_and_no_cycle(tilt: Tilt, rendered: dict[str, Workload]) -> None:
    resources = tilt.k8s_resources()
    graph = {name: list(r.get("resource_deps", [])) for name, r in resources.items()}
    for name, deps in graph.items():
        for dep in deps:
            assert dep in rendered, f"{name} depends on {dep}, which the chart does not render"
    # No cycle: a topological sort consumes every node.
    remaining = dict(graph)
    while remaining:
        ready = [n for n, deps in remaining.items() if not set(deps) & set(remaining)]
        assert ready, f"cycle among {sorted(remaining)}"
        for n in ready:
            del remaining[n]

    role = {name: _role(rendered[r["workload"]]) for name, r in resources.items()}
    by_role = {v: k for k, v in role.items()}

    def reaches(start: str, goal: str) -> bool:
        stack, seen = [start], set()
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            seen.add(node)
            stack.extend(d for d in graph.get(node, []) if d not in seen)
        return False

    for later, earlier in ORDER:
        assert earlier in by_role and later in by_role, (earlier, later, role)
        assert by_role[earlier] in graph[by_role[later]], f"{by_role[later]} must depend on {by_role[earlier]}"
        assert reaches(by_role[later], by_role[earlier])


def test_local_resources_run_the_tests_and_chart_checks(tilt: Tilt) -> None:
    resources = {args[0]: kwargs for args, kwargs in tilt.calls["local_resource"]}
    commands = " ; ".join(r["cmd"] for r in resources.values())
    assert "pytest" in commands and "npm test" in commands and "helm lint" in commands
    for name, resource in resources.items():
        assert resource.get("labels"), name
        for dep in resource.get("deps", []):
            assert (REPO_ROOT / dep).exists(), f"{name}: deps {dep} does not exist"
    in_ci = evaluate("ci")
    ci_resources = {args[0]: kwargs for args, kwargs in in_ci.calls["local_resource"]}
    assert not ci_resources["python-unit-tests"]["auto_init"]  # CI runs them in their own job


# --------------------------------------------------------------------------------------------------
# The CI workflow
# --------------------------------------------------------------------------------------------------


def test_workflow_validates_against_the_github_schema() -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_covers_lint_tests_images_kind_helm_and_tilt() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    text = WORKFLOW.read_text()
    jobs = workflow["jobs"]
    assert {"lint-and-test", "images", "kind"} <= set(jobs)
    for needle in ("make lint", "make test", "docker build", "kind create cluster", "helm install", "helm test",
                   "tilt ci", "hadolint"):  # fmt: skip
        assert needle in text, f"ci.yml does not run {needle!r}"
    for job in jobs.values():
        for step in job["steps"]:
            uses = step.get("uses")
            if uses:
                ref = uses.split("@")[1]
                assert ref[:1] == "v" or len(ref) == 40, f"{uses}: pin actions to a version"
