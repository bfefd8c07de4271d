#!/usr/bin/env bash
# Builds every image (runtime and dev targets) on the Docker engine that DOCKER_HOST (or the default
# socket) names, reports build time, size and the bytes each adds above its base image, starts the
# compose stack, runs scripts/smoke.py through the published ports and tears the stack down.
# Needs BuildKit (the Dockerfiles use cache mounts) and Docker Compose v2.
#
#   scripts/verify-images.sh              # build, report, compose up --wait, smoke test, down -v
#   scripts/verify-images.sh build        # build and report only
#   KEEP=1 scripts/verify-images.sh       # leave the stack running (stop: docker compose -p todo-verify down -v)
#
# Settings (environment, or .env for the secrets): COMPOSE_PROJECT_NAME (default todo-verify, so
# your own `docker compose up` stack is left alone), TAG, FRONTEND_HOST_PORT, BACKEND_HOST_PORT,
# MCP_HOST_PORT, AGENT_HOST_PORT (host ports, defaults 3000, 8000, 8001, 8002), PYTHON_IMAGE /
# NODE_IMAGE / POSTGRES_IMAGE (a registry mirror), REPORT (also write the figures as JSON there).
set -euo pipefail

cd "$(dirname "$0")/.."
mode="${1:-all}"
[[ "$mode" == all || "$mode" == build ]] || { echo "usage: $0 [build]" >&2; exit 2; }

# Exit codes: 1 a build or check failed, 2 usage, 3 a prerequisite is missing (the message says which).
fail() { echo "verify-images: $*" >&2; exit 1; }
missing() { echo "verify-images: $*" >&2; exit 3; }
command -v docker >/dev/null || missing "the docker CLI is not installed"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 \
  || missing "no Docker engine answers at ${DOCKER_HOST:-the default socket} (docker version failed)"
docker compose version >/dev/null 2>&1 || missing "Docker Compose v2 (\`docker compose\`) is not installed"
# BuildKit: built into the 20.10-22.x CLI with DOCKER_BUILDKIT=1, the buildx plugin from 23.0 on.
# A tiny build tells for sure, whichever CLI this is.
export DOCKER_BUILDKIT=1
if ! probe="$(printf 'FROM scratch\n' | docker build -q - 2>&1)"; then
  missing "BuildKit is required (the Dockerfiles use RUN --mount cache mounts), and this docker CLI cannot use it.
Install the buildx plugin (Docker 23+), or use a 20.10-22.x CLI with DOCKER_BUILDKIT=1. The probe build said:
$probe"
fi
docker image rm "${probe##*:}" >/dev/null 2>&1 || true

TAG="${TAG:-$(awk -F'"' '/^appVersion:/ {print $2}' helm/todo-app/Chart.yaml)}"
export TAG COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-todo-verify}"
# Throwaway secrets unless the caller (or .env) provides them; never printed.
if [[ ! -f .env ]]; then
  export AUTH_SECRET="${AUTH_SECRET:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}"
  export POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-$(python3 -c 'import secrets; print(secrets.token_hex(16))')}"
fi
runtime=(docker compose -f docker-compose.yml)
dev=(docker compose -f docker-compose.yml -f compose.dev.yaml)

# The images and their Dockerfiles come from docker-compose.yml (the one list): service -> image.
declare -A IMAGES=([backend]=todo-backend [mcp-server]=todo-mcp-server [agent]=todo-agent [frontend]=todo-frontend)
declare -A BASE_ARG=([backend]=PYTHON_IMAGE [mcp-server]=PYTHON_IMAGE [agent]=PYTHON_IMAGE [frontend]=NODE_IMAGE)
declare -A DIR=([backend]=backend [mcp-server]=mcp_server [agent]=agent [frontend]=frontend)

base_image() {  # the base the service's final stage starts from: the build arg, else its default
  local service=$1 arg=${BASE_ARG[$1]}
  if [[ -n "${!arg:-}" ]]; then echo "${!arg}"; return; fi
  sed -n "s/^ARG ${arg}=//p" "${DIR[$service]}/Dockerfile"
}
image_bytes() { docker image inspect "$1" --format '{{.Size}}'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000000 }'; }

echo "== building images on $(docker version --format 'Docker Engine {{.Server.Version}}') (context: repository root)"
report=()
for service in backend mcp-server agent frontend; do
  image="${IMAGES[$service]}"
  start=$SECONDS; "${runtime[@]}" build --quiet "$service" >/dev/null; runtime_s=$((SECONDS - start))
  start=$SECONDS; "${dev[@]}" build --quiet "$service" >/dev/null; dev_s=$((SECONDS - start))
  base="$(base_image "$service")"
  size=$(image_bytes "$image:$TAG"); dev_size=$(image_bytes "$image:dev"); base_size=$(image_bytes "$base")
  user="$(docker image inspect "$image:$TAG" --format '{{.Config.User}}')"
  [[ "$user" == 10001 ]] || fail "$image:$TAG runs as '$user', expected the numeric UID 10001"
  report+=("$image $runtime_s $dev_s $size $dev_size $base $base_size")
done

printf '\n%-16s %9s %9s %10s %12s %10s  %s\n' image "build s" "dev s" "size MB" "above base" "dev MB" base
for row in "${report[@]}"; do
  read -r image runtime_s dev_s size dev_size base base_size <<<"$row"
  printf '%-16s %9s %9s %10s %12s %10s  %s\n' "$image" "$runtime_s" "$dev_s" "$(mb "$size")" \
    "$(mb $((size - base_size)))" "$(mb "$dev_size")" "$base ($(mb "$base_size") MB)"
done
echo "(build seconds include cached layers; 'above base' is what the image adds to its base image)"
if [[ -n "${REPORT:-}" ]]; then
  printf '%s\n' "${report[@]}" | python3 -c '
import json, sys
keys = ["image", "build_seconds", "dev_build_seconds", "bytes", "dev_bytes", "base", "base_bytes"]
rows = [dict(zip(keys, line.split())) for line in sys.stdin]
for row in rows:
    for key in keys:
        if key not in ("image", "base"):
            row[key] = int(row[key])
json.dump(rows, open(sys.argv[1], "w"), indent=2)' "$REPORT"
fi
[[ "$mode" == build ]] && exit 0

cleanup() {
  if [[ "${KEEP:-0}" != 1 ]]; then
    echo "== tearing down"
    "${runtime[@]}" down --volumes --remove-orphans >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

echo "== docker compose up --wait (project $COMPOSE_PROJECT_NAME)"
start=$SECONDS
if ! "${runtime[@]}" up --no-build --pull never --detach --wait --wait-timeout 300; then
  "${runtime[@]}" ps -a
  "${runtime[@]}" logs --tail 80
  exit 1
fi
echo "stack healthy after $((SECONDS - start))s"
"${runtime[@]}" ps

echo "== smoke test"
python3 scripts/smoke.py \
  --frontend "http://127.0.0.1:${FRONTEND_HOST_PORT:-3000}" \
  --backend "http://127.0.0.1:${BACKEND_HOST_PORT:-8000}" \
  --mcp "http://127.0.0.1:${MCP_HOST_PORT:-8001}" \
  --agent "http://127.0.0.1:${AGENT_HOST_PORT:-8002}"
echo "== all images verified"
