#!/usr/bin/env bash
# PostgreSQL: the continuous copy. Every completed write-ahead log segment is copied to ARCHIVE
# (a folder on another disk, or a share of another host, that the server's account can write),
# and at most ARCHIVE_TIMEOUT (default 60s) after a write its segment is closed and copied, so
# a lost disk loses at most that much. Run on the database host as root, then restart PostgreSQL:
#   deploy/postgres-archiving.sh HOST PORT ARCHIVE
# A physical base backup to replay the archive onto, nightly (cron), as the server's account:
#   pg_basebackup -h HOST -p PORT -D /srv/helpdesk-base/$(date +%F) --checkpoint=fast
# Restore (README, "Backups and restore"): the newest base backup, then the archive replayed.
# PGUSER (default postgres) is a superuser psql reaches; PGACCOUNT (default postgres) the OS
# account the server runs as, which owns ARCHIVE.
set -euo pipefail
host=${1:?HOST}
port=${2:?PORT}
archive=${3:?ARCHIVE folder}
timeout=${ARCHIVE_TIMEOUT:-60s}
account=${PGACCOUNT:-postgres}

case $archive in /*) ;; *) echo "postgres-archiving: ARCHIVE must be an absolute path" >&2; exit 2 ;; esac
case $archive in *"'"* | *" "*) echo "postgres-archiving: ARCHIVE may not hold quotes or spaces" >&2; exit 2 ;; esac
install -d -m 0700 -o "$account" "$archive"
# never overwrite a segment already archived (a second server pointed at the same folder)
command="test ! -f $archive/%f && cp %p $archive/%f.part && sync $archive/%f.part && mv $archive/%f.part $archive/%f"
psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -d postgres \
  -v command="$command" -v timeout="$timeout" <<'SQL'
ALTER SYSTEM SET wal_level = 'replica';
ALTER SYSTEM SET archive_mode = 'on';
SELECT format('ALTER SYSTEM SET archive_command = %L', :'command') \gexec
SELECT format('ALTER SYSTEM SET archive_timeout = %L', :'timeout') \gexec
SQL
echo "archiving configured to $archive (segments closed at most every $timeout); restart PostgreSQL to start it"
