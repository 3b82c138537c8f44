"""Benchmarks: ``terminal-app bench NAME …``; each prints one JSON line."""
