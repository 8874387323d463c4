"""The transparency log's tables. Only the audit repository queries them."""
