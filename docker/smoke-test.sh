#!/usr/bin/env bash
# Starts an image's api and worker against PostgreSQL, Redis and RabbitMQ on 127.0.0.1 (the CI
# job's service containers, or yours) and runs docker/smoke-probe.mjs against them: readiness of
# both roles on their operations ports, then register, log in, create a task, read it back.
# Prints both containers' logs and exits non-zero if anything failed. Removes its containers.
#   docker/smoke-test.sh <image>
# Environment: DATABASE_URL, REDIS_URL, AMQP_URL (defaults: the CI services), WRITE_PATH (sync).
set -euo pipefail

IMAGE="${1:?usage: docker/smoke-test.sh <image>}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_ID="smoke-$$"
ENV_ARGS=(
  -e NODE_ENV=production
  -e DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
  -e REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
  -e AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}"
  -e JWT_SECRET="$(head -c 32 /dev/urandom | base64)"
  -e WRITE_PATH="${WRITE_PATH:-sync}"
  -e HOST=127.0.0.1
  -e LOG_LEVEL=info
)

cleanup() {
  for role in api worker; do
    echo "---- ${role} logs ----"
    docker logs "${RUN_ID}-${role}" 2>&1 | tail -n 100 || true
    docker rm -f "${RUN_ID}-${role}" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

# Host networking: the services listen on the runner's loopback.
docker run -d --name "${RUN_ID}-api" --network host "${ENV_ARGS[@]}" -e ROLE=api -e PORT=3000 -e METRICS_PORT=9464 "$IMAGE"
docker run -d --name "${RUN_ID}-worker" --network host "${ENV_ARGS[@]}" -e ROLE=worker -e METRICS_PORT=9465 "$IMAGE"

node "$HERE/smoke-probe.mjs" http://127.0.0.1:3000 http://127.0.0.1:9464 http://127.0.0.1:9465
