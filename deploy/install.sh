#!/usr/bin/env bash
# Install the console for SSH access on one host (run as root from a checkout):
#   deploy/install.sh
# Needs: openssh-server, and a system Python 3.11 or later that every account can run, with venv
# (Debian: apt-get install openssh-server python3-venv). Creates the group "helpdesk",
# /opt/helpdesk (venv and ForceCommand), /etc/helpdesk (config), /var/lib/helpdesk (the shared
# SQLite database: setgid folder 2770, files 0660, nothing for others), the sshd drop-in, and
# the schema; checks, as an account of the group, that the console starts; then reloads sshd.
# For PostgreSQL, point database_url in /etc/helpdesk/config.toml at the consoles' role first
# (deploy/postgres-roles.sh). Run it again to upgrade: the config and the database are kept.
#
# The places can be moved (a trial install, the deployment test):
#   PYTHON=/usr/bin/python3  HELPDESK_GROUP=helpdesk  HELPDESK_PREFIX=/opt/helpdesk
#   HELPDESK_ETC=/etc/helpdesk  HELPDESK_DATA=/var/lib/helpdesk  SSHD_DIR=/etc/ssh
#   HELPDESK_REPLICA=/srv/helpdesk-replica (SQLite: the continuous copy's folder, on another disk)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/.." && pwd)
python=${PYTHON:-/usr/bin/python3}
group=${HELPDESK_GROUP:-helpdesk}
prefix=${HELPDESK_PREFIX:-/opt/helpdesk}
etc=${HELPDESK_ETC:-/etc/helpdesk}
data=${HELPDESK_DATA:-/var/lib/helpdesk}
sshd_dir=${SSHD_DIR:-/etc/ssh}
replica=${HELPDESK_REPLICA:-/srv/helpdesk-replica}
sshd=$(command -v sshd || echo /usr/sbin/sshd)

fail() { echo "install: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run it as root"
[ -x "$sshd" ] || fail "no sshd: install openssh-server first"
[ -f "$sshd_dir/sshd_config" ] || fail "no $sshd_dir/sshd_config: install openssh-server first"
grep -Eq "^[[:space:]]*Include[[:space:]]+$sshd_dir/sshd_config.d/\*\.conf" "$sshd_dir/sshd_config" ||
  fail "$sshd_dir/sshd_config does not read $sshd_dir/sshd_config.d/*.conf: add 'Include $sshd_dir/sshd_config.d/*.conf' at its top"
[ -x "$python" ] || fail "no Python at $python: install python3 and python3-venv, or name one with PYTHON="
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || fail "$python is older than Python 3.11"
"$python" -c 'import ensurepip, venv' 2>/dev/null || fail "$python cannot make a venv: install python3-venv"

getent group "$group" >/dev/null || groupadd "$group"
# Staff run the console with this Python: one kept in a private folder (a Python built in root's
# home) would give them "Permission denied" after an install that seemed to work.
runuser -u nobody -g "$group" -- "$python" -c pass 2>/dev/null ||
  fail "$python cannot be run by the staff accounts (is it in a private folder?): name a system Python with PYTHON=, e.g. PYTHON=/usr/bin/python3"

install -d -m 0755 "$prefix" "$prefix/bin" "$etc"
[ -f "$etc/config.toml" ] || sed "s|/var/lib/helpdesk|$data|" "$here/config.toml" > "$etc/config.toml"
chown root:"$group" "$etc/config.toml" && chmod 0640 "$etc/config.toml"  # it may hold a database password
extras="[litestream]"  # SQLite: Litestream keeps the continuous copy
grep -Eq '^database_url *= *"postgresql' "$etc/config.toml" && extras="[postgres]"
echo "install: building $prefix/venv with $python (a minute or two) ..."
"$python" -m venv "$prefix/venv"
"$prefix/venv/bin/pip" install --quiet --disable-pip-version-check "$project$extras"
sed "s|/etc/helpdesk|$etc|; s|/opt/helpdesk|$prefix|" "$here/helpdesk-console" > "$prefix/bin/helpdesk-console"
chmod 0755 "$prefix/bin/helpdesk-console"

install -d -m 2770 -o root -g "$group" "$data"
if grep -Eq '^database_url *= *"sqlite' "$etc/config.toml"; then
  # the database file is made 0660 in the setgid folder; SQLite gives its -wal and -shm the same mode
  HELPDESK_CONFIG="$etc/config.toml" "$prefix/venv/bin/helpdesk" db upgrade
  chgrp -R "$group" "$data"
  # the continuous copy (Litestream): its config, its folder (root's alone) and its runner
  database=$(sed -n 's|^database_url *= *"sqlite:///\(.*\)"|\1|p' "$etc/config.toml")
  [ -f "$etc/litestream.yml" ] ||
    sed "s|/var/lib/helpdesk/helpdesk.sqlite|$database|; s|/srv/helpdesk-replica|$replica|" "$here/litestream.yml" \
      > "$etc/litestream.yml"
  chmod 0640 "$etc/litestream.yml"
  install -d -m 0700 "$replica"
  sed "s|/etc/helpdesk|$etc|; s|/opt/helpdesk|$prefix|" "$here/helpdesk-replicate" > "$prefix/bin/helpdesk-replicate"
  chmod 0755 "$prefix/bin/helpdesk-replicate"
  if [ -d /run/systemd/system ] && [ "$prefix" = /opt/helpdesk ]; then
    install -m 0644 "$here/helpdesk-replicate.service" /etc/systemd/system/helpdesk-replicate.service
    systemctl daemon-reload
    copy="start the continuous copy with: systemctl enable --now helpdesk-replicate"
  else
    copy="start the continuous copy: run $prefix/bin/helpdesk-replicate under the host's supervisor"
  fi
fi

# Alerts by e-mail (helpdesk alerts run): the unit, where systemd runs; it starts once [smtp] is set.
if [ -d /run/systemd/system ] && [ "$prefix" = /opt/helpdesk ]; then
  install -m 0644 "$here/helpdesk-alerts.service" /etc/systemd/system/helpdesk-alerts.service
  systemctl daemon-reload
  alerts="e-mail alerts: set [smtp] in $etc/config.toml, then systemctl enable --now helpdesk-alerts"
else
  alerts="e-mail alerts: set [smtp] in $etc/config.toml, then run $prefix/venv/bin/helpdesk alerts run under the host's supervisor"
fi

# Before sshd lets anyone in: the console starts for an account of the group.
version=$(runuser -u nobody -g "$group" -- "$prefix/bin/helpdesk-console" --version 2>&1) ||
  fail "the console does not start for the staff accounts: $version"

install -d -m 0755 "$sshd_dir/sshd_config.d"
sed "s|^Match Group helpdesk|Match Group $group|; s|/opt/helpdesk|$prefix|" "$here/sshd_helpdesk.conf" \
  > "$sshd_dir/sshd_config.d/helpdesk.conf"
chmod 0644 "$sshd_dir/sshd_config.d/helpdesk.conf"
# AcceptEnv is not allowed inside a Match block: it goes at the top of the main file
grep -q '^AcceptEnv.*COLORTERM' "$sshd_dir/sshd_config" ||
  sed -i '1i AcceptEnv LANG LC_* COLORTERM NO_COLOR' "$sshd_dir/sshd_config"
"$sshd" -t -f "$sshd_dir/sshd_config" || fail "sshd refuses its configuration (above); nothing was reloaded"

# Reload: SIGHUP to the running sshd, with or without systemd (its reload does the same).
pidfile=$("$sshd" -T -f "$sshd_dir/sshd_config" 2>/dev/null | awk '$1 == "pidfile" {print $2}')
if [ -n "$pidfile" ] && [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  kill -HUP "$(cat "$pidfile")"
  reloaded="sshd reloaded"
else
  reloaded="sshd is not running: start it (systemctl start ssh, service ssh start, or $sshd)"
fi
echo "installed $version for the group $group; $reloaded. Add the first admin with deploy/add-staff.sh"
[ -n "${copy:-}" ] && echo "$copy (it copies the database to $replica: put that on another disk)"
echo "$alerts"
exit 0
