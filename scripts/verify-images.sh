#!/usr/bin/env bash
# For machines with a Docker engine: build every image (runtime and dev targets), print their sizes,
# start the compose stack and wait for every healthcheck, run a smoke test through the published
# ports (sign up, add a task, one chat turn with the offline `local` model), then tear down.
#   scripts/verify-images.sh            # uses .env if present, else throwaway secrets
#   KEEP=1 scripts/verify-images.sh     # leave the stack running afterwards
set -euo pipefail

cd "$(dirname "$0")/.."
command -v docker >/dev/null || { echo "docker is not installed" >&2; exit 2; }
docker info >/dev/null 2>&1 || { echo "no Docker engine answers (docker info failed)" >&2; exit 2; }

TAG="${TAG:-0.4.0}"
PROJECT="${COMPOSE_PROJECT_NAME:-todo-verify}"
export TAG
# Throwaway secrets unless the caller (or .env) provides them; never printed.
if [[ ! -f .env ]]; then
  export AUTH_SECRET="${AUTH_SECRET:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}"
  export POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-$(python3 -c 'import secrets; print(secrets.token_hex(16))')}"
fi
compose=(docker compose -p "$PROJECT" -f docker-compose.yml)

declare -A DOCKERFILES=(
  [todo-backend]=backend/Dockerfile
  [todo-mcp-server]=mcp_server/Dockerfile
  [todo-agent]=agent/Dockerfile
  [todo-frontend]=frontend/Dockerfile
)

echo "== building images (context: repository root)"
for image in todo-backend todo-mcp-server todo-agent todo-frontend; do
  dockerfile="${DOCKERFILES[$image]}"
  docker build -f "$dockerfile" --target dev -t "$image:dev" .
  docker build -f "$dockerfile" -t "$image:$TAG" .
done

echo "== image sizes"
for image in todo-backend todo-mcp-server todo-agent todo-frontend; do
  for tag in "$TAG" dev; do
    docker image inspect "$image:$tag" --format "{{index .RepoTags 0}}	{{.Size}}" \
      | awk -F'\t' '{ printf "%-28s %8.1f MB\n", $1, $2 / 1000000 }'
  done
done

echo "== checking the runtime images run as UID 10001"
for image in todo-backend todo-mcp-server todo-agent todo-frontend; do
  user="$(docker image inspect "$image:$TAG" --format '{{.Config.User}}')"
  [[ "$user" == 10001* ]] || { echo "$image runs as '$user', expected 10001" >&2; exit 1; }
done

cleanup() {
  if [[ "${KEEP:-0}" != 1 ]]; then
    echo "== tearing down"
    "${compose[@]}" down --volumes --remove-orphans >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

echo "== docker compose up --wait"
start=$(date +%s)
if ! "${compose[@]}" up --no-build --detach --wait --wait-timeout 240; then
  "${compose[@]}" ps -a
  "${compose[@]}" logs --tail 80
  exit 1
fi
echo "stack healthy after $(( $(date +%s) - start ))s"
"${compose[@]}" ps

echo "== smoke test"
python3 - <<'PY'
import json
import urllib.error
import urllib.request
import uuid


def call(method, url, body=None, token=None, expect=(200, 201)):
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    assert status in expect, f"{method} {url} -> {status}: {raw[:300]!r}"
    return json.loads(raw) if raw else None


for url in ("http://127.0.0.1:3000/api/health", "http://127.0.0.1:8000/health/ready",
            "http://127.0.0.1:8001/health/ready", "http://127.0.0.1:8002/health/ready"):
    call("GET", url)
    print("ok", url)

api = "http://127.0.0.1:8000/api"
auth = call("POST", f"{api}/auth/signup",
            {"email": f"smoke-{uuid.uuid4().hex[:8]}@example.com", "password": "smoke-test-pw-1", "name": "Smoke"})
token, user_id = auth["token"], auth["user"]["id"]
print("ok signed up", user_id)

task = call("POST", f"{api}/{user_id}/tasks", {"title": "Smoke test task", "priority": "high"}, token)
print("ok created task", task["id"])

chat = call("POST", f"{api}/{user_id}/chat", {"message": "Add a task to buy groceries"}, token)
names = [c["name"] for c in chat["tool_calls"]]
assert "add_task" in names, f"chat did not call add_task: {chat}"
print("ok chat:", chat["response"])

titles = [t["title"] for t in call("GET", f"{api}/{user_id}/tasks", token=token)["items"]]
assert "Smoke test task" in titles and any("groceries" in t.lower() for t in titles), titles
print("ok tasks:", titles)
PY
echo "== all images verified"
