"""Every domain's tables, imported so that ``Base.metadata`` knows them all.

Alembic compares this metadata with the database; a test checks that the
migrations produce exactly this schema.
"""

from mamori.access import tables as access_tables
from mamori.audit import tables as audit_tables
from mamori.detection import tables as detection_tables
from mamori.store.base import Base

metadata = Base.metadata

__all__ = ["access_tables", "audit_tables", "detection_tables", "metadata"]
