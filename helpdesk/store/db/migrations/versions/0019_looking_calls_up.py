"""looking calls up

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 19:10:00

A full-text index of every call (its school's name, the caller's name, the summary and outcome,
and its advice), kept by the database itself in the transaction of every write that changes what
it holds (triggers), purges too; and calls by the caller's number. SQLite: an FTS5 table whose
rowid is the call's id. PostgreSQL: a tsvector a call, with a GIN index. Not the record: derived
from it, and rebuilt from it here.
"""

import unicodedata

from alembic import op


def _accents() -> tuple[str, str]:
    """Latin letters with accents, and the plain lower-case letter of each (the index and the
    words looked for are folded alike: "Zoë" is found by "zoe"; no extension is needed)."""
    accented, plain = [], []
    for code in range(0x00C0, 0x0250):
        letter = chr(code)
        base = unicodedata.normalize("NFKD", letter)[0]
        if base != letter and base.isascii() and base.isalpha():
            accented.append(letter)
            plain.append(base.lower())
    return "".join(accented), "".join(plain)


ACCENTED, PLAIN = _accents()

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

SQLITE = [
    """CREATE VIRTUAL TABLE call_search USING fts5(
        school, caller, summary, advice, tokenize = 'unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER call_search_logged AFTER INSERT ON concern BEGIN
        INSERT INTO call_search (rowid, school, caller, summary, advice) VALUES (
            new.id, coalesce((SELECT name FROM school WHERE urn = new.urn), ''), new.caller_name,
            new.summary || ' ' || coalesce(new.outcome, ''), '');
    END""",
    """CREATE TRIGGER call_search_changed AFTER UPDATE OF caller_name, summary, outcome, urn ON concern BEGIN
        UPDATE call_search SET school = coalesce((SELECT name FROM school WHERE urn = new.urn), ''),
            caller = new.caller_name, summary = new.summary || ' ' || coalesce(new.outcome, '')
        WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER call_search_advice AFTER INSERT ON advice BEGIN
        UPDATE call_search SET advice = advice || ' ' || new.text WHERE rowid = new.concern_id;
    END""",
    """CREATE TRIGGER call_search_advice_changed AFTER UPDATE OF text ON advice BEGIN
        UPDATE call_search SET advice = coalesce(
            (SELECT group_concat(text, ' ') FROM advice WHERE concern_id = new.concern_id), '')
        WHERE rowid = new.concern_id;
    END""",
    """INSERT INTO call_search (rowid, school, caller, summary, advice)
        SELECT c.id, coalesce(s.name, ''), c.caller_name, c.summary || ' ' || coalesce(c.outcome, ''),
            coalesce((SELECT group_concat(a.text, ' ') FROM advice a WHERE a.concern_id = c.id), '')
        FROM concern c LEFT JOIN school s ON s.urn = c.urn""",
]

POSTGRES = [
    "CREATE TABLE call_search (concern_id INTEGER PRIMARY KEY REFERENCES concern (id), document TSVECTOR NOT NULL)",
    "CREATE INDEX ix_call_search_document ON call_search USING GIN (document)",
    f"""CREATE FUNCTION call_search_fold(words TEXT) RETURNS TEXT LANGUAGE SQL IMMUTABLE AS $$
        SELECT lower(translate(words, '{ACCENTED}', '{PLAIN}'))
    $$""",
    """CREATE FUNCTION call_search_refresh(call INTEGER) RETURNS VOID LANGUAGE SQL AS $$
        INSERT INTO call_search (concern_id, document)
        SELECT c.id, to_tsvector('simple', call_search_fold(coalesce(s.name, '') || ' ' || c.caller_name || ' '
            || c.summary || ' ' || coalesce(c.outcome, '') || ' '
            || coalesce((SELECT string_agg(a.text, ' ') FROM advice a WHERE a.concern_id = c.id), '')))
        FROM concern c LEFT JOIN school s ON s.urn = c.urn WHERE c.id = call
        ON CONFLICT (concern_id) DO UPDATE SET document = excluded.document
    $$""",
    # the index is the owner's: consoles may read it, and only these triggers, run as the owner,
    # write it (a console's role cannot put words in it, or take them out)
    """CREATE FUNCTION call_search_concern() RETURNS TRIGGER LANGUAGE plpgsql SECURITY DEFINER
        SET search_path FROM CURRENT AS $$
        BEGIN PERFORM call_search_refresh(NEW.id); RETURN NULL; END $$""",
    """CREATE FUNCTION call_search_advice() RETURNS TRIGGER LANGUAGE plpgsql SECURITY DEFINER
        SET search_path FROM CURRENT AS $$
        BEGIN PERFORM call_search_refresh(NEW.concern_id); RETURN NULL; END $$""",
    """CREATE TRIGGER call_search_concern AFTER INSERT OR UPDATE OF caller_name, summary, outcome, urn
        ON concern FOR EACH ROW EXECUTE FUNCTION call_search_concern()""",
    """CREATE TRIGGER call_search_advice AFTER INSERT OR UPDATE OF text ON advice
        FOR EACH ROW EXECUTE FUNCTION call_search_advice()""",
    "SELECT call_search_refresh(id) FROM concern",
]


def upgrade() -> None:
    op.create_index("ix_concern_caller_phone", "concern", ["caller_phone"])
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in (
            "call_search_logged",
            "call_search_changed",
            "call_search_advice",
            "call_search_advice_changed",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS call_search")
    else:
        op.execute("DROP TRIGGER IF EXISTS call_search_concern ON concern")
        op.execute("DROP TRIGGER IF EXISTS call_search_advice ON advice")
        op.execute("DROP TABLE IF EXISTS call_search")
        for function in (
            "call_search_concern()",
            "call_search_advice()",
            "call_search_refresh(INTEGER)",
            "call_search_fold(TEXT)",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_index("ix_concern_caller_phone", "concern")
