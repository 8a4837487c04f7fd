"""Print an Alembic project's revision graph as one JSON document.

Usage: python3 inspect_revisions.py [path/to/alembic.ini]   (default: alembic.ini)

Loads Alembic's own ScriptDirectory from the ini file, as `alembic` does, without a database
and without running env.py, and prints the revisions in Alembic's load order (its tie-breaker)
with heads, bases and, per revision, whether upgrade()/downgrade() are empty (only `pass`,
`...` or a docstring). Under "changes" it adds, per revision, the operations upgrade() and
downgrade() perform, captured by running them in Alembic's offline mode (PostgreSQL dialect,
SQL written to nowhere) with every operation object recorded with its line in the file, and
the file's waiver comments (`# schema-migration: allow <rule> -- <reason>`): what the lint
rules judge. On any failure it prints {"error": "..."} and exits 1.
Works with Alembic 1.8 through 1.16; needs only the standard library and Alembic.
"""
import ast
import io
import json
import os
import re
import sys
import tokenize
import traceback


def _source(path):
    """The revision's source as Python decodes it (PEP 263); None for a sourceless .pyc."""
    if not path.endswith(".py"):
        return None
    with tokenize.open(path) as source:
        return source.read()


def _empty_functions(path):
    """Which of upgrade()/downgrade() have no statement besides pass, ... or a docstring."""
    source = _source(path)
    if source is None:
        return {"upgrade": False, "downgrade": False}
    tree = ast.parse(source, filename=path)
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


WAIVER = re.compile(r"#\s*schema-migration:\s*allow\s+([A-Za-z0-9_-]+)\s*--\s*(.*)$")
WAIVER_LIKE = re.compile(r"#\s*schema-migration\s*:")


def _waivers(path):
    """The waiver comments (comments only, not strings), and comments that try to be one."""
    source = _source(path)
    if source is None:
        return []
    found = []
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type != tokenize.COMMENT or not WAIVER_LIKE.match(token.string):
            continue
        match = WAIVER.match(token.string.rstrip())
        if match:
            found.append({"rule": match.group(1), "reason": match.group(2).strip(),
                          "line": token.start[0]})
        else:
            found.append({"rule": "", "reason": "", "line": token.start[0],
                          "malformed": token.string.strip()[:200]})
    return found


def _type(type_, dialect):
    if type_ is None:
        return None
    from sqlalchemy import Enum

    if isinstance(type_, Enum):
        return "ENUM"  # PostgreSQL spells it by its name, which says nothing of its values
    try:
        return type_.compile(dialect=dialect)
    except Exception:  # a type PostgreSQL cannot render: its class name still says something
        return type(type_).__name__.upper()


def _default(value):
    """Whether a server default is given (Alembic's "not given" is None or False)."""
    return value is not None and value is not False


def _column(column, dialect, primary_key_names):
    return {
        "name": column.name,
        "type": _type(column.type, dialect),
        "nullable": bool(column.nullable) and column.name not in primary_key_names,
        "server_default": _default(column.server_default),
        "primary_key": column.name in primary_key_names,
    }


def _describe(operation, dialect):
    """The facts of one operation the rules need, as plain JSON."""
    from alembic.operations import ops

    kind = type(operation).__name__
    record = {"op": kind}
    table = getattr(operation, "table_name", None)
    if table is not None:
        record["table"] = table
        schema = getattr(operation, "schema", None)
        if schema is not None:
            record["schema"] = schema
    if isinstance(operation, ops.CreateTableOp):
        created = operation.to_table()
        keys = {column.name for column in created.primary_key.columns}
        record["columns"] = [_column(column, dialect, keys) for column in created.columns]
    elif isinstance(operation, ops.AddColumnOp):
        keys = {operation.column.name} if operation.column.primary_key else set()
        record["column"] = operation.column.name
        record.update(_column(operation.column, dialect, keys))
        record.pop("name", None)
    elif isinstance(operation, ops.DropColumnOp):
        record["column"] = operation.column_name
    elif isinstance(operation, ops.AlterColumnOp):
        record["column"] = operation.column_name
        record["type"] = _type(operation.modify_type, dialect)
        record["existing_type"] = _type(operation.existing_type, dialect)
        record["nullable"] = operation.modify_nullable
        record["server_default"] = (
            None if operation.modify_server_default is False
            else _default(operation.modify_server_default))
        record["existing_server_default"] = _default(operation.existing_server_default)
        if operation.modify_name is not None:
            record["new_name"] = operation.modify_name
    elif isinstance(operation, ops.CreateIndexOp):
        record["index"] = operation.index_name
        record["concurrently"] = bool(operation.kw.get("postgresql_concurrently"))
        record["unique"] = bool(operation.unique)
    elif isinstance(operation, ops.ExecuteSQLOp):
        # Text (a string, text(), DDL()) is what no rule can read; an insert/update/delete
        # construct is a data change built from the models.
        from sqlalchemy.sql.dml import UpdateBase

        text = operation.sqltext
        record["sql"] = None if isinstance(text, UpdateBase) else str(text)[:200]
    return record


def _line_in(path):
    """The line of the innermost frame running the revision file."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == path:
            return frame.f_lineno
        frame = frame.f_back
    return None


class _Capture:
    """
    Records the operations upgrade() and downgrade() invoke, instead of running them, and the
    statements they execute on the connection (op.get_bind(), context.get_context()), which
    offline mode hands to the implementation's _exec. One offline PostgreSQL environment (so
    alembic.context works in a revision as it does under env.py) and one patch of Operations
    for all revisions: setting an attribute of Operations rebuilds Alembic's module proxies.
    """

    def __init__(self, config, script_directory, dialect):
        from alembic.operations import Operations
        from alembic.operations import ops
        from alembic.runtime.environment import EnvironmentContext

        self._operations = Operations
        self._create_table = ops.CreateTableOp
        self._dialect = dialect
        self._environment = EnvironmentContext(config, script_directory)
        self._path = None
        self._recorded = None

    def __enter__(self):
        capture = self
        self._environment.__enter__()
        self._environment.configure(
            dialect_name="postgresql", as_sql=True, output_buffer=io.StringIO(),
            literal_binds=True)
        self._context = self._environment.get_context()

        def recording_exec(construct, *args, **kwargs):
            capture._record({"op": "ExecuteStatement", "sql": str(construct)[:200]})

        self._context.impl._exec = recording_exec
        self._original_invoke = self._operations.invoke

        def recording_invoke(operations, operation):
            capture._record(_describe(operation, capture._dialect))
            # Nothing is rendered or run; create_table's Table is what callers may use next.
            return operation.to_table() if isinstance(operation, capture._create_table) else None

        self._operations.invoke = recording_invoke
        return self

    def __exit__(self, *exc):
        self._operations.invoke = self._original_invoke
        self._environment.__exit__(*exc)
        return False

    def _record(self, entry):
        entry["line"] = _line_in(self._path)
        self._recorded.append(entry)

    def run(self, script, name):
        """Runs upgrade() or downgrade() of one revision; what it invoked, with lines."""
        function = getattr(script.module, name, None)
        if function is None:
            return {"defined": False, "operations": []}
        self._path = script.path
        self._recorded = []
        code = getattr(function, "__code__", None)
        result = {"defined": True, "operations": self._recorded,
                  "line": code.co_firstlineno if code is not None else None}
        try:
            with self._operations.context(self._context):
                function()
        except BaseException as error:  # the rest of the function is what lint could not see
            trace = traceback.extract_tb(error.__traceback__)
            lines = [frame.lineno for frame in trace if frame.filename == script.path]
            detail = str(error)[:300]
            result["error"] = type(error).__name__ + (": " + detail if detail else "")
            result["error_line"] = lines[-1] if lines else None
        return result


def _changes(script, capture, base_dir):
    return {
        "file": os.path.relpath(script.path, base_dir),
        "upgrade": capture.run(script, "upgrade"),
        "downgrade": capture.run(script, "downgrade"),
        "waivers": _waivers(script.path),
    }


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

    config = Config(ini_path)
    script_directory = ScriptDirectory.from_config(config)
    revision_map = script_directory.revision_map
    # Keys are revision ids in load order, then branch labels (which map to a revision too).
    loaded = [
        script
        for key, script in revision_map._revision_map.items()
        if script is not None and key == script.revision
    ]
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    base_dir = os.getcwd()
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
    changes = {}
    with _Capture(config, script_directory, dialect) as capture:
        for script in loaded:
            changes[script.revision] = _changes(script, capture, base_dir)
    return {
        "alembic_version": __import__("alembic").__version__,
        "revisions": revisions,
        "heads": list(revision_map.heads),
        "bases": list(revision_map.bases),
        "changes": changes,
    }


MARKER = "@schema-migration-inspection "


def main(argv):
    ini_path = argv[1] if len(argv) > 1 else "alembic.ini"
    # What the project's code prints goes to stderr: stdout's last marked line is ours alone.
    stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        document = inspect(ini_path)
        code = 0
    except BaseException as error:  # any failure becomes a JSON error, never a traceback
        message = str(error) or type(error).__name__
        if isinstance(error, KeyError):
            message = "revision %s is referenced but does not exist" % (error.args[0],)
        document = {"error": "%s: %s" % (type(error).__name__, message)}
        code = 1
    sys.stderr.flush()
    data = ("\n" + MARKER + json.dumps(document) + "\n").encode("utf-8")
    while data:
        data = data[os.write(stdout.fileno(), data):]
    # Not sys.exit: a thread or an atexit hook of the project's would print after the result.
    os._exit(code)


if __name__ == "__main__":
    main(sys.argv)
