#!/usr/bin/env bash
# PostgreSQL for a deployment on more than one host: the database and its two roles.
#   deploy/postgres-roles.sh HOST PORT DATABASE
# Run where psql reaches the server as a superuser (PGUSER/PGPASSWORD, or as the postgres
# account on the database host). It creates:
#   OWNER_ROLE   (default helpdesk_owner): owns the database and the schema; runs
#                `helpdesk db upgrade`. Its credentials stay with the host's root.
#   CONSOLE_ROLE (default helpdesk_console): what every console connects as. It owns nothing;
#                it may read and append the audit trail but not change, delete or truncate it,
#                nor touch triggers or the schema.
# OWNER_PASSWORD and CONSOLE_PASSWORD set the roles' passwords (unset: none, for peer or
# certificate authentication). HELPDESK is the helpdesk command (default /opt/helpdesk/venv/bin/helpdesk).
# Then put the printed console URL in /etc/helpdesk/config.toml (its password in the URL, or
# in a .pgpass file the staff group can read).
# STAFF_ROLES=yes: each member of staff connects as their own role instead (`helpdesk db
# grant-staff`; the owner gets CREATEROLE to make them, the staff import keeps them in step). The
# printed URL then names no role: a console connects as its OS login, which the server must
# authenticate (peer authentication over the local socket: see the README). Root's commands
# (deploy/add-staff.sh's first admin) then connect as the owner: set HELPDESK_DB_OWNER to it.
set -euo pipefail
host=${1:?HOST}
port=${2:?PORT}
database=${3:?DATABASE}
owner=${OWNER_ROLE:-helpdesk_owner}
console=${CONSOLE_ROLE:-helpdesk_console}
helpdesk=${HELPDESK:-/opt/helpdesk/venv/bin/helpdesk}

as_superuser() { psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" "$@"; }

as_superuser -d postgres -v owner="$owner" -v console="$console" -v database="$database" \
  -v owner_password="${OWNER_PASSWORD:-}" -v console_password="${CONSOLE_PASSWORD:-}" \
  -v staff_roles="${STAFF_ROLES:-no}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'console') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'console') \gexec
SELECT format('ALTER ROLE %I CREATEROLE', :'owner') WHERE :'staff_roles' = 'yes' \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'owner', :'owner_password') WHERE :'owner_password' <> '' \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'console', :'console_password') WHERE :'console_password' <> '' \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'database') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I, %I', :'database', :'owner', :'console') \gexec
SQL

# In the database: the owner owns the schema; nobody else may create anything in it.
as_superuser -d "$database" -v owner="$owner" <<'SQL'
SELECT format('ALTER SCHEMA public OWNER TO %I', :'owner') \gexec
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SQL

owner_url="postgresql+psycopg://$owner@$host:$port/$database"
console_url="postgresql+psycopg://$console@$host:$port/$database"
as_owner() { env ${OWNER_PASSWORD:+PGPASSWORD="$OWNER_PASSWORD"} "$helpdesk" --db "$owner_url" "$@"; }
as_owner db upgrade
as_owner db grant "$console"
if [ "${STAFF_ROLES:-no}" = yes ]; then
  as_owner db grant-staff
  echo "consoles connect as each member of staff's own role: database_url = \"postgresql+psycopg://$host:$port/$database\""
else
  echo "consoles connect as: database_url = \"$console_url\""
fi
