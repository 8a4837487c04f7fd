import sqlalchemy as sa

from vectis.models import Base


class ExchangeRate(Base):
    __tablename__ = "exchange_rates"
    id = sa.Column(sa.BigInteger(), primary_key=True)
    base_currency = sa.Column(sa.String(3), nullable=False, index=True)
    target_currency = sa.Column(sa.String(3), nullable=False, index=True)
    rate = sa.Column(sa.Numeric(18, 8), nullable=False)
    effective_from = sa.Column(sa.DateTime(timezone=True), nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), server_default=sa.text("now()"))
    __table_args__ = (
        sa.UniqueConstraint("base_currency", "target_currency", "effective_from", name="uq_er_pair_effective"),
    )
