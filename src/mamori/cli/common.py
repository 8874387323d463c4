"""What every command shares: settings, the platform, and turning errors into exit codes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from mamori.core import logging as mlog
from mamori.core.errors import MamoriError
from mamori.core.settings import Settings, load_settings
from mamori.platform import Platform, open_platform

# Exit codes, documented in the README.
EXIT_OK = 0
EXIT_FAILED_CHECK = 1
EXIT_USAGE = 2
EXIT_ERROR = 3


def settings() -> Settings:
    """The settings, or a clear message and exit code 2 when they are invalid."""
    with reported_errors():
        loaded = load_settings()
    mlog.configure(loaded.log_level, loaded.log_format)
    return loaded


@contextmanager
def reported_errors() -> Iterator[None]:
    """Print a mamori error as one line on stderr and exit non-zero, instead of a traceback."""
    try:
        yield
    except MamoriError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from exc


@contextmanager
def platform() -> Iterator[Platform]:
    """The platform over the configured store, closed when the command ends."""
    with reported_errors():
        opened = open_platform(settings())
    try:
        with reported_errors():
            yield opened
    finally:
        opened.close()


def out(text: str) -> None:
    """Write a line to stdout."""
    sys.stdout.write(text + "\n")
