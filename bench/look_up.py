"""Looking a call up across the record, at each size of closed calls, on SQLite or (with --db)
PostgreSQL: `look_up()` as the console runs it (the index, the rows this person may see, the
event on the trail) for a rare name, a word in every call, a phone number and a URN, beside the
floor measured in the same run: the bare full-text query for the same words (ids only, no
rows, no event), or the bare index read for a number. On PostgreSQL the bare query for words is
timed with each of its two plans forced (the newest calls walked; the index's list of matches)
and the floor is the faster: the planner, left alone, picks by estimates that a prefix makes
poor, and its pick was 30 times slower than the other at a million calls.

Goal (#34): under 50 ms a look-up at a million calls. Databases are built once per size and
builder's version and kept (SQLite: the cache folder; PostgreSQL: on the server).

Run: python bench/look_up.py [--sizes 100000] [--db postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from sqlalchemy import text

import benchdb
from helpdesk.domain.search import fts5_query, look_up, tsquery
from helpdesk.store.commands.looking_up import look_up as find
from helpdesk.store.db.engine import make_engine, sqlite_url

RUNS = 21
NAMED_EVERY = 1000  # one call in this many has a caller of its own name (a rare look-up)


def build(url: str, calls: int) -> None:
    benchdb.build(url, waiting=200, closed=calls)
    engine = make_engine(url)
    with engine.begin() as connection:  # (the index's triggers keep it in step, as with a console's write)
        connection.execute(
            text(f"UPDATE concern SET caller_name = 'Caller' || id || ' Quartermaine' WHERE id % {NAMED_EVERY} = 0")
        )
    engine.dispose()


def cached_sqlite(calls: int) -> str:
    return sqlite_url(benchdb.cached_sqlite(f"look-up-{calls}", lambda url: build(url, calls)))


def cached_postgres(url: str, calls: int) -> str:
    from sqlalchemy import make_url

    name = benchdb.cached_postgres(
        url, f"helpdesk_bench_look_up_{calls}_{benchdb.BUILDER_VERSION}", lambda b: build(b, calls)
    )
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


# PostgreSQL's two plans for a word, each forced: the calls walked newest first, and the index's
# list of matches sorted. The floor is the faster (the planner alone may choose the slower).
PLANS = {"walk": ("enable_bitmapscan",), "index list": ("enable_indexscan", "enable_seqscan")}


def floor_query(engine, typed: str, plan: str = ""):
    """The bare query for `typed` (on PostgreSQL, for words, with `plan` forced if given)."""
    query = look_up(typed)
    if query.words:
        if engine.dialect.name == "postgresql":
            sql = "SELECT concern_id FROM call_search WHERE document @@ to_tsquery('simple', :q) ORDER BY concern_id DESC LIMIT 51"
            q = tsquery(query.words)
        else:
            sql = "SELECT rowid FROM call_search WHERE call_search MATCH :q ORDER BY rowid DESC LIMIT 51"
            q = fts5_query(query.words)
        statement, values = text(sql), {"q": q}
    elif query.phone:
        statement, values = (
            text("SELECT id FROM concern WHERE caller_phone = :v ORDER BY id DESC LIMIT 51"),
            {"v": query.phone},
        )
    else:
        statement, values = text("SELECT id FROM concern WHERE urn = :v ORDER BY id DESC LIMIT 51"), {"v": query.urn}

    def run() -> None:
        with engine.connect() as connection:
            for setting in PLANS.get(plan, ()):
                connection.execute(text(f"SET LOCAL {setting} = off"))
            connection.execute(statement, values).all()

    return run


def one_size(url: str, calls: int) -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        urn = connection.scalar(text("SELECT urn FROM concern GROUP BY urn ORDER BY count(*) DESC LIMIT 1"))
    now = dt.datetime.now(dt.UTC)
    rare = f"Caller{(calls // 2 // NAMED_EVERY) * NAMED_EVERY} quartermaine"
    for label, typed in (
        ("a rare name", rare),
        ("a word in every call", "sample caller"),
        ("a phone number", "0113 496 0000"),
        ("a URN", urn),
    ):
        plans = list(PLANS) if engine.dialect.name == "postgresql" and look_up(typed).words else [""]
        floors = {plan: floor_query(engine, typed, plan) for plan in plans}
        ours: list[float] = []
        bare: dict[str, list[float]] = {plan: [] for plan in plans}
        for _ in range(RUNS):  # interleaved
            for plan, floor in floors.items():
                bare[plan].append(timed(floor))
            ours.append(timed(lambda typed=typed: find(engine, "lpark", look_up(typed), now)))
        found = len(find(engine, "lpark", look_up(typed), now).rows)
        medians = {plan: statistics.median(times) for plan, times in bare.items()}
        best = min(medians, key=lambda plan: medians[plan])
        each = ", ".join(f"{plan} {m:.1f} ms" for plan, m in medians.items()) if len(medians) > 1 else ""
        print(
            f"  {label:<22} look-up median {statistics.median(ours):6.1f} ms, p90 {sorted(ours)[int(RUNS * 0.9)]:6.1f} ms"
            f" ({found} on the page); floor {medians[best]:5.1f} ms{f' ({each})' if each else ''}:"
            f" {statistics.median(ours) / max(medians[best], 0.01):.1f}x",
            flush=True,
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="closed calls, comma-separated")
    parser.add_argument("--db", help="a PostgreSQL URL (its server keeps the built databases)")
    args = parser.parse_args()
    for calls in (int(size) for size in args.sizes.split(",")):
        print(f"{calls:,} closed calls ({'PostgreSQL' if args.db else 'SQLite'}):", flush=True)
        one_size(cached_postgres(args.db, calls) if args.db else cached_sqlite(calls), calls)


if __name__ == "__main__":
    main()
