"""A separate process that saves sessions in a loop: for the crash and concurrency tests.

python tests/writer.py DB_URL PSEUDONYM COUNT [FRAMES]
"""

from __future__ import annotations

import sys
from datetime import date

from posture.measures import analyse
from posture.store.db import open_database
from posture.store.records import record_tests
from posture.synthetic.camera import sagittal_camera
from posture.synthetic.scene import forward_bend_poses, landmark_series


def main() -> None:
    url, pseudonym, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    series = landmark_series(forward_bend_poses(60.0, 30.0), sagittal_camera(), 30.0, noise_px=1.0)
    result = analyse(series, "forward-bend")
    engine = open_database(url)
    for k in range(count):
        record_tests(engine, pseudonym, "pre", [(result, series)] * repeats, visit_date=date(2026, 1, 1 + k % 28))
        print(k, flush=True)


if __name__ == "__main__":
    main()
