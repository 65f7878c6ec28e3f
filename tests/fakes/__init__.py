"""Fakes for tests and the benchmark: an OpenAI-compatible model provider (frames + server)."""
