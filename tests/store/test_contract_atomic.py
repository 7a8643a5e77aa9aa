"""The storage contract's atomic primitives: one-time items (take_item), attempt counters
(count_attempt, uncount_attempt), and claims of e-mail addresses compared in any letter case.

Semantics run on every backend (SQLite, MongoDB's code on mongomock, a real MongoDB when
LRS_TEST_MONGODB_URI is set). Atomicity under contention is shown only where real concurrency
exists: SQLite across threads and processes, and a real MongoDB server across threads; mongomock
is a mock without real concurrency, so no race run on it proves anything and none is made."""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from lrs.errors import Conflict
from lrs.store.base import Item
from lrs.store.sqlite import SQLiteStore
from lrs.xapi.agents import agent_key
from tests.store.conftest import MONGODB_URI, open_backend

ADA = {"objectType": "Agent", "mbox": "mailto:ada@example.org"}
ADA_VARIANT = {"objectType": "Agent", "mbox": "mailto:Ada@Example.ORG"}
ACCOUNT = {"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": "Ada"}}
ACCOUNT_VARIANT = {"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": "ada"}}


def test_take_item_returns_it_once(backend):
    backend.put_item(Item("invite", "i1", None, {"email": "x@example.org"}))
    taken = backend.take_item("invite", "i1")
    assert taken is not None and taken.body == {"email": "x@example.org"} and taken.kind == "invite"
    assert backend.take_item("invite", "i1") is None
    assert backend.get_item("invite", "i1") is None
    assert backend.take_item("invite", "never") is None


def test_count_attempt_counts_within_a_window_and_starts_again_after_it(backend):
    assert [backend.count_attempt("signin", "k", 60) for _ in range(3)] == [1, 2, 3]
    assert backend.count_attempt("signin", "other", 60) == 1  # keys are separate
    assert backend.count_attempt("chat", "k", 60) == 1        # and kinds
    backend.uncount_attempt("signin", "k")
    assert backend.count_attempt("signin", "k", 60) == 3
    assert backend.count_attempt("short", "k", 0.2) == 1
    time.sleep(0.3)  # the window has ended (a wait on the clock, not a timing assertion)
    assert backend.count_attempt("short", "k", 0.2) == 1


def test_uncount_attempt_never_goes_below_zero(backend):
    backend.uncount_attempt("signin", "none")  # nothing counted: nothing happens
    backend.count_attempt("signin", "k", 60)
    for _ in range(3):
        backend.uncount_attempt("signin", "k")
    assert backend.count_attempt("signin", "k", 60) == 1


def test_a_pending_claim_of_a_held_identifier_is_recorded_but_never_verified(backend):
    ann, bob = backend.add_person("ann", "h"), backend.add_person("bob", "h")
    backend.add_identity(ann.id, ADA, verified_by="admin:root")
    for agent in (ADA, ADA_VARIANT):
        claim = backend.add_identity(bob.id, agent)
        assert not claim.verified
        with pytest.raises(Conflict):
            backend.verify_identity(bob.id, agent_key(agent), "mail")
        with pytest.raises(Conflict):
            backend.add_identity(bob.id, agent, verified_by="admin:root")
    assert backend.identity_owner(agent_key(ADA)) == ann.id
    assert backend.identity_owner(agent_key(ADA_VARIANT)) is None
    assert {i.key for i in backend.list_identities(bob.id, verified=False)} == {agent_key(ADA),
                                                                                agent_key(ADA_VARIANT)}


def test_only_e_mail_addresses_compare_without_case(backend):
    ann, bob = backend.add_person("ann", "h"), backend.add_person("bob", "h")
    backend.add_identity(ann.id, ACCOUNT, verified_by="admin:root")
    backend.add_identity(bob.id, ACCOUNT_VARIANT)  # an account name's case may matter to its system
    assert backend.verify_identity(bob.id, agent_key(ACCOUNT_VARIANT), "admin:root")
    # and a person's own variants are theirs to verify
    backend.add_identity(ann.id, ADA, verified_by="admin:root")
    backend.add_identity(ann.id, ADA_VARIANT)
    assert backend.verify_identity(ann.id, agent_key(ADA_VARIANT), "mail")


# -- under contention: real concurrency only ----------------------------------------------------

REAL = ["sqlite"] + (["mongodb"] if MONGODB_URI else [])


@pytest.fixture(params=REAL)
def real_backend(request, tmp_path):
    store = open_backend(request.param, tmp_path)
    store.initialise()
    yield store
    if request.param == "mongodb":
        store.client.drop_database(store.db.name)
    store.close()


def together(count, work):
    start = threading.Barrier(count)

    def run(i):
        start.wait()
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_threads_racing_for_one_item_one_wins(real_backend):
    for round_ in range(5):
        real_backend.put_item(Item("invite", f"i{round_}", None, {}))
        taken = together(16, lambda i: real_backend.take_item("invite", f"i{round_}"))
        assert sum(t is not None for t in taken) == 1


def test_threads_counting_at_once_each_get_their_own_count(real_backend):
    counts = together(32, lambda i: real_backend.count_attempt("signin", "k", 600))
    assert sorted(counts) == list(range(1, 33))


def _count_in_process(path, n, start, queue):
    try:
        store = SQLiteStore(path)
        start.wait(timeout=60)
        queue.put([store.count_attempt("signin", "k", 600) for _ in range(n)] +
                  [store.take_item("invite", "once") is not None])
        store.close()
    except Exception as error:  # reported to the test rather than lost with the process
        queue.put(repr(error))


def test_processes_counting_at_once_each_get_their_own_count(tmp_path):
    """The `lrs serve` case: several worker processes on one SQLite file."""
    path = tmp_path / "shared.sqlite3"
    store = SQLiteStore(path)
    store.initialise()
    store.put_item(Item("invite", "once", None, {}))
    context = multiprocessing.get_context("spawn")
    queue, start = context.Queue(), context.Barrier(4)
    workers = [context.Process(target=_count_in_process, args=(path, 10, start, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert all(isinstance(r, list) for r in results), results
    counts = sorted(c for r in results for c in r[:-1])
    assert counts == list(range(1, 41))
    assert sum(r[-1] for r in results) == 1
    store.close()
