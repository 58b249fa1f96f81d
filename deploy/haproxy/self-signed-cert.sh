#!/usr/bin/env bash
# Writes a self-signed certificate and its key into one PEM file (mode 600) for HAProxy,
# for tests and a local stack; a server takes the office's certificate instead (README).
#   deploy/haproxy/self-signed-cert.sh OUT.pem [NAME …]
# NAMEs (host names or IP addresses) go into the certificate besides localhost and 127.0.0.1.
set -euo pipefail
[ $# -ge 1 ] || { echo "用法：$0 输出.pem [主机名或地址 …]" >&2; exit 2; }
out=$1; shift
names="DNS:localhost,IP:127.0.0.1"
for name in "$@"; do
  if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then names+=",IP:$name"; else names+=",DNS:$name"; fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=${1:-localhost}/O=yipingguan-test" \
  -addext "subjectAltName=$names" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
mkdir -p "$(dirname "$out")"
(umask 077 && cat "$work/cert.pem" "$work/key.pem" > "$out.tmp" && mv "$out.tmp" "$out")
