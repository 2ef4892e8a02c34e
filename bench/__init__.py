"""Benchmarks, run with `make bench`. Each bench_*.py module has run(report) -> None."""
