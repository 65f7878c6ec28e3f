"""Confirmation (docs/api.md "Confirmation"): runs paused on tool calls that wait for the
person, their decisions, and the routes that make them."""
