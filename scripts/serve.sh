#!/usr/bin/env bash
# Starts the whole stack on this machine: N board processes (streamlit run board_server.py) on
# consecutive loopback ports behind HAProxy, which ends TLS and keeps each tab on one replica.
# Prints the address; Ctrl-C stops everything. A replica that dies is started again.
#   scripts/serve.sh [--replicas 2] [--port 8443] [--address 127.0.0.1] [--first-port 8601]
#                    [--cert PEM] [--run-dir data/serve] [-- STREAMLIT OPTIONS…]
#   --address   where browsers connect (0.0.0.0 for the office network)
#   --cert      certificate chain + key in one PEM; default: a self-signed one made once in the run dir
#   --run-dir   generated config, certificate, logs, pid files and the proxy's admin socket
# The database and settings are the board's usual ones (BOARD_DB, BOARD_REFERENCE, …).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
REPLICAS=2
PORT=8443
ADDRESS=127.0.0.1
FIRST_PORT=8601
CERT=
RUN=$ROOT/data/serve
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) REPLICAS=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --address) ADDRESS=$2; shift 2 ;;
    --first-port) FIRST_PORT=$2; shift 2 ;;
    --cert) CERT=$(realpath "$2"); shift 2 ;;
    --run-dir) RUN=$(realpath -m "$2"); shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "未知参数：$1" >&2; exit 2 ;;
  esac
done
[[ "$REPLICAS" =~ ^[1-9][0-9]*$ ]] || { echo "--replicas 须为正整数" >&2; exit 2; }
PATH=$PATH:/usr/sbin   # Debian installs haproxy there, outside an ordinary user's PATH
command -v haproxy >/dev/null || { echo "没有 haproxy：apt-get install haproxy（或 scripts/setup.sh --dev）" >&2; exit 2; }
STREAMLIT=$ROOT/.venv/bin/streamlit
PYTHON=$ROOT/.venv/bin/python
mkdir -p "$RUN"
chmod 700 "$RUN"
rm -f "$RUN"/*.pid "$RUN/stopping" "$RUN/ready"

if [ -z "$CERT" ]; then
  CERT=$RUN/self-signed.pem
  [ -s "$CERT" ] || deploy/haproxy/self-signed-cert.sh "$CERT" "$(hostname)"
fi
# One cookie secret for every replica, kept across restarts: a cookie signed by one
# replica is valid at the others (server.cookieSecret).
SECRET_FILE=${BOARD_COOKIE_SECRET_FILE:-$HOME/.config/yipingguan/cookie.secret}
if [ ! -s "$SECRET_FILE" ]; then
  mkdir -p "$(dirname "$SECRET_FILE")"
  (umask 077 && "$PYTHON" -c "import secrets; print(secrets.token_hex(32))" > "$SECRET_FILE")
fi
export STREAMLIT_SERVER_COOKIE_SECRET
STREAMLIT_SERVER_COOKIE_SECRET=$(cat "$SECRET_FILE")
# The replicas believe X-Forwarded-For only from the proxy, which reaches them from loopback.
export FORWARDED_ALLOW_IPS=${FORWARDED_ALLOW_IPS:-127.0.0.1}

PORTS=()
SERVERS=()
for ((i = 0; i < REPLICAS; i++)); do
  PORTS+=($((FIRST_PORT + i)))
  SERVERS+=(--server "127.0.0.1:$((FIRST_PORT + i))")
done
deploy/haproxy/make-config.sh --cert "$CERT" --bind "$ADDRESS:$PORT" --stats-socket "$RUN/haproxy.sock" \
  "${SERVERS[@]}" > "$RUN/haproxy.cfg"
haproxy -q -c -f "$RUN/haproxy.cfg"

# Each replica runs under a small loop that starts it again when it dies (as systemd's
# Restart= does on a server), until the stack is stopped.
replica() {
  local port=$1
  while [ ! -e "$RUN/stopping" ]; do
    "$STREAMLIT" run board_server.py --server.address 127.0.0.1 --server.port "$port" --server.headless true \
      --browser.gatherUsageStats false --server.fileWatcherType none "${EXTRA[@]}" \
      >> "$RUN/replica-$port.log" 2>&1 &
    echo $! > "$RUN/replica-$port.pid"
    wait $! || true
    [ -e "$RUN/stopping" ] || { echo "副本 $port 已退出，1 秒后重启" >&2; sleep 1; }
  done
}

SUPERVISORS=()
stop() {
  trap - INT TERM EXIT
  touch "$RUN/stopping"
  local pids=()
  for f in "$RUN"/*.pid; do [ -e "$f" ] && pids+=("$(cat "$f")"); done
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
  wait "${SUPERVISORS[@]}" 2>/dev/null || true
  rm -f "$RUN"/*.pid "$RUN/haproxy.sock" "$RUN/ready"
  echo "已停止。"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for port in "${PORTS[@]}"; do
  replica "$port" &
  SUPERVISORS+=($!)
done
# Ready when every replica answers its health check.
"$PYTHON" - "${PORTS[@]}" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 90
for port in sys.argv[1:]:
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"副本 {port} 90 秒内没有就绪")
        time.sleep(0.3)
PY
haproxy -db -f "$RUN/haproxy.cfg" &
echo $! > "$RUN/haproxy.pid"
SUPERVISORS+=($!)
for _ in $(seq 50); do [ -S "$RUN/haproxy.sock" ] && break; sleep 0.1; done
HOST=$ADDRESS
[ "$HOST" = "0.0.0.0" ] && HOST=$(hostname)
echo "一屏观：https://$HOST:$PORT/ （$REPLICAS 个副本：${PORTS[*]}；按 Ctrl-C 停止）"
touch "$RUN/ready"
# The replicas' loops never end by themselves: whatever ends first (the proxy) stops the stack.
wait -n "${SUPERVISORS[@]}" || true
echo "HAProxy 已退出，停止全部副本" >&2
exit 1
