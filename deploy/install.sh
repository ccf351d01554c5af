#!/usr/bin/env bash
# Install the console for SSH access on one host (run as root from a checkout):
#   deploy/install.sh
# Creates the "helpdesk" group, /opt/helpdesk (venv and ForceCommand), /etc/helpdesk
# (config), /var/lib/helpdesk (the shared SQLite database: setgid folder 2770, files 0660,
# nothing for others), the sshd drop-in, and the schema. For PostgreSQL, point database_url
# in /etc/helpdesk/config.toml at the consoles' role first (deploy/postgres-roles.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/.." && pwd)

getent group helpdesk >/dev/null || groupadd helpdesk
install -d -m 0755 /opt/helpdesk /opt/helpdesk/bin /etc/helpdesk
python3 -m venv /opt/helpdesk/venv
/opt/helpdesk/venv/bin/pip install --quiet "$project"
install -m 0755 "$here/helpdesk-console" /opt/helpdesk/bin/helpdesk-console
[ -f /etc/helpdesk/config.toml ] || install -m 0640 -g helpdesk "$here/config.toml" /etc/helpdesk/config.toml  # may hold a database password
install -d -m 2770 -o root -g helpdesk /var/lib/helpdesk
if grep -q '^database_url *= *"sqlite' /etc/helpdesk/config.toml; then
  # the database file is made 0660 in the setgid folder; SQLite gives its -wal and -shm the same mode
  HELPDESK_CONFIG=/etc/helpdesk/config.toml /opt/helpdesk/venv/bin/helpdesk db upgrade
  chgrp -R helpdesk /var/lib/helpdesk
fi
install -d -m 0755 /etc/ssh/sshd_config.d
install -m 0644 "$here/sshd_helpdesk.conf" /etc/ssh/sshd_config.d/helpdesk.conf
grep -q '^AcceptEnv.*COLORTERM' /etc/ssh/sshd_config || echo 'AcceptEnv LANG LC_* COLORTERM NO_COLOR' >> /etc/ssh/sshd_config
sshd -t && echo "installed; reload sshd (systemctl reload ssh), then add the first admin with deploy/add-staff.sh"
