"""Administration: reference-data importers, exports, staff accounts, and the demo database."""
