"""merge_branches

Revision ID: c9d8e7f6a5b4
Revises: a3e2f1b8c9d4, b7c4e9a1d2f3
Create Date: 2026-04-20 08:00:00.000000

Created with `alembic merge heads -m "merge_branches"`.
"""

# revision identifiers, used by Alembic.
revision = "c9d8e7f6a5b4"
down_revision = ("a3e2f1b8c9d4", "b7c4e9a1d2f3")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
