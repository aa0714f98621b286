"""Batch analysis of recorded videos: resumable, once per manifest row, in parallel on this machine or on Ray.

Every job (a manifest row, or a video named by a file, folder or pattern) has a key: a hash of the video's
path and content, its test, client and session, and the batch's settings (stride, height, camera profile).
A finished job leaves a record in OUT/done/<key>.json (written whole or not at all), and its landmarks in
OUT/landmarks/; a re-run skips the jobs whose key has a record, so a killed batch loses nothing and repeats
nothing, while changed settings or a corrected manifest row make a new job. Jobs whose recording, test and
settings are equal share one analysis.

With a database, a job that names a client is stored as a test of its client's session of the day (the same
writer as the app's and the command line's), carrying the job's key (a unique column), in one transaction and
before the job's record is written: a crash between the two, a re-run or another batch storing the same job at the
same moment cannot store it twice. One batch at a time writes to an OUT folder. The results table (this batch's
jobs) is written whole or not at all.

The package: jobs.py (the jobs, their keys, the settings), outcome.py (what became of a recording, typed), work.py
(tracking in worker processes or on Ray, measuring here), folder.py (the OUT folder's files), run.py (one batch).
"""

from posture.batch.folder import FAULT_VARIABLE, TABLE_COLUMNS, table_rows, write_table
from posture.batch.jobs import Job, Settings, collect_jobs, read_manifest
from posture.batch.outcome import Outcome
from posture.batch.run import Summary, run_batch, store_session
from posture.batch.work import load_libraries, measure_job, track_job

__all__ = ["FAULT_VARIABLE", "TABLE_COLUMNS", "Job", "Outcome", "Settings", "Summary", "collect_jobs",
           "load_libraries", "measure_job", "read_manifest", "run_batch", "store_session", "table_rows",
           "track_job", "write_table"]
