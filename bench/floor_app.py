"""The floor: the least an xAPI store built on the design card's stack can cost on this machine.

Issue 18 sets its targets in server CPU per operation. This app measures how much of them the
stack itself takes before any of Learnfolio's own work: Flask, served by Granian through the same
bridge (``lrs.rsgi.Bridge``) with the same HTTP settings and workers as ``lrs serve``; JSON read
and written by orjson; SQLite in WAL mode with the statement row and the same index rows
Learnfolio writes (:func:`lrs.xapi.indexing.index_keys`, one ``(term, seq)`` row each), committed
under one writer lock across processes and synced (``fdatasync``) before the answer, as
Learnfolio's ``synchronous=FULL`` promises.

It does only what every LRS must: set ``id``, ``stored`` and ``authority``; find a page by one
index range and splice the stored bodies into it; find one statement by id. It does not check
the credential, validate a statement, know owners or an access gate, void, sign ``more``
cursors, keep metrics, or call plugins. It answers the same requests as ``bench.run``'s
workloads, so both are driven by the same client (``bench.floor``).

``LRS_FLOOR_INDEX=mask``: one index row per agent or activity with a role mask (agent, actor,
related agent; activity, related activity) instead of one row per role: issue 18's "fewer index
rows" lever, measured here before anyone builds it into the store. ``LRS_FLOOR_FRAMEWORK=none``:
the same work as a plain WSGI function, without Flask.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sqlite3
import threading
import uuid
from urllib.parse import parse_qs

import orjson
from flask import Flask, Response, request

from lrs.xapi.agents import agent_key
from lrs.xapi.indexing import index_keys

DB = os.environ.get("LRS_FLOOR_DB", "floor.sqlite3")
MASKED = os.environ.get("LRS_FLOOR_INDEX", "rows") == "mask"
FRAMEWORK = os.environ.get("LRS_FLOOR_FRAMEWORK", "flask")
AUTHORITY = {"objectType": "Agent", "mbox": "mailto:floor@example.org"}
#: a key's role as a bit of its row's mask (LRS_FLOOR_INDEX=mask); the other kinds keep their own rows
ROLES = {"agent": ("a", 1), "actor": ("a", 2), "ragent": ("a", 4), "activity": ("o", 1), "ractivity": ("o", 2)}
SCHEMA = """
CREATE TABLE IF NOT EXISTS statements (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
                                       stored TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS statements_stored ON statements (stored);
CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS statement_index (term INTEGER NOT NULL, seq INTEGER NOT NULL, mask INTEGER NOT NULL,
                                            PRIMARY KEY (term, seq)) WITHOUT ROWID;
"""

_local = threading.local()
_thread_lock = threading.Lock()
_terms: dict[str, int] = {}


def _conn() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DB, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # then fdatasync after the commit: FULL's promise
        conn.execute("PRAGMA cache_size = -8192")
        _local.conn = conn
    return conn


class _WriterLock:
    """One writer at a time across the worker processes, as Learnfolio's write path has."""

    def __enter__(self):
        _thread_lock.acquire()
        self.fd = os.open(DB + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        _thread_lock.release()


def rows_of(keys) -> dict[str, int]:
    """The index rows of a statement's keys: term -> mask (0 when each role keeps its own row)."""
    if not MASKED:
        return dict.fromkeys(keys, 0)
    rows: dict[str, int] = {}
    for key in keys:
        kind, _, value = key.partition(":")
        family, bit = ROLES.get(kind, (kind, 0))
        term = f"{family}:{value}"
        rows[term] = rows.get(term, 0) | bit
    return rows


def _term_id(conn, term: str, create: bool) -> int | None:
    found = _terms.get(term)
    if found is None:
        row = conn.execute("SELECT id FROM terms WHERE term = ?", (term,)).fetchone()
        if row is None:
            if not create:
                return None
            row = (conn.execute("INSERT INTO terms (term) VALUES (?)", (term,)).lastrowid,)
        found = _terms[term] = row[0]
    return found


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def store(data: bytes) -> bytes:
    """POST /statements: the statements written with their index rows, committed and synced; their ids."""
    parsed = orjson.loads(data)
    statements = parsed if isinstance(parsed, list) else [parsed]
    conn, ids = _conn(), []
    with _WriterLock():
        conn.execute("BEGIN IMMEDIATE")
        try:
            stored = _now()
            for statement in statements:
                statement.setdefault("id", str(uuid.uuid4()))
                statement["stored"], statement["authority"] = stored, AUTHORITY
                seq = conn.execute("INSERT INTO statements (id, stored, body) VALUES (?, ?, ?)",
                                   (statement["id"], stored, orjson.dumps(statement).decode())).lastrowid
                conn.executemany("INSERT INTO statement_index (term, seq, mask) VALUES (?, ?, ?)",
                                 [(_term_id(conn, term, True), seq, mask)
                                  for term, mask in rows_of(index_keys(statement)).items()])
                ids.append(statement["id"])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            _terms.clear()  # ids of terms made in the rolled-back transaction are gone
            raise
    fd = os.open(DB + "-wal", os.O_RDONLY)
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)
    return orjson.dumps(ids)


def _filter(args) -> tuple[str, int] | None:
    """The one index term (and mask bit) the query asks for; None for all statements."""
    if "agent" in args:
        key = "agent:" + agent_key(orjson.loads(args["agent"]))
    elif "verb" in args:
        key = "verb:" + args["verb"]
    elif "activity" in args:
        key = "activity:" + args["activity"]
    elif "registration" in args:
        key = "registration:" + args["registration"].lower()
    else:
        return None
    ((term, bit),) = rows_of([key]).items()  # the key's own row: its role's bit with the mask, else 0
    return term, bit


def find(args) -> tuple[int, str]:
    """GET /statements: one statement by id, or a page of one filter's newest (status, JSON text)."""
    conn = _conn()
    if "statementId" in args:
        row = conn.execute("SELECT body FROM statements WHERE id = ?", (args["statementId"],)).fetchone()
        return (200, row[0]) if row else (404, '{"error": "not found"}')
    limit = int(args.get("limit", 100))
    since = conn.execute("SELECT coalesce(max(seq), 0) FROM statements WHERE stored <= ?",
                         (args["since"],)).fetchone()[0] if "since" in args else 0
    wanted = _filter(args)
    if wanted is None:
        rows = conn.execute("SELECT body FROM statements WHERE seq > ? ORDER BY seq DESC LIMIT ?",
                            (since, limit + 1)).fetchall()
    else:
        term_id = _term_id(conn, wanted[0], False)
        rows = [] if term_id is None else conn.execute(
            "SELECT s.body FROM statement_index i JOIN statements s ON s.seq = i.seq"
            " WHERE i.term = ? AND i.seq > ? AND (? = 0 OR i.mask & ?) ORDER BY i.seq DESC LIMIT ?",
            (term_id, since, wanted[1], wanted[1], limit + 1)).fetchall()
    more = '"/xapi/statements?more=next"' if len(rows) > limit else '""'
    return 200, "".join(('{"statements":[', ",".join(r[0] for r in rows[:limit]), '],"more":', more, "}"))


app = Flask("floor")


@app.post("/xapi/statements")
def post_statements():
    return Response(store(request.get_data()), mimetype="application/json")


@app.get("/xapi/statements")
def get_statements():
    status, body = find(request.args)
    return Response(body, status=status, mimetype="application/json")


@app.get("/xapi/about")
def about():
    return Response(b'{"version": ["2.0.0"]}', mimetype="application/json")


def bare(environ, start_response):
    """The same answers as a plain WSGI function, without Flask (LRS_FLOOR_FRAMEWORK=none): what the
    framework itself costs, beside the floor that keeps it."""
    method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
    if method == "POST" and path == "/xapi/statements":
        status, body = 200, store(environ["wsgi.input"].read())
    elif method in ("GET", "HEAD") and path == "/xapi/statements":
        args = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        status, text = find(args)
        body = text.encode()
    elif path == "/xapi/about":
        status, body = 200, b'{"version": ["2.0.0"]}'
    else:
        status, body = 404, b'{"error": "not found"}'
    start_response(f"{status} {'OK' if status == 200 else 'Not Found'}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def open_store(path: str, index: str = "rows") -> None:
    """Serve from the store at ``path`` (made if new) with the index layout ``index``, in this process."""
    global DB, MASKED, _local
    DB, MASKED, _local = path, index == "mask", threading.local()
    _terms.clear()
    setup = sqlite3.connect(DB, isolation_level=None)
    setup.execute("PRAGMA journal_mode = WAL")
    setup.executescript(SCHEMA)
    setup.close()


def bridge():
    """What Granian loads in each worker: the app behind Learnfolio's own bridge."""
    from lrs.rsgi import Bridge, end_with_parent, settle

    end_with_parent()  # as lrs serve's workers: none is left serving when the bench stops the server
    open_store(DB, "mask" if MASKED else "rows")
    settle()
    return Bridge(bare if FRAMEWORK == "none" else app, threads=4, body_timeout=30, max_body_bytes=64 << 20,
                  inline_prefix="/xapi/")


def main() -> None:
    """Serve it as ``lrs serve`` serves Learnfolio (lrs/server.py): Granian, RSGI, HTTP/1.1, the same
    worker count by default (LRS_WORKERS) and header timeout."""
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.server import Server as Granian

    from lrs.config import default_workers

    Granian(
        "bench.floor_app:bridge", factory=True, address="127.0.0.1", port=int(os.environ["LRS_PORT"]),
        interface=Interfaces.RSGI, workers=int(os.environ.get("LRS_WORKERS") or default_workers()),
        loop=Loops.asyncio, http=HTTPModes.http1, websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=10_000, keep_alive=True),
    ).serve()


if __name__ == "__main__":
    main()
