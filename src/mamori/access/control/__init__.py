"""The program's brakes: emergency stops, and quotas with their usage counters."""
