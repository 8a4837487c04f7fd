# The rehearsal's second step (spec.rehearsal), in the application's image: the migration,
# its reverse and the migration again, with the image's own Alembic, against the scratch
# database (the URL variable and PGPASSWORD point there). Arguments: a JSON list of
# [label, [alembic arguments]] steps, then the alembic command.
import json
import subprocess
import sys


def main(argv):
    steps = json.loads(argv[1])
    alembic = argv[2:]
    for number, (label, arguments) in enumerate(steps, 1):
        print("rehearsal: step %d/%d: alembic %s" % (number, len(steps), label), flush=True)
        code = subprocess.call(alembic + arguments)
        if code != 0:
            print("rehearsal: step %d/%d (alembic %s) failed with exit %d"
                  % (number, len(steps), label, code), flush=True)
            return 1
    print("rehearsal: succeeded", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
