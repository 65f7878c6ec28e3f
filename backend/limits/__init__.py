"""Every limit a user meets: per-minute rates (chat, REST, /mcp) counted through the broker, and
the per-turn tool budget."""
