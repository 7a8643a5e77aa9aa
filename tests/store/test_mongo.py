"""What is particular to the MongoDB store: configuration, plugin registration, the two write
paths, errors, and the API end to end on mongomock (the contract suite covers the rest)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import mongomock
import pymongo
import pytest

from lrs.app import create_app
from lrs.errors import StoreUnavailable
from lrs.plugins import get_plugin_manager, store_backends
from lrs.store import mongo
from lrs.store.mongo import MongoStore, open_mongo, supports_transactions
from lrs.xapi.query import StatementQuery
from tests.conftest import SECRET_KEY, XAPIClient, add_credential, statement
from tests.store.conftest import MONGODB_URI, open_backend
from tests.store.contract import prepared
from tests.conftest import EVERYTHING


@pytest.fixture
def mock_store():
    store = MongoStore(mongomock.MongoClient(), "lrs", transactions=False)
    store.initialise()
    return store


@pytest.fixture(params=["mongomock"] + (["mongodb"] if MONGODB_URI else []))
def any_mongo(request, tmp_path):
    """mongomock, and a real server when LRS_TEST_MONGODB_URI is set."""
    store = open_backend(request.param, tmp_path)
    store.initialise()
    yield store
    if request.param == "mongodb":
        store.client.drop_database(store.db.name)
    store.close()


def test_registered_as_the_mongodb_backend():
    backends = store_backends(get_plugin_manager())
    assert backends["mongodb"].factory is open_mongo


def test_module_imports_without_pymongo_and_says_what_to_install():
    code = ("import sys; sys.modules['pymongo'] = None; sys.modules['bson'] = None\n"
            "from lrs.store import mongo\n"
            "try:\n    mongo.open_mongo('mongodb://localhost/lrs')\n"
            "except RuntimeError as error:\n    print(error)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'learnfolio[mongo]'" in out


def test_majority_by_default_and_url_options_win():
    client = open_mongo("mongodb://127.0.0.1:1/lrs?serverSelectionTimeoutMS=10").client
    try:
        assert client.write_concern.document == {"w": "majority"}
        assert client.read_concern.level == "majority"
    finally:
        client.close()
    client = open_mongo("mongodb://127.0.0.1:1/other?w=1&readConcernLevel=local").client
    try:
        assert client.write_concern.document == {"w": 1} and client.read_concern.level == "local"
    finally:
        client.close()
    assert open_mongo("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=10").db.name == "learnfolio"


class _Admin:
    def __init__(self, reply):
        self.reply = reply

    def command(self, name):
        return self.reply


class _Client:
    def __init__(self, reply):
        self.admin = _Admin(reply)


def test_transactions_detected_on_replica_sets_and_clusters_only():
    assert supports_transactions(_Client({"setName": "rs0", "isWritablePrimary": True}))
    assert supports_transactions(_Client({"msg": "isdbgrid"}))
    assert not supports_transactions(_Client({"isWritablePrimary": True}))  # standalone
    assert not supports_transactions(mongomock.MongoClient())


class _Session:
    """Stands in for a pymongo session: runs the callback once, as a committed transaction would."""

    calls: list = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def with_transaction(self, callback, **options):
        self.calls.append(options)
        return callback(None)


def test_transactional_path_runs_the_batch_with_majority_and_snapshot(mock_store, monkeypatch):
    """Only the wiring: mongomock has no transactions (see the README for what a server verifies)."""
    monkeypatch.setattr(mock_store.client, "start_session", lambda: _Session(), raising=False)
    mock_store._transactions = True
    _Session.calls = []
    p = prepared()
    assert mock_store.store_statements([p]) == [p.id]
    (options,) = _Session.calls
    assert options["write_concern"].document == {"w": "majority"} and options["read_concern"].level == "snapshot"


def test_two_processes_write_in_sequence_order(any_mongo):
    """Two stores on one database (as two LRS processes): sequence order is stored order, nothing lost.
    On mongomock they take turns through the lease; on a replica set their transactions conflict
    on the counter and the later one is retried."""
    mock_store = any_mongo
    other = MongoStore(mock_store.client, mock_store.db.name)
    errors = []

    def write(store):
        try:
            for _ in range(5):
                store.store_statements([prepared() for _ in range(4)])
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(s,)) for s in (mock_store, other, mock_store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    docs = list(mock_store.db.statements.find({}, {"seq": 1, "stored": 1}).sort("seq", 1))
    assert [d["seq"] for d in docs] == list(range(1, 81))
    assert [d["stored"] for d in docs] == sorted(d["stored"] for d in docs)
    assert mock_store.check() == []


def test_a_lease_left_by_a_crashed_writer_expires(mock_store):
    mock_store.db.locks.insert_one({"_id": "statements", "holder": "crashed", "expires": 0})
    assert mock_store.store_statements([prepared()])
    mock_store.db.locks.update_one({"_id": "statements"}, {"$set": {"holder": "busy", "expires": 1e12}})
    with pytest.raises(StoreUnavailable):  # held by a live writer (its lease runs far ahead)
        mock_store._acquire_lease(timeout=0.05)


def test_clocks_behind_never_make_stored_go_backwards(mock_store):
    mock_store.db.counters.update_one({"_id": "statements"}, {"$set": {"stored": "2999-01-01T00:00:00.000000Z"}})
    p = prepared()
    mock_store.store_statements([p])
    assert mock_store.get_statement(p.id, reach=EVERYTHING).stored == "2999-01-01T00:00:00.000000Z"
    assert mock_store.consistent_through() == "2998-12-31T23:59:59.999Z"


def test_connection_faults_are_503(mock_store, monkeypatch):
    def lost(*args, **kwargs):
        raise pymongo.errors.AutoReconnect("connection lost")

    monkeypatch.setattr(mock_store, "_counter", lost)
    with pytest.raises(StoreUnavailable):
        mock_store.query_statements(StatementQuery(), 10, reach=EVERYTHING)


def test_api_end_to_end_on_mongomock(tmp_path, monkeypatch):
    """The whole xAPI through LRS_STORE=mongodb://… (pymongo's client replaced by mongomock's)."""
    monkeypatch.setattr(mongo.pymongo, "MongoClient", mongomock.MongoClient)
    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY,
                      "store": "mongodb://mongo1,mongo2,mongo3/learnfolio?replicaSet=rs0"})
    store = app.extensions["lrs"].store
    assert isinstance(store, MongoStore) and not store.transactional
    client = XAPIClient(app.test_client(), add_credential(store))
    batch = [statement() for _ in range(3)]
    posted = client.post("/xapi/statements", json=batch)
    assert posted.status_code == 200, posted.json
    ids = posted.json
    page = client.get("/xapi/statements?limit=2")
    assert [s["id"] for s in page.json["statements"]] == ids[::-1][:2]
    # the last batch's stored less a millisecond: every statement stored by then is visible
    through = page.headers["X-Experience-API-Consistent-Through"]
    assert through < page.json["statements"][0]["stored"] and len(through) == len("2026-01-01T00:00:00.000Z")
    rest = client.get(page.json["more"])
    assert [s["id"] for s in rest.json["statements"]] == [ids[0]]
    one = client.get(f"/xapi/statements?statementId={ids[1]}")
    assert one.status_code == 200 and one.json["id"] == ids[1]
    state = "/xapi/activities/state?activityId=http://example.org/a&stateId=s&agent=" + json.dumps(
        {"mbox": "mailto:ada@example.org"})
    assert client.put(state, data=b'{"x": 1}', headers={"Content-Type": "application/json"}).status_code == 204
    etag = client.get(state).headers["ETag"]
    assert client.put(state, data=b'{"x": 2}', headers={"Content-Type": "application/json",
                                                        "If-Match": '"nope"'}).status_code == 412
    assert client.put(state, data=b'{"x": 2}', headers={"Content-Type": "application/json",
                                                        "If-Match": etag}).status_code == 204
    assert client.get(state).json == {"x": 2}
