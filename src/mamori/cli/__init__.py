"""The ``mamori`` command: one module per command group, each kept thin."""
