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
# Another name for the same server (an IP, a second Service) passes the test above. Proof by
# a session: one held open on production under a unique name must not be visible from the
# scratch database's side as a session of that same database.
guard="schema-migration-rehearsal-guard-$$-$(date +%s)"
PGAPPNAME="$guard" psql -X -q -c "SELECT pg_sleep(120)" > /dev/null 2>&1 &
guard_pid=$!
seen=0
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  seen=$(psql -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$guard'")
  [ "$seen" != 0 ] && break
  sleep 0.5
done
same=$(scratch psql -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$guard' AND datname = current_database()")
kill "$guard_pid" 2> /dev/null || true
if [ "$seen" = 0 ]; then
  echo "FAILED: cannot prove the scratch database is not production's (no guard session seen); nothing was done" >&2
  exit 2
fi
if [ "$same" != 0 ]; then
  echo "FAILED: the scratch database is production's database under another name; nothing was done" >&2
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
