"""Run a migration or a seed while holding the database's migration lock, on its premise.

Usage: python -c <this> <lock key> <seconds to wait> <schema or ""> <version table>
           <expected rows, comma-joined, "" for base> <command> [args...]

1. Takes the PostgreSQL session advisory lock <lock key> (derived from the database, the
   resolved schema and the version table) on its own connection (libpq's PG* variables,
   PGPASSWORD included; psycopg2 or psycopg 3). Exit 75 when it cannot be had in time.
2. Under the lock, re-reads the version table: if its rows are not the expected ones (the
   premise the plan and its backup were made on), runs nothing and exits 76.
3. Runs the command. `alembic ...` runs inside this process, so the lock holder is the
   migration: whatever kills one kills the other. Any other command (the seed) is a child
   that the kernel kills when this process dies. The migration's sessions get
   client_connection_check_interval, so the server stops a statement whose client is gone.
4. Exits with the command's exit code; if the process that started it (local mode's CLI)
   dies, it stops at once, its connections close and the lock is released with them.
"""
import os
import signal
import subprocess
import sys
import threading
import time

LOCK_TIMEOUT = 75
DATABASE_MOVED = 76


def connect():
    # Explicit parameters: libpq lets a service file (PGSERVICE) beat PGHOST and PGDATABASE,
    # and the lock and the premise must be those of the database Alembic migrates.
    target = {name: os.environ[variable] for name, variable in (
        ("host", "PGHOST"), ("port", "PGPORT"), ("dbname", "PGDATABASE"), ("user", "PGUSER"))
        if os.environ.get(variable)}
    try:
        import psycopg2

        connection = psycopg2.connect(**target)
    except ImportError:
        import psycopg

        connection = psycopg.connect(**target)
    connection.autocommit = True
    return connection


def quote(identifier):
    return '"' + identifier.replace('"', '""') + '"'


def version_rows(cursor, schema, table):
    qualified = (quote(schema) + "." if schema else "") + quote(table)
    cursor.execute("SELECT to_regclass(%s)", (qualified,))
    if cursor.fetchone()[0] is None:
        return []
    cursor.execute("SELECT version_num FROM " + qualified)
    return [row[0] for row in cursor.fetchall()]


def describe(rows):
    return ",".join(rows) if rows else "base"


def take_lock(cursor, key, wait_seconds):
    deadline = time.monotonic() + wait_seconds
    reported = False
    while True:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", (key,))
        if cursor.fetchone()[0]:
            return True
        if not reported:
            cursor.execute(
                "SELECT a.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.objsubid = 1 AND l.classid::bigint = %s AND l.objid::bigint = %s",
                ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF),
            )
            holder = cursor.fetchone()
            print("migration lock: waiting for %s" % (
                "pid %s (%s)" % holder if holder else "another session"), flush=True)
            reported = True
        if time.monotonic() > deadline:
            print("migration lock: still held after %ss, giving up" % wait_seconds, flush=True)
            return False
        time.sleep(1)


def stop_with_parent():
    """Local mode: when the CLI that started us is gone, nobody observes us: stop."""
    parent = os.getppid()
    if parent <= 1:
        return  # a Job's container: the pod's lifetime is ours

    def watch():
        while True:
            time.sleep(0.2)
            if os.getppid() != parent:
                os._exit(137)

    threading.Thread(target=watch, daemon=True).start()


def die_with(parent):
    """Runs in a child before exec: the kernel kills it when this process dies."""
    def arm():
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except Exception:
            pass
        if os.getppid() != parent:
            os._exit(137)  # the wrapper died between the fork and the line above
    return arm


def run_alembic(arguments):
    from alembic.config import main as alembic_main

    try:
        alembic_main(argv=arguments, prog="alembic")
        return 0
    except SystemExit as exit:
        if exit.code is None or isinstance(exit.code, int):
            return exit.code or 0
        print(exit.code, file=sys.stderr, flush=True)  # as Python does for sys.exit("...")
        return 1


def run_child(command):
    child = subprocess.Popen(command, preexec_fn=die_with(os.getpid()))

    def forward(signum, frame):
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return child.wait()


def main(argv):
    key, wait_seconds = int(argv[1]), float(argv[2])
    schema, table = argv[3], argv[4]
    expected = [row for row in argv[5].split(",") if row]
    command = argv[6:]
    # SIGINT ends us as SIGTERM does: at once, without a KeyboardInterrupt traceback; the
    # closed connection rolls back the migration's transaction and frees the lock.
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(128 + signum))
    stop_with_parent()
    connection = connect()
    cursor = connection.cursor()
    if not take_lock(cursor, key, wait_seconds):
        return LOCK_TIMEOUT
    print("migration lock: acquired", flush=True)
    try:
        found = version_rows(cursor, schema, table)
        if sorted(found) != sorted(expected):
            print("database moved: planned from %s, found %s; nothing was run"
                  % (describe(expected), describe(found)), flush=True)
            return DATABASE_MOVED
        cursor.execute("SHOW server_version_num")
        if int(cursor.fetchone()[0]) >= 140000:
            options = os.environ.get("PGOPTIONS", "")
            os.environ["PGOPTIONS"] = (options + " -c client_connection_check_interval=1000").strip()
        if command[0] == "alembic":
            return run_alembic(command[1:])
        return run_child(command)
    finally:
        try:
            cursor.execute("SELECT pg_advisory_unlock(%s)", (key,))
            connection.close()
        except Exception:
            pass  # the connection is gone: so is the lock


if __name__ == "__main__":
    sys.exit(main(sys.argv))
