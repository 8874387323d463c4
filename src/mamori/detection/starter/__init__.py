"""mamori's own starter Sigma rules for a bank's Windows and Linux estate.

Written for mamori (not copied from any public rule set), so they ship without third-party
licence terms. ``STARTER_RULES`` is the folder of the YAML files, one sub-folder per ATT&CK
tactic or rule family; load it as a whole so that the correlation rules find the rules they
name.
"""

from pathlib import Path

STARTER_RULES: Path = Path(__file__).resolve().parent / "rules"

__all__ = ["STARTER_RULES"]
