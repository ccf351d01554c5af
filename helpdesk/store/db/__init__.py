"""The database: engine factory, tables, schema and migrations, transactions, the audit
trail's hash chain, presence and the change feed."""
