#!/bin/sh
# Verified pg_dump backup, run by the operator's backup Job (postgres image, busybox tools)
# and by local mode. Connection: libpq's PG* variables, the password in PGPASSWORD.
#
#   backup.sh            dump, verify, write the metadata, apply retention, print one JSON line
#   backup.sh verify F   verify the dump F (a full read)
#
# BACKUP_DIR       this database's dump directory (<root>/<database key>); created when
#                  missing, refused when it is a symbolic link
# BACKUP_KEY       the database's key (the metadata of its dumps names it)
# BACKUP_LABEL     the version table rows the dump is taken at, e.g. 5731d674e022 (file name)
# BACKUP_RETAIN    how many of this database's dumps to keep (>= 1), or "all"
# BACKUP_METADATA  the metadata as a JSON object; the script adds file, sizeBytes, sha256,
#                  pgDumpVersion and createdAt, and writes it to <dump>.json
# PG_DUMP, PG_RESTORE, PSQL  the programs (default: pg_dump, pg_restore and psql on PATH)
#
# Exit codes: 2 bad input; 78 this pg_dump is older than the server (nothing was dumped).
set -eu
umask 077  # dumps hold the whole database: 0600 files, 0700 directories

PG_DUMP="${PG_DUMP:-pg_dump}"
PG_RESTORE="${PG_RESTORE:-pg_restore}"
PSQL="${PSQL:-psql}"

# A full read: pg_restore writes the whole archive as SQL to /dev/null, so every data block
# is read and decompressed (--list reads only the table of contents, which a dump cut short
# still has). Any complaint fails it, not only a nonzero exit.
verify() {
  if errors=$("$PG_RESTORE" --file=/dev/null "$1" 2>&1) && [ -z "$errors" ]; then
    return 0
  fi
  echo "backup: verification failed: pg_restore cannot read all of $1: $errors" >&2
  return 1
}

stop_children() {
  [ -z "$dump_pid" ] || kill "$dump_pid" 2>/dev/null || true
  [ -z "$watcher" ] || kill "$watcher" 2>/dev/null || true
}

# Local mode: when the CLI that started the backup is gone (kill -9), stop too. In a Job the
# script is the container's first process and its parent is the pod's runtime: no watch.
stop_with_parent() {
  parent=$PPID
  [ "$parent" -gt 1 ] 2>/dev/null || return 0
  self=$$
  (while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill -TERM "$self" 2>/dev/null) \
    < /dev/null > /dev/null 2>&1 &
  watcher=$!
}

# Runs "$@" in the background, its output into $check_out: a signal (or the end of the
# process that started the backup) stops it like the dump itself.
run_checked() {
  "$@" > "$check_out" 2>/dev/null &
  dump_pid=$!
  if wait "$dump_pid"; then dump_pid=""; else dump_pid=""; return 1; fi
}

# pg_dump refuses a server of a newer major than its own; say so in one line, with the fix,
# before anything is written. The server's version comes from psql with the same connection
# options; without psql (or a connection) there is nothing to compare, and pg_dump decides.
check_pg_dump_version() {
  command -v "$PSQL" > /dev/null 2>&1 || return 0
  check_out=$(mktemp "${TMPDIR:-/tmp}/backup-check.XXXXXXXX") || return 0
  run_checked "$PG_DUMP" --version || return 0
  dump_version=$(sed -n 's/^pg_dump ([^)]*) \([0-9][0-9.]*\).*/\1/p' "$check_out")
  run_checked "$PSQL" --no-psqlrc --no-align --tuples-only --quiet --no-password \
    ${PGHOST:+--host="$PGHOST"} ${PGPORT:+--port="$PGPORT"} ${PGUSER:+--username="$PGUSER"} \
    ${PGDATABASE:+--dbname="$PGDATABASE"} \
    --command="SELECT current_setting('server_version_num') || ' ' || current_setting('server_version')" \
    || return 0
  server=$(cat "$check_out")
  server_num=${server%% *}
  server_version=${server#* }
  server_version=${server_version%% *}
  case "$server_num" in ''|*[!0-9]*) return 0 ;; esac
  server_major=$((server_num / 10000))
  dump_major=${dump_version%%.*}
  case "$dump_major" in ''|*[!0-9]*) return 0 ;; esac
  if [ "$dump_major" -lt "$server_major" ]; then
    echo "backup: pg_dump $dump_version cannot dump a PostgreSQL $server_major server" \
      "($server_version): use pg_dump $server_major or newer (install postgresql-client-$server_major" \
      "and pass --pg-dump in local mode, or set spec.backup.image to postgres:$server_major-alpine);" \
      "nothing was dumped" >&2
    exit 78
  fi
}

json_escape() {
  printf '%s' "$1" | tr -d '\000-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}

if [ "${1:-}" = verify ]; then
  verify "$2"
  echo "backup: $2 verified"
  exit 0
fi

case "$BACKUP_RETAIN" in
  all) ;;
  ''|*[!0-9]*|0) echo "backup: BACKUP_RETAIN must be a number >= 1 or all" >&2; exit 2 ;;
esac
case "$BACKUP_LABEL" in
  ''|*[!A-Za-z0-9_.]*) echo "backup: BACKUP_LABEL must be letters, digits, _ and ." >&2; exit 2 ;;
esac
case "$BACKUP_KEY" in
  ''|.*|*[!A-Za-z0-9_.-]*) echo "backup: BACKUP_KEY is not a database key" >&2; exit 2 ;;
esac
case "$BACKUP_METADATA" in
  '{'*'}') ;;
  *) echo "backup: BACKUP_METADATA must be a JSON object" >&2; exit 2 ;;
esac
# Dumps are written only into a real directory: a symlink could send them anywhere.
if [ -L "$BACKUP_DIR" ]; then
  echo "backup: $BACKUP_DIR is a symbolic link; refusing to write through it" >&2
  exit 2
fi
# From here on a signal, or the end of the process that started the backup, stops it and
# whatever it runs.
dump_pid=""
watcher=""
check_out=""
trap 'stop_children; rm -f ${check_out:+"$check_out"}' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
stop_with_parent
check_pg_dump_version
rm -f ${check_out:+"$check_out"}
check_out=""
mkdir -p "$BACKUP_DIR"
if [ -L "$BACKUP_DIR" ] || [ ! -d "$BACKUP_DIR" ]; then
  echo "backup: $BACKUP_DIR is not a directory" >&2
  exit 2
fi

# Temporary files: unpredictable names, created exclusively (mktemp), 0600, removed on any
# exit but success; SIGKILL skips the trap, so the next run removes what it left.
tmp=$(mktemp "$BACKUP_DIR/.backup.XXXXXXXX")
meta_tmp=""
orphan=""
trap 'stop_children; rm -f "$tmp" ${meta_tmp:+"$meta_tmp"} ${orphan:+"$orphan"}' EXIT
# Leftovers of interrupted runs: our pattern, regular files, not written to since ours was
# created (a dump in progress keeps its file's time moving).
find "$BACKUP_DIR" -maxdepth 1 -type f -name '.backup.*' ! -newer "$tmp" ! -name "${tmp##*/}" \
  -print -exec rm -f {} \; | sed 's/^/backup: removed the leftover of an interrupted backup: /' >&2

started=$(date -u +%Y%m%dT%H%M%SZ)
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# Explicit connection options: libpq lets a service file (PGSERVICE) beat PGHOST/PGDATABASE.
# In the background, so that a signal (or the end of the process that started it) stops it.
"$PG_DUMP" --format=custom --no-password --file="$tmp" ${PGHOST:+--host="$PGHOST"} \
  ${PGPORT:+--port="$PGPORT"} ${PGUSER:+--username="$PGUSER"} ${PGDATABASE:+--dbname="$PGDATABASE"} &
dump_pid=$!
wait "$dump_pid"
dump_pid=""
verify "$tmp"
size=$(wc -c < "$tmp" | tr -d ' ')
sha256=$(sha256sum "$tmp" | cut -d ' ' -f 1)
pg_dump_version=$("$PG_DUMP" --version)

final="$BACKUP_DIR/$started-$BACKUP_LABEL.dump"
while [ -e "$final" ] || [ -L "$final" ] || [ -e "$final.json" ] || [ -L "$final.json" ]; do
  sleep 1  # names are unique to the second, and sort by age
  final="$BACKUP_DIR/$(date -u +%Y%m%dT%H%M%SZ)-$BACKUP_LABEL.dump"
done

meta_tmp=$(mktemp "$BACKUP_DIR/.backup.XXXXXXXX")
printf '%s,"file":"%s","sizeBytes":%s,"sha256":"%s","pgDumpVersion":"%s","createdAt":"%s"}\n' \
  "${BACKUP_METADATA%\}}" "${final##*/}" "$size" "$sha256" \
  "$(json_escape "$pg_dump_version")" "$created" > "$meta_tmp"
# The metadata first: a dump under its trusted name always has it beside it.
orphan="$final.json"
mv "$meta_tmp" "$final.json"
mv "$tmp" "$final"
orphan=""
trap - EXIT HUP INT TERM
stop_children

# Retention: only this database's dumps (this directory, our name pattern, regular files,
# not symlinks, with metadata naming this database), never the new one. File names start
# with the UTC time, so name order is age order.
if [ "$BACKUP_RETAIN" != all ]; then
  kept=1
  ls -1 "$BACKUP_DIR" | grep -E '^[0-9]{8}T[0-9]{6}Z-[A-Za-z0-9_.]+\.dump$' | sort -r |
    while read -r name; do
      old="$BACKUP_DIR/$name"
      if [ "$old" = "$final" ] || [ -L "$old" ] || [ ! -f "$old" ] || [ -L "$old.json" ] \
          || [ ! -f "$old.json" ] || ! grep -qF "\"key\":\"$BACKUP_KEY\"" "$old.json"; then
        continue
      fi
      if [ "$kept" -lt "$BACKUP_RETAIN" ]; then
        kept=$((kept + 1))
        continue
      fi
      rm -f "$old" "$old.json"
      echo "backup: removed $name (retain $BACKUP_RETAIN)" >&2
    done
fi

printf '{"backup":{"path":"%s","metadata":"%s","sizeBytes":%s,"sha256":"%s"}}\n' \
  "$(json_escape "$final")" "$(json_escape "$final.json")" "$size" "$sha256"
