#!/usr/bin/env bash
# Installs the systemd units of deploy/systemd/ for an installation in PREFIX and starts
# them; after a reboot they all come back by themselves (docs/operations.md).
#   sudo scripts/install-services.sh [--prefix /opt/yipingguan] [--user yipingguan] [--no-start]
# Creates the service user, /var/lib/yipingguan (its home: the person-key secret, briefs),
# /etc/yipingguan/yipingguan.env (from the example, kept if present) and the
# /usr/local/bin/yipingguan-etl wrapper for manual commands. Safe to run again.
set -euo pipefail
PREFIX=/opt/yipingguan
SERVICE_USER=yipingguan
START=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$(realpath -m "$2"); shift 2 ;;
    --user) SERVICE_USER=$2; shift 2 ;;
    --no-start) START=0; shift ;;
    *) echo "未知参数：$1" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" -ne 0 ]; then echo "请用 root 运行（sudo）" >&2; exit 2; fi
if [ ! -x "$PREFIX/.venv/bin/python" ]; then echo "没有找到 $PREFIX/.venv：先运行 install-offline.sh" >&2; exit 2; fi
STATE=/var/lib/yipingguan
UNITS=(yipingguan-board.service yipingguan-watch.service yipingguan-intake.service
       yipingguan-purge.timer yipingguan-brief.timer yipingguan-backup.timer yipingguan-health.timer)

id -u "$SERVICE_USER" >/dev/null 2>&1 || \
  useradd --system --home-dir "$STATE" --shell /usr/sbin/nologin --user-group "$SERVICE_USER"
install -d -m 700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE"
install -d -m 750 -o root -g "$SERVICE_USER" /etc/yipingguan
if [ ! -f /etc/yipingguan/yipingguan.env ]; then
  sed "s#/opt/yipingguan#$PREFIX#g" "$PREFIX/deploy/systemd/yipingguan.env.example" > /etc/yipingguan/yipingguan.env
  chown root:"$SERVICE_USER" /etc/yipingguan/yipingguan.env
  chmod 640 /etc/yipingguan/yipingguan.env
  echo "已生成 /etc/yipingguan/yipingguan.env：请检查端口、收件箱、备份目录"
fi
# One cookie secret shared by every board process (replicas behind the proxy), made once.
if ! grep -q '^STREAMLIT_SERVER_COOKIE_SECRET=.' /etc/yipingguan/yipingguan.env; then
  sed -i '/^#\{0,1\}STREAMLIT_SERVER_COOKIE_SECRET=$/d' /etc/yipingguan/yipingguan.env
  echo "STREAMLIT_SERVER_COOKIE_SECRET=$(openssl rand -hex 32)" >> /etc/yipingguan/yipingguan.env
fi
# The service user writes the data folder (database, generations, archive, inbox, logs).
# Its account's alone (0700), also what an earlier version left readable.
install -d -m 700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$PREFIX/data"
chown -R "$SERVICE_USER":"$SERVICE_USER" "$PREFIX/data"
chmod -R go-rwx "$PREFIX/data"

for unit in "$PREFIX"/deploy/systemd/*.service "$PREFIX"/deploy/systemd/*.timer; do
  sed -e "s#/opt/yipingguan#$PREFIX#g" -e "s#^User=yipingguan#User=$SERVICE_USER#" \
      -e "s#^Group=yipingguan#Group=$SERVICE_USER#" "$unit" > "/etc/systemd/system/$(basename "$unit")"
done
sed -e "s#^PREFIX=.*#PREFIX=$PREFIX#" -e "s#^SERVICE_USER=.*#SERVICE_USER=$SERVICE_USER#" \
    "$PREFIX/deploy/yipingguan-etl" > /usr/local/bin/yipingguan-etl
chmod 755 /usr/local/bin/yipingguan-etl

systemctl daemon-reload
if [ "$START" -eq 1 ]; then
  systemctl enable --now "${UNITS[@]}"
  sleep 3
  systemctl --no-pager --lines=0 status "${UNITS[@]}" || true
else
  systemctl enable "${UNITS[@]}"
fi
echo "已安装服务。手工命令请用：yipingguan-etl status（以服务用户与同一密钥运行）"
