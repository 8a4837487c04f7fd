import sqlalchemy as sa

from vectis.models import Base


class Order(Base):
    __tablename__ = "orders"
    id = sa.Column(sa.BigInteger(), primary_key=True)
    channel_id = sa.Column(sa.BigInteger(), sa.ForeignKey("channels.id"), nullable=False)
    user_id = sa.Column(sa.BigInteger(), sa.ForeignKey("users.id"), nullable=True)
    total = sa.Column(sa.Numeric(12, 2), nullable=False)
    currency = sa.Column(sa.String(3), nullable=False, server_default="USD")
    created_at = sa.Column(sa.DateTime(timezone=True), server_default=sa.text("now()"))
