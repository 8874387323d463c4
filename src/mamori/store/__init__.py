"""Database engine and sessions (SQLAlchemy 2), migrations (Alembic), shared column types."""
