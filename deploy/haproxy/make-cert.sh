#!/usr/bin/env bash
# Makes a self-signed certificate for localhost (and 127.0.0.1), with its key, in one PEM file as
# HAProxy reads it: deploy/haproxy/localhost.pem unless given another path. For trying the recipe;
# in production give HAProxy a real certificate (CERT_FILE).
set -euo pipefail
out=${1:-$(cd "$(dirname "$0")" && pwd)/localhost.pem}
key=$(mktemp)
cert=$(mktemp)
trap 'rm -f "$key" "$cert"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$key" -out "$cert" 2>/dev/null
cat "$cert" "$key" >"$out"
chmod 644 "$out" # a throwaway key for localhost; readable by the haproxy user of the container image
echo "Made a self-signed certificate for localhost: $out"
