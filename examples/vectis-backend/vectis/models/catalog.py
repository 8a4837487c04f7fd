import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from vectis.models import Base


class Channel(Base):
    __tablename__ = "channels"
    id = sa.Column(sa.BigInteger(), primary_key=True)
    code = sa.Column(sa.String(32), nullable=False, unique=True)
    name = sa.Column(sa.String(200), nullable=False)
    supported_currencies = sa.Column(postgresql.JSONB(), nullable=True, server_default='["USD"]')
    created_at = sa.Column(sa.DateTime(timezone=True), server_default=sa.text("now()"))
