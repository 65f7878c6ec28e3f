"""Runs: one turn's work, owned by the server rather than by the request that started it
(docs/runs.md). `registry` starts, attaches to and stops runs; `owner` drives a run in the
process that started it; `viewer` follows a run's events from any process."""
