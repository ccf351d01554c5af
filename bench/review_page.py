"""Review list paging with 200,000 closed calls: one page query, with and without filters.

Target: at most 100 ms a page. Run: python bench/review_page.py [--db URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import benchdb
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.queries.review import closed_calls
from helpdesk.store.rows import ClosedCallFilter


def timed(engine, found: ClosedCallFilter, pages: int = 5) -> list[float]:
    timings, after = [], None
    for _ in range(pages):
        started = time.perf_counter()
        rows = closed_calls(engine, "lpark", found, after=after)
        timings.append((time.perf_counter() - started) * 1000)
        if not rows:
            break
        after = (rows[-1].closed_at, rows[-1].id)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty database URL to fill (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or sqlite_url(Path(folder) / "review.sqlite")
        benchdb.build(url, waiting=0, closed=200_000)
        engine = make_engine(url)
        today = dt.date.today()
        cases = {
            "no filter": ClosedCallFilter(),
            "last week": ClosedCallFilter(closed_from=today - dt.timedelta(days=7), closed_to=today),
            "declined pauses": ClosedCallFilter(pause="declined"),
            "not reviewed": ClosedCallFilter(reviewed=False),
            "school name": ClosedCallFilter(school="primary"),
            "text search": ClosedCallFilter(search="benchmark"),
        }
        timed(engine, ClosedCallFilter(), 1)  # warm
        print(f"review list pages (50 rows) over 200,000 closed calls on {url.split(':')[0]} (target <= 100 ms a page)")
        for name, found in cases.items():
            timings = timed(engine, found)
            print(
                f"  {name:<16} median {statistics.median(timings):6.1f} ms, worst {max(timings):6.1f} ms over {len(timings)} page(s)"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
