"""Secrets hygiene: no secret-looking value in tracked files, rendered ConfigMaps (or anywhere in
the rendered chart outside its Secret), the compose files or the Dockerfiles.

"Secret-looking": private keys, provider tokens (OpenAI, AWS, GitHub, Slack, Google), signed JWTs,
passwords inside URLs, and high-entropy literals assigned to secret-named settings
(`AUTH_SECRET=...`, `password: ...`). Placeholders, empty values and `${VAR}` / `{{ .Values }}`
references are fine; so are lock-file hashes (they are not assigned to secret names).
"""

from __future__ import annotations

import math
import re
import secrets
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "todo-app"

TOKEN_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY-----"),
    "OpenAI key": re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,})\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
}
URL_CREDENTIALS = re.compile(r"[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:([^\s/@'\"]+)@")
# NAME = value / NAME: value, for names that hold secrets.
SECRET_ASSIGNMENT = re.compile(
    r"""(?ix)
    \b([A-Z0-9_]*(?:SECRET|PASSWORD|PASSWD|API_?KEY|TOKEN|PRIVATE_?KEY|CREDENTIALS?)[A-Z0-9_]*)
    ["']?[ \t]*[:=][ \t]*["']?([^\s"',}]+)
    """
)
PLACEHOLDER = re.compile(
    r"""(?ix)^(
        \$\{?[A-Z_][A-Z0-9_]*.*     # ${VAR}, $VAR, ${VAR:?message}
      | \{\{.*                       # Helm template
      | <[^>]*>                      # <your-secret>
      | \.\.\.|…|x+|\*+|-+
      | (change|replace|set|your|my|example|placeholder|dummy|fake|test|dev|local|todo|secret|password|token)
        [-_a-z0-9.]*                 # change-me, your-key, dev-insecure-secret, test-secret ...
      | none|null|true|false|""|''
    )$"""
)


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _looks_random(value: str) -> bool:
    """Long, varied and not a word: what a generated secret looks like."""
    value = value.strip("\"'`;")
    if len(value) < 16 or PLACEHOLDER.match(value):
        return False
    if re.fullmatch(r"[a-z_.]+|[A-Z_.]+|[a-z]+(?:[-_][a-z]+)*", value):  # words and identifiers
        return False
    if re.search(r"[(){}\[\]<>/]", value):  # code, a type, a path or a URL: not a literal
        return False
    if not (re.search(r"\d", value) and re.search(r"[A-Za-z]", value)):  # generated secrets mix both
        return False
    return _entropy(value) >= 3.5


def findings_in(text: str) -> list[str]:
    found = [f"{name}: {m.group(0)[:24]}..." for name, rx in TOKEN_PATTERNS.items() for m in rx.finditer(text)]
    for match in URL_CREDENTIALS.finditer(text):
        password = match.group(1)
        if (not PLACEHOLDER.match(password) and _looks_random(password)) or _is_literal_password(password):
            found.append(f"password in URL: {match.group(0)[:40]}")
    for match in SECRET_ASSIGNMENT.finditer(text):
        if text[: match.start()].endswith("checksum/"):  # `checksum/secret: <sha256>` rolls pods: a digest
            continue
        if _looks_random(match.group(2)):
            found.append(f"{match.group(1)} = {match.group(2)[:6]}...")
    return found


def _is_literal_password(password: str) -> bool:
    """A real-looking password (digits and letters, 8+) that is not a placeholder or a reference."""
    if PLACEHOLDER.match(password) or password.startswith(("$", "{{", "%")):
        return False
    return len(password) >= 12 and bool(re.search(r"\d", password)) and bool(re.search(r"[A-Za-z]", password))


# ---- the detector itself ---------------------------------------------------------------------------


# Planted secrets, stored reversed so that this file itself passes the tracked-files scan.
PLANTED = [
    "a8e4f1c7d2b9e5a6c0f8d14eb7a2c9f3=TERCES_HTUA",
    "onM210lkJ987ihG654feD321cbA-jorp-ks :YEK_IPA_IANEPO",
    "odot/2345:bd@s7nWm4zP8qLv92kX:odot//:lqsergtsop=LRU_ESABATAD",
    "'U8RsHT0PUFlP9I3n0LgX_N5w0lHNmVj3J4PyrNgjzod.0nIwkDO3YTN0MjMxIiOiIWdzJye.9JiN1IzUIJiOicGbhJye' = nekot",
    "-----YEK ETAVIRP ASR NIGEB-----",
    "ELPMAXE7NNDOFSOIAIKA = di_yek_ssecca_swa",
]


@pytest.mark.parametrize("reversed_text", PLANTED)
def test_the_detector_finds_planted_secrets(reversed_text: str) -> None:
    text = reversed_text[::-1]
    assert findings_in(text), text


@pytest.mark.parametrize(
    "text",
    [
        "AUTH_SECRET=",
        "AUTH_SECRET: ${AUTH_SECRET:?set AUTH_SECRET in .env}",
        "DATABASE_URL: postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/todo",
        "authSecret: {{ .Values.global.secrets.authSecret | quote }}",
        "AUTH_SECRET=change-me",
        'PLACEHOLDER_SECRETS = frozenset({"", "changeme"})',
        'sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"',
        "password: str = Field(min_length=8)",
        "token = issue_token(user.id, user.email, secret, ttl_seconds=3600)",
    ],
)
def test_the_detector_ignores_placeholders_and_references(text: str) -> None:
    assert not findings_in(text), findings_in(text)


# ---- tracked files -----------------------------------------------------------------------------------


def _tracked_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    return [REPO / name for name in names.decode().split("\0") if name]


def test_no_secret_in_tracked_files() -> None:
    files = _tracked_files()
    assert len(files) > 50
    problems: dict[str, list[str]] = {}
    scanned = 0
    for path in files:
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        scanned += 1
        if found := findings_in(data.decode("utf-8", "replace")):
            problems[str(path.relative_to(REPO))] = found
    assert not problems, problems
    # .env holds the real values and must never be tracked; .env.example is the template.
    tracked = {str(p.relative_to(REPO)) for p in files}
    assert ".env" not in tracked and ".env.example" in tracked
    assert not [t for t in tracked if Path(t).name in {".env", ".env.local", ".env.production"}]
    print(f"\nsecrets scan: {scanned} tracked text files, 0 findings")


def test_env_example_leaves_every_secret_empty() -> None:
    for line in (REPO / ".env.example").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            if re.search(r"SECRET|PASSWORD|API_KEY|TOKEN", name):
                assert value.strip() == "", f".env.example sets {name}"


# ---- the rendered chart ---------------------------------------------------------------------------

# Random per run (and never literal here, so this file passes its own scan).
SENTINELS = {
    "authSecret": "sentinel-auth-" + secrets.token_hex(16),
    "openaiApiKey": "sk-sentinel-" + secrets.token_hex(12),
    "dbPassword": "sentinelDbPw" + secrets.token_hex(8),
}


def _render(values: dict[str, Any]) -> dict[str, str]:
    helm = pytest.importorskip("helm_python")
    with helm.Chart.load(CHART) as chart:  # a fresh Chart for every render
        return chart.render(values, name="todo", namespace="todo-app", is_install=True)


def _objects(manifests: dict[str, str]) -> list[dict[str, Any]]:
    return [
        doc
        for path, text in manifests.items()
        if path.endswith((".yaml", ".yml"))
        for doc in yaml.safe_load_all(text)
        if isinstance(doc, dict)
    ]


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(
            {"postgresql": {"enabled": True, "auth": {"password": SENTINELS["dbPassword"]}}}, id="in-chart-db"
        ),
        pytest.param(
            {
                "postgresql": {"enabled": False},
                "global": {
                    "secrets": {"databaseUrl": f"postgresql://todo:{SENTINELS['dbPassword']}@db.example.com:5432/todo"}
                },
            },
            id="external-db",
        ),
    ],
)
def test_secret_values_appear_only_in_the_secret(values: dict[str, Any]) -> None:
    given = values.get("global", {}).get("secrets", {})
    secrets = {**given, "authSecret": SENTINELS["authSecret"], "openaiApiKey": SENTINELS["openaiApiKey"]}
    values = {**values, "global": {"secrets": secrets}}
    manifests = _render(values)
    objects = _objects(manifests)
    for path, text in manifests.items():  # NOTES.txt is printed to the terminal: no secret in it
        if not path.endswith((".yaml", ".yml")):
            assert not any(sentinel in text for sentinel in SENTINELS.values()), path
    secret_objects = [o for o in objects if o.get("kind") == "Secret"]
    assert secret_objects, "the chart renders its Secret"
    for sentinel in SENTINELS.values():
        assert any(sentinel in yaml.safe_dump(s) or _in_b64(s, sentinel) for s in secret_objects), sentinel
    configmaps = [o for o in objects if o.get("kind") == "ConfigMap"]
    assert len(configmaps) >= 4
    for obj in objects:
        if obj.get("kind") == "Secret":
            continue
        text = yaml.safe_dump(obj)
        name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        for sentinel in SENTINELS.values():
            assert sentinel not in text, f"{name} carries a secret value"
        assert not findings_in(text), (name, findings_in(text))
    for configmap in configmaps:
        for key, value in (configmap.get("data") or {}).items():
            assert not re.search(r"SECRET|PASSWORD|API_KEY|TOKEN|DATABASE_URL", key), (configmap["metadata"], key)
            assert not URL_CREDENTIALS.search(str(value)), (configmap["metadata"]["name"], key)
    # Containers get secrets only by reference (secretKeyRef / secretRef), never as literal env values.
    for obj in objects:
        for container in _containers(obj):
            for env in container.get("env") or []:
                if re.search(r"SECRET|PASSWORD|API_KEY|TOKEN|DATABASE_URL", env["name"]):
                    if env["name"].endswith("_FILE"):  # a path to a mounted Secret, not the value
                        assert str(env.get("value", "")).startswith("/"), (obj["metadata"]["name"], env)
                        continue
                    assert "value" not in env, (obj["metadata"]["name"], env)


def _in_b64(secret: dict[str, Any], sentinel: str) -> bool:
    import base64

    return any(sentinel in base64.b64decode(v).decode("utf-8", "replace") for v in (secret.get("data") or {}).values())


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec") or {}
    pod = (
        (spec.get("template") or {}).get("spec")
        or spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec")
        or (spec if obj.get("kind") == "Pod" else {})
    )
    return [*(pod.get("containers") or []), *(pod.get("initContainers") or [])]


# ---- compose and Dockerfiles --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["docker-compose.yml", "compose.dev.yaml"])
def test_compose_takes_every_secret_from_the_environment(name: str) -> None:
    path = REPO / name
    if not path.exists():
        pytest.skip(f"{name} is not in this checkout")
    text = path.read_text()
    assert not findings_in(text), findings_in(text)
    compose = yaml.safe_load(text)
    for service_name, service in (compose.get("services") or {}).items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.partition("=")[::2] for item in environment)
        for key, value in environment.items():
            if re.search(r"SECRET|PASSWORD|API_KEY|TOKEN", key) and value not in (None, ""):
                assert str(value).startswith("${"), f"{name}: {service_name}.{key} must come from .env"
            if key == "DATABASE_URL" and value:
                password = URL_CREDENTIALS.search(str(value))
                assert password is None or password.group(1).startswith("${"), f"{service_name}.DATABASE_URL"
        assert "env_file" not in service or all(
            ".env" == Path(str(f if isinstance(f, str) else f.get("path"))).name for f in _as_list(service["env_file"])
        ), f"{service_name} reads an env file other than .env"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _dockerfiles() -> list[Path]:
    return sorted(p for p in _tracked_files() if p.name == "Dockerfile" or p.name.endswith(".Dockerfile"))


def test_dockerfiles_bake_in_no_secret() -> None:
    dockerfile = pytest.importorskip("dockerfile")
    files = _dockerfiles()
    assert len(files) >= 4, files
    for path in files:
        text = path.read_text()
        assert not findings_in(text), (path, findings_in(text))
        for instruction in dockerfile.parse_string(text):
            cmd = instruction.cmd.upper()
            if cmd in {"ENV", "ARG", "LABEL"}:
                for part in instruction.value:
                    name, _, value = part.partition("=")
                    if re.search(r"SECRET|PASSWORD|API_KEY|TOKEN", name, re.I):
                        assert value in ("", '""'), f"{path.relative_to(REPO)}: {cmd} {name} has a value"
            if cmd in {"COPY", "ADD"}:
                sources = [v for v in instruction.value[:-1] if not v.startswith("--")]
                assert not any(Path(s).name.startswith(".env") for s in sources), (path, instruction.original)
    dockerignore = REPO / ".dockerignore"
    if dockerignore.exists():
        assert re.search(r"^(\*\*/)?\.env$", dockerignore.read_text(), re.M), (
            ".dockerignore must keep .env out of images"
        )
