#!/usr/bin/env bash
# Take the console off this host (run as root): the sshd drop-in (then sshd is reloaded, so staff
# can no longer log in to the console), the continuous copy's service, and the program in
# /opt/helpdesk.
#   deploy/uninstall.sh
# Kept, because they are the helpline's record and its people: the database in /var/lib/helpdesk
# and its continuous copy
# (back it up with `helpdesk db backup` before removing it by hand, and keep it as long as the
# retention policy says), /etc/helpdesk, the group and the staff accounts (remove each with
# `pkill -KILL -u LOGIN; userdel --remove LOGIN`, then `groupdel helpdesk`).
# HELPDESK_PREFIX, HELPDESK_DATA, HELPDESK_ETC and SSHD_DIR as for install.sh.
set -euo pipefail
prefix=${HELPDESK_PREFIX:-/opt/helpdesk}
data=${HELPDESK_DATA:-/var/lib/helpdesk}
etc=${HELPDESK_ETC:-/etc/helpdesk}
sshd_dir=${SSHD_DIR:-/etc/ssh}
sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ "$(id -u)" -eq 0 ] || { echo "uninstall: run it as root" >&2; exit 1; }

rm -f "$sshd_dir/sshd_config.d/helpdesk.conf"
for unit in helpdesk-replicate helpdesk-alerts; do
  if [ -f "/etc/systemd/system/$unit.service" ] && [ "$prefix" = /opt/helpdesk ]; then
    systemctl disable --now "$unit" || true
    rm -f "/etc/systemd/system/$unit.service"
    systemctl daemon-reload || true
  fi
done
pidfile=$("$sshd" -T -f "$sshd_dir/sshd_config" 2>/dev/null | awk '$1 == "pidfile" {print $2}')
if [ -n "$pidfile" ] && [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  kill -HUP "$(cat "$pidfile")"
fi
rm -rf "$prefix"
echo "uninstalled; kept the record in $data, the config in $etc, the group and the staff accounts"
