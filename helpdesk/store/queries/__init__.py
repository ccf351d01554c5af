"""Queries: the read models of each screen and of the command line. Reads only: no query
imports a command or writes an audit event (an import contract checks it)."""
