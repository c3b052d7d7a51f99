"""Benchmarks, run on demand with `make bench` (never by `make test`)."""
