"""Storage: tables, the engine factory, migrations, commands (one per change) and queries (read models)."""
