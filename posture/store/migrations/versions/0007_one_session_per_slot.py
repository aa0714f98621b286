"""One visit per client and day, one pre and one post session per visit; a batch row's key, a kept video and the
camera profile on each test (a session now gathers tests from several recordings); why a value is withheld, as a
code; a client's key for offline home-check files named apart from the access codes of home-check links.

Earlier, the command line and the batch made a new session for every recording, so one visit could hold several
pre (or post) sessions and one day several visits. They are merged here, nothing lost: the later ones' tests move to
the earliest (each with its own camera profile, batch key and kept video), their notes are appended, a pain score
or battery the earliest lacks is taken over, and a pain score that differs is kept in the notes.
Then the database itself keeps it so: a unique index on (client, day) and a partial unique index on (visit, label)
for the labels pre and post.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
SLOT = sa.text("label IN ('pre', 'post')")


def _joined(*notes: str | None) -> str:
    return "\n".join(n for n in notes if n)


def _merge_visits(conn) -> None:
    """Every visit of a client on one day folded into the first one."""
    days = conn.execute(sa.text("SELECT client_id, visit_date FROM visits GROUP BY client_id, visit_date "
                                "HAVING COUNT(*) > 1")).all()
    for client_id, day in days:
        visits = conn.execute(sa.text("SELECT id, notes FROM visits WHERE client_id = :c AND visit_date = :d "
                                      "ORDER BY id"), {"c": client_id, "d": day}).all()
        keep = visits[0][0]
        for other, _ in visits[1:]:
            conn.execute(sa.text("UPDATE sessions SET visit_id = :k WHERE visit_id = :o"), {"k": keep, "o": other})
            conn.execute(sa.text("DELETE FROM visits WHERE id = :o"), {"o": other})
        conn.execute(sa.text("UPDATE visits SET notes = :n WHERE id = :k"),
                     {"n": _joined(*(n for _, n in visits)), "k": keep})


def _merge_slots(conn) -> None:
    """Every pre (and post) session of a visit folded into its earliest one."""
    slots = conn.execute(sa.text("SELECT visit_id, label FROM sessions WHERE label IN ('pre', 'post') "
                                 "GROUP BY visit_id, label HAVING COUNT(*) > 1")).all()
    for visit_id, label in slots:
        rows = conn.execute(sa.text("SELECT id, notes, pain, protocol FROM sessions "
                                    "WHERE visit_id = :v AND label = :l ORDER BY recorded_at, id"),
                            {"v": visit_id, "l": label}).all()
        keep = rows[0]
        for column in ("pain", "protocol"):         # copied in SQL: JSON stays JSON on either database
            source = next((r.id for r in rows if getattr(r, column) is not None), None)
            if source not in (None, keep.id):
                conn.execute(sa.text(f"UPDATE sessions SET {column} = (SELECT {column} FROM sessions WHERE id = :s) "
                                     "WHERE id = :k"), {"s": source, "k": keep.id})
        pain = next((r.pain for r in rows if r.pain is not None), None)      # the session's pain from now on
        pains = [f"Pain {r.pain}/10 in the {label} session merged here (it was session {r.id})." for r in rows
                 if r.pain is not None and r.pain != pain]
        conn.execute(sa.text("UPDATE sessions SET notes = :n WHERE id = :k"),
                     {"n": _joined(*(r.notes for r in rows), *pains), "k": keep.id})
        for other in rows[1:]:
            conn.execute(sa.text("UPDATE tests SET session_id = :k WHERE session_id = :o"),
                         {"k": keep.id, "o": other.id})
            conn.execute(sa.text("DELETE FROM sessions WHERE id = :o"), {"o": other.id})


# Why earlier versions withheld a value, read from the sentence they stored. Frozen here with this schema (a
# migration does not import the code it upgrades to); measures.common.Withheld.from_reason reads the same sentences
# in JSON that earlier versions wrote.
WITHHELD = ("CASE WHEN reason LIKE 'needs a scale%' THEN 'needs-scale' "
            "WHEN reason LIKE 'withheld: quality%' THEN 'poor-quality' "
            "WHEN reason LIKE 'no repetition%' THEN 'no-repetition' "
            "WHEN reason LIKE 'not measured%' THEN 'not-measurable' "
            "WHEN reason LIKE 'withheld: the arms and the shoulders disagree%' THEN 'disagree' END")


def upgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("clients") as t:
        t.alter_column("home_key", new_column_name="signing_key")
    op.add_column("measurements", sa.Column("withheld", sa.String(20)))
    conn.execute(sa.text(f"UPDATE measurements SET withheld = {WITHHELD} WHERE reason <> ''"))
    for column, kind in (("batch_key", sa.String(64)), ("video_path", sa.Text), ("calibration", sa.JSON)):
        # A session stored by the batch or the command line held one test: its key and kept video go to that test;
        # every test was measured with its session's camera profile (copied in SQL: JSON stays JSON).
        op.add_column("tests", sa.Column(column, kind))
        first = "" if column == "calibration" else " WHERE id IN (SELECT MIN(id) FROM tests GROUP BY session_id)"
        conn.execute(sa.text(f"UPDATE tests SET {column} = (SELECT s.{column} FROM sessions s WHERE s.id = "
                             f"tests.session_id){first}"))
    op.drop_index("ix_sessions_batch_key", "sessions")
    with op.batch_alter_table("sessions") as t:
        t.drop_column("batch_key")
        t.drop_column("video_path")
        t.drop_column("calibration")
    op.create_index("ix_tests_batch_key", "tests", ["batch_key"], unique=True)
    _merge_visits(conn)
    _merge_slots(conn)
    op.create_index("uq_visit_day", "visits", ["client_id", "visit_date"], unique=True)
    op.create_index("uq_visit_slot", "sessions", ["visit_id", "label"], unique=True, sqlite_where=SLOT,
                    postgresql_where=SLOT)


def downgrade() -> None:
    conn = op.get_bind()
    several = conn.scalar(sa.text("SELECT COUNT(*) FROM (SELECT session_id FROM tests WHERE batch_key IS NOT NULL OR "
                                  "video_path IS NOT NULL GROUP BY session_id HAVING COUNT(*) > 1) AS s"))
    if several:          # schema 0006 keeps one batch key and one kept video per session: refuse to lose the rest
        raise RuntimeError(f"{several} sessions hold several batch rows or kept videos, which schema 0006 cannot "
                           "hold: nothing was changed.")
    op.drop_index("uq_visit_slot", "sessions")
    op.drop_index("uq_visit_day", "visits")
    with op.batch_alter_table("measurements") as t:
        t.drop_column("withheld")
    with op.batch_alter_table("clients") as t:
        t.alter_column("signing_key", new_column_name="home_key")
    for column, kind in (("batch_key", sa.String(64)), ("video_path", sa.Text), ("calibration", sa.JSON)):
        op.add_column("sessions", sa.Column(column, kind))
        conn.execute(sa.text(f"UPDATE sessions SET {column} = (SELECT t.{column} FROM tests t WHERE t.session_id = "
                             f"sessions.id AND t.{column} IS NOT NULL ORDER BY t.id LIMIT 1)"))
    op.create_index("ix_sessions_batch_key", "sessions", ["batch_key"], unique=True)
    op.drop_index("ix_tests_batch_key", "tests")
    with op.batch_alter_table("tests") as t:
        t.drop_column("batch_key")
        t.drop_column("video_path")
        t.drop_column("calibration")
