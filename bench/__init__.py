"""Benchmarks: `make bench` runs each module as a script; figures go to docs/."""
