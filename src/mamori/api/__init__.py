"""The HTTP API: one router per domain, every route behind a declared gate."""
