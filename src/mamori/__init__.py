"""mamori: an open, self-hostable AI cyber-defence platform for financial institutions."""

__version__ = "0.1.0"
