#!/usr/bin/env bash
# Give a member of staff an account (run as root):
#   deploy/add-staff.sh LOGIN "Full Name" ROLE REGION PUBLIC_KEY_FILE
# ROLE: handler, senior, supervisor or admin. The OS account is in the group "helpdesk" and can
# only run the console over SSH. The staff record:
#   - the first account, on a database with no admin yet, must be an admin: root adds it with
#     `helpdesk staff add-admin` (allowed only while no admin exists);
#   - every later one is imported by an admin: set HELPDESK_ADMIN=<an admin's login>.
set -euo pipefail
login=$1 name=$2 role=$3 region=$4 key=$5
helpdesk=/opt/helpdesk/venv/bin/helpdesk
config=/etc/helpdesk/config.toml
id "$login" >/dev/null 2>&1 || useradd --create-home --groups helpdesk --shell /bin/sh "$login"
install -d -m 0700 -o "$login" -g "$login" "/home/$login/.ssh"
install -m 0600 -o "$login" -g "$login" "$key" "/home/$login/.ssh/authorized_keys"
if [ -z "${HELPDESK_ADMIN:-}" ]; then
  if [ "$role" != admin ]; then
    echo "add-staff: set HELPDESK_ADMIN to an admin's login (the first account must be an admin)" >&2
    exit 2
  fi
  HELPDESK_CONFIG=$config "$helpdesk" staff add-admin "$login" --name "$name" --region "$region"
  exit 0
fi
csv=$(mktemp)
trap 'rm -f "$csv"' EXIT
printf 'login,name,role,region,active\n%s,"%s",%s,"%s",yes\n' "$login" "$name" "$role" "$region" > "$csv"
chown "$HELPDESK_ADMIN" "$csv"  # the admin imports it, as themselves
runuser -u "$HELPDESK_ADMIN" -- env HELPDESK_CONFIG="$config" "$helpdesk" import staff "$csv"
