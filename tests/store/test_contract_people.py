"""The people part: people (and what people administration needs: disabled, last sign-in),
the identities they claim (an e-mail address compared in any letter case), and the attempt
counters that limit guessing.

Semantics run on every backend: SQLite; MongoDB's code on mongomock (a mock of MongoDB,
not a server: it proves the store's code, never what a server does); a real MongoDB when
LRS_TEST_MONGODB_URI is set (tests/store/conftest.py).
Atomicity under contention is shown only where real concurrency exists: SQLite across threads and
processes, and a real MongoDB server across threads; mongomock has no real concurrency, so no race
run on it proves anything and none is made."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from lrs.errors import Conflict
from lrs.store.base import Item
from lrs.store.sqlite import SQLiteStore
from lrs.xapi.agents import agent_key
from tests.store.contract import person, together


ANN = {"mbox": "mailto:ann@example.org", "name": "Ann"}
BOB = {"mbox": "mailto:bob@example.org", "name": "Bob"}
ADA = {"objectType": "Agent", "mbox": "mailto:ada@example.org"}
ADA_VARIANT = {"objectType": "Agent", "mbox": "mailto:Ada@Example.ORG"}
ACCOUNT = {"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": "Ada"}}
ACCOUNT_VARIANT = {"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": "ada"}}


def test_people(backend):
    person = backend.add_person("ada", "hash", email="ada@example.org", is_admin=True)
    assert backend.get_person("ada").id == person.id and backend.get_person("ada").is_admin
    with pytest.raises(Conflict):
        backend.add_person("ada", "hash")


def test_identity_claims_verification_and_owner(backend):
    ann, bob = person(backend, "ann"), person(backend, "bob")
    claim = backend.add_identity(ann.id, ANN)
    assert not claim.verified and backend.identity_owner(agent_key(ANN)) is None
    assert backend.verify_identity(ann.id, agent_key(ANN), "admin:root")
    assert backend.identity_owner(agent_key(ANN)) == ann.id
    # nobody else can hold it while ann does: a claim verified at once is refused, and a pending
    # claim is recorded (so claiming reveals nothing) but can never be verified
    with pytest.raises(Conflict):
        backend.add_identity(bob.id, ANN, verified_by="admin:root")
    assert not backend.add_identity(bob.id, ANN).verified
    with pytest.raises(Conflict):
        backend.verify_identity(bob.id, agent_key(ANN), "admin:root")
    assert backend.identity_owner(agent_key(ANN)) == ann.id
    assert backend.remove_identity(bob.id, agent_key(ANN))
    # two pending claims of one identifier: the first verified wins, the second cannot be verified
    backend.add_identity(ann.id, BOB)
    backend.add_identity(bob.id, BOB)
    assert backend.verify_identity(bob.id, agent_key(BOB), "admin:root")
    with pytest.raises(Conflict):
        backend.verify_identity(ann.id, agent_key(BOB), "admin:root")
    assert [i.key for i in backend.list_identities(ann.id, verified=True)] == [agent_key(ANN)]
    assert [i.person_id for i in backend.list_identities(verified=False)] == [ann.id]
    assert backend.remove_identity(ann.id, agent_key(BOB))
    assert not backend.remove_identity(ann.id, agent_key(BOB))
    assert not backend.verify_identity(ann.id, "Agent|mbox|mailto:none@example.org", "admin:root")


def test_people_update_and_list(backend):
    ann = person(backend, "ann")
    backend.update_person(ann.id, password_hash="new", is_admin=True, email="a@example.org")
    got = backend.get_person_by_id(ann.id)
    assert (got.password_hash, got.is_admin, got.email) == ("new", True, "a@example.org")
    assert [p.username for p in backend.list_people()] == ["ann"]
    assert backend.get_person_by_id(999) is None


def test_a_new_person_is_enabled_and_has_never_signed_in(backend):
    ann = backend.add_person("ann", "hash")
    assert ann.disabled is False and ann.last_sign_in is None
    again = backend.get_person("ann")
    assert again.disabled is False and again.last_sign_in is None


def test_disable_re_enable_and_last_sign_in(backend):
    ann, bob = backend.add_person("ann", "hash"), backend.add_person("bob", "hash")
    backend.update_person(ann.id, disabled=True)
    assert backend.get_person_by_id(ann.id).disabled is True
    assert backend.get_person_by_id(bob.id).disabled is False  # only hers
    backend.update_person(ann.id, last_sign_in="2026-03-01T10:00:00+00:00")
    found = backend.get_person("ann")
    assert found.disabled is True and found.last_sign_in == "2026-03-01T10:00:00+00:00"  # one change keeps the other
    backend.update_person(ann.id, disabled=False)
    assert [(p.username, p.disabled, p.last_sign_in) for p in backend.list_people()] == [
        ("ann", False, "2026-03-01T10:00:00+00:00"), ("bob", False, None)]


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
