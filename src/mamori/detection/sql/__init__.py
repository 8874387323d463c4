"""Sigma rules compiled to SQL: dialects (DuckDB, Spark SQL) and the compiler."""

from mamori.detection.sql.compiler import compile_rule, derived_rule_id
from mamori.detection.sql.dialects import (
    DIALECTS,
    FOLDED_SUFFIX,
    Dialect,
    DuckDBDialect,
    SparkDialect,
    get_dialect,
)
from mamori.detection.sql.models import CompiledRule
from mamori.detection.sql.scope import KEYWORDS_FIELD

__all__ = [
    "DIALECTS",
    "FOLDED_SUFFIX",
    "KEYWORDS_FIELD",
    "CompiledRule",
    "Dialect",
    "DuckDBDialect",
    "SparkDialect",
    "compile_rule",
    "derived_rule_id",
    "get_dialect",
]
