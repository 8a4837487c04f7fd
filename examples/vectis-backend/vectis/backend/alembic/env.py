"""Alembic environment of the Vectis backend.

The database URL comes from the DATABASE_URL environment variable (the operator sets it
from a Kubernetes Secret), never from alembic.ini.
"""
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

# Import every model module so that Base.metadata holds all tables (autogenerate).
from vectis.models import Base  # noqa: F401
import vectis.models.catalog  # noqa: F401
import vectis.models.accounts  # noqa: F401
import vectis.models.orders  # noqa: F401
import vectis.models.loyalty  # noqa: F401
import vectis.models.currency  # noqa: F401
import vectis.models.audit  # noqa: F401

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata

database_url = os.environ.get("DATABASE_URL")
if database_url:
    # configparser interpolation: a literal % must be written %%.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    if not database_url:
        raise SystemExit("DATABASE_URL is not set")
    connectable = engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
