"""A separate process that saves sessions in a loop: for the crash and concurrency tests.

python tests/writer.py DB_URL PSEUDONYM COUNT [FRAMES]
"""

from __future__ import annotations

import sys
from datetime import date

from conftest import bend
from posture.store.db import open_database
from posture.store.records import record_tests


def main() -> None:
    url, pseudonym, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    result, series = bend(60.0)
    engine = open_database(url)
    for k in range(count):
        record_tests(engine, pseudonym, "pre", [(result, series)] * repeats, visit_date=date(2026, 1, 1 + k % 28))
        print(k, flush=True)


if __name__ == "__main__":
    main()
