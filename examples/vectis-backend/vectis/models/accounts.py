import sqlalchemy as sa

from vectis.models import Base


class Role(Base):
    __tablename__ = "roles"
    id = sa.Column(sa.BigInteger(), primary_key=True)
    name = sa.Column(sa.String(64), nullable=False, unique=True)


class Permission(Base):
    __tablename__ = "permissions"
    id = sa.Column(sa.BigInteger(), primary_key=True)
    code = sa.Column(sa.String(128), nullable=False, unique=True)


class RolePermission(Base):
    __tablename__ = "role_permissions"
    role_id = sa.Column(sa.BigInteger(), sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)
    permission_id = sa.Column(
        sa.BigInteger(), sa.ForeignKey("permissions.id", ondelete="CASCADE"), primary_key=True
    )


class User(Base):
    __tablename__ = "users"
    id = sa.Column(sa.BigInteger(), primary_key=True)
    email = sa.Column(sa.String(320), nullable=False, unique=True)
    role_id = sa.Column(sa.BigInteger(), sa.ForeignKey("roles.id"), nullable=False)
    is_active = sa.Column(sa.Boolean(), nullable=False, server_default=sa.true())
    created_at = sa.Column(sa.DateTime(timezone=True), server_default=sa.text("now()"))
