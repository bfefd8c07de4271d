"""Shared helpers for the image, compose and Tilt contract tests (no Docker engine needed).

- `CONTRACT`: each service's port, health paths, entry point and image, read from docs/architecture.md
  (the one place they are defined), so a change there is checked against every deploy file.
- `DockerIgnore`: Docker's own .dockerignore rules (moby/patternmatcher semantics).
- `Dockerfile`: stages of a Dockerfile parsed by BuildKit's parser (the `dockerfile` package).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath

import dockerfile

REPO_ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"


def tool(name: str) -> str:
    """A command from the project's venv (next to the running interpreter), else from PATH."""
    for candidate in (Path(sys.executable).parent / name, REPO_ROOT / ".venv" / "bin" / name):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    assert found, f"{name} is not installed: run `uv sync` (it is in the dev dependency group)"
    return found


# --------------------------------------------------------------------------------------------------
# The contract: docs/architecture.md
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    name: str  # compose service name; the "service" column of the docs table
    directory: str  # where its Dockerfile and source live
    image: str
    port: int
    health_paths: tuple[str, ...]
    command: str  # the documented process entry point
    settings: str | None  # "module:Class" whose fields are the variables it reads
    env_names: frozenset[str] = field(default_factory=frozenset)  # documented variables (non-Python)
    metrics_port: int | None = None  # METRICS_PORT: Prometheus metrics on a port of their own

    @property
    def liveness(self) -> str:
        return self.health_paths[0]

    @property
    def dockerfile(self) -> Path:
        return REPO_ROOT / self.directory / "Dockerfile"

    @property
    def module(self) -> str | None:
        match = re.fullmatch(r"python -m ([\w.]+)", self.command)
        return match.group(1) if match else None


@dataclass(frozen=True)
class Names:
    """One row of docs/architecture.md "Names": every name a service has."""

    service: str  # the subchart, values section and workloads (`todo-<service>`)
    package: str | None  # Python package; None for the frontend
    compose: str
    k8s_service: str
    values_key: str  # key in global.services
    image: str

    @property
    def directory(self) -> str:
        return self.package or self.service  # where its Dockerfile and source live

    @property
    def settings(self) -> str | None:
        return f"{self.package}.settings:Settings" if self.package else None


FRONTEND_ENV = frozenset(
    {"BACKEND_URL", "PORT", "HOSTNAME", "NODE_ENV", "NEXT_TELEMETRY_DISABLED", "METRICS_ENABLED", "METRICS_PORT"}
)
MIGRATION_SETTINGS = "todo_core.settings:MigrationSettings"
MIGRATION_COMMAND = ["python", "-m", "todo_core.migrate"]


def _table_rows(text: str, heading: str) -> list[list[str]]:
    section = re.split(r"\n#+ ", text.split(heading, 1)[1], maxsplit=1)[0]  # up to the next heading
    rows = []
    for line in section.splitlines():
        if line.startswith("|") and not set(line) <= set("|- "):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[1:]  # without the header row


@cache
def names() -> dict[str, Names]:
    """The four services' names (docs/architecture.md "Names"), keyed by service name, frontend first."""
    rows = _table_rows(ARCHITECTURE.read_text(), "### Names:")
    found = {}
    for service, package, compose, k8s_service, values_key, image in (
        [cell.strip("`") for cell in row] for row in rows
    ):
        python_package = None if package.endswith("/") else package
        found[service] = Names(service, python_package, compose, k8s_service, values_key, image)
    assert list(found) == ["frontend", "backend", "mcp-server", "ai-agent"], found
    return found


@cache
def contract() -> dict[str, Service]:
    """The four services as docs/architecture.md defines them, keyed by compose service name."""
    text = ARCHITECTURE.read_text()
    services: dict[str, Service] = {}
    for row in _table_rows(text, "## Services, entry points, ports"):
        name, _package, entry, port, metrics_port, health = row
        if name not in names():
            continue
        service_names = names()[name]
        settings = service_names.settings
        services[service_names.compose] = Service(
            name=service_names.compose,
            directory=service_names.directory,
            image=service_names.image,
            port=int(port),
            health_paths=tuple(re.findall(r"`(/[^`]*)`", health)),
            command=re.findall(r"`([^`]+)`", entry)[0],
            settings=settings,
            env_names=FRONTEND_ENV if settings is None else frozenset(),
            metrics_port=int(metrics_port),
        )
    assert set(services) == {"backend", "mcp-server", "agent", "frontend"}, services
    for service in services.values():
        assert f"`{service.image}`" in text, f"image name {service.image} is not in {ARCHITECTURE}"
    return services


PYTHON_SERVICES = ("backend", "mcp-server", "agent")


def settings_env_names(spec: str) -> frozenset[str]:
    """Environment variable names a pydantic-settings class reads (field names or aliases)."""
    module_name, class_name = spec.split(":")
    settings_class = getattr(importlib.import_module(module_name), class_name)
    prefix = settings_class.model_config.get("env_prefix", "")
    names = set()
    for field_name, info in settings_class.model_fields.items():
        alias = info.validation_alias or info.alias
        names.add(alias if isinstance(alias, str) else f"{prefix}{field_name}".upper())
    return frozenset(names)


def module_available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def service_written(module: str) -> bool:
    """Does the package have its entry point (`__main__`) and its app (`main`)?"""
    return module_available(f"{module}.__main__") and module_available(f"{module}.main")


# --------------------------------------------------------------------------------------------------
# .dockerignore, with Docker's rules
# --------------------------------------------------------------------------------------------------


def _docker_pattern_regex(pattern: str) -> re.Pattern[str]:
    """moby/patternmatcher: `*` and `?` stay within a path segment, `**` spans segments."""
    out, i = "^", 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                i += 1
                out += "(?:.*/)?"
            else:
                out += ".*"
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", i)
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out += "[" + ("^" + body[1:] if body.startswith("!") else body) + "]"
            i = end
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        else:
            out += re.escape(char)
        i += 1
    return re.compile(out + "$")


class DockerIgnore:
    def __init__(self, text: str) -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = line[1:].strip() if negated else line
            pattern = str(PurePosixPath("/" + pattern)).lstrip("/")  # filepath.Clean, no leading "/"
            if pattern:
                self.rules.append((negated, _docker_pattern_regex(pattern)))

    @classmethod
    def for_context(cls, context: Path) -> DockerIgnore:
        path = context / ".dockerignore"
        return cls(path.read_text() if path.exists() else "")

    def excluded(self, relative: str) -> bool:
        """Is this context-relative path left out of the build context?"""
        parts = PurePosixPath(relative).parts
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for negated, regex in self.rules:
            # A pattern excludes a path when it matches the path or one of its parent directories.
            if any(regex.match(prefix) for prefix in prefixes):
                excluded = not negated
        return excluded

    def included_files(self, context: Path, relative: str) -> list[str]:
        """Files under `relative` (a file or directory) that reach the build context."""
        root = context / relative
        if root.is_file():
            rel = root.relative_to(context).as_posix()
            return [] if self.excluded(rel) else [rel]
        can_prune = not any(negated for negated, _ in self.rules)  # "!" could re-include below a dir
        found = []
        for directory, dirnames, filenames in os.walk(root):
            base = Path(directory).relative_to(context).as_posix()
            if can_prune:
                dirnames[:] = [d for d in dirnames if not self.excluded(f"{base}/{d}")]
            found += [f"{base}/{f}" for f in filenames if not self.excluded(f"{base}/{f}")]
        return found


# --------------------------------------------------------------------------------------------------
# Dockerfiles
# --------------------------------------------------------------------------------------------------


@dataclass
class Stage:
    name: str | None
    base: str  # an image reference or the name of an earlier stage
    commands: list[dockerfile.Command]
    parent: Stage | None  # the earlier stage this one is built FROM, if any

    def chain(self) -> list[Stage]:
        """This stage and the stages it builds on, oldest first."""
        return ([*self.parent.chain()] if self.parent else []) + [self]

    def all_commands(self, cmd: str) -> list[dockerfile.Command]:
        return [c for stage in self.chain() for c in stage.commands if c.cmd == cmd]

    def last(self, cmd: str) -> dockerfile.Command | None:
        found = self.all_commands(cmd)
        return found[-1] if found else None

    def env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for command in self.all_commands("ENV"):
            values = command.value
            for key, value in zip(values[0::2], values[1::2], strict=True):
                env[key] = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
        return env

    def workdir_at(self, command: dockerfile.Command) -> str:
        workdir = "/"
        for stage in self.chain():
            for c in stage.commands:
                if c is command:
                    return workdir
                if c.cmd == "WORKDIR":
                    workdir = str(PurePosixPath(workdir) / c.value[0])
        return workdir

    def context_copies(self) -> list[tuple[dockerfile.Command, list[str], str]]:
        """(command, context sources, absolute destination) of COPY/ADD from the build context."""
        copies = []
        for stage in self.chain():
            for c in stage.commands:
                if c.cmd in ("COPY", "ADD") and not any(f.startswith("--from=") for f in c.flags):
                    *sources, dest = c.value
                    absolute = str(PurePosixPath(self.workdir_at(c)) / dest)
                    if dest.endswith("/") or dest in (".", "./"):
                        absolute = absolute.rstrip("/") + "/"
                    copies.append((c, sources, absolute))
        return copies

    def container_path(self, context_path: str) -> str | None:
        """Where a context-relative file or directory lands in this stage's image, if it is copied."""
        wanted = PurePosixPath(context_path.removeprefix("./"))
        result = None
        for _command, sources, dest in self.context_copies():
            for source in sources:
                src = PurePosixPath(source)
                if source.endswith("/") or (REPO_ROOT / source).is_dir():
                    if wanted == src or src in wanted.parents:
                        result = str(PurePosixPath(dest) / wanted.relative_to(src))
                elif wanted == src:
                    result = str(PurePosixPath(dest) / src.name) if dest.endswith("/") else dest
        return result


@dataclass
class Dockerfile:
    path: Path
    commands: list[dockerfile.Command]
    stages: list[Stage]

    @classmethod
    def load(cls, path: Path) -> Dockerfile:
        commands = list(dockerfile.parse_file(str(path)))
        stages: list[Stage] = []
        build_args: dict[str, str] = {}  # ARGs before the first FROM, with their defaults
        for command in commands:
            if command.cmd == "ARG" and not stages:
                name, _, default = command.value[0].partition("=")
                build_args[name] = default
            elif command.cmd == "FROM":
                base = re.sub(r"\$\{?(\w+)\}?", lambda m: build_args.get(m.group(1), m.group(0)), command.value[0])
                name = command.value[2] if len(command.value) >= 3 and command.value[1].upper() == "AS" else None
                parent = next((s for s in stages if s.name == base), None)
                stages.append(Stage(name=name, base=base, commands=[], parent=parent))
            elif stages:
                stages[-1].commands.append(command)
        return cls(path=path, commands=commands, stages=stages)

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(f"{self.path}: no stage named {name!r}")

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def external_images(self) -> list[str]:
        names = {s.name for s in self.stages}
        return [s.base for s in self.stages if s.base not in names]


def with_defaults(value: str) -> str:
    """A compose value as it is with nothing set in the environment: `${VAR:-default}` -> default."""
    return re.sub(r"\$\{[A-Z_][A-Z0-9_]*:?-([^}]*)\}", r"\1", value)


def image_tag_problem(reference: str) -> str | None:
    """Why an image reference is not pinned, or None if it is."""
    if "@sha256:" in reference:
        return None
    last = reference.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"{reference}: no tag (means latest)"
    tag = last.split(":", 1)[1]
    if tag == "latest" or "$" in tag:
        return f"{reference}: tag {tag!r} is not a pinned version"
    if not re.search(r"\d+\.\d+", tag):
        return f"{reference}: tag {tag!r} pins no minor version"
    return None


def dockerfiles() -> dict[str, Dockerfile]:
    return {name: Dockerfile.load(service.dockerfile) for name, service in contract().items()}
