#!/bin/sh
# Verified pg_dump backup, run by the operator's backup Job (postgres image, busybox tools)
# and by local mode. Connection: libpq's PG* variables, the password in PGPASSWORD.
#
#   backup.sh            dump, verify, keep BACKUP_RETAIN dumps, print one JSON line
#   backup.sh verify F   verify the dump F with pg_restore --list
#
# BACKUP_DIR     directory of this SchemaMigration's dumps (<mount>/<namespace>/<name>)
# BACKUP_LABEL   the version table rows the dump is taken at, e.g. 5731d674e022 (file name)
# BACKUP_RETAIN  how many dumps to keep (>= 1); older ones are removed, never the new one
# PG_DUMP, PG_RESTORE  the programs (default: pg_dump and pg_restore on PATH)
set -eu

PG_DUMP="${PG_DUMP:-pg_dump}"
PG_RESTORE="${PG_RESTORE:-pg_restore}"

verify() {
  if ! "$PG_RESTORE" --list "$1" > /dev/null; then
    echo "backup: verification failed: pg_restore --list cannot read $1" >&2
    return 1
  fi
}

if [ "${1:-}" = verify ]; then
  verify "$2"
  echo "backup: $2 verified"
  exit 0
fi

case "$BACKUP_RETAIN" in
  ''|*[!0-9]*|0) echo "backup: BACKUP_RETAIN must be a number >= 1" >&2; exit 2 ;;
esac
mkdir -p "$BACKUP_DIR"
final="$BACKUP_DIR/$(date -u +%Y%m%dT%H%M%SZ)-$BACKUP_LABEL.dump"
while [ -e "$final" ]; do  # names are unique to the second, and sort by age
  sleep 1
  final="$BACKUP_DIR/$(date -u +%Y%m%dT%H%M%SZ)-$BACKUP_LABEL.dump"
done
partial="$final.partial"
trap 'rm -f "$partial"' EXIT

"$PG_DUMP" --format=custom --no-password --file="$partial"
verify "$partial"
mv "$partial" "$final"
trap - EXIT

size=$(wc -c < "$final" | tr -d ' ')
sha256=$(sha256sum "$final" | cut -d ' ' -f 1)

# Retention: file names start with the UTC time, so name order is age order.
ls -1 "$BACKUP_DIR" | grep '\.dump$' | sort -r | tail -n "+$((BACKUP_RETAIN + 1))" |
  while read -r old; do
    if [ "$BACKUP_DIR/$old" != "$final" ]; then
      rm -f "$BACKUP_DIR/$old"
      echo "backup: removed $old (retain $BACKUP_RETAIN)" >&2
    fi
  done

printf '{"backup":{"path":"%s","sizeBytes":%s,"sha256":"%s"}}\n' "$final" "$size" "$sha256"
