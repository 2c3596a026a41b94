"""Benchmarks: run with `make bench`; they print ratios and figures, they never fail a build."""
