import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from vectis.models import Base


class AuditLog(Base):
    __tablename__ = "audit_log"
    id = sa.Column(sa.BigInteger(), primary_key=True)
    actor_id = sa.Column(sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    action = sa.Column(sa.String(64), nullable=False)
    details = sa.Column(postgresql.JSONB(), nullable=True)
    created_at = sa.Column(sa.DateTime(timezone=True), server_default=sa.text("now()"), index=True)
