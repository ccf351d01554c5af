#!/usr/bin/env bash
# Install the console for SSH access on one host (run as root from a checkout):
#   deploy/install.sh
# Creates the "helpdesk" group, /opt/helpdesk (venv and ForceCommand), /etc/helpdesk
# (config), /var/lib/helpdesk (the shared SQLite database, group-writable, setgid),
# the sshd drop-in, and the schema.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/.." && pwd)

getent group helpdesk >/dev/null || groupadd helpdesk
install -d -m 0755 /opt/helpdesk /opt/helpdesk/bin /etc/helpdesk
python3 -m venv /opt/helpdesk/venv
/opt/helpdesk/venv/bin/pip install --quiet "$project"
install -m 0755 "$here/helpdesk-console" /opt/helpdesk/bin/helpdesk-console
[ -f /etc/helpdesk/config.toml ] || install -m 0644 "$here/config.toml" /etc/helpdesk/config.toml
install -d -m 2770 -o root -g helpdesk /var/lib/helpdesk
HELPDESK_CONFIG=/etc/helpdesk/config.toml /opt/helpdesk/venv/bin/helpdesk db upgrade
chgrp -R helpdesk /var/lib/helpdesk && chmod -R g+rw /var/lib/helpdesk
install -d -m 0755 /etc/ssh/sshd_config.d
install -m 0644 "$here/sshd_helpdesk.conf" /etc/ssh/sshd_config.d/helpdesk.conf
grep -q '^AcceptEnv.*COLORTERM' /etc/ssh/sshd_config || echo 'AcceptEnv LANG LC_* COLORTERM NO_COLOR' >> /etc/ssh/sshd_config
sshd -t && echo "installed; reload sshd (systemctl reload ssh), then add staff with deploy/add-staff.sh"
