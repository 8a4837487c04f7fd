"""SQLAlchemy models of the Vectis backend, one module per domain."""
from sqlalchemy.orm import declarative_base

Base = declarative_base()
