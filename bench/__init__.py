"""Benchmarks of issues 4, 6 and 8: ``python -m bench`` (see README, "Prestanda")."""
