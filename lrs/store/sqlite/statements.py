"""Storing statements in SQLite: the JSON text as it will be sent back, beside index rows of
(term, seq) built from :func:`lrs.xapi.indexing.index_keys`, so every query filter is an index
range scan in storage order, and the timeline of each owner's records.

What a batch does (a resend, a conflict, a voiding, a StatementRef) is decided by
:func:`lrs.xapi.writes.plan_writes`; this module looks up what it needs and persists the plan.
"""

from __future__ import annotations

import datetime as dt
import json

from lrs.store.contract.statements import StatementStore
from lrs.store.sqlite.connection import _now
from lrs.store.sqlite.queries import SQLiteStatementReads
from lrs.xapi.activities import adds_nothing, merge_activity
from lrs.xapi.formats import needs_downgrade
from lrs.xapi.indexing import OWNER, timeline_time
from lrs.xapi.jsontext import dumps, loads
from lrs.xapi.statements import PreparedStatement
from lrs.xapi.writes import Found, WritePlan, plan_writes


class SQLiteStatements(SQLiteStatementReads, StatementStore):
    """The statements part: writing here, reading in :mod:`lrs.store.sqlite.queries`."""

    def store_statements(self, statements: list[PreparedStatement], attachments: dict | None = None) -> list[str]:
        with self._write() as conn:
            terms_retired, last_stored, last_seq = self._tail(conn)
            self._check_terms_epoch(terms_retired)
            for sha2, part in (attachments or {}).items():
                conn.execute("INSERT OR IGNORE INTO attachments (sha2, content_type, content) VALUES (?, ?, ?)",
                             (sha2, part.content_type, part.content))
            plan = plan_writes(statements, self._found(conn, statements))
            term_ids = self._persist(conn, plan, self._moment(last_stored), last_seq)
        self._remember_terms(term_ids)
        return [write.id for write in plan.writes]

    @staticmethod
    def _tail(conn) -> tuple[str | None, str | None, int]:
        """What every write needs to know first, in one query (a single POST's round trips are most of
        its SQL time): the erasure epoch of the term cache, the last ``stored``, and the last sequence
        number ever given (AUTOINCREMENT's, so one erased is never given again)."""
        return conn.execute(
            "SELECT (SELECT value FROM meta WHERE key = 'terms_retired'),"
            " (SELECT stored FROM statements ORDER BY seq DESC LIMIT 1),"
            " max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'statements'), 0),"
            " coalesce((SELECT max(seq) FROM statements), 0))").fetchone()

    @staticmethod
    def _moment(last_stored: str | None) -> dt.datetime:
        """Now, or the last ``stored`` if this clock is behind it: ``stored`` never goes backwards."""
        moment = _now()
        if last_stored and moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") < last_stored:
            moment = dt.datetime.strptime(last_stored, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
        return moment

    #: the statements a batch names by id, those that void them and those that refer to them, tagged
    _FOUND_SQL = ("SELECT 0, id, body FROM statements WHERE id IN ({0})"
                  " UNION ALL SELECT 1, id, voids FROM statements WHERE voids IN ({0})"
                  " UNION ALL SELECT 2, id, ref_target FROM statements WHERE ref_target IN ({0})")

    def _found(self, conn, statements: list[PreparedStatement]) -> Found:
        """What the write rules need to know of the stored statements: one query for the whole batch."""
        ids = [prepared.id for prepared in statements]
        stored: dict[str, str] = {}
        voided_by: dict[str, str] = {}
        referrers: dict[str, list[str]] = {}
        # three times the chunk's parameters: within SQLite's bound
        for tag, statement_id, value in self._rows_in(conn, self._FOUND_SQL, ids, chunk=300, times=3):
            if tag == 0:
                stored[statement_id] = value
            elif tag == 1:
                voided_by[value] = statement_id
            else:
                referrers.setdefault(value, []).append(statement_id)
        targets = list(dict.fromkeys(p.ref_target for p in statements if p.ref_target))
        return Found(statements=stored, voided_by=voided_by, referrers=referrers,
                     targets=self._keys_of(conn, targets) if targets else {})

    def _keys_of(self, conn, statement_ids: list[str]) -> dict[str, list[str]]:
        """The index keys of those of the statements that are stored, in the order they were indexed."""
        rows = [(sid, [int(t) for t in terms.split(",") if t]) for sid, terms in self._rows_in(
            conn, "SELECT id, terms FROM statements WHERE id IN ({})", statement_ids)]
        names = dict(self._rows_in(conn, "SELECT id, term FROM terms WHERE id IN ({})",
                                   list({t for _, term_ids in rows for t in term_ids})))
        return {sid: [names[t] for t in term_ids if t in names] for sid, term_ids in rows}

    def _persist(self, conn, plan: WritePlan, moment: dt.datetime, seq: int) -> dict[str, int]:
        """Write what the plan decided, each table's rows for the whole batch in one executemany, numbered
        after ``seq`` in order, as one row at a time would have been; returns the term ids it used."""
        used: dict[str, int] = {}
        index_rows = self._persist_stored(conn, plan, used)
        self._intern(conn, [key for write in plan.writes for key in write.keys], used)
        statement_rows: list[tuple] = []
        carried_rows: list[tuple[int, str]] = []
        timeline_rows: list[tuple[int, str, int]] = []
        definitions: list[dict] = []  # of the statements stored, in order: merged once per batch
        v2_context = False  # whether one has context.contextAgents/contextGroups (may_hold_2_0_context)
        for write in plan.writes:
            prepared = write.prepared
            prepared.stamp(moment)
            body = dumps(prepared.statement)
            v2_context = v2_context or needs_downgrade(body)
            ids = [used[key] for key in write.keys]
            seq += 1
            statement_rows.append((seq, prepared.id, prepared.stored, int(write.voided), prepared.voids,
                                   prepared.ref_target, prepared.authority_key, ",".join(map(str, ids)), body))
            index_rows.extend((term_id, seq) for term_id in ids)
            carried_rows.extend((seq, sha2) for sha2 in prepared.carries)
            if prepared.voids is None and not write.voided:
                ts = timeline_time(prepared.statement)
                timeline_rows.extend((used[key], ts, seq) for key in write.keys if key.startswith(OWNER))
            definitions.extend(prepared.definitions)
        conn.executemany(
            "INSERT INTO statements (seq, id, stored, voided, voids, ref_target, authority_key, terms, body)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", statement_rows)
        conn.executemany("INSERT OR IGNORE INTO statement_index (term, seq) VALUES (?, ?)", index_rows)
        conn.executemany("INSERT OR IGNORE INTO timeline (term, ts, seq) VALUES (?, ?, ?)", timeline_rows)
        if carried_rows:
            conn.executemany("INSERT OR IGNORE INTO statement_attachments (seq, sha2) VALUES (?, ?)", carried_rows)
        if definitions:
            self._define_activities(conn, definitions)
        if v2_context:
            conn.execute("UPDATE meta SET value = '1' WHERE key = 'v2_context' AND value = '0'")
        return used

    def _persist_stored(self, conn, plan: WritePlan, used: dict[str, int]) -> list[tuple[int, int]]:
        """The plan's changes to statements stored before: voided, or inheriting the keys of the one they
        target (which arrived after them); returns the index rows to add."""
        for target in plan.voids:
            conn.execute("UPDATE statements SET voided = 1 WHERE id = ? AND voids IS NULL", (target,))
            self._unlist(conn, target)
        index_rows: list[tuple[int, int]] = []
        for referrer, keys in plan.inherits.items():
            seq, terms = conn.execute("SELECT seq, terms FROM statements WHERE id = ?", (referrer,)).fetchone()
            inherited = self._term_ids(conn, keys, used)
            merged = list(dict.fromkeys([int(t) for t in terms.split(",") if t] + inherited))
            conn.execute("UPDATE statements SET terms = ? WHERE seq = ?", (",".join(map(str, merged)), seq))
            index_rows.extend((term_id, seq) for term_id in inherited)
        return index_rows

    def _term_ids(self, conn, keys: list[str], used: dict[str, int]) -> list[int]:
        """The term ids of index keys, made for new ones, and remembered in ``used``."""
        for key in keys:
            if key not in used:
                used[key] = self._term_id(conn, key, create=True)
        return [used[key] for key in keys]

    def _intern(self, conn, keys: list[str], used: dict[str, int]) -> None:
        """Put the term ids of index keys in ``used``: remembered, else looked up in one query, else made
        (numbered after the last, as SQLite numbers an INTEGER PRIMARY KEY)."""
        wanted = [key for key in dict.fromkeys(keys) if key not in used]
        unknown = []
        for key in wanted:
            cached = self._terms.get(key)
            if cached is None:
                unknown.append(key)
            else:
                used[key] = cached
        if not unknown:
            return
        used.update(self._rows_in(conn, "SELECT term, id FROM terms WHERE term IN ({})", unknown))
        new = [key for key in unknown if key not in used]
        if new:
            top = conn.execute("SELECT coalesce(max(id), 0) FROM terms").fetchone()[0]
            rows = [(top + n, key) for n, key in enumerate(new, start=1)]
            conn.executemany("INSERT INTO terms (id, term) VALUES (?, ?)", rows)
            used.update((key, term_id) for term_id, key in rows)

    @staticmethod
    def _unlist(conn, statement_id: str) -> None:
        """Take a statement that is voided off the timeline."""
        row = conn.execute("SELECT seq, terms, body FROM statements WHERE id = ? AND voids IS NULL",
                           (statement_id,)).fetchone()
        if row is not None:
            unlist_seq(conn, *row)

    def _define_activities(self, conn, activities: list[dict]) -> None:
        """Merge definitions in order: each activity read and written once, only when it changes."""
        by_id: dict[str, list[dict]] = {}
        for activity in activities:
            by_id.setdefault(activity["id"], []).append(activity)
        stored = dict(self._rows_in(conn, "SELECT activity_id, body FROM activities WHERE activity_id IN ({})",
                                    list(by_id)))
        changed = []
        for activity_id, incoming in by_id.items():
            body = stored.get(activity_id)
            existing = current = loads(body) if body is not None else None  # one per activity defined
            for activity in incoming:
                if not adds_nothing(current, activity):
                    current = merge_activity(current, activity)
            if current != existing:
                changed.append((activity_id, dumps(current)))
        if changed:
            conn.executemany("INSERT OR REPLACE INTO activities (activity_id, body) VALUES (?, ?)", changed)


def unlist_seq(conn, seq: int, terms: str, body: str) -> None:
    """Delete a statement's rows from the timeline (it is voided, or erased)."""
    ts = timeline_time(json.loads(body))
    conn.executemany("DELETE FROM timeline WHERE term = ? AND ts = ? AND seq = ?",
                     [(int(t), ts, seq) for t in terms.split(",") if t])
