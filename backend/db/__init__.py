"""The database: the engine and sessions, DATABASE_URL, the embedded server, migrations, the
schema and per-user numbering."""
