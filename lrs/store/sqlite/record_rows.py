"""Record rows in SQLite: a table of rows per person beside the timeline, and each person's state
(the reach and the last statement sequence and erasure generation their rows were brought up to)."""

from __future__ import annotations

import json

from lrs.store.contract.record_rows import (
    RecordFilter, RecordRow, RecordRowStore, RecordSum, RecordValues, reach_mark,
)
from lrs.store.contract.statements import StoredStatement
from lrs.store.sqlite.connection import SQLiteConnection
from lrs.xapi.query import StatementQuery, parse_position, timeline_position

#: records read and given to the reader at a time while rows are made (one write transaction each)
BATCH = 2000
_SEP = "\x1f"  # between tags, and around them: a tag matches as ``\x1f<tag>\x1f``
_COLUMNS = "seq, statement_id, ts, day, way, verb, verb_label, type, source, tags, minutes, timed, hidden, annotated"


def _row(r) -> RecordRow:
    return RecordRow(statement_id=r[1], position=timeline_position(r[2], r[0]), day=r[3], way=r[4], verb=r[5],
                     verb_label=r[6], type=r[7], source=r[8], tags=[t for t in r[9].split(_SEP) if t],
                     minutes=r[10], timed=bool(r[11]), hidden=bool(r[12]), annotated=r[13], text=r[14])


class SQLiteRecordRows(SQLiteConnection, RecordRowStore):
    """The record rows part. A row's search text is kept beside it (``record_row_texts``), so the rows
    the other filters, counts and sums walk stay narrow; the values the rows hold (the filter menus)
    are kept in the person's state until their rows change."""

    def _generation(self, conn) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = 'record_rows_generation'").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def record_rows_changed(conn) -> None:
        """Every person's rows are checked whole at their next sync (after an erasure changed statements)."""
        conn.execute("INSERT INTO meta VALUES ('record_rows_generation', '1')"
                     " ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def sync_record_rows(self, person_id, make_rows, *, reach) -> int:
        conn = self.conn
        self._check_terms_cache(conn)
        mark = reach_mark(reach)
        last = conn.execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()[0]
        generation = self._generation(conn)
        state = conn.execute("SELECT reach, seq, generation FROM record_row_state WHERE person_id = ?",
                             (person_id,)).fetchone()
        if state == (mark, last, generation):
            return 0
        found = self._timeline_sql(conn, StatementQuery(order="timestamp"), reach)
        owners, sql, params = found if found is not None else ([], "", [])
        within = (f"t.term IN ({','.join('?' * len(owners))}) {sql}", [*owners, *params]) if owners else None
        made = 0
        if state is not None and state[0] == mark and state[2] == generation and within is not None:
            # the everyday case: statements arrived; the new records get rows, and if the counts then
            # agree nothing was voided meanwhile
            made = self._make_rows(person_id, make_rows, within, generation, after=state[1])
            if made is not None and self._counts_agree(conn, person_id, within):
                if made:  # else the check is made again next time: cheaper than a write
                    self._keep_state(person_id, mark, last, generation)
                return made
        with self._write() as w:
            if (state is not None and state[0] != mark) or within is None:
                w.execute("DELETE FROM record_rows WHERE person_id = ?", (person_id,))
            else:
                w.execute(f"DELETE FROM record_rows WHERE person_id = ? AND NOT EXISTS (SELECT 1 FROM timeline t"
                          f" WHERE t.seq = record_rows.seq AND t.ts = record_rows.ts AND {within[0]})",
                          [person_id, *within[1]])
            w.execute("DELETE FROM record_row_texts WHERE person_id = ? AND NOT EXISTS (SELECT 1 FROM record_rows r"
                      " WHERE r.person_id = record_row_texts.person_id AND r.seq = record_row_texts.seq)", (person_id,))
        if within is not None:
            more = self._make_rows(person_id, make_rows, within, generation, after=None)
            if more is None:
                return made or 0  # an erasure meanwhile: the next sync checks again
            made = (made or 0) + more
        self._keep_state(person_id, mark, last, generation)
        return made or 0

    def _counts_agree(self, conn, person_id, within) -> bool:
        (rows,) = conn.execute("SELECT count(*) FROM record_rows WHERE person_id = ?", (person_id,)).fetchone()
        (records,) = conn.execute(f"SELECT count(DISTINCT t.seq) FROM timeline t WHERE {within[0]}",
                                  within[1]).fetchone()
        return rows == records

    def _keep_state(self, person_id, mark, last, generation) -> None:
        with self._write() as w:
            if self._generation(w) == generation:
                w.execute("INSERT INTO record_row_state (person_id, reach, seq, generation) VALUES (?, ?, ?, ?)"
                          " ON CONFLICT (person_id) DO UPDATE SET reach = excluded.reach, seq = excluded.seq,"
                          ' generation = excluded.generation, "values" = NULL', (person_id, mark, last, generation))

    def _make_rows(self, person_id, make_rows, within, generation, *, after) -> int | None:
        """Rows for the records within reach that have none (stored after ``after``, if given); None
        when an erasure happened meanwhile (its rows would not be checked)."""
        conn = self.conn
        newer = ("AND t.seq > ?", [after]) if after is not None else ("", [])
        missing = conn.execute(
            f"SELECT DISTINCT t.ts, t.seq FROM timeline t WHERE {within[0]} {newer[0]} AND NOT EXISTS"
            " (SELECT 1 FROM record_rows r WHERE r.person_id = ? AND r.seq = t.seq) ORDER BY t.seq",
            [*within[1], *newer[1], person_id]).fetchall()
        made = 0
        for start in range(0, len(missing), BATCH):
            part = dict((seq, ts) for ts, seq in missing[start:start + BATCH])
            stored = [StoredStatement(id=r[1], json=r[2], stored=r[3], position=timeline_position(part[r[0]], r[0]))
                      for r in self._rows_in(conn, "SELECT seq, id, body, stored FROM statements WHERE seq IN ({})",
                                             list(part))]
            rows = make_rows(stored)
            with self._write() as w:
                if self._generation(w) != generation:
                    return None
                values = [(person_id, *self._values(row)) for row in rows]
                w.executemany(f"INSERT OR REPLACE INTO record_rows (person_id, {_COLUMNS})"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [v[:-1] for v in values])
                w.executemany("INSERT OR REPLACE INTO record_row_texts (person_id, seq, text) VALUES (?, ?, ?)",
                              [(v[0], v[1], v[-1]) for v in values])
            made += len(rows)
        return made

    @staticmethod
    def _values(row: RecordRow) -> tuple:
        ts, seq = parse_position(row.position)
        tags = _SEP + _SEP.join(row.tags) + _SEP if row.tags else ""
        return (seq, row.statement_id.lower(), ts, row.day, row.way, row.verb, row.verb_label, row.type, row.source,
                tags, int(row.minutes), int(row.timed), int(row.hidden), row.annotated, row.text)

    def forget_record_rows(self, person_id, statement_ids, *, reach) -> int:
        reach_mark(reach)
        ids = [i.lower() for i in dict.fromkeys(statement_ids)]
        if not ids:
            return 0
        with self._write() as w:
            gone = 0
            for start in range(0, len(ids), 500):
                part = ids[start:start + 500]
                seqs = [r[0] for r in w.execute(
                    f"DELETE FROM record_rows WHERE person_id = ? AND statement_id IN ({','.join('?' * len(part))})"
                    " RETURNING seq", [person_id, *part])]
                w.executemany("DELETE FROM record_row_texts WHERE person_id = ? AND seq = ?",
                              [(person_id, seq) for seq in seqs])
                gone += len(seqs)
            if gone:  # made again at the next sync, which then checks the rows whole
                w.execute('UPDATE record_row_state SET seq = -1, "values" = NULL WHERE person_id = ?', (person_id,))
        return gone

    def _state_matches(self, conn, person_id, reach) -> bool:
        row = conn.execute("SELECT reach FROM record_row_state WHERE person_id = ?", (person_id,)).fetchone()
        return row is not None and row[0] == reach_mark(reach)

    def annotated_record_rows(self, person_id, *, reach) -> dict[str, str]:
        conn = self.conn
        if not self._state_matches(conn, person_id, reach):
            return {}
        return dict(conn.execute("SELECT statement_id, annotated FROM record_rows WHERE person_id = ?"
                                 " AND annotated != ''", (person_id,)))

    @staticmethod
    def _where(where: RecordFilter) -> tuple[str, list]:
        """Conditions on ``record_rows`` (no alias) and their parameters."""
        sql, params = ["AND hidden = ?"], [int(where.hidden)]
        for name in ("source", "verb", "type", "way"):
            if getattr(where, name):
                sql.append(f"AND {name} = ?")
                params.append(getattr(where, name))
        if where.tag:
            sql.append("AND instr(tags, ?) > 0")
            params.append(_SEP + where.tag + _SEP)
        if where.since:
            sql.append("AND day >= ?")
            params.append(where.since)
        if where.until:
            sql.append("AND day <= ?")
            params.append(where.until)
        if where.words:
            sql.append("AND EXISTS (SELECT 1 FROM record_row_texts x WHERE x.person_id = record_rows.person_id"
                       " AND x.seq = record_rows.seq" + " AND instr(x.text, ?) > 0" * len(where.words) + ")")
            params.extend(where.words)
        return " ".join(sql), params

    def query_record_rows(self, person_id, where, limit, *, reach, position=None, ascending=False) -> list[RecordRow]:
        conn = self.conn
        if not self._state_matches(conn, person_id, reach):
            return []
        sql, params = self._where(where)
        if position:
            sql += " AND (ts, seq) > (?, ?)" if ascending else " AND (ts, seq) < (?, ?)"
            params += list(parse_position(position))
        direction = "ASC" if ascending else "DESC"
        found = conn.execute(
            f"SELECT {_COLUMNS} FROM record_rows WHERE person_id = ? {sql} ORDER BY ts {direction}, seq {direction}"
            " LIMIT ?", [person_id, *params, limit]).fetchall()
        texts = dict(self._rows_in(conn, f"SELECT seq, text FROM record_row_texts WHERE person_id = {int(person_id)}"
                                         " AND seq IN ({})", [r[0] for r in found]))
        return [_row((*r, texts.get(r[0], ""))) for r in found]

    def count_record_rows(self, person_id, where, *, reach) -> int:
        conn = self.conn
        if not self._state_matches(conn, person_id, reach):
            return 0
        sql, params = self._where(where)
        return conn.execute(f"SELECT count(*) FROM record_rows WHERE person_id = ? {sql}",
                            [person_id, *params]).fetchone()[0]

    def sum_record_rows(self, person_id, where, *, reach) -> list[RecordSum]:
        conn = self.conn
        if not self._state_matches(conn, person_id, reach):
            return []
        sql, params = self._where(where)
        return [RecordSum(*r) for r in conn.execute(
            f"SELECT substr(day, 1, 7) AS month, way, count(*), sum(minutes), sum(timed) FROM record_rows"
            f" WHERE person_id = ? {sql} GROUP BY month, way ORDER BY month, way", [person_id, *params])]

    def record_row_values(self, person_id, *, reach) -> RecordValues:
        conn = self.conn
        if not self._state_matches(conn, person_id, reach):
            return RecordValues(set(), {}, set(), set())
        (kept,) = conn.execute('SELECT "values" FROM record_row_state WHERE person_id = ?', (person_id,)).fetchone()
        if kept is not None:
            found = json.loads(kept)
            return RecordValues(set(found["sources"]), found["verbs"], set(found["types"]), set(found["tags"]))
        values = self._row_values(conn, person_id)
        with self._write() as w:
            w.execute('UPDATE record_row_state SET "values" = ? WHERE person_id = ? AND reach = ?',
                      (json.dumps({"sources": sorted(values.sources), "verbs": values.verbs,
                                   "types": sorted(values.types), "tags": sorted(values.tags)}),
                       person_id, reach_mark(reach)))
        return values

    @staticmethod
    def _row_values(conn, person_id) -> RecordValues:
        values = RecordValues(set(), {}, set(), set())
        base = "FROM record_rows WHERE person_id = ? AND hidden = 0"
        values.sources = {r[0] for r in conn.execute(f"SELECT DISTINCT source {base}", (person_id,))}
        values.types = {r[0] for r in conn.execute(f"SELECT DISTINCT type {base} AND type != ''", (person_id,))}
        values.tags = {t for r in conn.execute(f"SELECT DISTINCT tags {base} AND tags != ''", (person_id,))
                       for t in r[0].split(_SEP) if t}
        newest: dict[str, tuple] = {}
        for verb, label, ts, seq in conn.execute(
                f"SELECT verb, verb_label, max(ts), seq {base} GROUP BY verb, verb_label", (person_id,)):
            if verb not in newest or (ts, seq) > newest[verb][1:]:
                newest[verb] = (label, ts, seq)
        values.verbs = {verb: found[0] for verb, found in newest.items()}
        return values
