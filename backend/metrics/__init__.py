"""Prometheus metrics (GET /metrics, docs/deploy.md "Metrics")."""
