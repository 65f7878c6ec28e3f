"""`make bench`: todo-chat beside its baselines, on one fake model, in one run."""
