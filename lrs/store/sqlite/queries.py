"""Reading statements from the SQLite store: queries over the term index in storage order, one
person's records from the timeline in the order the learning happened, attachment bodies, and
the activities kept from statements. Every read is kept within the reader's reach."""

from __future__ import annotations

import json

from lrs.access import Reach
from lrs.store.contract.statements import StatementPage, StoredStatement
from lrs.store.sqlite.connection import SQLiteConnection
from lrs.xapi.indexing import OWNER
from lrs.xapi.query import StatementQuery, parse_position, timeline_position


class SQLiteStatementReads(SQLiteConnection):
    """The reading half of the statements part (:class:`lrs.store.contract.statements.StatementStore`)."""

    def _reach_sql(self, conn, reach: Reach, seq_col: str) -> tuple[str, list] | None:
        """The condition (SQL, parameters) that keeps a query within reach; None: nothing is."""
        sql, params = [], []
        if reach.authority_key is not None:
            sql.append("AND s.authority_key = ?")
            params.append(reach.authority_key)
        if reach.owners is not None:
            owner_ids = [t for t in (self._term_id(conn, OWNER + k, create=False) for k in reach.owners)
                         if t is not None]
            if not owner_ids:
                return None
            sql.append(f"AND EXISTS (SELECT 1 FROM statement_index o WHERE o.seq = {seq_col}"
                       f" AND o.term IN ({','.join('?' * len(owner_ids))}))")
            params.extend(owner_ids)
        return " ".join(sql), params

    def get_statement(self, statement_id: str, *, reach: Reach, voided: bool = False) -> StoredStatement | None:
        conn = self.conn
        within = self._reach_sql(conn, reach, "s.seq")
        if within is None:
            return None
        row = conn.execute(
            "SELECT s.id, s.body, s.stored, s.voided, s.authority_key FROM statements s WHERE s.id = ? "
            + within[0], [statement_id.lower(), *within[1]]).fetchone()
        if row is None or bool(row[3]) != voided:
            return None
        return StoredStatement(id=row[0], json=row[1], stored=row[2], voided=bool(row[3]), authority_key=row[4])

    def reachable_ids(self, statement_ids: list[str], *, reach: Reach) -> set[str]:
        conn = self.conn
        within = self._reach_sql(conn, reach, "s.seq")
        if within is None or not statement_ids:
            return set()
        found: set[str] = set()
        ids = [i.lower() for i in dict.fromkeys(statement_ids)]
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            found.update(r[0] for r in conn.execute(
                f"SELECT s.id FROM statements s WHERE s.id IN ({','.join('?' * len(part))}) " + within[0],
                [*part, *within[1]]))
        return found

    def _seq_at(self, conn, stored: str) -> int:
        """The last sequence number stored at or before ``stored`` (0 if none)."""
        row = conn.execute("SELECT seq FROM statements WHERE stored <= ? ORDER BY stored DESC, seq DESC LIMIT 1",
                           (stored,)).fetchone()
        return row[0] if row else 0

    def query_statements(self, query: StatementQuery, limit: int, *, reach: Reach) -> StatementPage:
        conn = self.conn
        self._check_terms_cache(conn)
        if query.order == "timestamp":
            return self._timeline_page(conn, query, limit, reach)
        upto = query.upto
        if upto is None:
            upto = conn.execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()[0]
        term_ids = []
        for term in query.index_keys():
            term_id = self._term_id(conn, term, create=False)
            if term_id is None:
                return StatementPage([], None)
            term_ids.append(term_id)
        low, high = query.seq_window(upto, lambda stored: self._seq_at(conn, stored))
        if low >= high:
            return StatementPage([], None)

        if term_ids:
            seq_col = "i0.seq"
            sql = ["SELECT s.seq, s.id, s.body, s.stored FROM statement_index i0"]
            params: list = []
            for n, _ in enumerate(term_ids[1:], start=1):
                sql.append(f"JOIN statement_index i{n} ON i{n}.term = ? AND i{n}.seq = i0.seq")
                params.append(term_ids[n])
            sql.append("JOIN statements s ON s.seq = i0.seq WHERE i0.term = ?")
            params.append(term_ids[0])
        else:
            seq_col = "s.seq"
            sql = ["SELECT s.seq, s.id, s.body, s.stored FROM statements s WHERE 1 = 1"]
            params = []
        sql.append(f"AND {seq_col} > ? AND {seq_col} <= ? AND s.voided = 0")
        params += [low, high]
        within = self._reach_sql(conn, reach, seq_col)
        if within is None:
            return StatementPage([], None)
        sql.append(within[0])
        params.extend(within[1])
        sql.append(f"ORDER BY {seq_col} {'ASC' if query.ascending else 'DESC'} LIMIT ?")
        params.append(limit + 1)
        rows = conn.execute(" ".join(sql), params).fetchall()
        more = None
        if len(rows) > limit:
            rows = rows[:limit]
            more = query.to_cursor(after=rows[-1][0], upto=upto)
        return StatementPage([StoredStatement(id=r[1], json=r[2], stored=r[3]) for r in rows], more)

    def _timeline_sql(self, conn, query: StatementQuery, reach: Reach) -> tuple[list[int], str, list] | None:
        """The owner terms to walk and the conditions (SQL over ``timeline t``, parameters) of a query in
        timestamp order; None when it can find nothing."""
        if reach.owners is None:
            raise ValueError("statements are listed by timestamp for one person's records: a reach narrowed to owners")
        owner_ids = [t for t in (self._term_id(conn, OWNER + k, create=False) for k in reach.owners) if t is not None]
        term_ids = [self._term_id(conn, term, create=False) for term in query.index_keys()]
        if not owner_ids or None in term_ids:
            return None
        sql, params = [], []
        if query.timestamp_from:
            sql.append("AND t.ts >= ?")
            params.append(query.timestamp_from)
        if query.timestamp_before:
            sql.append("AND t.ts < ?")
            params.append(query.timestamp_before)
        for term_id in term_ids:
            sql.append("AND EXISTS (SELECT 1 FROM statement_index i WHERE i.term = ? AND i.seq = t.seq)")
            params.append(term_id)
        if reach.authority_key is not None:
            sql.append("AND EXISTS (SELECT 1 FROM statements a WHERE a.seq = t.seq AND a.authority_key = ?)")
            params.append(reach.authority_key)
        return owner_ids, " ".join(sql), params

    def _timeline_page(self, conn, query: StatementQuery, limit: int, reach: Reach) -> StatementPage:
        """Each owner term's rows in (time, seq) order, straight from the timeline's primary key, merged."""
        found = self._timeline_sql(conn, query, reach)
        if found is None:
            return StatementPage([], None)
        owner_ids, sql, params = found
        direction = "ASC" if query.ascending else "DESC"
        past = []
        if query.position:
            past = ["AND (t.ts, t.seq) > (?, ?)" if query.ascending else "AND (t.ts, t.seq) < (?, ?)",
                    list(parse_position(query.position))]
        rows: dict[int, str] = {}
        for owner in owner_ids:
            for ts, seq in conn.execute(
                    f"SELECT t.ts, t.seq FROM timeline t WHERE t.term = ? {sql} {past[0] if past else ''}"
                    f" ORDER BY t.ts {direction}, t.seq {direction} LIMIT ?",
                    [owner, *params, *(past[1] if past else []), limit + 1]):
                rows[seq] = ts
        order = sorted(rows.items(), key=lambda kv: (kv[1], kv[0]), reverse=not query.ascending)[:limit + 1]
        bodies = {r[0]: r[1:] for r in self._rows_in(
            conn, "SELECT seq, id, body, stored FROM statements WHERE seq IN ({})", [seq for seq, _ in order])}
        page = [StoredStatement(id=bodies[seq][0], json=bodies[seq][1], stored=bodies[seq][2],
                                position=timeline_position(ts, seq)) for seq, ts in order if seq in bodies]
        more = None
        if len(page) > limit:
            page = page[:limit]
            more = query.to_cursor(after=None, upto=None, position=page[-1].position)
        return StatementPage(page, more)

    def count_statements(self, query: StatementQuery, *, reach: Reach) -> int:
        if query.order != "timestamp":
            raise ValueError("count_statements counts in timestamp order")
        conn = self.conn
        self._check_terms_cache(conn)
        found = self._timeline_sql(conn, query, reach)
        if found is None:
            return 0
        owner_ids, sql, params = found
        if len(owner_ids) == 1:
            return conn.execute(f"SELECT count(*) FROM timeline t WHERE t.term = ? {sql}",
                                [owner_ids[0], *params]).fetchone()[0]
        return conn.execute(
            f"SELECT count(DISTINCT t.seq) FROM timeline t WHERE t.term IN ({','.join('?' * len(owner_ids))}) {sql}",
            [*owner_ids, *params]).fetchone()[0]

    def may_hold_2_0_context(self) -> bool:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'v2_context'").fetchone()
        return row is None or row[0] != "0"

    def statement_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM statements").fetchone()[0]

    def get_attachments(self, statement_ids: list[str], *, reach: Reach) -> dict[str, tuple[str, bytes]]:
        conn = self.conn
        within = self._reach_sql(conn, reach, "s.seq")
        if within is None or not statement_ids:
            return {}
        found = {}
        ids = [i.lower() for i in dict.fromkeys(statement_ids)]
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            for sha2, content_type, content in conn.execute(
                    "SELECT DISTINCT a.sha2, a.content_type, a.content FROM statements s"
                    " JOIN statement_attachments c ON c.seq = s.seq JOIN attachments a ON a.sha2 = c.sha2"
                    f" WHERE s.id IN ({','.join('?' * len(part))}) " + within[0], [*part, *within[1]]):
                found[sha2] = (content_type, bytes(content))
        return found

    def get_activity(self, activity_id: str) -> dict | None:
        row = self.conn.execute("SELECT body FROM activities WHERE activity_id = ?", (activity_id,)).fetchone()
        return json.loads(row[0]) if row else None
