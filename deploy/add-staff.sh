#!/usr/bin/env bash
# Give a member of staff an account (run as root, after deploy/install.sh):
#   deploy/add-staff.sh LOGIN "Full Name" ROLE REGION PUBLIC_KEY_FILE
# ROLE: handler, senior, supervisor or admin. The OS account is in the group "helpdesk", has no
# password (keys only, and not locked: sshd refuses a locked account even a key when it does not
# use PAM) and can only run the console over SSH. The staff record:
#   - the first account, on a database with no admin yet, must be an admin: root adds it with
#     `helpdesk staff add-admin` (allowed only while no admin exists);
#   - every later one is imported by an admin: set HELPDESK_ADMIN=<an admin's login>.
# On PostgreSQL with each member of staff on their own role (postgres-roles.sh STAFF_ROLES=yes)
# the import makes the new member's role; set HELPDESK_DB_OWNER to the owner role for the first.
# HELPDESK_GROUP, HELPDESK_PREFIX and HELPDESK_ETC as for install.sh.
set -euo pipefail
fail() { echo "add-staff: $*" >&2; exit 2; }
[ $# -eq 5 ] || fail 'usage: deploy/add-staff.sh LOGIN "Full Name" ROLE REGION PUBLIC_KEY_FILE'
login=$1 name=$2 role=$3 region=$4 key=$5
group=${HELPDESK_GROUP:-helpdesk}
prefix=${HELPDESK_PREFIX:-/opt/helpdesk}
config=${HELPDESK_ETC:-/etc/helpdesk}/config.toml
helpdesk=$prefix/venv/bin/helpdesk

[ "$(id -u)" -eq 0 ] || fail "run it as root"
[ -x "$helpdesk" ] || fail "the console is not installed in $prefix: run deploy/install.sh first"
[[ $login =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || fail "$login is not a login (lower-case letters, digits, - and _)"
case $role in handler | senior | supervisor | admin) ;; *) fail "ROLE is one of handler, senior, supervisor, admin" ;; esac
ssh-keygen -l -f "$key" >/dev/null 2>&1 || fail "$key is not an SSH public key"
if [ -z "${HELPDESK_ADMIN:-}" ] && [ "$role" != admin ]; then
  fail "set HELPDESK_ADMIN to an admin's login (the first account must be an admin)"
fi

id "$login" >/dev/null 2>&1 || useradd --create-home --groups "$group" --shell /bin/sh "$login"
id -nG "$login" | tr ' ' '\n' | grep -qx "$group" || usermod --append --groups "$group" "$login"
usermod --password '*' "$login"
home=$(getent passwd "$login" | cut -d: -f6)
install -d -m 0700 -o "$login" -g "$(id -gn "$login")" "$home/.ssh"
install -m 0600 -o "$login" -g "$(id -gn "$login")" "$key" "$home/.ssh/authorized_keys"

if [ -z "${HELPDESK_ADMIN:-}" ]; then
  # (PostgreSQL with each member of staff on their own role: root acts as the owner, HELPDESK_DB_OWNER)
  env ${HELPDESK_DB_OWNER:+PGUSER="$HELPDESK_DB_OWNER"} HELPDESK_CONFIG="$config" \
    "$helpdesk" staff add-admin "$login" --name "$name" --region "$region"
  exit 0
fi
csv=$(mktemp)
trap 'rm -f "$csv"' EXIT
printf 'login,name,role,region,active\n%s,"%s",%s,"%s",yes\n' "$login" "${name//\"/\"\"}" "$role" "${region//\"/\"\"}" > "$csv"
chown "$HELPDESK_ADMIN" "$csv" # the admin imports it, as themselves
runuser -u "$HELPDESK_ADMIN" -- env HELPDESK_CONFIG="$config" "$helpdesk" import staff "$csv"
