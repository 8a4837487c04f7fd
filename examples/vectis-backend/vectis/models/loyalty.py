import sqlalchemy as sa

from vectis.models import Base


class LoyaltyPoints(Base):
    __tablename__ = "loyalty_points"
    id = sa.Column(sa.BigInteger(), primary_key=True)
    user_id = sa.Column(sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    points = sa.Column(sa.BigInteger(), nullable=False, server_default="0")
    reason = sa.Column(sa.String(200), nullable=True)
    created_at = sa.Column(sa.DateTime(timezone=True), server_default=sa.text("now()"))
