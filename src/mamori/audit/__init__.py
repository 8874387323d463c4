"""The transparency log: a Merkle tree over every decision and program action."""
