"""What the model calls cost: usage per message, daily token budgets, the usage route."""
