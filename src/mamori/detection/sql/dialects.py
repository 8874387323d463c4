"""SQL dialects the Sigma compiler renders to: one small interface, a literal registry.

A dialect knows how its engine quotes identifiers and literals, lowercases text, and spells
string, pattern, regular-expression and numeric tests. The compiler decides *what* to test;
the dialect only decides how that test is written.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from mamori.detection.errors import DetectionError, UnsupportedFeatureError

#: The suffix of the lowercased twin of a column that the engine materializes once per batch.
FOLDED_SUFFIX = "#lc"

#: The escape character of every LIKE pattern the compiler writes.
LIKE_ESCAPE = "\\"

TIMESTAMP_PARTS = ("minute", "hour", "day", "week", "month", "year")


class Dialect(ABC):
    """How one SQL engine spells the tests a compiled Sigma rule makes."""

    name: ClassVar[str]

    def __init__(self, *, prefolded: bool = False) -> None:
        self.prefolded = prefolded

    def options(self) -> dict[str, object]:
        """The settings that change the SQL this dialect writes (part of cache keys)."""
        return {"dialect": self.name, "prefolded": self.prefolded}

    @abstractmethod
    def quote_identifier(self, name: str) -> str:
        """``name`` as a quoted identifier, whatever characters it holds."""

    @abstractmethod
    def string_literal(self, text: str) -> str:
        """``text`` as a string literal that the engine reads back exactly."""

    @abstractmethod
    def fold_text(self, text: str) -> str:
        """``text`` lowercased exactly as the engine's ``lower()`` lowercases column values."""

    @abstractmethod
    def regex_match(self, expr: str, pattern: str) -> str:
        """True when the regular expression ``pattern`` matches somewhere in ``expr``."""

    @abstractmethod
    def starts_with(self, expr: str, operand: str) -> str:
        """True when ``expr`` begins with the SQL expression ``operand``."""

    @abstractmethod
    def ends_with(self, expr: str, operand: str) -> str:
        """True when ``expr`` ends with the SQL expression ``operand``."""

    @abstractmethod
    def contains(self, expr: str, operand: str) -> str:
        """True when ``expr`` holds the SQL expression ``operand`` somewhere."""

    @abstractmethod
    def to_double(self, expr: str) -> str:
        """``expr`` as a double, NULL where it is not a number."""

    @abstractmethod
    def to_timestamp(self, expr: str) -> str:
        """``expr`` as a timestamp, NULL where it is not one."""

    def check_regex(self, pattern: str) -> str:
        """``pattern`` as this engine's regex flavour reads it; raises if it cannot."""
        return pattern

    def regex_flags(self, flags: str) -> str:
        """An inline group setting the Sigma regex flags (any of ``ims``), or nothing."""
        return f"(?{''.join(sorted(flags))})" if flags else ""

    def column(self, field: str) -> str:
        """The plain (case-preserving) column of a field."""
        return self.quote_identifier(field)

    def folded(self, field: str) -> str:
        """The lowercased value of a field: its ``#lc`` twin column, or ``lower()`` of it."""
        if self.prefolded:
            return self.quote_identifier(field + FOLDED_SUFFIX)
        return f"lower({self.quote_identifier(field)})"

    def number_literal(self, value: int | float) -> str:
        """A numeric literal."""
        return repr(value) if isinstance(value, float) else str(int(value))

    def equals(self, expr: str, text: str) -> str:
        """True when ``expr`` is exactly ``text``."""
        return f"{expr} = {self.string_literal(text)}"

    def in_list(self, expr: str, texts: Sequence[str]) -> str:
        """True when ``expr`` is one of ``texts``."""
        return f"{expr} IN ({', '.join(self.string_literal(text) for text in texts)})"

    def like(self, expr: str, pattern: str) -> str:
        """True when ``expr`` matches the LIKE ``pattern`` (escaped with a backslash)."""
        return (
            f"{expr} LIKE {self.string_literal(pattern)} ESCAPE {self.string_literal(LIKE_ESCAPE)}"
        )

    def compare(self, expr: str, operator: str, value: int | float) -> str:
        """A numeric comparison of a text column with ``value``."""
        return f"{self.to_double(expr)} {operator} {self.number_literal(value)}"

    def timestamp_part(self, expr: str, part: str) -> str:
        """One part (minute ... year, ISO week) of a text column read as a timestamp."""
        if part not in TIMESTAMP_PARTS:
            raise DetectionError(f"unknown timestamp part {part!r}")
        return f"extract({part.upper()} FROM {self.to_timestamp(expr)})"

    def is_null(self, expr: str) -> str:
        """True when ``expr`` is NULL."""
        return f"{expr} IS NULL"

    def is_not_null(self, expr: str) -> str:
        """True when ``expr`` is not NULL."""
        return f"{expr} IS NOT NULL"

    def negate(self, expr: str) -> str:
        """Two-valued negation: a test that is NULL (a missing field) counts as false."""
        return f"NOT coalesce({expr}, FALSE)"


class DuckDBDialect(Dialect):
    """DuckDB: standard string literals (a backslash is just a backslash), RE2 regexes."""

    name = "duckdb"

    def quote_identifier(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def string_literal(self, text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    def fold_text(self, text: str) -> str:
        # DuckDB lowers one code point at a time (simple case mapping): U+0130 becomes a plain
        # "i" and a final sigma stays "σ", where Python's str.lower() would differ.
        return "".join(_simple_lower(char) for char in text)

    def regex_match(self, expr: str, pattern: str) -> str:
        return f"regexp_matches({expr}, {self.string_literal(pattern)})"

    def starts_with(self, expr: str, operand: str) -> str:
        return f"starts_with({expr}, {operand})"

    def ends_with(self, expr: str, operand: str) -> str:
        return f"ends_with({expr}, {operand})"

    def contains(self, expr: str, operand: str) -> str:
        return f"contains({expr}, {operand})"

    def to_double(self, expr: str) -> str:
        return f"TRY_CAST({expr} AS DOUBLE)"

    def to_timestamp(self, expr: str) -> str:
        return f"TRY_CAST({expr} AS TIMESTAMP)"


class SparkDialect(Dialect):
    """Spark SQL 3.4+: backslash-escaped string literals, Java regexes (``RLIKE``)."""

    name = "spark"

    def quote_identifier(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def string_literal(self, text: str) -> str:
        return "'" + "".join(_spark_char(char) for char in text) + "'"

    def fold_text(self, text: str) -> str:
        # Spark lowers with Java's String.toLowerCase(Locale.ROOT): full case mapping, as Python.
        return text.lower()

    def regex_match(self, expr: str, pattern: str) -> str:
        return f"{expr} RLIKE {self.string_literal(pattern)}"

    def check_regex(self, pattern: str) -> str:
        if "[[:" in pattern:
            raise UnsupportedFeatureError(
                "POSIX character classes ([[:alpha:]]) mean something else to Java regexes",
                hint="write the class out, e.g. [A-Za-z] or \\p{Alpha}",
            )
        if "(?U" in pattern:
            raise UnsupportedFeatureError(
                "the (?U) flag means 'ungreedy' to RE2 and 'Unicode classes' to Java",
                hint="use non-greedy quantifiers (*?, +?) instead of (?U)",
            )
        return pattern.replace("(?P<", "(?<")

    def regex_flags(self, flags: str) -> str:
        # Java folds only ASCII under (?i) unless (?u) is set too; RE2 folds all of Unicode.
        return super().regex_flags(flags + "u" if "i" in flags else flags)

    def starts_with(self, expr: str, operand: str) -> str:
        return f"startswith({expr}, {operand})"

    def ends_with(self, expr: str, operand: str) -> str:
        return f"endswith({expr}, {operand})"

    def contains(self, expr: str, operand: str) -> str:
        return f"contains({expr}, {operand})"

    def to_double(self, expr: str) -> str:
        return f"try_cast({expr} AS DOUBLE)"

    def to_timestamp(self, expr: str) -> str:
        return f"try_cast({expr} AS TIMESTAMP)"


DIALECTS: dict[str, type[Dialect]] = {
    "duckdb": DuckDBDialect,
    "spark": SparkDialect,
}


def get_dialect(name: str, *, prefolded: bool = False) -> Dialect:
    """The dialect registered under ``name``."""
    try:
        return DIALECTS[name](prefolded=prefolded)
    except KeyError:
        raise DetectionError(
            f"unknown SQL dialect {name!r}",
            where="dialect",
            hint=f"choose one of: {', '.join(sorted(DIALECTS))}",
        ) from None


def _simple_lower(char: str) -> str:
    lowered = char.lower()
    if len(lowered) == 1:
        return lowered
    return "i" if char == "\u0130" else char


_SPARK_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _spark_char(char: str) -> str:
    escaped = _SPARK_ESCAPES.get(char)
    if escaped is not None:
        return escaped
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\u{ord(char):04x}"
    return char
