"""Seed the reference data every Vectis database needs: the default channel, roles,
permissions and an admin user.

Idempotent: run it after every migration (`python -m vectis.core.seed`); rows that exist are
left alone. The database URL comes from DATABASE_URL.
"""
import os
import sys

import sqlalchemy as sa

DEFAULT_CHANNEL = ("default", "Default channel")
ROLES = ("admin", "staff", "customer")
PERMISSIONS = (
    "orders.read", "orders.write", "catalog.read", "catalog.write", "users.manage",
)
ROLE_PERMISSIONS = {
    "admin": PERMISSIONS,
    "staff": ("orders.read", "orders.write", "catalog.read"),
    "customer": ("catalog.read",),
}
ADMIN_EMAIL = os.environ.get("VECTIS_ADMIN_EMAIL", "admin@vectis.example")


def seed(connection) -> int:
    """Inserts what is missing and returns how many rows it inserted."""
    inserted = 0

    def run(statement, **params):
        nonlocal inserted
        inserted += connection.execute(sa.text(statement), params).rowcount

    run(
        "INSERT INTO channels (code, name) VALUES (:code, :name) ON CONFLICT (code) DO NOTHING",
        code=DEFAULT_CHANNEL[0], name=DEFAULT_CHANNEL[1],
    )
    for role in ROLES:
        run("INSERT INTO roles (name) VALUES (:name) ON CONFLICT (name) DO NOTHING", name=role)
    for permission in PERMISSIONS:
        run("INSERT INTO permissions (code) VALUES (:code) ON CONFLICT (code) DO NOTHING", code=permission)
    for role, permissions in ROLE_PERMISSIONS.items():
        for permission in permissions:
            run(
                "INSERT INTO role_permissions (role_id, permission_id) "
                "SELECT r.id, p.id FROM roles r, permissions p WHERE r.name = :role AND p.code = :permission "
                "ON CONFLICT DO NOTHING",
                role=role, permission=permission,
            )
    run(
        "INSERT INTO users (email, role_id) SELECT :email, id FROM roles WHERE name = 'admin' "
        "ON CONFLICT (email) DO NOTHING",
        email=ADMIN_EMAIL,
    )
    return inserted


def main() -> int:
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("seed: DATABASE_URL is not set", file=sys.stderr)
        return 2
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        inserted = seed(connection)
    print(f"seed: {inserted} rows inserted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
