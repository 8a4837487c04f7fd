"""Print an Alembic project's revision graph as one JSON document.

Usage: python3 inspect_revisions.py [path/to/alembic.ini]   (default: alembic.ini)

Loads Alembic's own ScriptDirectory from the ini file, as `alembic` does, without a database
and without running env.py, and prints the revisions in Alembic's load order (its tie-breaker)
with heads, bases and, per revision, whether upgrade()/downgrade() are empty (only `pass`,
`...` or a docstring). On any failure it prints {"error": "..."} and exits 1.
Works with Alembic 1.8 through 1.16; needs only the standard library and Alembic.
"""
import ast
import json
import sys


def _empty_functions(path):
    """Which of upgrade()/downgrade() have no statement besides pass, ... or a docstring."""
    with open(path, encoding="utf-8") as source:
        tree = ast.parse(source.read(), filename=path)
    empty = {"upgrade": True, "downgrade": True}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in empty:
            empty[node.name] = all(_is_placeholder(statement) for statement in node.body)
    return empty


def _is_placeholder(statement):
    if isinstance(statement, ast.Pass):
        return True
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and (
        isinstance(statement.value.value, str) or statement.value.value is Ellipsis
    )


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _declared_branch_labels(script):
    """The labels the file declares; Script.branch_labels also holds inherited ones."""
    declared = getattr(script, "_orig_branch_labels", None)
    return _as_list(script.branch_labels if declared is None else declared)


def inspect(ini_path):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    script_directory = ScriptDirectory.from_config(Config(ini_path))
    revision_map = script_directory.revision_map
    # Keys are revision ids in load order, then branch labels (which map to a revision too).
    loaded = [
        script
        for key, script in revision_map._revision_map.items()
        if script is not None and key == script.revision
    ]
    revisions = []
    for script in loaded:
        empty = _empty_functions(script.path)
        down = script.down_revision
        revisions.append({
            "revision": script.revision,
            "down_revision": list(down) if isinstance(down, (tuple, list)) else down,
            "branch_labels": _declared_branch_labels(script),
            "depends_on": _as_list(script.dependencies),
            "doc": script.doc,
            "upgrade_empty": empty["upgrade"],
            "downgrade_empty": empty["downgrade"],
        })
    return {
        "alembic_version": __import__("alembic").__version__,
        "revisions": revisions,
        "heads": list(revision_map.heads),
        "bases": list(revision_map.bases),
    }


def main(argv):
    ini_path = argv[1] if len(argv) > 1 else "alembic.ini"
    try:
        document = inspect(ini_path)
    except BaseException as error:  # any failure becomes a JSON error, never a traceback
        message = str(error) or type(error).__name__
        if isinstance(error, KeyError):
            message = "revision %s is referenced but does not exist" % (error.args[0],)
        print(json.dumps({"error": "%s: %s" % (type(error).__name__, message)}))
        return 1
    print(json.dumps(document))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
