"""Times Alembic's own planning, for PlannerBenchmark (not a test).

Reads one JSON document on stdin: {"revisions": [...], "operations": [{"name", "rows",
"target", "direction"}], "repetitions": N} and prints {"name": {"plan_ms": median,
"build_and_plan_ms": median, "steps": n}} for each operation: plan_ms with the RevisionMap
already built (what a long-running process pays), build_and_plan_ms with a fresh map (what
one `alembic upgrade` pays before touching the database). The work timed is what
`alembic upgrade|downgrade` does before migrating: the plan and the version-table bookkeeping.
"""
import json
import statistics
import sys
import time
import types
import warnings

from alembic.runtime.migration import HeadMaintainer, MigrationStep
from alembic.script.revision import Revision, RevisionMap

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from alembic_oracle import _Context  # noqa: E402

warnings.simplefilter("ignore")


def new_map(specs):
    def generator():
        for spec in specs:
            down = spec.get("down_revision")
            revision = Revision(
                spec["revision"],
                tuple(down) if isinstance(down, list) else down,
                dependencies=tuple(spec.get("depends_on") or ()) or None,
                branch_labels=tuple(spec.get("branch_labels") or ()) or None,
            )
            revision.module = types.SimpleNamespace(upgrade=None, downgrade=None)
            yield revision

    return RevisionMap(generator)


def plan(revision_map, operation):
    rows = tuple(operation["rows"])
    target = operation["target"]
    if operation["direction"] == "upgrade":
        revs = list(revision_map.iterate_revisions(target, rows, implicit_base=True))
        steps = [MigrationStep.upgrade_from_script(revision_map, r) for r in reversed(revs)]
    else:
        revs = list(revision_map.iterate_revisions(rows, target, select_for_downgrade=True))
        steps = [MigrationStep.downgrade_from_script(revision_map, r) for r in revs]
    maintainer = HeadMaintainer(_Context(), rows)
    for step in steps:
        maintainer.update_to_step(step)
    return len(steps)


def main():
    request = json.load(sys.stdin)
    specs = request["revisions"]
    repetitions = request["repetitions"]
    built = new_map(specs)
    built._revision_map  # build once, outside the timing of plan_ms
    results = {}
    for operation in request["operations"]:
        plan_times, full_times = [], []
        steps = 0
        for _ in range(repetitions):
            start = time.perf_counter()
            steps = plan(built, operation)
            plan_times.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            fresh = new_map(specs)
            plan(fresh, operation)
            full_times.append((time.perf_counter() - start) * 1000)
        results[operation["name"]] = {
            "plan_ms": statistics.median(plan_times),
            "build_and_plan_ms": statistics.median(full_times),
            "steps": steps,
        }
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
