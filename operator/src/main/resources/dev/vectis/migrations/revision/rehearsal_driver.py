"""Run Alembic upgrades and downgrades one command a line, for `rehearse`.

Usage: python3 -c <this source> path/to/alembic.ini   (run in the directory alembic runs in)

Reads commands on stdin, `upgrade <target>` or `downgrade <target>`, runs each with Alembic's
own alembic.command.upgrade/downgrade and the project's env.py (the database comes from the
environment, as for `alembic`), and answers each with one JSON line on stdout:
{"ok": true} or {"ok": false, "error": "...", "file": "...", "line": N}, where file and line
are the innermost frame of a revision file in the traceback (absent when none). One Python
process serves a whole rehearsal: starting one per step would cost far more than the steps.
Anything else printed (Alembic's log, a migration's print) goes to stderr, never into the
answers. Needs only the standard library and Alembic.
"""
import json
import os
import sys
import traceback

# The answers get the original stdout; everything else that writes to fd 1 goes to stderr.
answers = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr


def _cached_script_directory(command_module):
    """ScriptDirectory.from_config reads every revision file; once per process is enough."""
    original = command_module.ScriptDirectory.from_config
    cache = {}

    def from_config(config, *args, **kwargs):
        key = id(config)
        if key not in cache:
            cache[key] = original(config, *args, **kwargs)
        return cache[key]

    command_module.ScriptDirectory = type(
        "CachedScriptDirectory", (command_module.ScriptDirectory,),
        {"from_config": staticmethod(from_config)})


def _revision_frame(error, revision_files):
    """The innermost frame of the traceback that runs a revision file: (relative path, line)."""
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if os.path.abspath(frame.filename) in revision_files:
            found = (os.path.relpath(frame.filename, os.getcwd()), frame.lineno)
    return found


def _message(error):
    from alembic.util import CommandError

    if isinstance(error, CommandError):
        return "FAILED: %s" % error
    text = str(error).strip() or type(error).__name__
    # SQLAlchemy appends the SQL and a link on further lines: the first line says what failed.
    first = text.splitlines()[0]
    sql = [line for line in text.splitlines() if line.startswith("[SQL:")]
    message = "%s: %s" % (type(error).__name__, first)
    if sql:
        message += " " + sql[0][:200]
    return message[:600]


def main(argv):
    from alembic import command
    from alembic.config import Config

    _cached_script_directory(command)
    config = Config(argv[1] if len(argv) > 1 else "alembic.ini")
    revision_files = {
        os.path.abspath(script.path)
        for script in command.ScriptDirectory.from_config(config).walk_revisions()
    }
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or parts[0] not in ("upgrade", "downgrade"):
            answers.write(json.dumps({"ok": False, "error": "unknown command: %s" % line.strip()})
                          + "\n")
            continue
        try:
            getattr(command, parts[0])(config, parts[1])
            answer = {"ok": True}
        except BaseException as error:  # SystemExit from env.py too: each is one answer
            answer = {"ok": False, "error": _message(error)}
            frame = _revision_frame(error, revision_files)
            if frame is not None:
                answer["file"], answer["line"] = frame
            traceback.print_exc(file=sys.stderr)
        answers.write(json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
