"""`make loadtest`: Locust drives `make serve` on PostgreSQL (see docs/benchmarks.md#load)."""
