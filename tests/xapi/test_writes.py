"""The xAPI write rules, decided once for every store (lrs.xapi.writes.plan_writes): a resend, a
conflict, a voiding, a StatementRef, in one batch or across batches, with no store at all."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrs.errors import Conflict
from lrs.xapi.agents import agent_key
from lrs.xapi.statements import prepare
from lrs.xapi.writes import Found, WritePlan, plan_writes

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://example.org", "name": "tool"}}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
MOMENT = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.timezone.utc)


def uid(n: int) -> str:
    return str(uuid.UUID(int=n))


def person(name: str) -> str:
    return agent_key({"mbox": f"mailto:{name}@example.org"})


def body(n: int, actor="ann", verb="x", target: int | None = None, voiding=False, activity="a") -> dict:
    statement = {"id": uid(n), "actor": {"mbox": f"mailto:{actor}@example.org"},
                 "verb": {"id": VOIDED if voiding else f"http://example.org/verbs/{verb}"},
                 "object": {"objectType": "StatementRef", "id": uid(target)} if target is not None
                 else {"id": f"http://example.org/activities/{activity}"}}
    return statement


def prepared(statement: dict):
    return prepare(copy.deepcopy(statement), authority=AUTHORITY, authority_key="tool", version="2.0.0",
                   owners=None)


def stored_text(statement: dict) -> str:
    """A statement as a store would hold it: stamped, as JSON text."""
    p = prepared(statement)
    p.stamp(MOMENT)
    return json.dumps(p.statement)


def test_new_statements_are_written_in_batch_order_with_their_own_keys_and_nothing_is_stamped():
    batch = [prepared(body(1)), prepared(body(2, actor="bob"))]
    plan = plan_writes(batch, Found())
    assert [w.id for w in plan.writes] == [uid(1), uid(2)]
    assert [sorted(w.keys) for w in plan.writes] == [sorted(p.keys) for p in batch]
    assert not any(w.voided or w.awaits_target for w in plan.writes)
    assert plan.voids == {} and plan.inherits == {}
    assert all(p.stored == "" and "stored" not in p.statement for p in batch)


def test_a_resent_statement_is_skipped_and_a_changed_one_is_a_conflict():
    found = Found(statements={uid(1): stored_text(body(1))})
    assert plan_writes([prepared(body(1)), prepared(body(2))], found).writes[0].id == uid(2)
    with pytest.raises(Conflict) as raised:
        plan_writes([prepared(body(2)), prepared(body(1, verb="y"))], found)
    assert raised.value.location == "statement.id" and uid(1) in str(raised.value)


def test_the_same_id_twice_in_one_batch_is_written_once_or_is_a_conflict():
    plan = plan_writes([prepared(body(1)), prepared(body(1))], Found())
    assert [w.id for w in plan.writes] == [uid(1)]
    with pytest.raises(Conflict):
        plan_writes([prepared(body(1)), prepared(body(1, verb="y"))], Found())


def test_voiding_a_stored_statement_is_left_to_the_store_to_persist():
    plan = plan_writes([prepared(body(2, target=1, voiding=True))], Found())
    assert plan.voids == {uid(1): uid(2)}
    (write,) = plan.writes
    assert write.voided_by is None and not write.voided


@pytest.mark.parametrize("order", ["target first", "voiding first"])
def test_voiding_within_the_batch_whichever_comes_first(order):
    target, voiding = prepared(body(1)), prepared(body(2, target=1, voiding=True))
    batch = [target, voiding] if order == "target first" else [voiding, target]
    plan = plan_writes(batch, Found())
    by_id = {w.id: w for w in plan.writes}
    assert by_id[uid(1)].voided and by_id[uid(1)].voided_by == uid(2)
    assert not by_id[uid(2)].voided
    assert plan.voids == {}


def test_a_statement_arriving_after_its_voiding_statement_is_written_voided():
    plan = plan_writes([prepared(body(1))], Found(voided_by={uid(1): uid(2)}))
    assert plan.writes[0].voided and plan.writes[0].voided_by == uid(2)


def test_a_voiding_statement_is_never_voided():
    plan = plan_writes([prepared(body(1, target=9, voiding=True)), prepared(body(2, target=1, voiding=True))],
                       Found())
    first = plan.writes[0]
    assert first.voided_by == uid(2) and not first.voided  # remembered, but it stays a voiding statement
    plan = plan_writes([prepared(body(1, target=9, voiding=True))], Found(voided_by={uid(1): uid(2)}))
    assert not plan.writes[0].voided


def test_a_reference_inherits_its_stored_targets_filter_keys_never_its_owners():
    target = prepared(body(1, actor="bob", activity="quiz"))
    plan = plan_writes([prepared(body(2, actor="ann", target=1))], Found(targets={uid(1): sorted(target.keys)}))
    keys = plan.writes[0].keys
    assert "agent:" + person("bob") in keys and "activity:http://example.org/activities/quiz" in keys
    assert [k for k in keys if k.startswith("actor:")] == ["actor:" + person("ann")]
    assert not plan.writes[0].awaits_target


def test_a_reference_to_a_statement_not_stored_awaits_it_and_inherits_nothing_yet():
    referrer = prepared(body(2, target=1))
    plan = plan_writes([referrer], Found())
    assert plan.writes[0].awaits_target and sorted(plan.writes[0].keys) == sorted(referrer.keys)


def test_a_target_later_in_the_batch_passes_its_keys_to_the_references_before_it():
    plan = plan_writes([prepared(body(2, target=1)), prepared(body(1, actor="bob", activity="quiz"))], Found())
    referrer = plan.writes[0]
    assert "activity:http://example.org/activities/quiz" in referrer.keys and not referrer.awaits_target
    assert "agent:" + person("bob") in referrer.keys and "actor:" + person("bob") not in referrer.keys


def test_stored_references_to_a_new_statement_inherit_its_keys_now():
    plan = plan_writes([prepared(body(1, actor="bob", activity="quiz"))], Found(referrers={uid(1): [uid(7)]}))
    (inherited,) = plan.inherits.values()
    assert list(plan.inherits) == [uid(7)]
    assert "activity:http://example.org/activities/quiz" in inherited
    assert not any(k.startswith("actor:") for k in inherited)


def test_keys_a_stored_statement_gains_in_the_batch_pass_on_to_a_later_reference_to_it():
    """7 (stored) targets 1; 1 arrives, then 2 targets 7: 2 is found by 1's keys too, as sent one by one."""
    seven = prepared(body(7, target=1))
    plan = plan_writes([prepared(body(1, actor="bob", activity="quiz")), prepared(body(2, target=7))],
                       Found(referrers={uid(1): [uid(7)]}, targets={uid(7): sorted(seven.keys)}))
    assert "activity:http://example.org/activities/quiz" in plan.writes[1].keys


# -- a batch does what its statements sent one at a time do ---------------------------------------------
class Model:
    """A store reduced to what the rules read and write (what SQLite and MongoDB each persist)."""

    def __init__(self):
        self.rows: dict[str, dict] = {}

    def found(self, batch) -> Found:
        ids = {p.id for p in batch}
        targets = {p.ref_target for p in batch if p.ref_target}
        referrers: dict[str, list[str]] = {}
        for sid, row in self.rows.items():
            if row["ref_target"] in ids:
                referrers.setdefault(row["ref_target"], []).append(sid)
        return Found(statements={i: self.rows[i]["json"] for i in ids if i in self.rows},
                     voided_by={row["voids"]: sid for sid, row in self.rows.items() if row["voids"] in ids},
                     referrers=referrers,
                     targets={t: list(self.rows[t]["keys"]) for t in targets if t in self.rows})

    def persist(self, plan: WritePlan) -> None:
        for target in plan.voids:
            if target in self.rows and self.rows[target]["voids"] is None:
                self.rows[target]["voided"] = True
        for referrer, keys in plan.inherits.items():
            self.rows[referrer]["keys"] = list(dict.fromkeys(self.rows[referrer]["keys"] + keys))
        for write in plan.writes:
            write.prepared.stamp(MOMENT)
            self.rows[write.id] = {"json": json.dumps(write.prepared.statement), "keys": list(write.keys),
                                   "voided": write.voided, "voids": write.prepared.voids,
                                   "ref_target": write.prepared.ref_target}

    def send(self, batch) -> int | type:
        try:
            plan = plan_writes(batch, self.found(batch))
        except Conflict:
            return Conflict
        self.persist(plan)
        return len(plan.writes)

    def state(self) -> dict:
        return {sid: {**row, "keys": sorted(row["keys"])} for sid, row in self.rows.items()}


@st.composite
def statement_of(draw, n: int) -> dict:
    kind = draw(st.sampled_from(["activity", "activity", "ref", "voiding"]))
    return body(n, actor=draw(st.sampled_from(["ann", "bob"])), verb=draw(st.sampled_from("xy")),
                target=draw(st.integers(1, 6)) if kind != "activity" else None, voiding=kind == "voiding",
                activity=draw(st.sampled_from("pq")))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_batch_stores_what_its_statements_sent_one_at_a_time_store(data):
    """Six statements sent in batches, any of them again (now and then changed: a conflict)."""
    sent = {n: data.draw(statement_of(n)) for n in range(1, 7)}
    batches = data.draw(st.lists(st.lists(st.tuples(st.integers(1, 6), st.integers(0, 9)), min_size=1, max_size=6),
                                 min_size=1, max_size=4))
    batched, one_by_one = Model(), Model()
    for batch in batches:
        bodies = [sent[n] if change else {**sent[n], "result": {"score": {"raw": 1}}} for n, change in batch]
        if batched.send([prepared(b) for b in bodies]) is Conflict:
            continue  # all or nothing: the batch leaves no trace (one at a time, those before the conflict would)
        assert Conflict not in [one_by_one.send([prepared(b)]) for b in bodies]
    assert batched.state() == one_by_one.state()
