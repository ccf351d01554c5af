#!/usr/bin/env bash
# Give a member of staff an account (run as root):
#   deploy/add-staff.sh LOGIN "Full Name" ROLE REGION PUBLIC_KEY_FILE
# ROLE: handler, senior, supervisor or admin. The OS account is in the group "helpdesk"
# and can only run the console; the staff record is imported into the database.
set -euo pipefail
login=$1 name=$2 role=$3 region=$4 key=$5
id "$login" >/dev/null 2>&1 || useradd --create-home --groups helpdesk --shell /bin/sh "$login"
install -d -m 0700 -o "$login" -g "$login" "/home/$login/.ssh"
install -m 0600 -o "$login" -g "$login" "$key" "/home/$login/.ssh/authorized_keys"
csv=$(mktemp)
printf 'login,name,role,region,active\n%s,"%s",%s,"%s",yes\n' "$login" "$name" "$role" "$region" > "$csv"
HELPDESK_CONFIG=/etc/helpdesk/config.toml runuser -u "${HELPDESK_ADMIN:-root}" -- /opt/helpdesk/venv/bin/helpdesk import staff "$csv"
rm -f "$csv"
