"""store_statements looks up a whole batch at once (existing ids, voiding, StatementRefs) instead of
statement by statement; the rows it leaves must be exactly those the per-statement algorithm left,
whatever the mix of re-sent, conflicting, voiding and referring statements in and across batches."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs.errors import Conflict
from lrs.store.sqlite import SQLiteStore, _now, dumps, needs_downgrade, same_statement
from lrs.xapi.statements import prepare

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://example.org", "name": "tool"}}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
POOL = [str(uuid.UUID(int=n + 1)) for n in range(6)]


class PerStatementStore(SQLiteStore):
    """The algorithm before batching, kept as the reference (with ownership keys never inherited)."""

    def _not_owners(self, conn, term_ids):
        names = dict(conn.execute(f"SELECT id, term FROM terms WHERE id IN ({','.join('?' * len(term_ids))})",
                                  term_ids)) if term_ids else {}
        return [t for t in term_ids if not names[t].startswith("actor:")]

    def store_statements(self, statements: list[PreparedStatement], attachments: dict | None = None) -> list[str]:
        new_ids: list[str] = []
        new_terms: dict[str, int] = {}
        definitions: list[dict] = []  # of the statements stored, in order: merged once per batch
        v2_context = False  # whether one has context.contextAgents/contextGroups (may_hold_2_0_context)
        with self._write() as conn:
            for sha2, part in (attachments or {}).items():
                conn.execute("INSERT OR IGNORE INTO attachments (sha2, content_type, content) VALUES (?, ?, ?)",
                             (sha2, part.content_type, part.content))
            last = conn.execute("SELECT stored FROM statements ORDER BY seq DESC LIMIT 1").fetchone()
            moment = _now()
            if last and moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") < last[0]:
                moment = dt.datetime.strptime(last[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
            for prepared in statements:
                existing = conn.execute("SELECT body FROM statements WHERE id = ?", (prepared.id,)).fetchone()
                if existing:
                    if same_statement(prepared.statement, json.loads(existing[0])):
                        continue
                    raise Conflict(
                        f"a different statement with id {prepared.id} is already stored; statements cannot change",
                        location="statement.id",
                    )
                prepared.stamp(moment)
                voided_already = prepared.voids is None and conn.execute(
                    "SELECT 1 FROM statements WHERE voids = ? LIMIT 1", (prepared.id,)
                ).fetchone() is not None
                term_ids = []
                for term in prepared.keys:
                    term_id = self._term_id(conn, term, create=True)
                    new_terms[term] = term_id
                    term_ids.append(term_id)
                if prepared.ref_target:
                    # Filter conditions for StatementRefs: a targeting statement is found by its target's terms
                    target = conn.execute("SELECT terms FROM statements WHERE id = ?",
                                          (prepared.ref_target,)).fetchone()
                    if target and target[0]:
                        term_ids = list(dict.fromkeys(
                            term_ids + self._not_owners(conn, [int(t) for t in target[0].split(",")])))
                body = dumps(prepared.statement)
                v2_context = v2_context or needs_downgrade(body)
                seq = conn.execute(
                    "INSERT INTO statements (id, stored, voided, voids, ref_target, authority_key, terms, body)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
                    (prepared.id, prepared.stored, int(voided_already), prepared.voids, prepared.ref_target,
                     prepared.authority_key, ",".join(map(str, term_ids)), body),
                ).fetchone()[0]
                conn.executemany("INSERT OR IGNORE INTO statement_index (term, seq) VALUES (?, ?)",
                                 [(term_id, seq) for term_id in term_ids])
                for referrer, referrer_terms in conn.execute(
                        "SELECT seq, terms FROM statements WHERE ref_target = ?", (prepared.id,)).fetchall():
                    # a statement that arrived before the one it targets inherits its terms now
                    inheritable = self._not_owners(conn, term_ids)
                    merged = list(dict.fromkeys([int(t) for t in referrer_terms.split(",") if t] + inheritable))
                    conn.execute("UPDATE statements SET terms = ? WHERE seq = ?",
                                 (",".join(map(str, merged)), referrer))
                    conn.executemany("INSERT OR IGNORE INTO statement_index (term, seq) VALUES (?, ?)",
                                     [(term_id, referrer) for term_id in inheritable])
                definitions.extend(prepared.definitions)
                if prepared.voids:
                    conn.execute(
                        "UPDATE statements SET voided = 1 WHERE id = ? AND voids IS NULL", (prepared.voids,)
                    )
                new_ids.append(prepared.id)
            if definitions:
                self._define_activities(conn, definitions)
            if v2_context:
                conn.execute("UPDATE meta SET value = '1' WHERE key = 'v2_context' AND value = '0'")
        if len(self._terms) + len(new_terms) > 200_000:  # bounded: registrations are many
            self._terms.clear()
        self._terms.update(new_terms)
        return new_ids


@st.composite
def statement_bodies(draw):
    body = {"actor": {"mbox": f"mailto:{draw(st.sampled_from('abc'))}@example.org"},
            "verb": {"id": f"http://example.org/verbs/{draw(st.sampled_from('xy'))}"}}
    kind = draw(st.sampled_from(["activity", "activity", "ref", "voiding"]))
    target = draw(st.sampled_from(POOL))
    if kind == "activity":
        body["object"] = {"id": f"http://example.org/a/{draw(st.sampled_from('pq'))}"}
    else:
        body["object"] = {"objectType": "StatementRef", "id": target}
        if kind == "voiding":
            body["verb"] = {"id": VOIDED}
    if draw(st.booleans()):
        body["context"] = {"registration": str(uuid.UUID(int=draw(st.integers(100, 102))))}
    if draw(st.integers(0, 3)):
        body["id"] = draw(st.sampled_from(POOL))
    return body


def _state(store):
    conn = store.conn
    names = dict(conn.execute("SELECT id, term FROM terms"))
    rows = {}
    for sid, voided, voids, ref, terms, body in conn.execute(
            "SELECT id, voided, voids, ref_target, terms, body FROM statements"):
        statement = json.loads(body)
        for lrs_set in ("stored", "timestamp", "id"):
            statement.pop(lrs_set, None)
        rows[sid if sid in POOL else json.dumps(statement, sort_keys=True)] = (
            voided, voids, ref, sorted(names[int(t)] for t in terms.split(",") if t), statement)
    seq_ids = dict(conn.execute("SELECT seq, id FROM statements"))
    index = sorted((names[term], seq_ids[seq] if seq_ids[seq] in POOL else "") for term, seq in
                   conn.execute("SELECT term, seq FROM statement_index"))
    return rows, index


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(statement_bodies(), min_size=1, max_size=5), min_size=1, max_size=4))
def test_batched_lookups_store_what_per_statement_lookups_stored(tmp_path_factory, batches):
    folder = tmp_path_factory.mktemp("batches")
    batched, reference = SQLiteStore(folder / "batched.sqlite3"), PerStatementStore(folder / "reference.sqlite3")
    for store in (batched, reference):
        store.initialise()
    try:
        for batch in batches:
            outcomes = []
            for store in (batched, reference):
                try:
                    items = [prepare(copy.deepcopy(body), authority=AUTHORITY, authority_key="tool",
                                     version="2.0.0", owners=None) for body in batch]
                except Exception as error:  # noqa: BLE001 - the same for both
                    outcomes.append(type(error))
                    continue
                try:
                    outcomes.append(len(store.store_statements(items)))
                except Conflict:
                    outcomes.append(Conflict)
            assert outcomes[0] == outcomes[1]
        assert _state(batched) == _state(reference)
    finally:
        batched.close()
        reference.close()
