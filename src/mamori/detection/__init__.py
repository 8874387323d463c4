"""Threat detection on logs: Sigma rules compiled to SQL and run over Arrow event batches."""
