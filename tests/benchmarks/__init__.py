"""Benchmarks: run by hand (`uv run python -m tests.benchmarks.<name>`), never collected by pytest."""
