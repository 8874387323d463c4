"""``python -m mamori``: the same as the ``mamori`` command."""

from mamori.cli.main import app

app(prog_name="mamori")
