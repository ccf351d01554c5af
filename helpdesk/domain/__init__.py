"""The helpline's rules as plain types and pure functions (no database, no widgets, no clock)."""
