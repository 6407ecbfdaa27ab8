#!/usr/bin/env bash
# Two instances of the server behind HAProxy, TLS at HAProxy with a self-signed certificate, on one
# machine: the deployment recipe, as the cluster tests run it.
#
#   npm run build
#   DATABASE_URL=postgresql://… REDIS_URL=redis://… JWT_SECRET=… deploy/haproxy/start.sh
#   (REDIS_CLUSTER_NODES=redis://…,redis://… instead of REDIS_URL for a Redis Cluster)
#
# Serves https://localhost:$HTTPS_PORT until interrupted, then stops what it started. Settings
# (environment): HTTPS_PORT (8443), INSTANCE_PORTS ("3001 3002"), BIND_ADDRESS (127.0.0.1; 0.0.0.0
# to serve other machines), CERT_FILE (certificate and key in one PEM; made self-signed for
# localhost when missing), SERVER_COMMAND ("node dist/main.js"). Every other variable goes to the
# instances as it is (README, "Configuration").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

: "${DATABASE_URL:?set DATABASE_URL: both instances share one PostgreSQL}"
: "${REDIS_URL:-${REDIS_CLUSTER_NODES:?set REDIS_URL (or REDIS_CLUSTER_NODES): both instances share one Redis}}"
export HTTPS_PORT=${HTTPS_PORT:-8443}
export BIND_ADDRESS=${BIND_ADDRESS:-127.0.0.1}
export CERT_FILE=${CERT_FILE:-$here/localhost.pem}
read -r port1 port2 <<<"${INSTANCE_PORTS:-3001 3002}"
server_command=${SERVER_COMMAND:-node $root/dist/main.js}
command -v haproxy >/dev/null || { echo "haproxy is not installed (Debian: apt-get install haproxy)" >&2; exit 1; }

[ -f "$CERT_FILE" ] || "$here/make-cert.sh" "$CERT_FILE"

pids=()
stop() {
  trap - EXIT INT TERM
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait || true
}
trap stop EXIT
trap 'exit 143' INT TERM

wait_for() { # pid url [curl options]: until the url answers 200, while the process lives, for up to 90 s
  for _ in $(seq 1 180); do
    if curl -fsS -o /dev/null "${@:3}" "$2" 2>/dev/null; then return 0; fi
    kill -0 "$1" 2>/dev/null || { echo "stopped before $2 answered" >&2; exit 1; }
    sleep 0.5
  done
  echo "$2 did not answer within 90 s" >&2
  exit 1
}

# Each instance binds loopback only: clients reach them through HAProxy. TRUST_PROXY=1 believes
# HAProxy's X-Forwarded-For, so rate limits and logs see the client's address.
for port in "$port1" "$port2"; do
  PORT=$port HOST=127.0.0.1 TRUST_PROXY=1 $server_command &
  pids+=($!)
done
wait_for "${pids[0]}" "http://127.0.0.1:$port1/health/ready"
wait_for "${pids[1]}" "http://127.0.0.1:$port2/health/ready"

APP1=127.0.0.1:$port1 APP2=127.0.0.1:$port2 haproxy -W -db -f "$here/haproxy.cfg" &
pids+=($!)
wait_for "${pids[2]}" "https://127.0.0.1:$HTTPS_PORT/health/ready" --cacert "$CERT_FILE"
echo "Ready: https://localhost:$HTTPS_PORT (instances on ports $port1 and $port2)"

wait -n # until one of them stops; then stop the rest
