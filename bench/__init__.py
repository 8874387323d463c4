"""mamori's benchmark suite: ``python -m bench.run --output docs/benchmarks.md``.

One module per figure, each measuring mamori and a peer library in the same run on the
same generated data; :mod:`bench.run` collects the figures and writes the report.
"""
