"""Run a command while holding the database's migration lock.

Usage: python -c <this> <lock key> <seconds to wait> <command> [args...]

Takes the PostgreSQL session advisory lock <lock key> (a signed 64-bit integer derived from
the database, schema and version table) on its own connection, runs the command (alembic
upgrade|downgrade ...) with the same environment, releases the lock and exits with the
command's exit code. So two migrations of one database never overlap, whoever starts them.
The connection uses libpq's PG* variables (PGPASSWORD included); psycopg2 or psycopg 3.
Exit 75 when the lock could not be had in time (another migration holds it).
"""
import os
import subprocess
import sys
import time


def connect():
    try:
        import psycopg2

        return psycopg2.connect("")
    except ImportError:
        import psycopg

        return psycopg.connect("", autocommit=True)


def main(argv):
    key, wait_seconds, command = int(argv[1]), float(argv[2]), argv[3:]
    connection = connect()
    if hasattr(connection, "autocommit"):
        connection.autocommit = True
    cursor = connection.cursor()
    deadline = time.monotonic() + wait_seconds
    reported = False
    while True:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", (key,))
        if cursor.fetchone()[0]:
            break
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
            return 75
        time.sleep(1)
    print("migration lock: acquired", flush=True)
    try:
        return subprocess.call(command)
    finally:
        cursor.execute("SELECT pg_advisory_unlock(%s)", (key,))
        connection.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
