"""The record of every task change (docs/api.md "Activity and undo")."""
