"""add_loyalty_points_table

Revision ID: a3e2f1b8c9d4
Revises: 0f5e1c2d3a4b
Create Date: 2026-04-11 16:02:47.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "a3e2f1b8c9d4"
down_revision = "0f5e1c2d3a4b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loyalty_points",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
    )
    op.create_index("ix_loyalty_points_user_id", "loyalty_points", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_loyalty_points_user_id", table_name="loyalty_points")
    op.drop_table("loyalty_points")
