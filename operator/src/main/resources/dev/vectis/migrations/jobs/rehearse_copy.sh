# The rehearsal's first step (spec.rehearsal), in the postgres image: copy production's schema
# into the scratch database. Production is only read (pg_dump); the scratch database is WIPED.
#   production: PGHOST PGPORT PGDATABASE PGUSER PGSSLMODE PGPASSWORD (libpq's own variables)
#   scratch:    SCRATCH_PGHOST ... SCRATCH_PGPASSWORD
#   VERSION_TABLE: the quoted version table; COPY_VERSION_ROWS: 1 to copy its rows
# Passwords come from the environment (secretKeyRef), never from the command line.
set -eu
scratch() {
  PGHOST="$SCRATCH_PGHOST" PGPORT="$SCRATCH_PGPORT" PGDATABASE="$SCRATCH_PGDATABASE" \
  PGUSER="$SCRATCH_PGUSER" PGSSLMODE="$SCRATCH_PGSSLMODE" PGPASSWORD="$SCRATCH_PGPASSWORD" \
  "$@"
}
work="${TMPDIR:-/tmp}/rehearsal.$$"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
echo "rehearsal: copying the schema of $PGDATABASE on $PGHOST into the scratch database $SCRATCH_PGDATABASE on $SCRATCH_PGHOST"
if [ "$PGHOST:$PGPORT/$PGDATABASE" = "$SCRATCH_PGHOST:$SCRATCH_PGPORT/$SCRATCH_PGDATABASE" ]; then
  echo "FAILED: the scratch database is production's database; nothing was done" >&2
  exit 2
fi
pg_dump --schema-only --no-owner --no-privileges -f "$work/schema.sql"
if [ "${COPY_VERSION_ROWS:-0}" = 1 ]; then
  pg_dump --data-only --no-owner --no-privileges --table="$VERSION_TABLE" -f "$work/versions.sql"
fi
sed 's/^CREATE SCHEMA public;$/CREATE SCHEMA IF NOT EXISTS public;/' "$work/schema.sql" > "$work/restore.sql"
echo "rehearsal: wiping the scratch database's schemas"
scratch psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
DO $$
DECLARE s record;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
      WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname);
  END LOOP;
  CREATE SCHEMA public;
END $$;
SQL
scratch psql -X -q -v ON_ERROR_STOP=1 -f "$work/restore.sql" > /dev/null
if [ "${COPY_VERSION_ROWS:-0}" = 1 ]; then
  scratch psql -X -q -v ON_ERROR_STOP=1 -f "$work/versions.sql" > /dev/null
fi
echo "rehearsal: the scratch database holds production's schema"
