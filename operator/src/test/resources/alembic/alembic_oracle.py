"""Answers plan requests with the real Alembic, for the differential test.

Reads one JSON request a line on stdin ({"revisions": [...], "current": [...], "target": "...",
"direction": "upgrade"|"downgrade"|"history"}) and writes one JSON answer a line, in the format of
`schema-migration-operator plan --jsonl`. It builds Alembic's own RevisionMap in memory and
runs exactly what `alembic upgrade|downgrade <target>` runs before touching the database:
the planning of ScriptDirectory._upgrade_revs/_downgrade_revs (with its error translation)
and HeadMaintainer over a simulated version table. No database, no files.

Extra answer fields for the comparison: "crash" (the bare Python exception where Alembic
itself would print a traceback) and "hash_sensitive" (the step order depends on
PYTHONHASHSEED because a revision has two or more normalised dependencies).
"""
import json
import sys
import types
import warnings

import sqlalchemy as sa
from alembic import util
from alembic.runtime.migration import HeadMaintainer, MigrationStep
from alembic.script.base import Script, ScriptDirectory
from alembic.script.revision import Revision, RevisionMap

warnings.simplefilter("ignore")

VERSION_TABLE = sa.Table(
    "alembic_version", sa.MetaData(), sa.Column("version_num", sa.String(32), primary_key=True)
)


class _Result:
    rowcount = 1


class _Impl:
    def _exec(self, statement):
        return _Result()


class _Context:
    """Just enough of MigrationContext for HeadMaintainer; as_sql skips rowcount checks."""

    as_sql = True
    impl = _Impl()
    _version = VERSION_TABLE
    version_table = "alembic_version"


def _revision(spec):
    down = spec.get("down_revision")
    if isinstance(down, list):
        down = tuple(down)
    deps = spec.get("depends_on") or None
    if isinstance(deps, list):
        deps = tuple(deps) if deps else None
    labels = spec.get("branch_labels") or None
    if isinstance(labels, list):
        labels = tuple(labels)
    revision = Revision(spec["revision"], down, dependencies=deps, branch_labels=labels)
    revision.module = types.SimpleNamespace(upgrade=lambda: None, downgrade=lambda: None)
    return revision


def _hash_sensitive(revision_map):
    """Whether an order depends on PYTHONHASHSEED: a revision with 2+ normalised dependencies."""
    return any(
        len(r._normalized_resolved_dependencies) >= 2
        for r in revision_map._revision_map.values()
        if r is not None
    )


def history(request):
    """`alembic history -r RANGE` without docs: the lines walk_revisions yields, formatted."""
    lower, _, upper = request["target"].partition(":")
    specs = request["revisions"]

    def generator():
        for spec in specs:
            revision = _revision(spec)
            revision.doc = ""
            revision._db_current_indicator = False
            revision._format_down_revision = types.MethodType(Script._format_down_revision,
                                                              revision)
            yield revision

    script = types.SimpleNamespace(revision_map=RevisionMap(generator))
    script._catch_revision_errors = types.MethodType(ScriptDirectory._catch_revision_errors,
                                                     script)
    try:
        lines = [
            Script._head_only(revision, True, True, True, True)
            for revision in ScriptDirectory.walk_revisions(script, lower or "base",
                                                           upper or "heads")
        ]
    except util.CommandError as error:
        return {"ok": False, "error": error.args[0]}
    except (AssertionError, KeyError, IndexError, ValueError, TypeError, AttributeError) as error:
        return {"ok": False, "error": repr(error), "crash": type(error).__name__}
    return {"ok": True, "lines": lines, "hash_sensitive": _hash_sensitive(script.revision_map)}


def answer(request):
    if request["direction"] == "history":
        return history(request)
    specs = request["revisions"]
    rows = tuple(request.get("current") or ())
    target = request["target"]
    upgrade = request["direction"] == "upgrade"

    if ":" in target:
        return {"ok": False, "error": "Range revision not allowed"}

    def generator():
        for spec in specs:
            yield _revision(spec)

    revision_map = RevisionMap(generator)
    direction = "upgrade" if upgrade else "downgrade"
    try:
        with ScriptDirectory._catch_revision_errors(
            None,
            ancestor="Destination %(end)s is not a valid " + direction
            + " target from current head(s)",
            end=target,
        ):
            if upgrade:
                revs = list(revision_map.iterate_revisions(target, rows, implicit_base=True))
                steps = [MigrationStep.upgrade_from_script(revision_map, r) for r in reversed(revs)]
                resolved = [
                    r.revision
                    for r in revision_map._parse_upgrade_target(rows, target, True)
                ]
            else:
                revs = list(revision_map.iterate_revisions(rows, target, select_for_downgrade=True))
                steps = [MigrationStep.downgrade_from_script(revision_map, r) for r in revs]
                _, rev = revision_map._parse_downgrade_target(rows, target, True)
                resolved = [] if rev in (None, "base") else [rev.revision]
        maintainer = HeadMaintainer(_Context(), rows)
        answered = []
        for step in steps:
            maintainer.update_to_step(step)
            answered.append({
                "revision": step.revision.revision,
                "direction": "up" if upgrade else "down",
                "version_table_after": sorted(maintainer.heads),
            })
    except util.CommandError as error:
        return {"ok": False, "error": error.args[0]}
    except (AssertionError, KeyError, IndexError, ValueError, TypeError) as error:
        return {"ok": False, "error": repr(error), "crash": type(error).__name__}
    hash_sensitive = _hash_sensitive(revision_map)
    return {
        "ok": True,
        "resolved_target": resolved,
        "steps": answered,
        "final_version_table": sorted(maintainer.heads),
        "hash_sensitive": hash_sensitive,
    }


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = answer(json.loads(line))
        except Exception as error:  # an oracle bug must show, not stop the stream
            reply = {"ok": False, "error": "oracle failure: %r" % (error,), "crash": "Oracle"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
